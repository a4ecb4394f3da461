/**
 * The workspace plugin store (registry contract, "Workspace store"):
 *
 *   <workspace>/plugins/blobs/sha256/<hex>   content-addressed, mode 0444
 *   <workspace>/plugins/lock.json            what is installed, pinned by digest
 *
 * A blob's name is its sha256, and a read re-hashes it: a blob that no longer
 * matches its name (disk corruption, someone editing the store) is refused,
 * never served. lock.json is replaced atomically (temp + fsync + rename), so a
 * crash leaves the old lock or the new one, and a read refuses anything that
 * does not match the schema exactly. Changes go through `updateLock`, which
 * holds an exclusive lock file so two installs cannot lose each other's entry.
 */

import fs from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';
import { readCapped } from '../../host/sandbox/loader.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../host/workspace/atomic.ts';

export const LOCK_FORMAT_VERSION = 1;
/** Largest blob the store accepts: the loader's wasm cap. */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024;
const MAX_LOCK_BYTES = 8 * 1024 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}$/;
const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
const SOURCE = /^(registry|file|bundle):.+$/;

/**
 * One installed plugin, pinned by the digests of its three files.
 *
 * @example
 *   { "version": "0.2.0", "manifest": "9f…", "sig": "1c…", "wasm": "e3…",
 *     "capabilities_sha256": "ab…", "approved_capabilities_sha256": "ab…", "enabled": true,
 *     "source": "registry:http://127.0.0.1:8080/", "signers": ["4e…"],
 *     "installed_at": "2026-11-21T13:08:32.000Z" }
 */
export interface LockEntry {
  version: string;
  manifest: string;
  sig: string;
  wasm: string;
  /** sha256 of the canonical JSON of the manifest's `capabilities`. */
  capabilities_sha256: string;
  /** The capabilities the operator last approved; the plugin runs only while it equals the above. */
  approved_capabilities_sha256: string;
  enabled: boolean;
  /** `registry:<url>`, `file:<path>` or `bundle:<path>`. */
  source: string;
  /** keyids whose signature over the manifest verified at install. */
  signers: string[];
  installed_at: string;
}

export interface Lock {
  version: 1;
  plugins: Record<string, LockEntry>;
}

export function pluginsDir(workspace: string): string {
  return path.join(workspace, 'plugins');
}

export function lockPath(workspace: string): string {
  return path.join(pluginsDir(workspace), 'lock.json');
}

export function blobDir(workspace: string): string {
  return path.join(pluginsDir(workspace), 'blobs', 'sha256');
}

export function blobPath(workspace: string, sha256: string): string {
  if (!HEX64.test(sha256)) throw new PentoraError(ErrorCode.Internal, `not a sha256 digest: "${sha256.slice(0, 80)}"`);
  return path.join(blobDir(workspace), sha256);
}

export function emptyLock(): Lock {
  return { version: LOCK_FORMAT_VERSION, plugins: {} };
}

/**
 * Stores `bytes` under their sha256 and returns it. The blob is written to a
 * temp file, fsynced, made read-only and renamed into place, so its name never
 * points at a partial write. An existing blob is kept when it still matches,
 * replaced when it does not.
 */
export async function writeBlob(workspace: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256Hex(bytes);
  const file = blobPath(workspace, digest);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (fs.existsSync(file)) {
    try {
      readBlob(workspace, digest);
      return digest;
    } catch {
      await unlink(file).catch(() => undefined);
    }
  }
  // Temp file, fsync, read-only mode, rename, fsync the folder: the shared atomic write.
  await writeFileAtomic(file, bytes, { mode: 0o444 });
  return digest;
}

/** Reads a blob, refusing it unless its content hashes to its name. */
export function readBlob(workspace: string, sha256: string, maxBytes: number = MAX_BLOB_BYTES): Uint8Array {
  const file = blobPath(workspace, sha256);
  const bytes = readCapped(file, maxBytes, 'stored blob');
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new PentoraError(ErrorCode.Digest, `${file}: stored blob does not match its name (expected sha256 ${sha256}, got ${actual}); reinstall the plugin`, {
      expected: sha256,
      actual,
    });
  }
  return bytes;
}

function lockError(file: string, message: string): never {
  throw new PentoraError(ErrorCode.Workspace, `${file}: corrupt lock file: ${message}; restore it or remove it and reinstall the plugins`, { path: file });
}

