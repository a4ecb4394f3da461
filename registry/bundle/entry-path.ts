/**
 * What a path inside a bundle may look like, checked the same way for a tar
 * entry and for a file found while walking a bundle directory.
 *
 * Bundle paths are written by `pentora bundle create` and are plain ASCII
 * (`metadata/3.root.json`, `targets/acme/redis-checks/1.2.0/<sha256>.plugin.wasm`),
 * so the rule is a whitelist, not a list of known tricks: segments of
 * `[A-Za-z0-9._+-]`, separated by single `/`. The specific refusals below
 * exist only so the error says which trick was tried (`..`, an absolute path,
 * a NUL, a backslash, a `%2e%2e` encoding).
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';

/** ustar can hold 155 + 1 + 100 bytes of path; nothing in a bundle comes close. */
export const MAX_ENTRY_PATH_BYTES = 256;
const SEGMENT = /^[A-Za-z0-9._+-]+$/;

function refuse(where: string, shown: string, why: string): never {
  throw new PentoraError(ErrorCode.Bundle, `${where}: entry "${shown}" refused: ${why}`, { entry: shown });
}

/** Printable form of an untrusted name for an error message (control bytes escaped). */
export function showPath(p: string): string {
  return JSON.stringify(p).slice(1, -1);
}

/**
 * Returns `p` when it is a safe, normal bundle path, else throws a
 * PENTORA_E_BUNDLE error naming the entry and the reason.
 *
 * @example
 *   checkEntryPath('metadata/1.root.json', 'bundle.tar'); // ok
 *   checkEntryPath('../etc/passwd', 'bundle.tar');        // throws: ".." segment
 */
export function checkEntryPath(p: string, where: string): string {
  const shown = showPath(p);
  if (p.length === 0) refuse(where, shown, 'empty path');
  if (Buffer.byteLength(p, 'utf8') > MAX_ENTRY_PATH_BYTES) refuse(where, shown, `path longer than ${MAX_ENTRY_PATH_BYTES} bytes`);
  if (p.includes('\0')) refuse(where, shown, 'path contains a NUL byte');
  if (p.includes('\\')) refuse(where, shown, 'path contains a backslash');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) refuse(where, shown, 'absolute path');
  if (p.includes('%')) refuse(where, shown, 'percent-encoded path (%2e%2e-style encodings are refused)');
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '..') refuse(where, shown, 'path has a ".." segment');
    if (s === '.' || s === '') refuse(where, shown, 'path is not normalised (empty or "." segment)');
    if (!SEGMENT.test(s)) refuse(where, shown, 'path has characters outside [A-Za-z0-9._+-/]');
  }
  return p;
}

/**
 * Tracks the paths of one bundle: refuses duplicates, duplicates that differ
 * only in case (they collide on macOS and Windows), and a path used both as a
 * file and as a directory.
 */
export class EntrySet {
  /** Entries seen, by case-folded path. */
  readonly #entries = new Map<string, { path: string; type: 'file' | 'directory' }>();
  /** Directories implied by the entries' parents, case-folded. */
  readonly #parents = new Set<string>();
  readonly #where: string;

  constructor(where: string) {
    this.#where = where;
  }

  add(p: string, type: 'file' | 'directory'): void {
    const folded = p.toLowerCase();
    const seen = this.#entries.get(folded);
    if (seen) refuse(this.#where, showPath(p), seen.path === p ? 'duplicate entry' : `duplicate of "${showPath(seen.path)}" when case is ignored`);
    if (type === 'file' && this.#parents.has(folded)) refuse(this.#where, showPath(p), 'a directory of that name exists');
    const parts = folded.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const e = this.#entries.get(parent);
      if (e?.type === 'file') refuse(this.#where, showPath(p), `"${showPath(e.path)}" is a file, not a directory`);
      this.#parents.add(parent);
    }
    this.#entries.set(folded, { path: p, type });
  }
}
