import { describe, expect, it } from 'vitest';
import { PentoraError } from '../../host/errors.ts';
import { parseDagYaml, validateDag } from '../../host/engine/dag.ts';
import { planDag } from '../../host/engine/planner.ts';
import type { Manifest } from '../../host/sandbox/manifest.ts';

function manifest(name: string, requires: string[], provides: string[], extra: Partial<Manifest> = {}): Manifest {
  return {
    name,
    version: '1.0.0',
    abi: 1,
    type: 'parser',
    wasm: { sha256: '0'.repeat(64), size: 100 },
    requires,
    provides,
    config: {},
    capabilities: {},
    limits: {},
    profiles: ['standard'],
    ...extra,
  };
}

const scanner = manifest('pentora/scanner', ['targets'], ['open_ports'], {
  type: 'scanner',
  config: {
    ports: { type: 'string', default: '1-1024' },
    timeout_ms: { type: 'integer', default: 1000, min: 50, max: 30000 },
    mode: { type: 'string', enum: ['fast', 'careful'], default: 'fast' },
    token: { type: 'string', required: true },
  },
});
const grabber = manifest('pentora/grabber', ['open_ports'], ['banners']);
const parser = manifest('pentora/parser', ['banners'], ['service_fingerprints']);
const reporter = manifest('pentora/reporter', [], [], { optional: ['open_ports', 'service_fingerprints'], type: 'reporter' });
const all = new Map([scanner, grabber, parser, reporter].map((m) => [m.name, m]));
const lookup = (n: string) => all.get(n) ?? null;

/** Validates and returns every problem reported (the error lists them all). */
function problems(yaml: string): string[] {
  try {
    validateDag(parseDagYaml(yaml, 'test.yaml'), lookup, 'test.yaml');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(PentoraError);
    const e = err as PentoraError;
    expect(e.code).toBe('PENTORA_E_DAG');
    return (e.detail.problems as string[] | undefined) ?? [e.message];
  }
}

