/**
 * Target parsing: the host owns scope, so turning what the user typed into a
 * list of addresses happens here, never in a plugin.
 *
 * Accepted spec syntax (one per argument, or comma-separated inside one):
 *   192.0.2.7          ::1   [::1]   ::ffff:192.0.2.7 (written back as IPv4)
 *   192.0.2.0/24       (host bits are cleared: 192.0.2.9/24 is the same /24)
 *   2001:db8::/120     (bounded by maxHosts like everything else)
 *   192.0.2.1-20       (last octet)   192.0.2.1-192.0.2.20 (full; IPv6 too)
 *   scanme.example     (resolved by the host; the name stays on each target)
 *
 * @example
 * await parseTargets(['192.0.2.0/30', 'localhost'], { exclude: ['192.0.2.0'] })
 * // [{host:'192.0.2.1'}, {host:'192.0.2.2'}, {host:'192.0.2.3'},
 * //  {host:'127.0.0.1', hostname:'localhost'}, {host:'::1', hostname:'localhost'}]
 */

import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';

/** One scan target: a canonical IP literal, and the name it came from, if any. */
export interface Target {
  host: string;
  hostname?: string;
}

/** Resolves a hostname to IP literals (both families). */
export type Resolver = (name: string) => Promise<string[]>;

export interface TargetOptions {
  /** Specs to remove, same syntax; names are resolved and their addresses removed. */
  exclude?: readonly string[];
  /** Most addresses a single spec, and the whole list, may expand to. */
  maxHosts?: number;
  resolve?: Resolver;
}

/** A /12 of IPv4: big enough for real engagements, small enough to hold in memory. */
export const DEFAULT_MAX_HOSTS = 1 << 20;

/** Bounded so a target file of ten thousand names does not open ten thousand DNS queries. */
const RESOLVE_CONCURRENCY = 8;

export const defaultResolve: Resolver = async (name) =>
  (await lookup(name, { all: true, family: 0, order: 'verbatim' })).map((a) => a.address);

/** A parsed spec before expansion: an address range, or a name still to resolve. */
export type SpecNode = ({ kind: 'range' } & IpRange) | { kind: 'name'; name: string };

/**
 * Classifies one spec (no commas). Returns the node, or a one-line problem
 * description. Pure: no DNS, no allocation proportional to the range.
 */
export function parseSpec(spec: string): SpecNode | string {
  if (spec.includes('/')) return parseCidr(spec);
  if (spec.startsWith('-')) return 'looks like a command-line option, not a target';
  const dash = spec.indexOf('-');
  if (dash > 0) {
    const left = spec.slice(0, dash);
    if (looksLikeIp(left) !== 0) return parseRange(left, spec.slice(dash + 1));
  }
  if (spec.startsWith('[')) {
    if (/^\[[^\]]*\]:\d*$/.test(spec)) return 'ports are not part of a target (use the port option)';
    if (!spec.endsWith(']')) return 'unbalanced "[" (write IPv6 as [::1] or ::1)';
    return asRange(parseIpDetailed(spec.slice(1, -1), 6));
  }
  if (/^[^:]+:\d*$/.test(spec)) return 'ports are not part of a target (use the port option)';
  const fam = looksLikeIp(spec);
  if (fam !== 0) return asRange(parseIpDetailed(spec, fam));
  const name = normaliseHostname(spec);
  return name.ok ? { kind: 'name', name: name.value } : name.problem;
}

/** Number of addresses a range node covers. */
export function rangeSize(r: IpRange): bigint {
  return r.last - r.first + 1n;
}

/**
 * Lower-case ASCII form of a hostname (IDNs to punycode, trailing dot dropped),
 * or the reason it is not one.
 */
export function normaliseHostname(text: string): { ok: true; value: string } | { ok: false; problem: string } {
  const bad = (problem: string) => ({ ok: false as const, problem });
  const ascii = domainToASCII(text);
  if (ascii === '') return bad('not a valid hostname');
  const name = ascii.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return bad(`hostname length ${name.length} is outside 1..253`);
  const labels = name.split('.');
  for (const label of labels) {
    // RFC 1123 labels, plus "_" which real DNS zones use (SRV, DKIM, AD hosts).
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) return bad(`hostname label "${label}" is invalid`);
  }
  // An all-numeric top label cannot be a name (RFC 3696 §2), so "10.0.0.300" and
  // "host.300" are mistyped addresses, not names to send to DNS.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return bad('not a valid hostname or IPv4 address');
  return { ok: true, value: name };
}

/**
 * Expands, resolves, excludes and deduplicates target specs.
 *
 * Dedup is by address, in order of first appearance. A name is kept on every
 * target it resolves to, so two virtual hosts on one address stay two targets
 * (both names are in scope); a bare address that also appears under a name is
 * covered by the named target and dropped.
 */
