/**
 * Helpers shared by the raw-socket scans: which local address the kernel
 * would use towards a target, a source port outside the ephemeral range,
 * the scope check of a batch, and paced sending under the token buckets.
 */

import dgram from 'node:dgram';
import fs from 'node:fs';
import { ErrorCode, PentoraError } from '../../errors.ts';
import type { TokenBucket } from '../rate-limit.ts';
import type { Scope } from '../scope.ts';
import { ipFamily } from '../address.ts';

/**
 * The source address of the route to `dst`: connect(2) on a UDP socket runs
 * the route lookup and fixes the local address without sending anything
 * (UDP has no handshake), then getsockname tells us. Rejects with the errno
 * (ENETUNREACH, EHOSTUNREACH) when there is no route.
 */
export function routeSource(dst: string): Promise<string> {
  const family = ipFamily(dst);
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    // Port 9 (discard) is never contacted: nothing is sent on this socket.
    s.connect(9, dst, () => {
      const local = s.address().address;
      s.close();
      resolve(local);
    });
  });
}

/**
 * A random source port for a scan, above the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range) when there is room, else below it, so a
 * probe's replies never land on a connection the kernel opened itself.
 */
export function scanSourcePort(rand: () => number = Math.random): number {
  let lo = 32768;
  let hi = 60999;
  try {
    const [a, b] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a !== undefined && b !== undefined && Number.isInteger(a) && Number.isInteger(b)) [lo, hi] = [a, b];
  } catch {
    // not Linux: keep Linux's defaults
  }
  if (65535 - hi >= 512) return hi + 1 + Math.floor(rand() * (65535 - hi));
  return 1024 + Math.floor(rand() * Math.max(1, lo - 1024));
}

/**
 * Resolves and scope-checks every target before anything is sent, so a
 * batch with one out-of-scope target sends nothing. Returns the address to
 * use for each target, in order (IPv4 first when a name has both).
 */
export async function scopeTargets(targets: readonly string[], scope: Scope, plugin: string, family?: 4 | 6): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const host = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
    const addrs = await scope.resolve(host, plugin);
    const pick = family ? addrs.find((a) => ipFamily(a) === family) : addrs[0];
    if (pick === undefined) {
      throw new PentoraError(ErrorCode.HostCall, `${host} has no in-scope IPv${family} address (this scan type is IPv${family} only)`, { host });
    }
    out.push(pick);
  }
  return out;
}

/** Yields to the event loop's I/O phase (receive handlers run), unlike a resolved promise. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Grants packets in chunks under every bucket (one token per packet from
 * each, narrowest first) and yields to I/O between chunks, so replies are
 * read while a long batch is still going out.
 */
export class Pacer {
  readonly #buckets: readonly TokenBucket[];
  readonly chunk: number;
  readonly #signal: AbortSignal | undefined;

  constructor(buckets: readonly TokenBucket[], signal?: AbortSignal, maxChunk = 128) {
    this.#buckets = buckets;
    this.#signal = signal;
    this.chunk = Math.max(1, Math.min(maxChunk, ...buckets.map((b) => b.burst)));
  }

  /** Waits until `n` (<= chunk) packets may go out. */
  async grant(n: number): Promise<void> {
    await yieldToIo();
    for (const b of this.#buckets) await b.take(n, this.#signal);
    this.#signal?.throwIfAborted();
  }
}

/**
 * Sends with back-pressure: on 'again' (send queue full) yields to the loop
 * and tries again, at most `maxWaitMs` in all. Returns the final outcome.
 */
export async function sendWithRetry(send: () => string, maxWaitMs = 2000): Promise<string> {
  let out = send();
  if (out !== 'again') return out;
  const deadline = performance.now() + maxWaitMs;
  for (let i = 0; out === 'again' && performance.now() < deadline && i < 100_000; i++) {
    await (i < 16 ? yieldToIo() : new Promise((r) => setTimeout(r, 1)));
    out = send();
  }
  return out;
}

/**
 * Resolves once `done()` holds (checked now and whenever the callback given
 * to `arm` is called, i.e. by a reply handler) or after `ms`, whichever is
 * first; rejects with the signal's reason on abort.
 */
export function waitUntil(done: () => boolean, ms: number, arm: (fn: () => void) => void, signal?: AbortSignal): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    arm(finish);
  });
}

/** A request number clamped into [min, max] (floored); a negative or non-number is a HostCall error naming `op`. */
export function clampInt(v: number, min: number, max: number, name: string, op: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new PentoraError(ErrorCode.HostCall, `${op}: ${name} must be a non-negative number`);
  return Math.min(max, Math.max(min, Math.floor(v)));
}
