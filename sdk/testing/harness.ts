/**
 * Runs one plugin the way a scan does — same loader, same sandbox, same
 * host-call checks — against a fake DataContext and canned network replies
 * (or a recorded transcript), with no sockets. This is what plugin tests use.
 *
 * @example
 *   const r = await runPlugin({
 *     plugin: 'plugins/ssh-parser',
 *     context: { banners: [{ host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: b64('SSH-2.0-OpenSSH_9.2p1\r\n') }] },
 *   });
 *   r.written.service_fingerprints // [{ product: 'OpenSSH', version: '9.2p1', ... }]
 */

import path from 'node:path';
import pino from 'pino';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { REPO_ROOT } from '../../host/engine/catalog.ts';
import { DataContext } from '../../host/engine/context.ts';
import { resolveConfig, type Dag } from '../../host/engine/dag.ts';
import { runDag, type NodeOutcome } from '../../host/engine/scheduler.ts';
import type { HostCallEnv } from '../../host/hostcalls/env.ts';
import { createHostCallTable } from '../../host/hostcalls/table.ts';
import type { LogRequest, PortState, StepReadSpec, TcpProbe, TcpProbeResult, TcpStepResult } from '../../host/hostcalls/types.ts';
import { Semaphore, TokenBucket } from '../../host/net/rate-limit.ts';
import { Scope } from '../../host/net/scope.ts';
import { expandTcpRequest } from '../../host/net/tcp-probe.ts';
import { loadPlugin, pluginFilesIn, type LoadedPlugin } from '../../host/sandbox/loader.ts';
import type { ExecuteOutput } from '../../host/sandbox/abi.ts';
import { LOCAL_KEYS_DIR, SHIPPED_KEYS_DIR } from '../../host/trust/default-store.ts';
import { TrustStore } from '../../host/trust/trust-store.ts';
import type { TranscriptInput } from '../../host/workspace/transcript.ts';
import { cannedFromTranscript } from './replay.ts';
import { cannedNetCalls, type CannedNet, type NetCalls } from './canned-net.ts';

/**
 * What a server says at one step of a conversation (docs/service-probing.md):
 * `data` once the probe's step has sent what `whenSent` matches (latin1;
 * absent: whatever it sent, nothing included).
 */
export interface CannedStep {
  whenSent?: string | RegExp;
  data?: string | Uint8Array;
}

/**
 * A canned reply; the first one whose host/port/whenSent match a probe answers it.
 *
 * With `steps`, step i of a conversation probe is answered by canned step i
 * (the reply matches only when every canned step's `whenSent` matches what
 * the probe's step i sends); bytes a step does not read wait for the next
 * read, as on a socket. A single-form probe is a one-step conversation here.
 * A reply with `data` only is `steps: [{ data }]`: a conversation's first
 * step gets `data`, later ones nothing.
 */
export interface CannedTcp {
  host?: string;
  port: number;
  state?: PortState;
  data?: string | Uint8Array;
  /** Matches the decoded payload the plugin sent (latin1); for a conversation, all its steps' sends in order. */
  whenSent?: string | RegExp;
  steps?: CannedStep[];
  /**
   * The server sends `data` and keeps the connection open (as SSH, FTP and
   * SMTP greetings do): the read ends "idle" when the probe set idle_ms,
   * else "timeout". Default: it closes after sending ("eof").
   */
  stayOpen?: boolean;
  /** Answers only this many probes, then lets later replies answer (silence once, then open: a retry test). */
  times?: number;
}

/** `syn`, `icmp`, `udp` and `raw` (canned-net.ts) answer the raw-socket and UDP host calls. */
export interface RunOptions extends CannedNet {
  /** A plugin folder (its dist/ is used when present), relative to the repo or absolute. */
  plugin?: string;
  /** An already-loaded plugin instead of a folder. */
  loaded?: LoadedPlugin;
  /** Initial DataContext values, by key. */
  context?: Record<string, unknown[]>;
  config?: Record<string, unknown>;
  tcp?: CannedTcp[];
  /** A transcript.jsonl whose net.tcp.probe records answer probes (after `tcp`). */
  transcript?: string;
  /**
   * The execute input's `network` (default true). False runs the plugin as
   * `pentora fingerprint` does: every net call is refused (a TCP batch is
   * still listed in `probes` first, so a test can assert there was none).
   */
  network?: boolean;
  /** Addresses in scope; default: every host named in context.targets, open_ports, banners and tcp. */
  scope?: string[];
  trust?: TrustStore;
}

