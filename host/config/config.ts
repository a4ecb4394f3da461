/**
 * Layered configuration: built-in defaults < system file < user file <
 * workspace file < flags. Objects merge key by key; arrays and scalars
 * replace. Every layer is checked against one schema before it is merged, so
 * a typo in /etc/pentora fails loudly with the file, line and key path
 * instead of silently scanning with a default.
 */

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from 'yaml';
import { yaml } from './yaml.ts';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';
import { expandPath, resolveWorkspaceDir } from '../workspace/paths.ts';
import type { PlatformInfo } from '../workspace/paths.ts';

export type ConfigLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The effective configuration. Limits are host ceilings: a plugin manifest may
 * ask for less, never more.
 *
 * @example
 *   # ~/.config/pentora/config.yaml
 *   scan: { rate_pps: 1000, ports: "1-65535" }
 *   plugins: { disabled: [acme/noisy-probe] }
 */
export interface PentoraConfig {
  /** Absolute workspace root (see host/workspace/paths.ts for how it is chosen). */
  readonly workspace: string;
  readonly log_level: ConfigLogLevel;
  readonly scan: {
    readonly ports: string;
    readonly profile: string;
    readonly rate_pps: number;
    readonly concurrency: number;
    readonly connect_timeout_ms: number;
    readonly read_timeout_ms: number;
    readonly max_hosts: number;
  };
  readonly limits: {
    readonly memory_pages: number;
    readonly cpu_ms: number;
    readonly wall_ms: number;
    readonly output_bytes: number;
    readonly hostcall_bytes: number;
  };
  readonly workers: number;
  readonly plugins: {
    /** Extra plugin folders, absolute. */
    readonly dirs: readonly string[];
    /** `publisher/plugin` names never loaded. */
    readonly disabled: readonly string[];
  };
  /** Where `pentora plugin install NAME` looks, and what it trusts there. */
  readonly registry: {
    /** Base URL of the registry (http, https or file). */
    readonly url: string;
    /** The pinned root metadata (an `N.root.json` obtained out of band), absolute. */
    readonly root: string;
    /** How old a registry's timestamp may be when judged offline (bundles): at most the policy's. */
    readonly max_staleness_hours: number;
  };
}

/** One layer as written by a file or passed as flags: any subset of the config. */
export type ConfigLayer = {
  [K in keyof PentoraConfig]?: PentoraConfig[K] extends readonly unknown[] | string | number
    ? PentoraConfig[K]
    : Partial<PentoraConfig[K]>;
};

export interface LoadedConfig {
  readonly config: PentoraConfig;
  /** The files that contributed, lowest precedence first; absent files are not listed. */
  readonly sources: readonly string[];
}

export interface LoadConfigOptions extends PlatformInfo {
  /** The highest layer, from the command line. `undefined` values are ignored. */
  flags?: ConfigLayer;
  /** The workspace, when already resolved; otherwise it is resolved here. */
  workspaceDir?: string;
  systemPath?: string;
  userPath?: string;
}

// setTimeout fires at once for delays above 2^31-1 ms, so no timer may exceed it.
const MAX_TIMER_MS = 2 ** 31 - 1;
const GiB = 2 ** 30;

interface IntSpec { kind: 'int'; min: number; max: number }
interface StringSpec { kind: 'string'; values?: readonly string[]; path?: boolean }
interface StringsSpec { kind: 'strings'; path?: boolean }
interface ObjectSpec { kind: 'object'; fields: Readonly<Record<string, Spec>> }
type Spec = IntSpec | StringSpec | StringsSpec | ObjectSpec;

/** The schema mirrors PentoraConfig field by field; a drift is a compile error. */
type SpecFor<T> = T extends readonly string[]
  ? StringsSpec
  : T extends number
    ? IntSpec
    : T extends string
      ? StringSpec
      : { kind: 'object'; fields: { [K in keyof T]-?: SpecFor<T[K]> } };

/** The root metadata shipped in keys/ (see keys/README.md); absent until a release publishes one. */
const DEFAULT_REGISTRY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../keys/root.json');

const int = (min: number, max: number): IntSpec => ({ kind: 'int', min, max });