/** Checks a parsed lock against the schema exactly: no missing, extra or mistyped field. */
export function parseLock(doc: unknown, file: string): Lock {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(doc)) lockError(file, 'expected a JSON object');
  const top = Object.keys(doc).sort().join(',');
  if (top !== 'plugins,version') lockError(file, `expected exactly the keys "version" and "plugins", got ${JSON.stringify(Object.keys(doc))}`);
  if (doc.version !== LOCK_FORMAT_VERSION) lockError(file, `version is ${JSON.stringify(doc.version)}, this pentora reads version ${LOCK_FORMAT_VERSION}`);
  if (!isObj(doc.plugins)) lockError(file, '"plugins" must be an object');
  const plugins: Record<string, LockEntry> = {};
  const fields: Array<[keyof LockEntry, (v: unknown) => boolean, string]> = [
    ['version', (v) => typeof v === 'string' && SEMVER.test(v), 'a semver version'],
    ['manifest', (v) => typeof v === 'string' && HEX64.test(v), 'a sha256'],
    ['sig', (v) => typeof v === 'string' && HEX64.test(v), 'a sha256'],
    ['wasm', (v) => typeof v === 'string' && HEX64.test(v), 'a sha256'],
    ['capabilities_sha256', (v) => typeof v === 'string' && HEX64.test(v), 'a sha256'],
    ['approved_capabilities_sha256', (v) => typeof v === 'string' && HEX64.test(v), 'a sha256'],
    ['enabled', (v) => typeof v === 'boolean', 'true or false'],
    ['source', (v) => typeof v === 'string' && SOURCE.test(v), 'registry:URL, file:PATH or bundle:PATH'],
    ['signers', (v) => Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === 'string' && HEX64.test(k)), 'a non-empty list of keyids'],
    ['installed_at', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an ISO 8601 time'],
  ];
  for (const [name, raw] of Object.entries(doc.plugins)) {
    if (!PLUGIN_NAME.test(name)) lockError(file, `plugin name ${JSON.stringify(name)} is not publisher/plugin`);
    if (!isObj(raw)) lockError(file, `plugins["${name}"] must be an object`);
    const extra = Object.keys(raw).filter((k) => !fields.some(([f]) => f === k));
    if (extra.length > 0) lockError(file, `plugins["${name}"] has unknown field "${extra[0]}"`);
    for (const [field, ok, what] of fields) {
      if (!ok(raw[field])) lockError(file, `plugins["${name}"].${field} must be ${what}, got ${JSON.stringify(raw[field]) ?? 'nothing'}`);
    }
    plugins[name] = raw as unknown as LockEntry;
  }
  return { version: LOCK_FORMAT_VERSION, plugins };
}

/** Reads lock.json; a missing lock is an empty one, a corrupt lock is an error naming the problem. */
export function readLock(workspace: string): Lock {
  const file = lockPath(workspace);
  if (!fs.existsSync(file)) return emptyLock();
  const bytes = readCapped(file, MAX_LOCK_BYTES, 'lock file');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    lockError(file, `not valid JSON (${describeError(err)})`);
  }
  return parseLock(doc, file);
}

/** Writes lock.json atomically, after checking it against the same schema a read applies. */
export async function writeLock(workspace: string, lock: Lock): Promise<void> {
  const file = lockPath(workspace);
  parseLock(JSON.parse(JSON.stringify(lock)), `${file} (about to be written)`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sorted: Lock = { version: LOCK_FORMAT_VERSION, plugins: {} };
  for (const name of Object.keys(lock.plugins).sort()) sorted.plugins[name] = lock.plugins[name]!;
  await writeJsonAtomic(file, sorted, { mode: 0o644 });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface UpdateLockOptions {
  /** Runs after the new lock is written and unreferenced blobs are gone, still holding the store lock. */
  afterWrite?: (lock: Lock) => Promise<void> | void;
  /** How long to wait for another process holding the store lock (default 30 s). */
  waitMs?: number;
}

/**
 * Runs `mutate` on the current lock while holding `<workspace>/plugins/.lock`
 * (O_EXCL), writes the result, then garbage-collects blobs nothing references
 * any more. Everything that writes blobs does so inside `mutate`, so the
 * collector never sees a blob another install has written but not yet locked.
 * A lock file left by a process that no longer exists is taken over; a live
 * holder is waited for.
 */
export async function updateLock<T>(workspace: string, mutate: (lock: Lock) => Promise<T> | T, opts: UpdateLockOptions = {}): Promise<T> {
  const waitMs = opts.waitMs ?? 30_000;
  const guard = path.join(pluginsDir(workspace), '.lock');
  fs.mkdirSync(path.dirname(guard), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = fs.openSync(guard, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new PentoraError(ErrorCode.Workspace, `${guard}: cannot take the store lock: ${describeError(err)}`);
      const holder = Number.parseInt(fs.readFileSync(guard, 'utf8').trim(), 10);
      if (!Number.isSafeInteger(holder) || holder <= 0 || !pidAlive(holder)) {
        fs.rmSync(guard, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new PentoraError(ErrorCode.Workspace, `${guard}: the plugin store is locked by process ${holder}; try again when it finishes`);
      await delay(50);
    }
  }
  try {
    const lock = readLock(workspace);
    const result = await mutate(lock);
    await writeLock(workspace, lock);
    await collectGarbage(workspace, lock);
    await opts.afterWrite?.(lock);
    return result;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/** Digests every lock entry still needs. */
export function referencedBlobs(lock: Lock): Set<string> {
  const keep = new Set<string>();
  for (const e of Object.values(lock.plugins)) for (const d of [e.manifest, e.sig, e.wasm]) keep.add(d);
  return keep;
}

/** Deletes blobs no lock entry references (and temp files a crash left behind); returns what it removed. */
export async function collectGarbage(workspace: string, lock: Lock): Promise<string[]> {
  const dir = blobDir(workspace);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const keep = referencedBlobs(lock);
  const removed: string[] = [];
  for (const n of names) {
    if (keep.has(n)) continue;
    if (!HEX64.test(n) && !/^\.[0-9a-f]{64}\.[0-9a-f]+\.tmp$/.test(n)) continue;
    await unlink(path.join(dir, n)).catch(() => undefined);
    removed.push(n);
  }
  return removed;
}
