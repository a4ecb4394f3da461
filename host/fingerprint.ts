/**
 * Offline fingerprinting (`pentora fingerprint`): banners captured elsewhere
 * go through the same verified plugins in the same sandbox as a scan's, with
 * no network at all.
 *
 * Input: JSON lines `{"port", "protocol"?, "transport"?, "banner" | "banner_b64", "id"?, "host"?}`.
 * The whole input is checked before anything runs; the first bad line is
 * refused as `NAME:LINE: what is wrong` (a usage error, exit 2) and nothing
 * is printed.
 *
 * Each line becomes one `banners` record under an internal host key of its
 * own (`line:N`), so two lines about the same host and port never merge;
 * the service records the plugins write are joined back to their lines by
 * that key, and carry the line's `id` (default: its line number) and `host`
 * (only when the line gave one) instead of it.
 *
 * The plan: every verified plugin that reads `banners` and provides
 * `parsed_services` or `service_fingerprints` — the service plugins, network
 * grant or not (a protocol plugin probes in a scan and only parses here) —
 * whose requirements `targets`, `banners` and the other chosen plugins meet,
 * through the planner and the DAG validator. Scanners, grabbers and
 * reporters do not match and are never planned. Plugins run with `network:
 * false` in their execute input, and every network host call is refused all
 * the same. No scan record is made in the workspace and no transcript is
 * written: the input is the record of what was seen.
 */

import { ErrorCode, PentoraError } from './errors.ts';
import type { Catalog } from './engine/catalog.ts';
import { DataContext } from './engine/context.ts';
import { validateDag, type Dag } from './engine/dag.ts';
import { planDag } from './engine/planner.ts';
import { runDag, type NodeOutcome } from './engine/scheduler.ts';
import type { HostCallEnv } from './hostcalls/env.ts';
import { createHostCallTable } from './hostcalls/table.ts';
import type { HostCallTable } from './hostcalls/types.ts';
import type { Logger } from './log.ts';
import { Semaphore, TokenBucket } from './net/rate-limit.ts';
import { Scope } from './net/scope.ts';
import { resultRecords, type ServiceRecord } from './report.ts';
import type { SpareWorkers } from './sandbox/instance.ts';
import type { Manifest } from './sandbox/manifest.ts';

/** One input line, checked. */
export interface FingerprintInput {
  /** 1-based line number in the input. */
  line: number;
  /** The line's `id`, or its line number. */
  id: string | number;
  host?: string;
  port: number;
  protocol: 'tcp' | 'udp';
  tls: boolean;
  /** The banner bytes, base64. */
  data_b64: string;
}

/** A service record joined back to the input line it answers. */
export type FingerprintRecord = { type: 'service'; id: string | number; host?: string } & Omit<ServiceRecord, 'type' | 'host'>;

export interface FingerprintResult {
  nodes: NodeOutcome[];
  services: FingerprintRecord[];
}

export interface FingerprintOptions {
  catalog: Catalog;
  logger: Logger;
  workers: number;
  spares?: SpareWorkers;
  signal?: AbortSignal;
}

