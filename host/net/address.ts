/**
 * Address arithmetic, shared by target parsing, the scope guard and the packet
 * engines. Addresses are bigints so one code path serves 32 and 128 bits.
 */

import { isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

/** An address as a number. IPv4-mapped IPv6 (::ffff:a.b.c.d) is family 4: connecting to it reaches the IPv4 host. */
export interface ParsedIp {
  family: IpFamily;
  value: bigint;
}

/** Inclusive range of one family. */
export interface IpRange {
  family: IpFamily;
  first: bigint;
  last: bigint;
}

export function ipBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** Parses an IP literal strictly (dotted-quad without leading zeros; IPv6 with optional [brackets], no zone id). */
export function parseIp(text: string): ParsedIp | null {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (s.includes(':')) return parseV6(s);
  const v4 = parseV4(s);
  return v4 === null ? null : { family: 4, value: v4 };
}

/** Canonical literal: dotted-quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return formatV4(Number(ip.value));
  if (ip.value >> 32n === 0xffffn) return formatIp({ family: 4, value: ip.value & 0xffffffffn });
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Dotted-quad of a 32-bit number (the hot path when expanding large IPv4 ranges). */
export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** Orders IPv4 before IPv6, then numerically. */
export function compareIp(a: ParsedIp, b: ParsedIp): number {
  return a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/** The canonical form of an IP literal, or null when the text is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : null;
}

/** 4 or 6 for an IP literal (mapped IPv6 counts as 4), null otherwise. */
export function ipFamily(text: string): IpFamily | null {
  return parseIp(text)?.family ?? null;
}

/** 127.0.0.0/8 or ::1 (including ::ffff:127.x.y.z). */
export function isLoopback(ip: string | ParsedIp): boolean {
  const p = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!p) return false;
  return p.family === 4 ? p.value >> 24n === 127n : p.value === 1n;
}

function parseV4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const part of parts) {
    // Leading zeros are refused: inet_aton reads "010" as octal 8, a user means 10.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return BigInt(v);
}

function parseV6(text: string): ParsedIp | null {
  if (text.includes('%') || !isIPv6(text)) return null;
  let s = text;
  const tail = s.slice(s.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    if (v4 === null) return null;
    const n = Number(v4);
    s = `${s.slice(0, s.length - tail.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
  return { family: 6, value: v };
}

type Span = [first: bigint, last: bigint];

/**
 * A set of addresses stored as sorted, merged, inclusive spans per family.
 * Memory is proportional to the number of disjoint runs, not addresses (a /12
 * is one span), and membership is a binary search.
 */
export class AddressSet {
  readonly #spans: Record<IpFamily, Span[]>;

  private constructor(spans: Record<IpFamily, Span[]>) {
    this.#spans = spans;
  }

  /** Builds the set. Input already in order (an expanded CIDR) is merged in one pass without sorting. */
  static from(ranges: Iterable<IpRange>): AddressSet {
    const spans: Record<IpFamily, Span[]> = { 4: [], 6: [] };
    const sorted: Record<IpFamily, boolean> = { 4: true, 6: true };
    for (const r of ranges) {
      const list = spans[r.family];
      const prev = list[list.length - 1];
      if (prev && r.first >= prev[0] && r.first <= prev[1] + 1n) {
        if (r.last > prev[1]) prev[1] = r.last;
        continue;
      }
      if (prev && r.first < prev[0]) sorted[r.family] = false;
      list.push([r.first, r.last]);
    }
    for (const family of [4, 6] as const) {
      if (sorted[family]) continue;
      const list = spans[family].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const merged: Span[] = [];
      for (const span of list) {
        const prev = merged[merged.length - 1];
        if (prev && span[0] <= prev[1] + 1n) {
          if (span[1] > prev[1]) prev[1] = span[1];
        } else merged.push([span[0], span[1]]);
      }
      spans[family] = merged;
    }
    return new AddressSet(spans);
  }

  has(ip: ParsedIp): boolean {
    const list = this.#spans[ip.family];
    const i = this.#indexAtOrBefore(list, ip.value);
    const span = list[i];
    return span !== undefined && ip.value <= span[1];
  }

  /** Number of addresses in the set. */
  get size(): bigint {
    let n = 0n;
    for (const family of [4, 6] as const) for (const [first, last] of this.#spans[family]) n += last - first + 1n;
    return n;
  }

  /** The parts of `range` that are not in this set, in order. */
  subtract(range: IpRange): Span[] {
    const out: Span[] = [];
    const list = this.#spans[range.family];
    let cursor = range.first;
    for (let i = Math.max(0, this.#indexAtOrBefore(list, range.first)); i < list.length && cursor <= range.last; i++) {
      const span = list[i];
      if (!span || span[1] < cursor) continue;
      if (span[0] > range.last) break;
      if (span[0] > cursor) out.push([cursor, span[0] - 1n]);
      cursor = span[1] + 1n;
    }
    if (cursor <= range.last) out.push([cursor, range.last]);
    return out;
  }

  /** Index of the last span starting at or before v, or -1. */
  #indexAtOrBefore(list: Span[], v: bigint): number {
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const span = list[mid];
      if (span && span[0] <= v) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
