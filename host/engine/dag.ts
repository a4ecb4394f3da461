/**
 * DAG files and their validation. A DAG is a list of plugin instances and
 * their ordering:
 *
 *   nodes:
 *     - instance_id: scan
 *       module_type: pentora/tcp-connect-scanner
 *       config: { ports: "22,80,443" }
 *     - instance_id: banners
 *       module_type: pentora/banner-grabber
 *       depends_on: [scan]
 *
 * Validation collects every problem (unknown module, unknown dependency,
 * cycle, unsatisfied requires, bad config) so `dag validate` can list them
 * all; the thrown error's message is the first one.
 */

import { yaml } from '../config/yaml.ts';
import { ErrorCode, PentoraError } from '../errors.ts';
import { checkConfigValue, type Manifest } from '../sandbox/manifest.ts';
import { validate, type JsonSchema } from './json-schema.ts';
import { HOST_PROVIDED_KEYS, isStandardKey } from './keys.ts';

export interface DagNodeSpec {
  instance_id: string;
  module_type: string;
  depends_on?: string[];
  config?: Record<string, unknown>;
}

export interface DagSpec {
  name?: string;
  nodes: DagNodeSpec[];
}

export interface DagNode {
  id: string;
  module: string;
  dependsOn: string[];
  /** Config with the plugin's defaults applied. */
  config: Record<string, unknown>;
  manifest: Manifest;
}

export interface Dag {
  name: string;
  /** Nodes in a topological order (dependencies first). */
  nodes: DagNode[];
}

const DAG_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['nodes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 100 },
    nodes: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: {
        type: 'object',
        required: ['instance_id', 'module_type'],
        additionalProperties: false,
        properties: {
          instance_id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
          module_type: { type: 'string', maxLength: 130 },
          depends_on: { type: 'array', maxItems: 256, items: { type: 'string' } },
          config: { type: 'object' },
        },
      },
    },
  },
};

/** Parses DAG YAML; syntax errors name file:line:col. */
export function parseDagYaml(text: string, where: string): DagSpec {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lc.linePos(first.pos[0]);
    throw new PentoraError(ErrorCode.Dag, `${where}:${pos.line}:${pos.col}: ${first.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  const problem = validate(DAG_SCHEMA, value, 'dag');
  if (problem) throw new PentoraError(ErrorCode.Dag, `${where}: ${problem}`);
  return value as DagSpec;
}

/** Applies defaults and checks every config value; returns [config, problems]. */
export function resolveConfig(nodeId: string, manifest: Manifest, given: Record<string, unknown>): [Record<string, unknown>, string[]] {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(manifest.config, key)) {
      const known = Object.keys(manifest.config);
      problems.push(`node "${nodeId}": ${manifest.name} has no config option "${key}"${known.length ? ` (options: ${known.join(', ')})` : ''}`);
    }
  }
  for (const [key, spec] of Object.entries(manifest.config)) {
    if (Object.hasOwn(given, key)) {
      const err = checkConfigValue(key, spec, given[key]);
      if (err) problems.push(`node "${nodeId}": config ${err}`);
      else out[key] = given[key];
    } else if (spec.default !== undefined) {
      out[key] = spec.default;
    } else if (spec.required) {
      problems.push(`node "${nodeId}": config option "${key}" of ${manifest.name} is required`);
    }
  }
  return [out, problems];
}

/** Orders nodes dependencies-first, or returns the first cycle found as a path. */
function topoSort(nodes: Map<string, { dependsOn: string[] }>): { order: string[]; cycle: string[] | null } {
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  const order: string[] = [];
  const stack: string[] = [];
  let cycle: string[] | null = null;
  const visit = (id: string): void => {
    if (cycle) return;
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) {
      cycle = [...stack.slice(stack.indexOf(id)), id];
      return;
    }
    state.set(id, 1);
    stack.push(id);
    for (const dep of nodes.get(id)?.dependsOn ?? []) if (nodes.has(dep)) visit(dep);
    stack.pop();
    state.set(id, 2);
    order.push(id);
  };
  for (const id of nodes.keys()) visit(id);
  return { order, cycle };
}

function ancestors(id: string, deps: Map<string, string[]>, seen = new Set<string>()): Set<string> {
  for (const d of deps.get(id) ?? []) {
    if (!seen.has(d)) {
      seen.add(d);
      ancestors(d, deps, seen);
    }
  }
  return seen;
}

/**
 * Validates a DAG against the plugins that can run. `lookup` returns the
 * verified manifest for a module name, or null. `provided`: the keys the
 * caller writes before any node runs (default: the host's, `targets`).
 */
export function validateDag(spec: DagSpec, lookup: (module: string) => Manifest | null, where = 'dag', provided: readonly string[] = HOST_PROVIDED_KEYS): Dag {
  const problems: string[] = [];
  const byId = new Map<string, DagNodeSpec>();
  for (const n of spec.nodes) {
    if (byId.has(n.instance_id)) problems.push(`node "${n.instance_id}" is defined twice`);
    byId.set(n.instance_id, n);
  }
  const manifests = new Map<string, Manifest>();
  for (const n of byId.values()) {
    const m = lookup(n.module_type);
    if (!m) problems.push(`node "${n.instance_id}": unknown module "${n.module_type}" (not installed, or it failed verification)`);
    else manifests.set(n.instance_id, m);
    for (const d of n.depends_on ?? []) {
      if (!byId.has(d)) problems.push(`node "${n.instance_id}" depends on "${d}", which is not a node`);
      if (d === n.instance_id) problems.push(`node "${n.instance_id}" depends on itself`);
    }
  }
  const deps = new Map([...byId].map(([id, n]) => [id, (n.depends_on ?? []).filter((d) => byId.has(d))]));
  const { order, cycle } = topoSort(new Map([...deps].map(([id, d]) => [id, { dependsOn: d }])));
  if (cycle) problems.push(`cycle: ${(cycle as string[]).join(' -> ')}`);

  const nodes: DagNode[] = [];
  for (const id of order) {
    const n = byId.get(id)!;
    const m = manifests.get(id);
    if (!m) continue;
    for (const key of [...m.requires, ...m.provides, ...(m.optional ?? [])]) {
      if (!isStandardKey(key)) problems.push(`node "${id}": ${m.name} uses "${key}", which is not a DataContext key`);
    }
    if (!cycle) {
      const upstream = ancestors(id, deps);
      for (const key of m.requires) {
        if (provided.includes(key)) continue;
        const ok = [...upstream].some((a) => manifests.get(a)?.provides.includes(key));
        if (!ok) problems.push(`node "${id}": ${m.name} requires "${key}", which no node it depends on provides`);
      }
    }
    const [config, cfgProblems] = resolveConfig(id, m, n.config ?? {});
    problems.push(...cfgProblems);
    nodes.push({ id, module: m.name, dependsOn: deps.get(id) ?? [], config, manifest: m });
  }
  if (problems.length > 0) {
    throw new PentoraError(ErrorCode.Dag, `${where}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { problems });
  }
  return { name: spec.name ?? 'custom', nodes };
}
