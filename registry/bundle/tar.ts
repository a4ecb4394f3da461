/**
 * A POSIX ustar (POSIX.1-1988) reader and writer, enough for bundles and no
 * more: regular files and directories, names split over `prefix` + `name`
 * (up to 256 bytes), no pax or GNU extensions.
 *
 * The reader is a verifier first. It checks the whole archive — every
 * header's checksum, type, path, size and padding, the caps, the two zero
 * blocks and nothing but zeros after them — before it returns a single entry,
 * so a caller never extracts or trusts part of a hostile archive. Every
 * refusal names the entry (or the byte offset when there is no usable name).
 *
 * Header layout (512 bytes, POSIX.1-1988 §10.1.1): name 0..100, mode 100..108,
 * uid 108..116, gid 116..124, size 124..136, mtime 136..148, chksum 148..156,
 * typeflag 156, linkname 157..257, magic 257..263 ("ustar\0"), version
 * 263..265 ("00"), uname 265..297, gname 297..329, devmajor 329..337,
 * devminor 337..345, prefix 345..500, padding 500..512.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { checkEntryPath, EntrySet, showPath } from './entry-path.ts';

const BLOCK = 512;

export interface TarEntry {
  /** Normalised path, no trailing slash. */
  path: string;
  type: 'file' | 'directory';
  /** File contents (empty for a directory); a view into the archive's bytes. */
  data: Uint8Array;
  mode: number;
}

export interface TarLimits {
  /** Entries, directories included. */
  maxEntries: number;
  /** Bytes of one file. */
  maxEntryBytes: number;
  /** Bytes of all files together. */
  maxTotalBytes: number;
}

/**
 * Caps for a bundle: a plugin wasm may be up to 64 MiB (the loader's cap), so
 * one entry may be a little more; a bundle of a few dozen plugins fits easily.
 */
export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxEntries: 4096,
  maxEntryBytes: 65 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
};

function fail(where: string, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(ErrorCode.Bundle, `${where}: ${message}`, detail);
}

// ---------------------------------------------------------------------------
// Reading

const TYPE_NAMES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  x: 'a pax extended header',
  g: 'a pax global header',
  L: 'a GNU long-name header',
  K: 'a GNU long-link header',
  S: 'a GNU sparse file',
  D: 'a GNU directory dump',
  M: 'a GNU multi-volume continuation',
  V: 'a GNU volume label',
};

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * A NUL-terminated text field. Everything after the first NUL must be NUL too:
 * "a\0../../x" is a NUL smuggled into a name, not padding.
 */
function textField(h: Uint8Array, start: number, len: number): { text: string; smuggled: boolean } {
  const field = h.subarray(start, start + len);
  const nul = field.indexOf(0);
  const end = nul === -1 ? len : nul;
  const smuggled = nul !== -1 && !isZero(field.subarray(nul));
  return { text: Buffer.from(field.subarray(0, end)).toString('latin1'), smuggled };
}

/**
 * An octal number field: optional leading spaces, octal digits, then only
 * NUL or space terminators. GNU base-256 (high bit set) is refused.
 */
