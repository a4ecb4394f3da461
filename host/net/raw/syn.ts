/**
 * Stateless TCP SYN scanning over raw sockets (IPv4 and IPv6), the engine
 * behind `net.syn.scan` and the benchmark.
 *
 * The sockets and bytes are in syn-wire.ts. A probe's sequence number is its
 * cookie (cookie.ts): a keyed hash of source and destination address and
 * port under a random per-scan key. A reply is matched by (source address,
 * source port) to a probe and accepted only if it acknowledges cookie + 1,
 * so nothing is remembered per packet in flight; what is kept per probe is
 * its answer (1 byte), its TTL (1 byte) and its send time (4 bytes) for the
 * RTT: bounded by the batch size.
 *
 *   SYN-ACK            -> open    (the kernel, which has no socket for our
 *                                  source port, answers it with a RST and so
 *                                  tears the half-open connection down for us)
 *   RST                -> closed
 *   ICMP unreachable   -> filtered (reason names type 3 code n)
 *   silence, retries   -> filtered (reason no-response)
 *
 * Order of checks: shape, scope of every target, raw capability; only then
 * packets. Every packet takes a token from each bucket (pps).
 *
 * @example
 * const scope = new Scope(await parseTargets(['10.0.0.2']));
 * const r = await synScan({ targets: ['10.0.0.2'], ports: range(1, 65535), scope, buckets: [new TokenBucket(200_000, 1000)] });
 * r.results.filter((x) => x.state === 'open').map((x) => x.port);
 * r.stats; // { sent, received, duration_ms, rounds, source_port }
 */

import { randomBytes } from 'node:crypto';
import { ErrorCode, PentoraError } from '../../errors.ts';
import type { PortState, RawScanStats, SynScanResult } from '../../hostcalls/types.ts';
import type { TokenBucket } from '../rate-limit.ts';
import type { Scope } from '../scope.ts';
import { ipFamily } from '../address.ts';
import { rawCapability, rawUnavailableError, type RawCapability } from './capability.ts';
import { SynCookies } from './cookie.ts';
import { ipv4ToInt, ipv6Bytes } from './packets.ts';
import { Pacer, clampInt, routeSource, scanSourcePort, scopeTargets, sendWithRetry, waitUntil } from './route.ts';
import { SynWire, type SynTarget } from './syn-wire.ts';

/** Probes (targets x ports) one synScan holds state for: 6 bytes each, so 24 MiB at most. */
export const MAX_SYN_PROBES = 1 << 22;
export const DEFAULT_RETRIES = 1;
export const DEFAULT_TIMEOUT_MS = 1000;
/** Route lookups in flight at once (each holds a UDP socket for a moment). */
const ROUTE_LOOKUPS = 32;

/** One transcript entry per audited probe (DESIGN §6). */
export interface SynProbeRecord {
  /** `host:port`, `[v6]:port`. */
  target: string;
  host: string;
  port: number;
  state: PortState;
  reason: string;
  rtt_ms?: number;
  ttl?: number;
}

export interface SynScanOptions {
  /** IP literals or scan target names (resolved and scope-checked here; a name's IPv4 address first). */
  targets: readonly string[];
  ports: readonly number[];
  scope: Scope;
  /** Named in scope errors; default "pentora". */
  plugin?: string;
  /** Each SYN takes one token from each, narrowest first. None: as fast as the socket goes. */
  buckets?: readonly TokenBucket[];
  retries?: number;
  timeoutMs?: number;
  /** Which states `results` lists (default all); `counts` always covers every probe. */
  states?: readonly PortState[];
  signal?: AbortSignal;
  /** One call per probe whose state is in `audit` (duplicated targets: once), as probes settle; the silent ones after the last round. */
  onRecord?: (rec: SynProbeRecord) => void;
  /** Which states get an `onRecord` call each (default all); the others are only counted, through `onSettled`. */
  audit?: readonly PortState[];
  /** How many probes settled without an `onRecord` call since the last report, in the same batches. */
  onSettled?: (probes: number) => void;
  /** Tests: inject the capability answer. */
  capability?: RawCapability;
  /** Default: random, outside the ephemeral range. */
  sourcePort?: number;
}

export interface SynScanOutcome {
  results: SynScanResult[];
  counts: Record<PortState, number>;
  stats: RawScanStats & { rounds: number; source_port: number };
}

const OPEN = 1;
const CLOSED = 2;
const UNREACH = 3;
const LOCAL_ERR = 4;

/** A target, and why nothing is sent to it when its route lookup failed. */
type TargetInfo = SynTarget & { noRoute?: string };

async function targetInfo(address: string): Promise<TargetInfo> {
  const family = ipFamily(address) === 6 ? 6 : 4;
  const base: SynTarget = { address, family, src4: 0, dst4: 0, src6: null, dst6: null };
  let src: string;
  try {
    src = await routeSource(address);
  } catch (err) {
    return { ...base, noRoute: (err as NodeJS.ErrnoException).code ?? 'no-route' };
  }
  return family === 4 ? { ...base, src4: ipv4ToInt(src), dst4: ipv4ToInt(address) } : { ...base, src6: ipv6Bytes(src.replace(/%.*$/, '')), dst6: ipv6Bytes(address) };
}

