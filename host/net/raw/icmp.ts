/**
 * ICMP echo (ping) over raw sockets, the engine behind `net.icmp.echo`:
 * one ICMP (IPv4) and/or ICMPv6 raw socket per call, one echo request per
 * target per round, replies matched by identifier (random per call),
 * sequence (the target's index) and source address, and by a random token
 * in the payload, so another ping process that happens to use the same
 * identifier cannot answer for us. A destination-unreachable that quotes
 * our request marks the target down with the reporting router in `from`.
 *
 * @example
 * const r = await icmpEcho({ targets: ['10.0.0.2', 'fd00::2'], scope, buckets: [pps] });
 * r.results; // [{ host: '10.0.0.2', alive: true, rtt_ms: 0.09, ttl: 64, reason: 'echo-reply' }, ...]
 */

import { randomBytes } from 'node:crypto';
import { ErrorCode, PentoraError } from '../../errors.ts';
import type { IcmpEchoResult, RawScanStats } from '../../hostcalls/types.ts';
import type { TokenBucket } from '../rate-limit.ts';
import type { Scope } from '../scope.ts';
import { canonicalIp, ipFamily } from '../address.ts';
import { rawCapability, rawUnavailableError, type RawCapability } from './capability.ts';
import { Icmp6Type, IcmpType, IpProto, buildIcmpEcho, intToIpv4, readU16, readU32 } from './packets.ts';
import { Pacer, scopeTargets, sendWithRetry, waitUntil, clampInt } from './route.ts';
import { RawSocket } from './socket.ts';

/** Sequence numbers are 16 bits: one per distinct target. */
export const MAX_ECHO_TARGETS = 65_536;
const TOKEN_BYTES = 8;

export interface EchoRecord {
  target: string;
  alive: boolean;
  reason: string;
  rtt_ms?: number;
  ttl?: number;
  from?: string;
}

export interface IcmpEchoOptions {
  targets: readonly string[];
  scope: Scope;
  plugin?: string;
  buckets?: readonly TokenBucket[];
  retries?: number;
  timeoutMs?: number;
  /** Echo data bytes (default 16, 0..1400); from 8 on it carries the per-call token. */
  payloadSize?: number;
  signal?: AbortSignal;
  onRecord?: (rec: EchoRecord) => void;
  capability?: RawCapability;
}

export interface IcmpEchoOutcome {
  results: IcmpEchoResult[];
  stats: RawScanStats & { rounds: number };
}

interface Pending {
  address: string;
  family: 4 | 6;
  done: boolean;
  sentAt: number;
  result: Omit<IcmpEchoResult, 'host'> | null;
}