function octalField(h: Uint8Array, start: number, len: number): number | null {
  const field = h.subarray(start, start + len);
  if ((field[0]! & 0x80) !== 0) return null;
  let i = 0;
  while (i < len && field[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < len; i++) {
    const c = field[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  if (digits === 0) return null;
  for (; i < len; i++) if (field[i] !== 0 && field[i] !== 0x20) return null;
  return Number.isSafeInteger(value) ? value : null;
}

function checksumOf(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

/**
 * Parses and checks a whole ustar archive held in memory; returns its
 * entries only when every check passed.
 *
 * @example
 *   const entries = readTar(fs.readFileSync('bundle.tar'), 'bundle.tar');
 *   const index = entries.find((e) => e.path === 'bundle.json');
 */
export function readTar(archive: Uint8Array, where: string, limits: Partial<TarLimits> = {}): TarEntry[] {
  const caps = { ...DEFAULT_TAR_LIMITS, ...limits };
  if (archive.length === 0) fail(where, 'archive is empty');
  if (archive.length % BLOCK !== 0) fail(where, `archive is ${archive.length} bytes, not a whole number of 512-byte blocks (truncated or padded)`);
  const entries: TarEntry[] = [];
  const seen = new EntrySet(where);
  let total = 0;
  let off = 0;
  for (;;) {
    if (off + BLOCK > archive.length) fail(where, 'archive ends without its two zero end blocks (truncated)');
    const h = archive.subarray(off, off + BLOCK);
    if (isZero(h)) {
      if (off + 2 * BLOCK > archive.length) fail(where, 'archive ends after one zero block; the end marker is two (truncated)');
      if (!isZero(archive.subarray(off + BLOCK, off + 2 * BLOCK))) fail(where, `zero block at offset ${off} is followed by data: not an end marker`);
      // Tools pad the last record with zeros; anything else is smuggled data.
      const rest = archive.subarray(off + 2 * BLOCK);
      const junk = rest.findIndex((b) => b !== 0);
      if (junk !== -1) fail(where, `${rest.length} trailing bytes after the end marker, not all zero (first non-zero at offset ${off + 2 * BLOCK + junk})`);
      return entries;
    }
    const entry = readHeader(h, off, where);
    const at = `entry "${showPath(entry.path)}" (offset ${off})`;
    if (entries.length + 1 > caps.maxEntries) fail(where, `${at}: more than ${caps.maxEntries} entries`);
    if (entry.size > caps.maxEntryBytes) fail(where, `${at}: ${entry.size} bytes, over the ${caps.maxEntryBytes}-byte per-entry cap`, { entry: entry.path });
    total += entry.size;
    if (total > caps.maxTotalBytes) fail(where, `${at}: archive content passes the ${caps.maxTotalBytes}-byte cap`, { entry: entry.path });
    const dataStart = off + BLOCK;
    const padded = Math.ceil(entry.size / BLOCK) * BLOCK;
    if (dataStart + padded > archive.length) fail(where, `${at}: content runs past the end of the archive (truncated)`, { entry: entry.path });
    if (!isZero(archive.subarray(dataStart + entry.size, dataStart + padded))) fail(where, `${at}: padding after the content is not zero`, { entry: entry.path });
    seen.add(entry.path, entry.type);
    entries.push({ path: entry.path, type: entry.type, mode: entry.mode, data: archive.subarray(dataStart, dataStart + entry.size) });
    off = dataStart + padded;
  }
}

function readHeader(h: Uint8Array, off: number, where: string): { path: string; type: 'file' | 'directory'; size: number; mode: number } {
  const rawName = textField(h, 0, 100);
  const rawPrefix = textField(h, 345, 155);
  const shownName = showPath(rawPrefix.text ? `${rawPrefix.text}/${rawName.text}` : rawName.text);
  const at = `entry "${shownName}" (offset ${off})`;
  const stored = octalField(h, 148, 8);
  if (stored === null) fail(where, `${at}: header checksum field is not an octal number`);
  const sum = checksumOf(h);
  if (stored !== sum) fail(where, `${at}: header checksum is ${stored.toString(8)}, computed ${sum.toString(8)} (corrupt header)`, { entry: shownName });
  const magic = Buffer.from(h.subarray(257, 265)).toString('latin1');
  if (magic !== 'ustar\u000000') fail(where, `${at}: not a POSIX ustar header (magic ${JSON.stringify(magic)}); GNU and v7 formats are not accepted`);
  const flag = String.fromCharCode(h[156]!);
  let type: 'file' | 'directory';
  if (flag === '0' || flag === '\0') type = 'file';
  else if (flag === '5') type = 'directory';
  else fail(where, `${at}: is ${TYPE_NAMES[flag] ?? `an unknown entry type ${JSON.stringify(flag)}`}; only regular files and directories are allowed`, { entry: shownName });
  if (rawName.smuggled || rawPrefix.smuggled) fail(where, `${at}: refused: path contains a NUL byte`, { entry: shownName });
  const link = textField(h, 157, 100);
  if (link.text !== '' || link.smuggled) fail(where, `${at}: a ${type} with a link target ("${showPath(link.text)}")`, { entry: shownName });
  const size = octalField(h, 124, 12);
  if (size === null) fail(where, `${at}: size field is not an octal number`, { entry: shownName });
  const mode = octalField(h, 100, 8);
  if (mode === null) fail(where, `${at}: mode field is not an octal number`, { entry: shownName });
  if ((mode & ~0o777) !== 0) fail(where, `${at}: mode ${mode.toString(8)} has setuid, setgid or sticky bits`, { entry: shownName });
  if (type === 'directory' && size !== 0) fail(where, `${at}: a directory with ${size} bytes of content`, { entry: shownName });
  let p = rawPrefix.text ? `${rawPrefix.text}/${rawName.text}` : rawName.text;
  if (type === 'directory' && p.endsWith('/')) p = p.slice(0, -1);
  // latin1 decoding keeps every byte visible; the whitelist then refuses non-ASCII.
  checkEntryPath(p, where);
  return { path: p, type, size, mode };
}

// ---------------------------------------------------------------------------
// Writing

export interface TarInput {
  path: string;
  /** Omitted for a directory. */
  data?: Uint8Array;
}

function putText(h: Uint8Array, start: number, len: number, text: string): void {
  const b = Buffer.from(text, 'latin1');
  if (b.length > len) throw new RangeError(`tar field of ${len} bytes cannot hold ${JSON.stringify(text)}`);
  h.set(b, start);
}

function putOctal(h: Uint8Array, start: number, len: number, value: number): void {
  // len-1 zero-padded octal digits and a NUL, as POSIX writes them.
  const digits = value.toString(8).padStart(len - 1, '0');
  if (digits.length > len - 1) throw new RangeError(`tar field of ${len} bytes cannot hold ${value}`);
  putText(h, start, len, `${digits}\0`);
}

/** Splits a path into ustar's prefix (<= 155 bytes) and name (<= 100 bytes) at a slash. */
function splitName(p: string): { prefix: string; name: string } {
  if (p.length <= 100) return { prefix: '', name: p };
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
    if (i <= 155 && p.length - i - 1 <= 100 && p.length - i - 1 > 0) return { prefix: p.slice(0, i), name: p.slice(i + 1) };
  }
  throw new PentoraError(ErrorCode.Bundle, `tar: path "${showPath(p)}" does not fit a ustar header (prefix 155 + name 100 bytes)`);
}

function header(p: string, type: 'file' | 'directory', size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { prefix, name } = splitName(type === 'directory' ? `${p}/` : p);
  putText(h, 0, 100, name);
  putOctal(h, 100, 8, type === 'directory' ? 0o755 : 0o644);
  putOctal(h, 108, 8, 0); // uid
  putOctal(h, 116, 8, 0); // gid
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, mtime);
  h[156] = type === 'directory' ? 0x35 : 0x30;
  putText(h, 257, 8, 'ustar\u000000');
  putOctal(h, 329, 8, 0); // devmajor
  putOctal(h, 337, 8, 0); // devminor
  putText(h, 345, 155, prefix);
  // Checksum: 6 octal digits, NUL, space (the historical layout every reader accepts).
  putText(h, 148, 8, `${checksumOf(h).toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * Writes a deterministic ustar archive: entries sorted by path, the parent
 * directories of every file added (mode 0755), files 0644, uid/gid 0, empty
 * user and group names, every mtime = `mtime` (the bundle's creation time).
 * The same inputs always give the same bytes.
 *
 * @example
 *   const tar = writeTar([{ path: 'bundle.json', data: index }], { mtime: new Date(createdAt) });
 */
export function writeTar(inputs: TarInput[], opts: { mtime: Date }): Uint8Array {
  const mtime = Math.floor(opts.mtime.getTime() / 1000);
  if (!Number.isSafeInteger(mtime) || mtime < 0) throw new RangeError(`tar: mtime ${opts.mtime.toISOString()} is before 1970`);
  const byPath = new Map<string, TarInput>();
  for (const i of inputs) {
    checkEntryPath(i.path, 'tar');
    if (byPath.has(i.path)) throw new PentoraError(ErrorCode.Bundle, `tar: duplicate entry "${i.path}"`);
    byPath.set(i.path, i);
    const parts = i.path.split('/');
    for (let n = 1; n < parts.length; n++) {
      const dir = parts.slice(0, n).join('/');
      if (!byPath.has(dir)) byPath.set(dir, { path: dir });
    }
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const seen = new EntrySet('tar');
  const blocks: Uint8Array[] = [];
  for (const e of sorted) {
    const type = e.data ? 'file' : 'directory';
    seen.add(e.path, type);
    const data = e.data ?? new Uint8Array(0);
    blocks.push(header(e.path, type, data.length, mtime));
    if (data.length > 0) {
      blocks.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) blocks.push(new Uint8Array(pad));
    }
  }
  blocks.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(blocks);
}
