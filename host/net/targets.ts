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
import { domainToASCII } from 'node:url';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';
import { AddressSet, compareIp, formatIp, formatV4, ipBits, parseIp, type IpFamily, type IpRange, type ParsedIp } from './address.ts';

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
