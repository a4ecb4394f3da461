/**
 * UDP probing, the engine behind `net.udp.probe`: for each probe a UDP
 * socket connect()ed to the target sends the plugin's payload; then
 *
 *   a datagram back                 -> open (its bytes returned)
 *   ECONNREFUSED                    -> closed   (ICMP port unreachable)
 *   EHOSTUNREACH, ENETUNREACH, ...  -> filtered (ICMP unreachable, host/net/
 *                                      protocol/administratively prohibited)
 *   silence after the retries       -> open|filtered
 *
 * Why connected ordinary sockets rather than a raw ICMP listener: Linux
 * reports "hard" ICMP errors (RFC 1122 §4.1.3.3) to a connected UDP socket
 * as the socket's error, matched by the kernel to exactly this datagram's
 * 5-tuple, which is what IP_RECVERR would give us for these codes; it needs
 * no CAP_NET_RAW, so UDP scanning works unprivileged, and no reply has to be
 * attributed by hand. Soft errors (ICMP host unreachable code 1, net
 * unreachable code 0) are not reported this way and come out open|filtered.
 *
 * Note that targets rate-limit ICMP errors (Linux: net.ipv4.icmp_ratelimit,
 * icmp_msgs_per_sec), so a fast sweep of many closed ports sees some of them
 * as open|filtered; retries (and a lower rate) recover them.
 *
 * @example
 * const r = await udpProbe({ probes: [{ host: '10.0.0.2', port: 53, payload_b64: dnsQuery }], scope, buckets: [pps] });
 * r.results[0]; // { host: '10.0.0.2', port: 53, state: 'open', reason: 'udp-response', data_b64: '...', rtt_ms: 0.3 }
 */

import dgram from 'node:dgram';
import type { RawScanStats, UdpPortState, UdpProbe, UdpProbeRequest, UdpProbeResult } from '../../hostcalls/types.ts';
import { Semaphore, type TokenBucket } from '../rate-limit.ts';
import type { Scope } from '../scope.ts';
import { ipFamily } from '../address.ts';
import { clampInt, scopeTargets } from './route.ts';
import { requestChecks } from '../request-checks.ts';
import { runBounded } from '../bounded.ts';

// Request shape checks shared with the other network host calls (request-checks.ts).
const checks = requestChecks('net.udp.probe');
const badRequest = checks.bad;
const checkHost = checks.host;
const checkPort = checks.port;
const checkPayload = (v: unknown, where: string): string => checks.base64(v, where, MAX_UDP_PAYLOAD);

export const MAX_UDP_PAYLOAD = 1400;
export const MAX_UDP_READ = 65_535;
export const UDP_STATES: readonly UdpPortState[] = ['open', 'closed', 'filtered', 'open|filtered'];

/** Errnos of ICMP errors that mean "something on the path refused": filtered. */
const FILTERED_ERRNOS = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOPROTOOPT', 'EHOSTDOWN', 'ENONET', 'EACCES', 'EPERM']);

export interface UdpProbeRecord {
  target: string;
  state: UdpPortState;
  reason: string;
  rtt_ms?: number;
  sent: Uint8Array;
  recv?: Uint8Array;
}

export interface UdpProbeOptions {
  probes: readonly UdpProbe[];
  scope: Scope;
  plugin?: string;
  /** Each datagram (retries too) takes a token from each, narrowest first. */
  buckets?: readonly TokenBucket[];
  /** Sockets open at once (scan-wide); default: 256 of our own. */
  semaphore?: Semaphore;
  retries?: number;
  timeoutMs?: number;
  maxBytes?: number;
  states?: readonly UdpPortState[];
  signal?: AbortSignal;
  onRecord?: (rec: UdpProbeRecord) => void;
}

export interface UdpProbeOutcome {
  results: UdpProbeResult[];
  counts: Record<UdpPortState, number>;
  stats: RawScanStats;
}

export async function udpProbe(opts: UdpProbeOptions): Promise<UdpProbeOutcome> {
  const t0 = performance.now();
  const plugin = opts.plugin ?? 'pentora';
  const retries = clampInt(opts.retries ?? 1, 0, 5, 'retries', 'net.udp.probe');
  const timeoutMs = clampInt(opts.timeoutMs ?? 1000, 1, 10_000, 'timeout_ms', 'net.udp.probe');
  const maxBytes = clampInt(opts.maxBytes ?? 1500, 0, MAX_UDP_READ, 'max_bytes', 'net.udp.probe');
  const addresses = await scopeTargets(
    opts.probes.map((p) => p.host),
    opts.scope,
    plugin,
  );
  opts.signal?.throwIfAborted();

  const stats = { sent: 0, received: 0 };
  const buckets = opts.buckets ?? [];
  const sockets = new Set<dgram.Socket>();
  const results = await runBounded(
    opts.probes,
    async (probe, i) => {
      const address = addresses[i] as string;
      const payload = probe.payload_b64 ? Buffer.from(probe.payload_b64, 'base64') : Buffer.alloc(0);
      const r = await probeOne(address, probe.port, payload, { retries, timeoutMs, maxBytes, buckets, signal: opts.signal, sockets, stats });
      const result: UdpProbeResult = { host: probe.host, port: probe.port, state: r.state, reason: r.reason };
      if (r.rtt !== undefined) result.rtt_ms = r.rtt;
      if (r.data) result.data_b64 = r.data.toString('base64');
      const target = address.includes(':') ? `[${address}]:${probe.port}` : `${address}:${probe.port}`;
      opts.onRecord?.({ target, state: r.state, reason: r.reason, sent: payload, ...(r.rtt !== undefined ? { rtt_ms: r.rtt } : {}), ...(r.data ? { recv: r.data } : {}) });
      return result;
    },
    {
      semaphore: opts.semaphore ?? new Semaphore(256),
      buckets,
      signal: opts.signal,
      onAbort: () => {
        for (const s of sockets) s.close();
      },
    },
  );

  const counts: Record<UdpPortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0 };
  for (const r of results) counts[r.state]++;
  const want = new Set<UdpPortState>(opts.states ?? UDP_STATES);
  return {
    results: results.filter((r) => want.has(r.state)),
    counts,
    stats: { sent: stats.sent, received: stats.received, duration_ms: Math.round((performance.now() - t0) * 1000) / 1000 },
  };
}