export interface RunResult {
  state: NodeOutcome['state'];
  error: string | undefined;
  /** What the plugin wrote, per key. */
  written: Record<string, unknown[]>;
  output: ExecuteOutput;
  logs: LogRequest[];
  probes: TcpProbe[][];
  /** Requests of net.syn.scan / net.icmp.echo / net.udp.probe, in call order. */
  net: NetCalls;
  transcript: TranscriptInput[];
}

function hostsIn(opts: RunOptions): string[] {
  const hosts = new Set<string>(['127.0.0.1']);
  for (const items of Object.values(opts.context ?? {})) {
    for (const it of items) if (it && typeof (it as { host?: unknown }).host === 'string') hosts.add((it as { host: string }).host);
  }
  for (const c of [...(opts.tcp ?? []), ...(opts.syn ?? []), ...(opts.icmp ?? []), ...(opts.udp ?? [])]) if (c.host) hosts.add(c.host);
  return [...hosts];
}

const latin1 = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('latin1') : '');
const sentMatches = (want: string | RegExp | undefined, sent: string) => want === undefined || (typeof want === 'string' ? sent.includes(want) : want.test(sent));
const bytesOf = (d: string | Uint8Array | undefined) => (d === undefined ? Buffer.alloc(0) : typeof d === 'string' ? Buffer.from(d, 'latin1') : Buffer.from(d));

function matches(c: CannedTcp, p: TcpProbe): boolean {
  if (c.port !== p.port || (c.host !== undefined && c.host !== p.host)) return false;
  const sends = p.steps ? p.steps.map((st) => latin1(st.send_b64)) : [latin1(p.payload_b64)];
  if (!sentMatches(c.whenSent, sends.join(''))) return false;
  return (c.steps ?? []).every((st, i) => i >= sends.length || sentMatches(st.whenSent, sends[i] ?? ''));
}

/**
 * Plays a canned server against the probe's steps: step i's canned bytes are
 * queued once step i has sent; each read takes from the queue up to its
 * until/max_bytes. After the last canned step the server closes (eof)
 * unless it stays open.
 */
function converse(c: CannedTcp, steps: Array<{ read?: StepReadSpec | undefined }>): TcpStepResult[] {
  const canned = c.steps ?? [{ data: c.data }];
  let pending = Buffer.alloc(0);
  const out: TcpStepResult[] = [];
  for (const [i, step] of steps.entries()) {
    pending = Buffer.concat([pending, bytesOf(canned[i]?.data)]);
    const closed = !c.stayOpen && i >= canned.length - 1;
    const max = step.read?.max_bytes ?? 0;
    if (max <= 0) {
      out.push({ reason: 'sent' });
      continue;
    }
    let take = Math.min(max, pending.length);
    let reason = take < pending.length || take === max ? 'max_bytes' : closed ? 'eof' : pending.length > 0 && step.read?.idle_ms ? 'idle' : 'timeout';
    const until = step.read?.until_b64 ? Buffer.from(step.read.until_b64, 'base64') : null;
    const at = until ? pending.subarray(0, take).indexOf(until) : -1;
    if (until && at !== -1) [take, reason] = [at + until.length, 'until'];
    const r: TcpStepResult = { reason };
    if (take > 0) r.data_b64 = pending.subarray(0, take).toString('base64');
    pending = pending.subarray(take);
    out.push(r);
    if (reason === 'eof') break;
  }
  return out;
}

/**
 * The reply runPlugin gives one probe from canned replies (`used` counts
 * answers for `times`). Exported for tests of the SDK wrappers, which answer
 * host calls without a sandbox (as-unit.ts).
 */
export function answerTcp(canned: readonly CannedTcp[], p: TcpProbe, used: Map<CannedTcp, number> = new Map()): TcpProbeResult {
  const c = canned.find((x) => matches(x, p) && (x.times === undefined || (used.get(x) ?? 0) < x.times));
  if (c) used.set(c, (used.get(c) ?? 0) + 1);
  if (!c) return { host: p.host, port: p.port, state: 'closed', rtt_ms: 0, reason: 'ECONNREFUSED' };
  const state = c.state ?? 'open';
  const res: TcpProbeResult = { host: p.host, port: p.port, state, rtt_ms: 1 };
  if (state !== 'open') return res;
  if (p.steps) {
    res.steps = converse(c, p.steps);
    const last = res.steps[res.steps.length - 1];
    if (last) res.reason = last.reason;
    return res;
  }
  const max = p.read?.max_bytes ?? 0;
  if (c.steps) {
    // A single-form probe against a canned conversation: a one-step conversation.
    const [one] = converse(c, [{ read: p.read }]);
    if (one?.data_b64) [res.data_b64, res.reason] = [one.data_b64, one.reason];
    return res;
  }
  if (c.data !== undefined && max > 0) {
    const bytes = bytesOf(c.data);
    res.data_b64 = bytes.subarray(0, max).toString('base64');
    res.reason = bytes.length > max ? 'max_bytes' : !c.stayOpen ? 'eof' : p.read?.idle_ms ? 'idle' : 'timeout';
  }
  return res;
}