export async function parseTargets(specs: readonly string[], opts: TargetOptions = {}): Promise<Target[]> {
  const maxHosts = opts.maxHosts ?? DEFAULT_MAX_HOSTS;
  if (!Number.isSafeInteger(maxHosts) || maxHosts < 1) {
    throw new PentoraError(ErrorCode.Target, `targets: maxHosts must be a positive integer, got ${maxHosts}`);
  }
  const resolve = opts.resolve ?? defaultResolve;
  const items = collectSpecs(specs, 'targets', maxHosts);
  if (items.length === 0) throw new PentoraError(ErrorCode.Target, 'targets: no targets given');
  const excludeItems = collectSpecs(opts.exclude ?? [], 'exclude', Infinity);

  const names = await resolveAll([...items, ...excludeItems], resolve);
  const excluded = AddressSet.from(
    excludeItems.flatMap(({ node }): IpRange[] =>
      node.kind === 'range'
        ? [node]
        : (names.get(node.name) ?? []).map((ip) => ({ family: ip.family, first: ip.value, last: ip.value })),
    ),
  );

  // host -> its names in first-appearance order; null while it has only appeared bare
  // (no per-address object: a /12 is a million entries).
  const byHost = new Map<string, string[] | null>();
  const add = (host: string, hostname: string | undefined, spec: string) => {
    const names = byHost.get(host);
    if (names === undefined) {
      if (byHost.size >= maxHosts) {
        throw new PentoraError(
          ErrorCode.Target,
          `targets: more than ${maxHosts} distinct addresses in total (reached at ${JSON.stringify(spec)}); narrow the targets or raise the host limit`,
          { limit: maxHosts, spec },
        );
      }
      byHost.set(host, hostname === undefined ? null : [hostname]);
    } else if (hostname !== undefined) {
      if (names === null) byHost.set(host, [hostname]);
      else if (!names.includes(hostname)) names.push(hostname);
    }
  };

  for (const { spec, node } of items) {
    if (node.kind === 'name') {
      for (const ip of names.get(node.name) ?? []) {
        if (!excluded.has(ip)) add(formatIp(ip), node.name, spec);
      }
      continue;
    }
    for (const [first, last] of excluded.subtract(node)) {
      if (node.family === 4) {
        // Plain numbers: a /12 expands several times faster than with bigint steps.
        for (let n = Number(first), end = Number(last); n <= end; n++) add(formatV4(n), undefined, spec);
      } else {
        for (let v = first; v <= last; v++) add(formatIp({ family: 6, value: v }), undefined, spec);
      }
    }
  }

  const out: Target[] = [];
  for (const [host, names] of byHost) {
    if (names === null) out.push({ host });
    else for (const hostname of names) out.push({ host, hostname });
  }
  if (out.length === 0) {
    throw new PentoraError(ErrorCode.Target, 'targets: every address is excluded; nothing left to scan');
  }
  return out;
}

/**
 * Reads an `-iL` style target file: specs separated by newlines (or, as nmap
 * accepts, spaces/tabs), `#` starts a comment. Every spec is checked here, so
 * errors point at `file:line`.
 */
export async function readTargetFile(path: string, opts: { maxHosts?: number } = {}): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PentoraError(ErrorCode.Target, `targets: cannot read ${path}: ${describeError(err)}`, { path }, { cause: err });
  }
  const maxHosts = opts.maxHosts ?? DEFAULT_MAX_HOSTS;
  const specs: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const tokens = line.replace(/#.*/, '').trim().split(/\s+/).filter((t) => t !== '');
    for (const token of tokens) {
      collectSpecs([token], `${path}:${i + 1}`, maxHosts);
      specs.push(token);
    }
  });
  return specs;
}

interface SpecItem {
  spec: string;
  node: SpecNode;
  origin: string;
}

/** Splits comma lists and classifies each spec; every error names where it came from. */
function collectSpecs(args: readonly string[], origin: string, maxHosts: number): SpecItem[] {
  const items: SpecItem[] = [];
  for (const arg of args) {
    for (const raw of arg.split(',')) {
      const spec = raw.trim();
      if (spec === '') continue; // "a,b," is a typo worth forgiving, not refusing
      const node = parseSpec(spec);
      if (typeof node === 'string') throw targetError(origin, spec, node);
      if (node.kind === 'range' && Number(rangeSize(node)) > maxHosts) {
        throw targetError(origin, spec, `expands to ${rangeSize(node)} addresses, more than the limit of ${maxHosts}`);
      }
      items.push({ spec, node, origin });
    }
  }
  return items;
}

function targetError(origin: string, spec: string, problem: string): PentoraError {
  // JSON quoting keeps the message on one line whatever the user typed.
  return new PentoraError(ErrorCode.Target, `${origin}: ${JSON.stringify(spec)}: ${problem}`, { origin, spec });
}