export async function synScan(opts: SynScanOptions): Promise<SynScanOutcome> {
  const t0 = performance.now();
  const plugin = opts.plugin ?? 'pentora';
  const ports = checkPorts(opts.ports);
  if (opts.targets.length === 0) throw badRequest('no targets');
  const retries = clampInt(opts.retries ?? DEFAULT_RETRIES, 0, 5, 'retries', 'net.syn.scan');
  const timeoutMs = clampInt(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, 10_000, 'timeout_ms', 'net.syn.scan');
  const addresses = await scopeTargets(opts.targets, opts.scope, plugin);
  opts.signal?.throwIfAborted();
  const cap = opts.capability ?? rawCapability();
  if (!cap.ok) throw rawUnavailableError('net.syn.scan', cap);

  // Distinct targets, in first-seen order; results come back per requested target.
  const uniq = [...new Set(addresses)];
  if (uniq.length * ports.length > MAX_SYN_PROBES) {
    throw new PentoraError(ErrorCode.Limit, `net.syn.scan: ${uniq.length * ports.length} probes, more than ${MAX_SYN_PROBES}`, { limit: MAX_SYN_PROBES });
  }
  // Route lookups (a UDP socket each) overlap, a bounded number at a time: a /24 batch waited
  // for 64 of them one by one.
  const targets: TargetInfo[] = new Array<TargetInfo>(uniq.length);
  let next = 0;
  const lookup = async (): Promise<void> => {
    while (next < uniq.length) {
      const i = next++;
      targets[i] = await targetInfo(uniq[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROUTE_LOOKUPS, uniq.length) }, lookup));
  const nPorts = ports.length;
  const portIndex = new Int32Array(65536).fill(-1);
  ports.forEach((p, i) => (portIndex[p] = i));
  const byPort: number[] = [];
  for (let p = 1; p <= 65535; p++) if ((portIndex[p] as number) >= 0) byPort.push(portIndex[p] as number);
  const total = targets.length * nPorts;
  const state = new Uint8Array(total);
  const ttl = new Uint8Array(total);
  const sentAt = new Float32Array(total);
  const reasonCode = new Map<number, string>(); // ICMP codes and local errnos, rare
  const sport = opts.sourcePort ?? scanSourcePort();
  const cookies = new SynCookies(randomBytes(32));
  let answered = 0;
  let received = 0;
  let sent = 0;

  /** A probe's outcome as reported (and audited). */
  const outcome = (idx: number): { state: PortState; reason: string; rtt_ms?: number; ttl?: number } => {
    const s = state[idx] as number;
    const st: PortState = s === OPEN ? 'open' : s === CLOSED ? 'closed' : 'filtered';
    const reason = s === OPEN ? 'syn-ack' : s === CLOSED ? 'rst' : s === 0 ? 'no-response' : (reasonCode.get(idx) ?? 'filtered');
    if (s !== OPEN && s !== CLOSED) return { state: st, reason };
    const rtt_ms = Math.round((sentAt[idx] as number) * 1000) / 1000;
    // IPv6 raw sockets do not report the hop limit.
    return ttl[idx] ? { state: st, reason, rtt_ms, ttl: ttl[idx] as number } : { state: st, reason, rtt_ms };
  };
  // Probes are audited as they settle (so a progress display moves), in batches between
  // send chunks rather than inside the receive handler, and the silent ones at the end.
  // A state left out of `audit` is only counted: no string or object per probe.
  const audited = new Uint8Array(LOCAL_ERR + 1); // by internal state
  if (opts.onRecord) {
    const want = new Set<PortState>(opts.audit ?? ['open', 'closed', 'filtered']);
    audited[0] = audited[UNREACH] = audited[LOCAL_ERR] = want.has('filtered') ? 1 : 0;
    audited[OPEN] = want.has('open') ? 1 : 0;
    audited[CLOSED] = want.has('closed') ? 1 : 0;
  }
  const settled: number[] = [];
  let quiet = 0;
  const settle = (idx: number): void => {
    if (audited[state[idx] as number]) settled.push(idx);
    else quiet++;
  };
  const flushRecords = (): void => {
    if (opts.onRecord) {
      for (const idx of settled) {
        const ti = Math.floor(idx / nPorts);
        const host = (targets[ti] as TargetInfo).address;
        const port = ports[idx - ti * nPorts] as number;
        opts.onRecord({ target: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, host, port, ...outcome(idx) });
      }
    }
    settled.length = 0;
    if (quiet > 0) opts.onSettled?.(quiet);
    quiet = 0;
  };

  // No route: nothing is sent to that target, each of its probes is filtered with the errno.
  for (const [ti, t] of targets.entries()) {
    if (!t.noRoute) continue;
    for (let pi = 0; pi < nPorts; pi++) {
      state[ti * nPorts + pi] = LOCAL_ERR;
      reasonCode.set(ti * nPorts + pi, t.noRoute);
      answered++;
      settle(ti * nPorts + pi);
    }
  }

  let wake: (() => void) | null = null;
  const wire = new SynWire({
    targets,
    sport,
    cookies,
    wants: (ti, port) => {
      const pi = portIndex[port] as number;
      return pi >= 0 && state[ti * nPorts + pi] === 0;
    },
    onReply: (ti, port, kind, replyTtl, reason) => {
      const idx = ti * nPorts + (portIndex[port] as number);
      state[idx] = kind === 'open' ? OPEN : kind === 'closed' ? CLOSED : UNREACH;
      ttl[idx] = replyTtl;
      if (reason) reasonCode.set(idx, reason);
      else sentAt[idx] = performance.now() - t0 - (sentAt[idx] as number); // now the RTT
      received++;
      settle(idx);
      if (++answered === total) wake?.();
    },
  });
  try {
    const pacer = new Pacer(opts.buckets ?? [], opts.signal);
    const afterSend = (idx: number, out: string): void => {
      if (out === 'sent') {
        sent++;
        return;
      }
      if (out === 'again') throw new PentoraError(ErrorCode.HostCall, 'net.syn.scan: the raw socket send queue stayed full for 2 s');
      // A local refusal (EPERM from an output firewall rule, ENETUNREACH): no packet left.
      if (state[idx] === 0) {
        reasonCode.set(idx, out);
        state[idx] = LOCAL_ERR;
        settle(idx);
        if (++answered === total) wake?.();
      }
    };

    let rounds = 0;
    for (let round = 0; round <= retries && answered < total; round++) {
      rounds++;
      // Port-major order: consecutive packets go to different hosts of a multi-host batch. Ports
      // ascending, whatever order they were asked in (a ranking): neighbours share a cookie MAC
      // (cookie.ts: one per 8 ports), so a top-1000 scan computes far fewer of them.
      const todo: number[] = [];
      for (const pi of byPort) {
        for (let ti = 0; ti < targets.length; ti++) if (state[ti * nPorts + pi] === 0) todo.push(ti * nPorts + pi);
      }
      for (let i = 0; i < todo.length; i += pacer.chunk) {
        const n = Math.min(pacer.chunk, todo.length - i);
        flushRecords();
        await pacer.grant(n);
        for (let j = i; j < i + n; j++) {
          const idx = todo[j] as number;
          if (state[idx] !== 0) continue;
          const ti = Math.floor(idx / nPorts);
          sentAt[idx] = performance.now() - t0;
          const out = wire.send(ti, ports[idx - ti * nPorts] as number, idx);
          if (out === 'queued') continue; // batched (IPv4 through rawio): sent by the flush below
          // On a full queue, wait and resend that very packet.
          afterSend(idx, out === 'again' ? await sendWithRetry(() => wire.resend()) : out);
        }
        await wire.flush(afterSend);
      }
      await waitUntil(() => answered >= total, timeoutMs, (fn) => (wake = fn), opts.signal);
      wake = null;
      flushRecords();
    }

    // Still silent after the last round: audited now.
    for (let idx = 0; idx < total; idx++) if (state[idx] === 0) settle(idx);
    flushRecords();

    const counts: Record<PortState, number> = { open: 0, closed: 0, filtered: 0 };
    const want = new Set<PortState>(opts.states ?? ['open', 'closed', 'filtered']);
    const results: SynScanResult[] = [];
    const indexOf = new Map(targets.map((t, i) => [t.address, i]));
    // One result per requested target, duplicates included; each probe was audited once.
    for (const [k, address] of addresses.entries()) {
      const ti = indexOf.get(address) as number;
      const host = opts.targets[k] as string;
      for (let pi = 0; pi < nPorts; pi++) {
        const o = outcome(ti * nPorts + pi);
        counts[o.state]++;
        if (want.has(o.state)) results.push({ host, port: ports[pi] as number, ...o });
      }
    }
    return { results, counts, stats: { sent, received, duration_ms: Math.round((performance.now() - t0) * 1000) / 1000, rounds, source_port: sport } };
  } finally {
    wire.close();
  }
}

function checkPorts(ports: readonly number[]): number[] {
  if (!Array.isArray(ports) || ports.length === 0) throw badRequest('no ports');
  const seen = new Set<number>();
  const out: number[] = [];
  for (const [i, p] of ports.entries()) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) throw badRequest(`ports[${i}] must be an integer port in 1..65535, got ${JSON.stringify(p)}`);
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}

function badRequest(problem: string): PentoraError {
  return new PentoraError(ErrorCode.HostCall, `net.syn.scan: ${problem}`);
}