/** The refusal `pentora fingerprint` gives (host/fingerprint.ts). */
const offline = (plugin: string, op: string) => new PentoraError(ErrorCode.Capability, `${plugin}: ${op} refused: pentora fingerprint uses no network`);
const refuseRaw = Object.fromEntries(
  (['net.udp.probe', 'net.icmp.echo', 'net.syn.scan'] as const).map((op) => [op, async (caller: { plugin: string }): Promise<never> => Promise.reject(offline(caller.plugin, op))]),
);

export async function runPlugin(opts: RunOptions): Promise<RunResult> {
  const trust = opts.trust ?? TrustStore.fromDirs([SHIPPED_KEYS_DIR, path.join(LOCAL_KEYS_DIR, 'trusted')]);
  let plugin = opts.loaded;
  if (!plugin) {
    if (!opts.plugin) throw new PentoraError(ErrorCode.Usage, 'runPlugin: give plugin (a folder) or loaded');
    const dir = path.resolve(REPO_ROOT, opts.plugin);
    plugin = await loadPlugin(pluginFilesIn(path.basename(dir) === 'dist' ? dir : path.join(dir, 'dist')), { trust });
  }
  const m = plugin.manifest;
  const [config, problems] = resolveConfig('plugin', m, opts.config ?? {});
  if (problems.length > 0) throw new PentoraError(ErrorCode.Dag, problems.join('; '));

  const context = new DataContext();
  const seed = { module: 'test', instance: 'seed' };
  for (const [key, items] of Object.entries(opts.context ?? {})) context.write(seed, key, items);
  const logs: LogRequest[] = [];
  const probes: TcpProbe[][] = [];
  const net: NetCalls = { syn: [], icmp: [], udp: [], udpRequests: [] };
  const records: TranscriptInput[] = [];
  const canned = [...(opts.tcp ?? []), ...(opts.transcript ? await cannedFromTranscript(opts.transcript) : [])];
  const used = new Map<CannedTcp, number>();
  const env: HostCallEnv = {
    scanId: 'test',
    context,
    scope: new Scope((opts.scope ?? hostsIn(opts)).map((host) => ({ host }))),
    transcript: { record: (r) => (records.push(r), { ...r, ts: '', seq: records.length }) } as HostCallEnv['transcript'],
    logger: pino({ level: 'silent' }),
    startedAt: performance.now(),
    net: { globalBucket: new TokenBucket(1e6, 1e6), semaphore: new Semaphore(1024), pps: 1e6, connectTimeoutMs: 1000, maxProbesPerCall: 65_536 },
  };
  const dag: Dag = { name: 'test', nodes: [{ id: 'plugin', module: m.name, dependsOn: [], config, manifest: m }] };
  const output: ExecuteOutput = {};
  const [outcome] = await runDag({
    dag,
    plugins: () => plugin,
    env,
    workers: 1,
    ...(opts.network !== undefined ? { network: opts.network } : {}),
    onArtifact: (_node, name, bytes) => (output.artifacts ??= []).push({ name, text: Buffer.from(bytes).toString('utf8') }),
    hostCalls: (e) => {
      const real = createHostCallTable(e);
      return {
        ...real,
        ...cannedNetCalls(e, opts, net),
        log: async (caller, req) => (logs.push(req), real.log(caller, req)),
        // Same grant and scope checks as the real call, then canned replies instead of sockets.
        'net.tcp.probe': async (caller, req) => {
          if (!caller.manifest.capabilities.net?.tcp) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.tcp grant`);
          const batch = expandTcpRequest(req, e.net.maxProbesPerCall).map((p) => (p.read || p.steps || !req.read ? p : { ...p, read: req.read }));
          for (const p of batch) if (!e.scope.has(p.host)) throw new PentoraError(ErrorCode.Scope, `${caller.plugin}: ${p.host} is outside the scan scope`);
          probes.push(batch);
          if (opts.network === false) throw offline(caller.plugin, 'net.tcp.probe');
          return { results: batch.map((p) => answerTcp(canned, p, used)) };
        },
        ...(opts.network === false ? refuseRaw : {}),
      };
    },
  });
  if (outcome!.summary) output.summary = outcome!.summary;
  const written: Record<string, unknown[]> = {};
  for (const key of m.provides) {
    const items = context.writtenBy({ module: m.name, instance: 'plugin' }, key);
    if (items) written[key] = items;
  }
  return { state: outcome!.state, error: outcome!.error, written, output, logs, probes, net, transcript: records };
}