/** Resolves every distinct name once; results sorted (IPv4 first) so output is stable across DNS round-robin. */
async function resolveAll(items: readonly SpecItem[], resolve: Resolver): Promise<Map<string, ParsedIp[]>> {
  const todo = new Map<string, SpecItem>();
  for (const item of items) if (item.node.kind === 'name' && !todo.has(item.node.name)) todo.set(item.node.name, item);
  const out = new Map<string, ParsedIp[]>();
  const queue = [...todo.entries()];
  let failed = false; // stop asking DNS once the answer is already an error
  const worker = async () => {
    for (let next = queue.shift(); next && !failed; next = queue.shift()) {
      try {
        out.set(next[0], await resolveOne(next[0], next[1], resolve));
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, queue.length) }, worker));
  return out;
}

async function resolveOne(name: string, item: SpecItem, resolve: Resolver): Promise<ParsedIp[]> {
  let answers: string[];
  try {
    answers = await resolve(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw targetError(item.origin, item.spec, `hostname does not resolve (${code ?? describeError(err)})`);
  }
  const ips: ParsedIp[] = [];
  for (const answer of answers) {
    const ip = parseIp(answer);
    if (!ip) throw targetError(item.origin, item.spec, `resolver returned ${JSON.stringify(answer)}, not an IP address`);
    if (!ips.some((x) => x.family === ip.family && x.value === ip.value)) ips.push(ip);
  }
  if (ips.length === 0) throw targetError(item.origin, item.spec, 'hostname does not resolve (no addresses)');
  ips.sort(compareIp);
  return ips;
}

/** 4 or 6 when the text is shaped like an address (so errors talk about octets, not labels), else 0. */
function looksLikeIp(text: string): 0 | IpFamily {
  if (text.includes(':') || text.startsWith('[')) return 6;
  return /^[0-9.]+$/.test(text) ? 4 : 0;
}

function asRange(ip: ParsedIp | string): SpecNode | string {
  return typeof ip === 'string' ? ip : { kind: 'range', family: ip.family, first: ip.value, last: ip.value };
}

function parseCidr(spec: string): SpecNode | string {
  const slash = spec.lastIndexOf('/');
  let addr = spec.slice(0, slash);
  const prefixText = spec.slice(slash + 1);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const fam = looksLikeIp(addr);
  if (fam === 0) return 'a prefix length needs an IP address before "/", not a hostname';
  const ip = parseIpDetailed(addr, fam);
  if (typeof ip === 'string') return ip;
  const bits = ipBits(ip.family);
  if (!/^(0|[1-9]\d*)$/.test(prefixText)) return `prefix length "${prefixText}" is not a number`;
  const prefix = Number(prefixText);
  // A mapped address (::ffff:a.b.c.d/N) was turned into IPv4; its prefix counted 96 extra bits.
  const adjusted = ip.family === 4 && fam === 6 ? prefix - 96 : prefix;
  if (adjusted < 0 || adjusted > bits) return `prefix length ${prefix} is out of range 0..${fam === 6 ? 128 : 32}`;
  const hostBits = BigInt(bits - adjusted);
  const first = (ip.value >> hostBits) << hostBits;
  return { kind: 'range', family: ip.family, first, last: first + (1n << hostBits) - 1n };
}

function parseRange(leftText: string, rightText: string): SpecNode | string {
  const left = parseIpDetailed(leftText, looksLikeIp(leftText) || 4);
  if (typeof left === 'string') return left;
  let last: bigint;
  if (/^\d+$/.test(rightText) && left.family === 4) {
    if (/^0\d/.test(rightText)) return `range end "${rightText}" has a leading zero (octal or decimal?)`;
    const n = Number(rightText);
    if (n > 255) return `range end ${n} is out of range 0..255`;
    last = (left.value & ~0xffn) | BigInt(n);
  } else {
    const fam = looksLikeIp(rightText);
    if (fam === 0) return `range end "${rightText}" is neither a last octet nor an address`;
    const right = parseIpDetailed(rightText, fam);
    if (typeof right === 'string') return `range end: ${right}`;
    if (right.family !== left.family) return 'range mixes IPv4 and IPv6';
    last = right.value;
  }
  if (last < left.value) return `range end ${formatIp({ family: left.family, value: last })} is below its start ${formatIp(left)}`;
  return { kind: 'range', family: left.family, first: left.value, last };
}

/** Parses an address of the expected family, explaining what is wrong when it is not one. */
function parseIpDetailed(text: string, fam: IpFamily): ParsedIp | string {
  const ip = parseIp(text);
  if (ip) return ip;
  if (fam === 6) {
    if (text.includes('%')) return 'zone ids (%iface) are not supported';
    return 'not a valid IPv6 address';
  }
  const parts = text.split('.');
  if (parts.length !== 4) return `expected 4 dot-separated octets, got ${parts.length}`;
  for (const part of parts) {
    if (part === '') return 'empty octet';
    if (/^0\d/.test(part)) return `octet "${part}" has a leading zero (octal or decimal?)`;
    if (Number(part) > 255) return `octet ${part} is out of range`;
  }
  return 'not a valid IPv4 address';
}

// ---------------------------------------------------------------------------
// Address arithmetic, shared with the scope guard. Addresses are bigints so one
// code path serves 32 and 128 bits.

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

function formatV4(n: number): string {
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
