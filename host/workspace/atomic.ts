/**
 * Crash-safe file replacement. A reader of the workspace (another `pentora`
 * process, or this one after a kill or a power cut) sees either the old file
 * or the new one, never a prefix of the new one: the bytes go to a temp file
 * in the same directory (rename is only atomic within one filesystem), are
 * fsynced, renamed over the target, and the directory is fsynced so the
 * rename itself survives a crash.
 */

import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';

/** What `writeFileAtomic` accepts: bytes, text, or chunks (streamed without buffering the whole). */
export type AtomicData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /**
   * File mode of the result. Defaults to the mode of the file being replaced,
   * so a 0600 file stays 0600; a new file gets 0666 minus the umask.
   */
  mode?: number;
}

/**
 * Replaces `file` with `data` atomically.
 *
 * @example
 *   await writeFileAtomic(join(scanDir, 'status.json'), JSON.stringify(status));
 */
export async function writeFileAtomic(file: string, data: AtomicData, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  // A leading dot keeps the temp file out of listings that skip dotfiles, and
  // the random suffix lets concurrent writers of one target never share a temp.
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? (await existingMode(file));
  let fh: FileHandle | undefined;
  try {
    // 'wx' (O_CREAT|O_EXCL) refuses to follow a symlink planted at the temp name.
    fh = await open(tmp, 'wx', mode ?? 0o666);
    await fh.writeFile(data);
    // open() applies the umask; an explicit or inherited mode must be exact.
    if (mode !== undefined) await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, file);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new PentoraError(ErrorCode.Workspace, `${file}: atomic write failed: ${describeError(err)}`, { path: file }, { cause: err });
  }
  await syncDir(dir);
}

/**
 * Writes `value` as pretty JSON with a trailing newline, atomically.
 *
 * @example
 *   await writeJsonAtomic(join(scanDir, 'request.json'), { targets: ['10.0.0.0/24'] });
 */
export async function writeJsonAtomic(file: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (err) {
    throw new PentoraError(ErrorCode.Internal, `${file}: value is not serialisable as JSON: ${describeError(err)}`, { path: file }, { cause: err });
  }
  if (text === undefined) {
    throw new PentoraError(ErrorCode.Internal, `${file}: value is not serialisable as JSON (${typeof value})`, { path: file });
  }
  await writeFileAtomic(file, `${text}\n`, options);
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * fsyncs a directory so a rename in it is durable. Some platforms and
 * filesystems cannot sync a directory at all (Windows, some network mounts):
 * they report it as unsupported, which is not a failed write.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(code === 'EINVAL' || code === 'ENOTSUP' || code === 'EISDIR' || code === 'EPERM' || code === 'EBADF')) {
      throw new PentoraError(ErrorCode.Workspace, `${dir}: cannot sync directory: ${describeError(err)}`, { path: dir }, { cause: err });
    }
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