const SCHEMA: ObjectSpec = {
  kind: 'object',
  fields: {
    workspace: { kind: 'string', path: true },
    log_level: { kind: 'string', values: ['trace', 'debug', 'info', 'warn', 'error'] },
    scan: {
      kind: 'object',
      fields: {
        ports: { kind: 'string' },
        profile: { kind: 'string' },
        rate_pps: int(1, 1_000_000),
        concurrency: int(1, 65_536),
        connect_timeout_ms: int(1, MAX_TIMER_MS),
        read_timeout_ms: int(1, MAX_TIMER_MS),
        // Every IPv4 address; IPv6 ranges must be narrowed, not enumerated.
        max_hosts: int(1, 2 ** 32),
      },
    },
    limits: {
      kind: 'object',
      fields: {
        memory_pages: int(1, 65_536),
        cpu_ms: int(1, MAX_TIMER_MS),
        wall_ms: int(1, MAX_TIMER_MS),
        output_bytes: int(1, GiB),
        hostcall_bytes: int(1, GiB),
      },
    },
    workers: int(1, 1024),
    plugins: { kind: 'object', fields: { dirs: { kind: 'strings', path: true }, disabled: { kind: 'strings' } } },
    registry: {
      kind: 'object',
      fields: { url: { kind: 'string' }, root: { kind: 'string', path: true }, max_staleness_hours: int(1, 24 * 3650) },
    },
  },
} satisfies SpecFor<PentoraConfig>;

/** The built-in layer; `workspace` is filled in by `loadConfig`. */
export function defaultConfig(workspace: string): PentoraConfig {
  return {
    workspace,
    log_level: 'warn',
    scan: {
      ports: '1-1024',
      profile: 'standard',
      rate_pps: 5000,
      concurrency: 512,
      connect_timeout_ms: 1500,
      read_timeout_ms: 1500,
      max_hosts: 65_536,
    },
    limits: {
      memory_pages: 256,
      cpu_ms: 10_000,
      wall_ms: 600_000,
      output_bytes: 16 * 2 ** 20,
      hostcall_bytes: 8 * 2 ** 20,
    },
    // Plugin instances at once. Most wait on the network (a protocol plugin's probes), so more than
    // the cores: the twelve protocol plugins of a scan then probe side by side, not two at a time.
    workers: Math.max(8, os.availableParallelism()),
    plugins: { dirs: [], disabled: [] },
    // `pentora registry serve`'s default address; the pinned root is what makes it trustworthy.
    registry: { url: 'http://127.0.0.1:8080/', root: DEFAULT_REGISTRY_ROOT, max_staleness_hours: 168 },
  };
}

export function systemConfigPath(info: PlatformInfo = {}): string {
  if ((info.platform ?? process.platform) === 'win32') {
    const env = info.env ?? process.env;
    return path.win32.join(env['ProgramData'] ?? 'C:\\ProgramData', 'Pentora', 'config.yaml');
  }
  return '/etc/pentora/config.yaml';
}

export function userConfigPath(info: PlatformInfo = {}): string {
  const env = info.env ?? process.env;
  const p = (info.platform ?? process.platform) === 'win32' ? path.win32 : path.posix;
  const xdg = env['XDG_CONFIG_HOME'];
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg && p.isAbsolute(xdg) ? xdg : p.join(info.homedir ?? os.homedir(), '.config');
  return p.join(base, 'pentora', 'config.yaml');
}

export function workspaceConfigPath(workspaceDir: string): string {
  return path.join(workspaceDir, 'config', 'pentora.yaml');
}

/**
 * Reads and merges every layer.
 *
 * The workspace is chosen before its own config file can be read, so that
 * file may not set `workspace` (it would name a different file).
 *
 * @example
 *   const { config, sources } = await loadConfig({ flags: { scan: { rate_pps: 100 } } });
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const sources: string[] = [];
  const layers: ConfigLayer[] = [];
  for (const file of [options.systemPath ?? systemConfigPath(options), options.userPath ?? userConfigPath(options)]) {
    const layer = await readLayer(file, options, false);
    if (layer) {
      layers.push(layer);
      sources.push(file);
    }
  }
  const flags = checkLayer(options.flags ?? {}, 'flags', options, options.cwd ?? process.cwd(), false, () => 'flags');

  const configured = layers.reduce<string | undefined>((acc, l) => l.workspace ?? acc, undefined);
  const workspace = options.workspaceDir
    ? expandPath(options.workspaceDir, options)
    : resolveWorkspaceDir({ ...options, flag: flags.workspace, configured });

  const wsFile = workspaceConfigPath(workspace);
  const wsLayer = await readLayer(wsFile, options, true);
  if (wsLayer) {
    layers.push(wsLayer);
    sources.push(wsFile);
  }
  layers.push(flags);

  let merged: Record<string, unknown> = { ...defaultConfig(workspace) };
  for (const layer of layers) merged = mergeInto(merged, layer);
  merged['workspace'] = workspace;
  return deepFreeze({ config: merged as unknown as PentoraConfig, sources });
}

async function readLayer(file: string, info: PlatformInfo, isWorkspaceFile: boolean): Promise<ConfigLayer | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    // An unreadable /etc/pentora must not be skipped: the operator put policy there.
    throw new PentoraError(ErrorCode.Config, `${file}: cannot read: ${describeError(err)}`, { file }, { cause: err });
  }
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const bad = doc.errors[0];
  if (bad) {
    throw new PentoraError(ErrorCode.Config, `${at(bad.pos[0])}: ${firstLine(bad.message)}`, { file, yaml: bad.code });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PentoraError(ErrorCode.Config, `${file}: ${describeError(err)}`, { file }, { cause: err });
  }
  // An empty file or one holding only comments is a valid, empty layer.
  if (data === null || data === undefined) return {};
  return checkLayer(data, file, info, path.dirname(file), isWorkspaceFile, (issue) => at(locate(doc, issue)));
}

interface Issue {
  path: readonly (string | number)[];
  /** Point at the key (unknown key) or at the value (wrong type). */
  part: 'key' | 'value';
  message: string;
}

