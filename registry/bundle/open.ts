/**
 * Opening a bundle: a directory or a ustar file, read once into memory with
 * the same structure checks either way, before any byte is trusted.
 *
 * Reading everything up front (under the caps) means the bytes that are
 * verified are the bytes later installed: nothing is read from disk twice, so
 * a file swapped in the bundle after verification changes nothing.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError, describeError } from '../../host/errors.ts';
import { checkEntryPath, EntrySet, showPath } from './entry-path.ts';
import { DEFAULT_TAR_LIMITS, readTar, type TarLimits } from './tar.ts';
import { readOpenFile } from '../../host/workspace/read-capped.ts';

export interface BundleFiles {
  kind: 'directory' | 'tar';
  /** The bundle as given (directory or .tar). */
  location: string;
  /** Every regular file by its bundle path (`bundle.json`, `metadata/1.root.json`, …). */
  files: Map<string, Uint8Array>;
}

function fail(where: string, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(ErrorCode.Bundle, `${where}: ${message}`, detail);
}

const KIND_OF = (st: fs.Stats): string =>
  st.isSymbolicLink() ? 'a symbolic link' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'not a regular file';

/**
 * Reads a regular file, size capped on the open descriptor. Entries inside a
 * bundle are opened with O_NOFOLLOW (a link swapped in after the walk is
 * refused too); the bundle's own path may be a link (a mount point, say).
 */
function readEntry(file: string, rel: string, cap: number, where: string, opts: { capName: string; follow: boolean } = { capName: 'per-entry cap', follow: false }): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (opts.follow ? 0 : fs.constants.O_NOFOLLOW));
  } catch (err) {
    fail(where, `entry "${showPath(rel)}": cannot open (${describeError(err)}); symbolic links are refused`, { entry: rel });
  }
  try {
    const r = readOpenFile(fd, cap);
    if (r.kind === 'not-file') return fail(where, `entry "${showPath(rel)}" is ${KIND_OF(r.stat)}; only regular files and directories are allowed`, { entry: rel });
    if (r.kind === 'too-big') return fail(where, `entry "${showPath(rel)}": ${r.size} bytes, over the ${cap}-byte ${opts.capName}`, { entry: rel });
    if (r.bytes.length !== r.size) fail(where, `entry "${showPath(rel)}" changed size while being read`, { entry: rel });
    return r.bytes;
  } finally {
    fs.closeSync(fd);
  }
}

function readDirectory(root: string, caps: TarLimits): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const seen = new EntrySet(root);
  let entries = 0;
  let total = 0;
  const walk = (dir: string, rel: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (err) {
      fail(root, `cannot list ${rel || '.'}: ${describeError(err)}`);
    }
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      checkEntryPath(childRel, root);
      if (++entries > caps.maxEntries) fail(root, `more than ${caps.maxEntries} entries (at "${showPath(childRel)}")`);
      const full = path.join(dir, name);
      const st = fs.lstatSync(full);
      if (st.isDirectory()) {
        seen.add(childRel, 'directory');
        walk(full, childRel);
      } else if (st.isFile()) {
        seen.add(childRel, 'file');
        if (st.size > caps.maxEntryBytes) fail(root, `entry "${showPath(childRel)}": ${st.size} bytes, over the ${caps.maxEntryBytes}-byte per-entry cap`, { entry: childRel });
        total += st.size;
        if (total > caps.maxTotalBytes) fail(root, `entry "${showPath(childRel)}": bundle content passes the ${caps.maxTotalBytes}-byte cap`, { entry: childRel });
        files.set(childRel, readEntry(full, childRel, caps.maxEntryBytes, root));
      } else {
        fail(root, `entry "${showPath(childRel)}" is ${KIND_OF(st)}; only regular files and directories are allowed`, { entry: childRel });
      }
    }
  };
  walk(root, '');
  return files;
}

/**
 * Opens a bundle directory or `.tar` and returns its files, after every
 * structure check (types, paths, duplicates, caps) has passed.
 *
 * @example
 *   const { files } = openBundleFiles('/media/usb/pentora-bundle.tar');
 *   files.get('bundle.json');
 */
export function openBundleFiles(location: string, limits: Partial<TarLimits> = {}): BundleFiles {
  const caps = { ...DEFAULT_TAR_LIMITS, ...limits };
  let st: fs.Stats;
  try {
    st = fs.statSync(location);
  } catch (err) {
    throw new PentoraError(ErrorCode.NotFound, `${location}: cannot open bundle: ${describeError(err)}`);
  }
  if (st.isDirectory()) return { kind: 'directory', location, files: readDirectory(location, caps) };
  if (!st.isFile()) fail(location, `bundle is ${KIND_OF(st)}; give a directory or a .tar file`);
  // Headers and padding add at most one block per entry plus the end marker and a record.
  const archiveCap = caps.maxTotalBytes + (caps.maxEntries + 1) * 1024 + 10240;
  const archive = readEntry(location, path.basename(location), archiveCap, location, { capName: 'bundle cap', follow: true });
  const files = new Map<string, Uint8Array>();
  for (const e of readTar(archive, location, caps)) if (e.type === 'file') files.set(e.path, e.data);
  return { kind: 'tar', location, files };
}
