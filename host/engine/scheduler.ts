/**
 * The scheduler: runs a validated DAG. Independent nodes run in parallel, at
 * most `workers` plugin instances at a time (bounded by the core count). Each
 * node gets a fresh instance: start -> configure -> execute -> cleanup.
 *
 * Failure isolation: a failed node fails only the dependents that needed it.
 * A dependent is skipped when, for some key it requires, every upstream
 * provider of that key failed; otherwise it runs on the partial data. What a
 * failed node wrote before failing is kept (partial results).
 */

import { describeError, ErrorCode, PentoraError } from '../errors.ts';
import { createDispatcher, createHostCallTable } from '../hostcalls/table.ts';
import type { HostCallEnv } from '../hostcalls/env.ts';
import type { HostCallTable } from '../hostcalls/types.ts';
import { Semaphore } from '../net/rate-limit.ts';
import type { ExecuteInput, ExecuteOutput } from '../sandbox/abi.ts';
import { PluginInstance, SpareWorkers } from '../sandbox/instance.ts';
import type { LoadedPlugin } from '../sandbox/loader.ts';
import type { Dag, DagNode } from './dag.ts';
import { HOST_PROVIDED_KEYS } from './keys.ts';

export type NodeState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface NodeOutcome {
  id: string;
  module: string;
  state: NodeState;
  error?: string;
  summary?: Record<string, unknown>;
  startedAt?: string;
  finishedAt?: string;
}

export interface SchedulerOptions {
  dag: Dag;
  plugins: (module: string) => LoadedPlugin | null;
  env: HostCallEnv;
  workers: number;
  onNode?: (outcome: NodeOutcome) => void;
  onArtifact?: (node: DagNode, name: string, bytes: Uint8Array) => void;
  /** Builds the host-call table per node; tests swap the network for canned replies here. */
  hostCalls?: (env: HostCallEnv) => HostCallTable;
  /**
   * Sandbox threads booted ahead (the CLI starts one while it loads the
   * catalog). runDag keeps one spare booted while nodes remain, so a node's
   * thread starts while the previous node runs, and closes it at the end.
   */
  spares?: SpareWorkers;
  /** The execute input's `network` (default true): false when plugins must send nothing (`pentora fingerprint`). */
  network?: boolean;
}

const decoder = new TextDecoder();

function parseOutput(node: DagNode, bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  try {
    const v: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new PentoraError(ErrorCode.Plugin, `${node.module}: output is not a JSON object`);
}

async function runNode(node: DagNode, plugin: LoadedPlugin, opts: SchedulerOptions): Promise<ExecuteOutput> {
  const caller = { plugin: node.module, instanceId: node.id, manifest: plugin.manifest };
  const table = (opts.hostCalls ?? createHostCallTable)(opts.env);
  const handler = createDispatcher(table, opts.env, caller);
  const inst = await PluginInstance.start(plugin, handler, opts.spares);
  try {
    const check = async (entry: 'configure' | 'execute' | 'cleanup', input?: unknown): Promise<Record<string, unknown>> => {
      const { rc, output } = await inst.invoke(entry, input);
      const out = parseOutput(node, output);
      if (rc !== 0) {
        const msg = typeof out.error === 'string' ? out.error.slice(0, 500) : `returned ${rc}`;
        throw new PentoraError(ErrorCode.Plugin, `${node.module}: ${entry} failed: ${msg}`);
      }
      return out;
    };
    await check('configure', node.config);
    const input: ExecuteInput = { scan_id: opts.env.scanId, instance_id: node.id, module: node.module, config: node.config, network: opts.network ?? true };
    const out = (await check('execute', input)) as ExecuteOutput;
    await check('cleanup');
    return out;
  } finally {
    await inst.close();
  }
}

function artifactBytes(a: NonNullable<ExecuteOutput['artifacts']>[number]): Uint8Array | null {
  if (typeof a.text === 'string') return new TextEncoder().encode(a.text);
  if (typeof a.data_b64 === 'string') return new Uint8Array(Buffer.from(a.data_b64, 'base64'));
  return null;
}

export async function runDag(options: SchedulerOptions): Promise<NodeOutcome[]> {
  const spares = options.spares ?? new SpareWorkers(0);
  spares.expect(options.dag.nodes.length);
  try {
    return await run({ ...options, spares });
  } finally {
    await spares.close();
  }
}

async function run(opts: SchedulerOptions): Promise<NodeOutcome[]> {
  const { dag } = opts;
  const outcomes = new Map<string, NodeOutcome>(dag.nodes.map((n) => [n.id, { id: n.id, module: n.module, state: 'pending' }]));
  const byId = new Map(dag.nodes.map((n) => [n.id, n]));
  const slots = new Semaphore(Math.max(1, opts.workers));
  const done = new Map<string, Promise<void>>();

  /** Why `node` cannot run given its finished dependencies, or null. */
  const blocked = (node: DagNode): string | null => {
    const failedDeps = node.dependsOn.filter((d) => outcomes.get(d)!.state !== 'done');
    if (failedDeps.length === 0) return null;
    for (const key of node.manifest.requires) {
      if ((HOST_PROVIDED_KEYS as readonly string[]).includes(key)) continue;
      const providers = node.dependsOn.filter((d) => byId.get(d)!.manifest.provides.includes(key));
      if (providers.length > 0 && providers.every((d) => outcomes.get(d)!.state !== 'done')) {
        return `dependency ${providers.join(', ')} ${outcomes.get(providers[0]!)!.state}; nothing else provides "${key}"`;
      }
    }
    return null;
  };

  const settle = (o: NodeOutcome, patch: Partial<NodeOutcome>): void => {
    Object.assign(o, patch);
    opts.onNode?.({ ...o });
  };

  const start = (node: DagNode): Promise<void> => {
    let p = done.get(node.id);
    if (p) return p;
    p = (async () => {
      await Promise.all(node.dependsOn.map((d) => start(byId.get(d)!)));
      const o = outcomes.get(node.id)!;
      const why = blocked(node);
      if (why) return settle(o, { state: 'skipped', error: why });
      const plugin = opts.plugins(node.module);
      if (!plugin) return settle(o, { state: 'failed', error: `${node.module} is not available` });
      const release = await slots.acquire();
      settle(o, { state: 'running', startedAt: new Date().toISOString() });
      try {
        const out = await runNode(node, plugin, opts);
        for (const a of Array.isArray(out.artifacts) ? out.artifacts : []) {
          const bytes = artifactBytes(a);
          if (bytes && typeof a.name === 'string') opts.onArtifact?.(node, a.name, bytes);
        }
        const patch: Partial<NodeOutcome> = { state: 'done', finishedAt: new Date().toISOString() };
        if (out.summary && typeof out.summary === 'object') patch.summary = out.summary;
        settle(o, patch);
      } catch (err) {
        settle(o, { state: 'failed', error: describeError(err), finishedAt: new Date().toISOString() });
      } finally {
        release();
      }
    })();
    done.set(node.id, p);
    return p;
  };

  await Promise.all(dag.nodes.map((n) => start(n)));
  return dag.nodes.map((n) => outcomes.get(n.id)!);
}