export async function icmpEcho(opts: IcmpEchoOptions): Promise<IcmpEchoOutcome> {
  const t0 = performance.now();
  const plugin = opts.plugin ?? 'pentora';
  if (!Array.isArray(opts.targets) || opts.targets.length === 0) throw badRequest('no targets');
  const retries = clampInt(opts.retries ?? 1, 0, 5, 'retries', 'net.icmp.echo');
  const timeoutMs = clampInt(opts.timeoutMs ?? 1000, 1, 10_000, 'timeout_ms', 'net.icmp.echo');
  const payloadSize = clampInt(opts.payloadSize ?? 16, 0, 1400, 'payload_size', 'net.icmp.echo');
  const addresses = await scopeTargets(opts.targets, opts.scope, plugin);
  opts.signal?.throwIfAborted();
  const cap = opts.capability ?? rawCapability();
  if (!cap.ok) throw rawUnavailableError('net.icmp.echo', cap);

  const uniq = [...new Set(addresses)];
  if (uniq.length > MAX_ECHO_TARGETS) throw new PentoraError(ErrorCode.Limit, `net.icmp.echo: ${uniq.length} targets, more than ${MAX_ECHO_TARGETS}`);
  const pending: Pending[] = uniq.map((address) => ({ address, family: ipFamily(address) === 6 ? 6 : 4, done: false, sentAt: 0, result: null }));
  const index = new Map(uniq.map((a, i) => [a, i]));
  const id = randomBytes(2).readUInt16BE(0);
  const token = randomBytes(TOKEN_BYTES);
  const payload = new Uint8Array(payloadSize);
  for (let i = 0; i < payloadSize; i++) payload[i] = i < TOKEN_BYTES ? (token[i] as number) : i & 0xff;
  let answered = 0;
  let received = 0;
  let sent = 0;
  let wake: (() => void) | null = null;

  const settle = (i: number, result: Omit<IcmpEchoResult, 'host'>): void => {
    const p = pending[i] as Pending;
    if (p.done) return;
    p.done = true;
    p.result = result;
    received++;
    if (++answered === pending.length) wake?.();
  };
  const tokenOk = (b: Uint8Array, off: number, len: number): boolean => {
    if (payloadSize < TOKEN_BYTES) return true;
    if (len < off + TOKEN_BYTES) return false;
    for (let i = 0; i < TOKEN_BYTES; i++) if (b[off + i] !== token[i]) return false;
    return true;
  };
  const rtt = (i: number): number => Math.round((performance.now() - (pending[i] as Pending).sentAt) * 1000) / 1000;

  const sockets: RawSocket[] = [];
  try {
    let sock4: RawSocket | null = null;
    let sock6: RawSocket | null = null;
    if (pending.some((p) => p.family === 4)) {
      const s = RawSocket.open({ family: 4, protocol: IpProto.ICMP, receiveBuffer: 1 << 20 });
      sock4 = s;
      sockets.push(s);
      s.onPacket((b, len) => {
        // IPv4 raw sockets deliver the IP header too.
        const ihl = ((b[0] as number) & 0x0f) * 4;
        if (len < ihl + 8) return;
        const type = b[ihl] as number;
        if (type === IcmpType.EchoReply) {
          if (readU16(b, ihl + 4) !== id) return;
          const i = readU16(b, ihl + 6);
          const p = pending[i];
          if (!p || p.family !== 4 || intToIpv4(readU32(b, 12)) !== p.address || !tokenOk(b, ihl + 8, len)) return;
          settle(i, { alive: true, rtt_ms: rtt(i), ttl: b[8] as number, reason: 'echo-reply' });
        } else if (type === IcmpType.DestUnreachable) {
          const q = ihl + 8;
          const qihl = ((b[q] as number) & 0x0f) * 4;
          if (len < q + qihl + 8 || b[q + 9] !== IpProto.ICMP || b[q + qihl] !== IcmpType.EchoRequest || readU16(b, q + qihl + 4) !== id) return;
          const i = readU16(b, q + qihl + 6);
          const p = pending[i];
          if (!p || p.family !== 4 || intToIpv4(readU32(b, q + 16)) !== p.address) return;
          settle(i, { alive: false, reason: `unreachable (type 3 code ${b[ihl + 1]})`, from: intToIpv4(readU32(b, 12)) });
        }
      });
    }
    if (pending.some((p) => p.family === 6)) {
      const s = RawSocket.open({ family: 6, protocol: IpProto.ICMPV6, receiveBuffer: 1 << 20 });
      sock6 = s;
      sockets.push(s);
      s.onPacket((b, len, from) => {
        // IPv6 raw sockets deliver the ICMPv6 message only; the source comes from recvfrom.
        if (len < 8) return;
        const type = b[0] as number;
        if (type === Icmp6Type.EchoReply) {
          if (readU16(b, 4) !== id) return;
          const i = readU16(b, 6);
          const p = pending[i];
          if (!p || p.family !== 6 || index.get(canonicalIp(from) ?? from) !== i || !tokenOk(b, 8, len)) return;
          settle(i, { alive: true, rtt_ms: rtt(i), reason: 'echo-reply' });
        } else if (type === Icmp6Type.DestUnreachable) {
          const q = 8; // quoted: IPv6 header (40) + our echo request
          if (len < q + 48 || b[q + 6] !== IpProto.ICMPV6 || b[q + 40] !== Icmp6Type.EchoRequest || readU16(b, q + 44) !== id) return;
          const i = readU16(b, q + 46);
          const p = pending[i];
          if (!p || p.family !== 6) return;
          settle(i, { alive: false, reason: `unreachable (icmpv6 type 1 code ${b[1]})`, from: canonicalIp(from) ?? from });
        }
      });
    }

    const pacer = new Pacer(opts.buckets ?? [], opts.signal);
    let rounds = 0;
    for (let round = 0; round <= retries && answered < pending.length; round++) {
      rounds++;
      const todo = pending.flatMap((p, i) => (p.done ? [] : [i]));
      for (let k = 0; k < todo.length; k += pacer.chunk) {
        const n = Math.min(pacer.chunk, todo.length - k);
        await pacer.grant(n);
        for (let j = k; j < k + n; j++) {
          const i = todo[j] as number;
          const p = pending[i] as Pending;
          if (p.done) continue;
          const pkt = buildIcmpEcho({ family: p.family, id, seq: i, payload });
          const sock = (p.family === 4 ? sock4 : sock6) as RawSocket;
          p.sentAt = performance.now();
          const out = await sendWithRetry(() => sock.send(pkt, p.address));
          if (out === 'sent') sent++;
          else settle(i, { alive: false, reason: out === 'again' ? 'send queue full' : out }); // a local refusal: nothing left
        }
      }
      await waitUntil(() => answered >= pending.length, timeoutMs, (fn) => (wake = fn), opts.signal);
      wake = null;
    }

    const results: IcmpEchoResult[] = addresses.map((address, k) => {
      const p = pending[index.get(address) as number] as Pending;
      return { host: opts.targets[k] as string, ...(p.result ?? { alive: false, reason: 'no-response' }) };
    });
    if (opts.onRecord) {
      for (const [k, r] of results.entries()) {
        const { host: _host, ...rest } = r;
        opts.onRecord({ target: addresses[k] as string, ...rest });
      }
    }
    return { results, stats: { sent, received, duration_ms: Math.round((performance.now() - t0) * 1000) / 1000, rounds } };
  } finally {
    for (const s of sockets) s.close();
  }
}

function badRequest(problem: string): PentoraError {
  return new PentoraError(ErrorCode.HostCall, `net.icmp.echo: ${problem}`);
}