interface OneOptions {
  retries: number;
  timeoutMs: number;
  maxBytes: number;
  buckets: readonly TokenBucket[];
  signal: AbortSignal | undefined;
  sockets: Set<dgram.Socket>;
  stats: { sent: number; received: number };
}

interface OneResult {
  state: UdpPortState;
  reason: string;
  rtt?: number;
  data?: Buffer;
}

/** One probe on its own connected socket; settles once the socket is closed. */
function probeOne(address: string, port: number, payload: Buffer, o: OneOptions): Promise<OneResult> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: ipFamily(address) === 6 ? 'udp6' : 'udp4' });
    o.sockets.add(sock);
    let outcome: OneResult | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sentAt = 0;
    let attempt = 0;
    const finish = (r: OneResult): void => {
      if (outcome) return;
      outcome = r;
      clearTimeout(timer);
      sock.close();
    };
    sock.on('close', () => {
      clearTimeout(timer);
      o.sockets.delete(sock);
      if (outcome) resolve(outcome);
      else if (o.signal?.aborted) reject(o.signal.reason);
      else resolve({ state: 'open|filtered', reason: 'closed' });
    });
    sock.on('message', (msg) => {
      o.stats.received++;
      const rtt = Math.round((performance.now() - sentAt) * 1000) / 1000;
      finish({ state: 'open', reason: 'udp-response', rtt, ...(o.maxBytes > 0 ? { data: Buffer.from(msg.subarray(0, o.maxBytes)) } : {}) });
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      if (code === 'ECONNREFUSED') {
        o.stats.received++;
        finish({ state: 'closed', reason: 'port-unreachable', rtt: Math.round((performance.now() - sentAt) * 1000) / 1000 });
      } else if (FILTERED_ERRNOS.has(code)) {
        o.stats.received++;
        finish({ state: 'filtered', reason: `icmp-unreachable (${code})` });
      } else finish({ state: 'filtered', reason: code });
    });
    const send = (): void => {
      sentAt = performance.now();
      attempt++;
      sock.send(payload, (err) => {
        if (err) return sock.emit('error', err);
        o.stats.sent++;
        timer = setTimeout(onTimeout, o.timeoutMs);
      });
    };
    const onTimeout = (): void => {
      if (outcome) return;
      if (attempt > o.retries) return finish({ state: 'open|filtered', reason: 'no-response' });
      // A retry is a packet too: it waits for its tokens like the first one.
      void (async () => {
        try {
          for (const b of o.buckets) await b.take(1, o.signal);
        } catch {
          return finish({ state: 'open|filtered', reason: 'aborted' });
        }
        if (!outcome) send();
      })();
    };
    sock.connect(port, address, () => send());
  });
}

/**
 * Flattens a request into probes (targets x ports first, then explicit
 * probes), validating every field a guest could have got wrong.
 */
export function expandUdpRequest(req: UdpProbeRequest, maxProbes: number): UdpProbe[] {
  const { hosts, ports: portNumbers, explicit } = checks.batch(req, maxProbes);
  const payload = req.payload_b64 === undefined ? undefined : checkPayload(req.payload_b64, 'payload_b64');
  const out: UdpProbe[] = [];
  for (const host of hosts) for (const port of portNumbers) out.push(payload === undefined ? { host, port } : { host, port, payload_b64: payload });
  explicit.forEach((p: unknown, i) => {
    const where = `probes[${i}]`;
    if (typeof p !== 'object' || p === null) throw badRequest(`${where} must be an object`);
    const probe = p as Partial<Record<keyof UdpProbe, unknown>>;
    const host = checkHost(probe.host, `${where}.host`);
    const port = checkPort(probe.port, `${where}.port`);
    const pl = probe.payload_b64 === undefined ? undefined : checkPayload(probe.payload_b64, `${where}.payload_b64`);
    out.push(pl === undefined ? { host, port } : { host, port, payload_b64: pl });
  });
  return out;
}
