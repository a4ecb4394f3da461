/**
 * Names that come from registry metadata and end up in URLs and file paths:
 * target paths, delegation path patterns and role names. A name that could
 * mean a different place once decoded, joined or normalised (`..`, `%2e%2e`,
 * an absolute path, a NUL, a backslash) is refused outright, not cleaned up.
 *
 * Pattern matching (TUF spec, "paths" of a delegated role): shell-glob style
 * as the spec has said since 1.0.20 — `*` matches any run of characters
 * *within one path segment*, never `/`, and a pattern matches only paths with
 * the same number of segments. So `acme/*` matches `acme/x` but not
 * `acme/x/1.0.0/plugin.wasm`; a publisher's delegation is `acme/*\/*\/*`
 * (publisher / plugin / version / file). `?` and `[...]` are not supported:
 * a pattern containing them is refused rather than read literally.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';

export const MAX_PATH_LENGTH = 512;
const MAX_SEGMENTS = 16;
/** One segment of a target path: starts alphanumeric, so never `.`, `..` or hidden. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** A pattern segment: the same alphabet plus `*`. */
const PATTERN_SEGMENT = /^[A-Za-z0-9*][A-Za-z0-9._+*-]*$/;
const ROLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Top-level role names; a delegated role with one of them would collide with its file names. */
export const TOP_LEVEL_ROLES = ['root', 'timestamp', 'snapshot', 'targets'] as const;

function refuse(where: string, what: string, value: string, why: string): never {
  throw new PentoraError(ErrorCode.Registry, `${where}: ${what} ${JSON.stringify(value)} refused: ${why}`, { [what.replace(/ /g, '_')]: value });
}

function checkShape(value: string, where: string, what: string, segment: RegExp): void {
  if (value.length === 0) refuse(where, what, value, 'empty');
  if (value.length > MAX_PATH_LENGTH) refuse(where, what, value.slice(0, 64), `longer than ${MAX_PATH_LENGTH} characters`);
  if (value.includes('\0')) refuse(where, what, value, 'contains NUL');
  if (value.includes('\\')) refuse(where, what, value, 'contains a backslash');
  if (value.includes('%')) refuse(where, what, value, 'contains percent-encoding');
  if (value.startsWith('/')) refuse(where, what, value, 'is absolute');
  const segs = value.split('/');
  if (segs.length > MAX_SEGMENTS) refuse(where, what, value, `more than ${MAX_SEGMENTS} segments`);
  for (const s of segs) {
    if (s === '..' || s === '.') refuse(where, what, value, `has a "${s}" segment`);
    if (!segment.test(s)) refuse(where, what, value, `segment ${JSON.stringify(s)} is empty or has characters outside [A-Za-z0-9._+-]`);
  }
}

/** Throws unless `p` is a safe relative target path like `acme/redis/1.0.0/plugin.wasm`. */
export function checkTargetPath(p: string, where: string): void {
  checkShape(p, where, 'target path', SEGMENT);
}

/** Throws unless `p` is a safe delegation path pattern like `acme/*\/*\/*`. */
export function checkPathPattern(p: string, where: string): void {
  checkShape(p, where, 'path pattern', PATTERN_SEGMENT);
}

/** Throws unless `name` is a delegated role name: `[a-z0-9][a-z0-9-]*`, not a top-level role. */
export function checkRoleName(name: string, where: string): void {
  if (!ROLE_NAME.test(name)) refuse(where, 'role name', name, 'must match [a-z0-9][a-z0-9-]* (at most 64 characters)');
  if ((TOP_LEVEL_ROLES as readonly string[]).includes(name)) refuse(where, 'role name', name, 'is a top-level role name');
}

/**
 * True when `path` matches `pattern`: same number of `/` segments, each
 * segment matching with `*` standing for any run of characters.
 *
 * @example
 *   matchPathPattern('acme/*\/*\/*', 'acme/redis/1.0.0/plugin.wasm'); // true
 *   matchPathPattern('acme/*', 'acme/redis/1.0.0/plugin.wasm');     // false
 */
export function matchPathPattern(pattern: string, path: string): boolean {
  const ps = pattern.split('/');
  const ss = path.split('/');
  return ps.length === ss.length && ps.every((seg, i) => matchSegment(seg, ss[i]!));
}

/** Glob match of one segment; `*` is the only metacharacter. Linear-time greedy with backtrack to the last star. */
function matchSegment(pat: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (p < pat.length && pat[p] !== '*' && pat[p] === s[i]) {
      p++;
      i++;
    } else if (p < pat.length && pat[p] === '*') {
      star = p++;
      mark = i;
    } else if (star >= 0) {
      p = star + 1;
      i = ++mark;
    } else return false;
  }
  while (p < pat.length && pat[p] === '*') p++;
  return p === pat.length;
}

/**
 * True when every path `inner` matches is also matched by `outer`. With `*`
 * confined to a segment this holds exactly when `outer` matches `inner` read
 * as a literal path (each `*` of `inner` is then absorbed by a `*` of `outer`).
 * Used so a delegated role cannot delegate beyond its own paths.
 */
export function patternWithin(inner: string, outer: string): boolean {
  return matchPathPattern(outer, inner);
}

/**
 * The plugin-name namespaces (`publisher/*` or `publisher/plugin`, as the trust
 * store spells them) a role's path patterns cover. A pattern whose first two
 * segments are not `<literal>/<literal or *>` yields none, so a key from such
 * a role vouches for no plugin name (it fails closed at manifest verification).
 */
export function namespacesOf(patterns: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    const [pub, plugin] = p.split('/');
    if (pub === undefined || plugin === undefined || pub.includes('*')) continue;
    if (plugin === '*' || !plugin.includes('*')) out.add(`${pub}/${plugin}`);
  }
  return [...out];
}

/** `targets/<dirname>/<sha256>.<basename>`: where a consistent-snapshot repository keeps a target. */
export function consistentTargetPath(target: string, sha256: string): string {
  const slash = target.lastIndexOf('/');
  const dir = slash < 0 ? '' : `${target.slice(0, slash)}/`;
  return `targets/${dir}${sha256}.${target.slice(slash + 1)}`;
}

/** The three target paths of a plugin version. */
export function pluginTargetPaths(name: string, version: string): { manifest: string; sig: string; wasm: string } {
  const base = `${name}/${version}`;
  return { manifest: `${base}/manifest.json`, sig: `${base}/manifest.sig`, wasm: `${base}/plugin.wasm` };
}