describe('DAG validation', () => {
  it('accepts a valid chain, orders it topologically and applies config defaults', () => {
    const dag = validateDag(
      parseDagYaml(
        `nodes:
  - {instance_id: parse, module_type: pentora/parser, depends_on: [grab]}
  - {instance_id: grab, module_type: pentora/grabber, depends_on: [scan]}
  - {instance_id: scan, module_type: pentora/scanner, config: {token: abc, timeout_ms: 200}}
`,
        't.yaml',
      ),
      lookup,
    );
    expect(dag.nodes.map((n) => n.id)).toEqual(['scan', 'grab', 'parse']);
    expect(dag.nodes[0]!.config).toEqual({ ports: '1-1024', timeout_ms: 200, mode: 'fast', token: 'abc' });
  });

  it('reports a cycle with its path', () => {
    const p = problems(`nodes:
  - {instance_id: a, module_type: pentora/grabber, depends_on: [b]}
  - {instance_id: b, module_type: pentora/parser, depends_on: [a]}
`);
    expect(p.some((x) => /cycle: (a -> b -> a|b -> a -> b)/.test(x))).toBe(true);
  });

  it('reports an unknown module by node and name', () => {
    expect(problems(`nodes:\n  - {instance_id: x, module_type: acme/nope}\n`)).toEqual([
      'node "x": unknown module "acme/nope" (not installed, or it failed verification)',
    ]);
  });

  it('reports a requirement no upstream node provides', () => {
    const p = problems(`nodes:\n  - {instance_id: p, module_type: pentora/parser}\n`);
    expect(p).toContain('node "p": pentora/parser requires "banners", which no node it depends on provides');
  });

  it('accepts host-provided targets without a provider', () => {
    expect(problems(`nodes:\n  - {instance_id: s, module_type: pentora/scanner, config: {token: t}}\n`)).toEqual([]);
  });

  it('checks config type, range, enum, required and unknown options', () => {
    const p = problems(`nodes:
  - instance_id: s
    module_type: pentora/scanner
    config: {timeout_ms: "fast", mode: reckless, colour: blue}
  - instance_id: t
    module_type: pentora/scanner
    config: {token: x, timeout_ms: 10}
`);
    expect(p).toContain('node "s": config timeout_ms: expected integer, got string');
    expect(p).toContain('node "s": config mode: "reckless" is not one of "fast", "careful"');
    expect(p).toContain('node "s": config option "token" of pentora/scanner is required');
    expect(p.some((x) => x.startsWith('node "s": pentora/scanner has no config option "colour"'))).toBe(true);
    expect(p).toContain('node "t": config timeout_ms: 10 is below the minimum 50');
  });

  it('refuses unknown dependencies, duplicate ids and unknown fields', () => {
    expect(problems(`nodes:\n  - {instance_id: a, module_type: pentora/grabber, depends_on: [ghost]}\n`)).toContain('node "a" depends on "ghost", which is not a node');
    expect(problems(`nodes:\n  - {instance_id: a, module_type: pentora/reporter}\n  - {instance_id: a, module_type: pentora/reporter}\n`)).toContain('node "a" is defined twice');
    expect(() => parseDagYaml(`nodes:\n  - {instance_id: a, module_type: x, colour: red}\n`, 'f.yaml')).toThrow('f.yaml: dag.nodes[0]: unknown property "colour"');
  });

  it('reports YAML syntax errors with file:line:col', () => {
    expect(() => parseDagYaml('nodes:\n  - instance_id: [a\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: /);
    expect(() => parseDagYaml('nodes: []\nnodes: []\n', 'dup.yaml')).toThrow(/^dup\.yaml:2:1: .*unique/i);
  });
});

describe('planner', () => {
  it('derives dependencies from requires/provides and applies overrides where the option exists', () => {
    const { spec, dropped } = planDag([reporter, parser, grabber, scanner], { profile: 'standard', overrides: { ports: '22', token: 't' } });
    expect(dropped).toEqual([]);
    const byId = Object.fromEntries(spec.nodes.map((n) => [n.instance_id, n]));
    expect(byId.parser!.depends_on).toEqual(['grabber']);
    expect([...byId.reporter!.depends_on!].sort()).toEqual(['parser', 'scanner']);
    expect(byId.scanner!.config).toEqual({ ports: '22', token: 't' });
    expect(byId.grabber!.config).toEqual({});
    const dag = validateDag(spec, lookup);
    expect(dag.nodes.map((n) => n.id).indexOf('reporter')).toBe(3);
  });

  it('drops plugins whose requirements nothing in the profile provides, transitively', () => {
    const { spec, dropped } = planDag([parser, grabber, reporter], { profile: 'standard' });
    expect(spec.nodes.map((n) => n.instance_id)).toEqual(['reporter']);
    expect(dropped.map((d) => d.module).sort()).toEqual(['pentora/grabber', 'pentora/parser']);
  });

  it('plans from keys the caller provides, over every profile when profile is null', () => {
    const { spec, dropped } = planDag([{ ...parser, profiles: [] }, grabber], { profile: null, provided: ['targets', 'banners'], select: (m) => m.requires.includes('banners') });
    expect(dropped).toEqual([]);
    expect(spec.nodes.map((n) => n.module_type)).toEqual(['pentora/parser']);
    expect(() => validateDag(spec, lookup)).toThrow('requires "banners"');
    expect(validateDag(spec, lookup, 'offline', ['targets', 'banners']).nodes.map((n) => n.id)).toEqual(['parser']);
  });

  it('only includes plugins that opt into the profile', () => {
    const { spec } = planDag([scanner, { ...grabber, profiles: ['deep'] }], { profile: 'standard' });
    expect(spec.nodes.map((n) => n.module_type)).toEqual(['pentora/scanner']);
  });
});
