/**
 * Reads a whole file through a descriptor the caller opened, with the type and
 * size checked on that descriptor (no window between a stat and the read in
 * which the path could be swapped). Callers turn the outcome into their own
 * error: a plugin file, a registry download, a bundle entry.
 */

import fs from 'node:fs';

export type OpenFileRead =
  | { kind: 'ok'; bytes: Uint8Array; size: number }
  | { kind: 'not-file'; stat: fs.Stats }
  | { kind: 'too-big'; size: number };

export function readOpenFile(fd: number, cap: number): OpenFileRead {
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) return { kind: 'not-file', stat };
  if (stat.size > cap) return { kind: 'too-big', size: stat.size };
  const buf = Buffer.alloc(stat.size);
  let off = 0;
  while (off < stat.size) {
    const n = fs.readSync(fd, buf, off, stat.size - off, off);
    if (n === 0) break;
    off += n;
  }
  // `size` is what fstat said; a file that shrank while being read returns fewer bytes.
  return { kind: 'ok', bytes: new Uint8Array(buf.buffer, buf.byteOffset, off), size: stat.size };
}