function checkLayer(
  data: unknown,
  source: string,
  info: PlatformInfo,
  base: string,
  isWorkspaceFile: boolean,
  where: (issue: Issue) => string,
): ConfigLayer {
  const issues: Issue[] = [];
  const layer = check(data, SCHEMA, [], issues, { info, base });
  if (isWorkspaceFile && isPlainObject(data) && data['workspace'] !== undefined) {
    issues.push({ path: ['workspace'], part: 'key', message: 'workspace cannot be set in the workspace\'s own config; use --workspace or PENTORA_WORKSPACE' });
  }
  const first = issues[0];
  if (first) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new PentoraError(ErrorCode.Config, `${where(first)}: ${first.message}${more}`, {
      file: source,
      issues: issues.map((i) => `${where(i)}: ${i.message}`),
    });
  }
  return (layer ?? {}) as ConfigLayer;
}

function check(
  value: unknown,
  spec: Spec,
  at: readonly (string | number)[],
  issues: Issue[],
  ctx: { info: PlatformInfo; base: string },
): unknown {
  const name = dotted(at);
  const fail = (expected: string): undefined => {
    issues.push({ path: at, part: 'value', message: `${name || 'top level'}: expected ${expected}, got ${describeValue(value)}` });
    return undefined;
  };
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
        return fail(`an integer in ${spec.min}..${spec.max}`);
      }
      return value;
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return fail(spec.values ? `one of ${spec.values.join('|')}` : 'a non-empty string');
      if (spec.values && !spec.values.includes(value)) return fail(`one of ${spec.values.join('|')}`);
      return spec.path ? expandPath(value, { ...ctx.info, base: ctx.base }) : value;
    case 'strings': {
      if (!Array.isArray(value)) return fail('a list of strings');
      const out: string[] = [];
      value.forEach((item: unknown, i) => {
        const v = check(item, { kind: 'string', path: spec.path ?? false }, [...at, i], issues, ctx);
        if (typeof v === 'string') out.push(v);
      });
      return out;
    }
    case 'object': {
      // `scan:` with every child commented out parses as null: treat it as empty.
      if (value === null && at.length > 0) return undefined;
      if (!isPlainObject(value)) return fail('a mapping');
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        if (child === undefined) continue;
        const fieldSpec = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
        if (!fieldSpec) {
          issues.push({ path: [...at, key], part: 'key', message: `unknown key ${dotted([...at, key])}` });
          continue;
        }
        const v = check(child, fieldSpec, [...at, key], issues, ctx);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
  }
}

/** The source offset of an issue's key or value node, when the document has it. */
function locate(doc: Document, issue: Issue): number | undefined {
  if (issue.part === 'value') {
    const node: unknown = issue.path.length === 0 ? doc.contents : doc.getIn(issue.path, true);
    return rangeStart(node);
  }
  const parent: unknown = issue.path.length <= 1 ? doc.contents : doc.getIn(issue.path.slice(0, -1), true);
  const key = issue.path[issue.path.length - 1];
  const { isMap, isPair, isScalar } = yaml();
  if (!isMap(parent)) return rangeStart(parent);
  for (const pair of parent.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(key)) return rangeStart(pair.key);
  }
  return rangeStart(parent);
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

function mergeInto(base: Record<string, unknown>, layer: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeInto(current, value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dotted(at: readonly (string | number)[]): string {
  return at.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}