/** Lines one input may hold (the cap of the `banners` key). */
export const MAX_INPUT_LINES = 1_000_000;
/** Banner bytes per line: what the `banners` key holds in one record's base64. */
export const MAX_BANNER_BYTES = 1 << 20;
const MAX_ID_LENGTH = 256;
const HOST_MAX = 255;
const PROVIDED = ['targets', 'banners'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function lineKey(line: number): string {
  return `line:${line}`;
}

function parseLine(text: string, line: number): FingerprintInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('must be a JSON object');
  const o = v as Record<string, unknown>;
  const { port, protocol, transport, banner, banner_b64, id, host } = o;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error('"port" must be an integer in 0..65535');
  if (protocol !== undefined && protocol !== 'tcp' && protocol !== 'udp') throw new Error('"protocol" must be "tcp" or "udp"');
  if (transport !== undefined && transport !== 'plain' && transport !== 'tls') throw new Error('"transport" must be "plain" or "tls"');
  if (transport === 'tls' && protocol === 'udp') throw new Error('"transport": "tls" needs "protocol": "tcp"');
  let bytes: Buffer;
  if (banner !== undefined && banner_b64 !== undefined) throw new Error('give "banner" or "banner_b64", not both');
  if (typeof banner === 'string') bytes = Buffer.from(banner, 'utf8');
  else if (typeof banner_b64 === 'string') {
    if (!BASE64.test(banner_b64)) throw new Error('"banner_b64" is not base64');
    bytes = Buffer.from(banner_b64, 'base64');
  } else throw new Error('needs "banner" (text) or "banner_b64" (base64) as a string');
  if (bytes.length > MAX_BANNER_BYTES) throw new Error(`banner is ${bytes.length} bytes; at most ${MAX_BANNER_BYTES}`);
  if (id !== undefined && !(typeof id === 'string' && id.length <= MAX_ID_LENGTH) && !(typeof id === 'number' && Number.isFinite(id))) {
    throw new Error(`"id" must be a number or a string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (host !== undefined && !(typeof host === 'string' && host.length > 0 && host.length <= HOST_MAX)) throw new Error(`"host" must be a string of 1..${HOST_MAX} characters`);
  return {
    line,
    id: id ?? line,
    ...(host !== undefined ? { host } : {}),
    port,
    protocol: protocol ?? 'tcp',
    tls: transport === 'tls',
    data_b64: bytes.toString('base64'),
  };
}

/**
 * Checks every line of `text` (blank lines are skipped); throws a usage
 * error naming `name:LINE` and the problem for the first bad one.
 */
export function parseFingerprintInput(text: string, name: string): FingerprintInput[] {
  const out: FingerprintInput[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    if (out.length >= MAX_INPUT_LINES) throw new PentoraError(ErrorCode.Usage, `${name}:${i + 1}: more than ${MAX_INPUT_LINES} input lines`);
    try {
      out.push(parseLine(raw, i + 1));
    } catch (err) {
      throw new PentoraError(ErrorCode.Usage, `${name}:${i + 1}: ${(err as Error).message}`);
    }
  }
  return out;
}

const SERVICE_KEYS = ['parsed_services', 'service_fingerprints'];

/** A plugin that may run here: it reads banners and says what the services are. Its grants do not matter: no net call succeeds. */
function offline(m: Manifest): boolean {
  const reads = [...m.requires, ...(m.optional ?? [])].includes('banners');
  return reads && m.provides.some((k) => SERVICE_KEYS.includes(k));
}

/** The DAG of verified plugins that work from `targets` and `banners` alone. */
export function planFingerprint(catalog: Catalog): Dag {
  const plan = planDag(catalog.manifests(), { profile: null, provided: PROVIDED, select: offline });
  if (plan.spec.nodes.length === 0) throw new PentoraError(ErrorCode.Dag, 'fingerprint: no verified plugin reads banners and provides parsed_services or service_fingerprints (see pentora plugin list)');
  return validateDag(plan.spec, (name) => catalog.get(name)?.manifest ?? null, 'fingerprint', PROVIDED);
}

/** The real table with every network call refused: the input stands in for the sockets. */
function offlineHostCalls(env: HostCallEnv): HostCallTable {
  const refuse = (op: string) => async (caller: { plugin: string }): Promise<never> => {
    throw new PentoraError(ErrorCode.Capability, `${caller.plugin}: ${op} refused: pentora fingerprint uses no network`);
  };
  return {
    ...createHostCallTable(env),
    'net.tcp.probe': refuse('net.tcp.probe'),
    'net.udp.probe': refuse('net.udp.probe'),
    'net.icmp.echo': refuse('net.icmp.echo'),
    'net.syn.scan': refuse('net.syn.scan'),
  };
}

/** Runs the offline plan over checked input lines; service records come back in input order. */
export async function runFingerprint(inputs: readonly FingerprintInput[], opts: FingerprintOptions, dag: Dag = planFingerprint(opts.catalog)): Promise<FingerprintResult> {
  const context = new DataContext();
  const host = { module: 'host', instance: 'host' };
  context.write(host, 'targets', inputs.map((i) => ({ host: lineKey(i.line) })));
  context.write(
    host,
    'banners',
    inputs.map((i) => ({ host: lineKey(i.line), port: i.port, protocol: i.protocol, probe: 'input', data_b64: i.data_b64, ...(i.tls ? { tls: true } : {}) })),
  );
  const env: HostCallEnv = {
    scanId: 'fingerprint',
    context,
    scope: new Scope([]),
    // Nothing to audit: no network call can succeed, and the input is the record of what was seen.
    transcript: { record: (r) => ({ ...r, ts: '', seq: 0 }) },
    logger: opts.logger,
    startedAt: performance.now(),
    net: { globalBucket: new TokenBucket(1, 1), semaphore: new Semaphore(1), pps: 1, connectTimeoutMs: 1, maxProbesPerCall: 0 },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const nodes = await runDag({
    dag,
    plugins: (m) => opts.catalog.get(m),
    env,
    workers: opts.workers,
    hostCalls: offlineHostCalls,
    network: false,
    ...(opts.spares ? { spares: opts.spares } : {}),
  });
  const byKey = new Map(inputs.map((i) => [lineKey(i.line), i]));
  const joined: Array<{ line: number; rec: FingerprintRecord }> = [];
  for (const s of resultRecords(context).services) {
    const input = byKey.get(s.host);
    if (!input) continue; // a plugin named a host no line has: nothing to join it to
    const { type, host: _key, port: _port, ...rest } = s;
    const rec: FingerprintRecord = { type, id: input.id, ...(input.host !== undefined ? { host: input.host } : {}), port: input.port, ...rest };
    joined.push({ line: input.line, rec });
  }
  joined.sort((a, b) => a.line - b.line || (a.rec.plugin < b.rec.plugin ? -1 : a.rec.plugin > b.rec.plugin ? 1 : 0));
  return { nodes, services: joined.map((j) => j.rec) };
}
