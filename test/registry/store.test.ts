/** The workspace plugin store: content-addressed blobs, lock.json schema and atomicity, the store lock, garbage collection. */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import {
  blobDir,
  blobPath,
  collectGarbage,
  emptyLock,
  lockPath,
  readBlob,
  readLock,
  updateLock,
  writeBlob,
  writeLock,
  type Lock,
  type LockEntry,
} from '../../registry/client/store.ts';
import { overwriteBlob, tempDir } from './client-support.ts';

const H = (c: string): string => c.repeat(64);

function entry(over: Partial<LockEntry> = {}): LockEntry {
  return {
    version: '1.2.3',
    manifest: H('a'),
    sig: H('b'),
    wasm: H('c'),
    capabilities_sha256: H('d'),
    approved_capabilities_sha256: H('d'),
    enabled: true,
    source: 'registry:http://127.0.0.1:8080/',
    signers: [H('e')],
    installed_at: '2026-11-21T13:00:00.000Z',
    ...over,
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PentoraError ? err.code : 'not-a-PentoraError';
  }
  return undefined;
}

describe('blobs', () => {
  it('stores bytes under their sha256, read-only, and reads them back', async () => {
    const ws = tempDir('store');
    const bytes = new TextEncoder().encode('hello blob');
    const digest = await writeBlob(ws, bytes);
    expect(digest).toBe(sha256Hex(bytes));
    const file = blobPath(ws, digest);
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
    expect(Buffer.from(readBlob(ws, digest)).toString()).toBe('hello blob');
    // Idempotent, and no temp file is left behind.
    expect(await writeBlob(ws, bytes)).toBe(digest);
    expect(fs.readdirSync(blobDir(ws))).toEqual([digest]);
  });

  it('refuses a blob whose content no longer hashes to its name', async () => {
    const ws = tempDir('store');
    const digest = await writeBlob(ws, new TextEncoder().encode('original'));
    overwriteBlob(blobPath(ws, digest), new TextEncoder().encode('tampered'));
    let err: unknown;
    try {
      readBlob(ws, digest);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.Digest);
    expect((err as PentoraError).message).toContain(digest);
    expect((err as PentoraError).message).toContain(sha256Hex(new TextEncoder().encode('tampered')));
  });

  it('replaces a corrupted blob when the same content is stored again', async () => {
    const ws = tempDir('store');
    const bytes = new TextEncoder().encode('good');
    const digest = await writeBlob(ws, bytes);
    overwriteBlob(blobPath(ws, digest), new TextEncoder().encode('bad!'));
    await writeBlob(ws, bytes);
    expect(Buffer.from(readBlob(ws, digest)).toString()).toBe('good');
  });

  it('refuses a name that is not a sha256 (no path tricks through the store)', () => {
    expect(code(() => blobPath('/ws', '../../etc/passwd'))).toBe(ErrorCode.Internal);
    expect(code(() => blobPath('/ws', H('A')))).toBe(ErrorCode.Internal);
  });

  it('garbage-collects only what no lock entry references', async () => {
    const ws = tempDir('store');
    const keep = await writeBlob(ws, new TextEncoder().encode('keep'));
    const drop = await writeBlob(ws, new TextEncoder().encode('drop'));
    const lock: Lock = { version: 1, plugins: { 'acme/x': entry({ manifest: keep, sig: keep, wasm: keep }) } };
    const removed = await collectGarbage(ws, lock);
    expect(removed).toEqual([drop]);
    expect(fs.existsSync(blobPath(ws, keep))).toBe(true);
    expect(fs.existsSync(blobPath(ws, drop))).toBe(false);
  });
});

describe('lock.json', () => {
  it('is empty when missing and round-trips exactly', async () => {
    const ws = tempDir('lock');
    expect(readLock(ws)).toEqual(emptyLock());
    const lock: Lock = { version: 1, plugins: { 'acme/x': entry(), 'acme/a': entry({ enabled: false, approved_capabilities_sha256: H('f') }) } };
    await writeLock(ws, lock);
    expect(readLock(ws)).toEqual(lock);
    // Sorted by name, pretty, and no temp file left in plugins/.
    expect(Object.keys(JSON.parse(fs.readFileSync(lockPath(ws), 'utf8')).plugins)).toEqual(['acme/a', 'acme/x']);
    expect(fs.readdirSync(path.dirname(lockPath(ws))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['not JSON', '{"version": 1, "plugins": {'],
    ['a half-written file', JSON.stringify({ version: 1, plugins: { 'acme/x': entry() } }).slice(0, 120)],
    ['an unknown version', JSON.stringify({ version: 2, plugins: {} })],
    ['an extra top-level key', JSON.stringify({ version: 1, plugins: {}, extra: true })],
    ['an unknown entry field', JSON.stringify({ version: 1, plugins: { 'acme/x': { ...entry(), evil: 1 } } })],
    ['a missing entry field', JSON.stringify({ version: 1, plugins: { 'acme/x': { ...entry(), signers: undefined } } })],
    ['a digest that is not hex', JSON.stringify({ version: 1, plugins: { 'acme/x': entry({ wasm: 'zz' }) } })],
    ['a bad plugin name', JSON.stringify({ version: 1, plugins: { '../x': entry() } })],
    ['enabled as a string', JSON.stringify({ version: 1, plugins: { 'acme/x': { ...entry(), enabled: 'yes' } } })],
    ['an unknown source kind', JSON.stringify({ version: 1, plugins: { 'acme/x': entry({ source: 'ftp:x' }) } })],
  ])('refuses %s with a clear error naming the file', (_what, text) => {
    const ws = tempDir('lock');
    fs.mkdirSync(path.dirname(lockPath(ws)), { recursive: true });
    fs.writeFileSync(lockPath(ws), text);
    let err: unknown;
    try {
      readLock(ws);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.Workspace);
    expect((err as PentoraError).message).toContain(lockPath(ws));
    expect((err as PentoraError).message).toContain('corrupt lock file');
  });

  it('never writes an invalid lock, and leaves the previous one intact', async () => {
    const ws = tempDir('lock');
    const good: Lock = { version: 1, plugins: { 'acme/x': entry() } };
    await writeLock(ws, good);
    const before = fs.readFileSync(lockPath(ws), 'utf8');
    await expect(writeLock(ws, { version: 1, plugins: { 'acme/x': entry({ sig: 'nope' }) } })).rejects.toThrow(/corrupt lock file/);
    expect(fs.readFileSync(lockPath(ws), 'utf8')).toBe(before);
  });

  it('serialises concurrent updates through the store lock: none is lost', async () => {
    const ws = tempDir('lock');
    const names = ['acme/a', 'acme/b', 'acme/c', 'acme/d', 'acme/e'];
    await Promise.all(
      names.map((n) =>
        updateLock(ws, async (lock) => {
          // Yield inside the critical section so the writers would interleave without the lock.
          await new Promise((r) => setImmediate(r));
          lock.plugins[n] = entry();
        }),
      ),
    );
    expect(Object.keys(readLock(ws).plugins).sort()).toEqual(names);
    expect(fs.existsSync(path.join(ws, 'plugins', '.lock'))).toBe(false);
  });

  it('takes over a store lock left by a process that no longer exists', async () => {
    const ws = tempDir('lock');
    // A pid that surely exited: a child we ran to completion.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.mkdirSync(path.join(ws, 'plugins'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'plugins', '.lock'), String(dead));
    await updateLock(ws, (lock) => {
      lock.plugins['acme/x'] = entry();
    });
    expect(readLock(ws).plugins['acme/x']).toBeDefined();
  });

  it('waits for a live holder and gives up with a message naming it', async () => {
    const ws = tempDir('lock');
    fs.mkdirSync(path.join(ws, 'plugins'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'plugins', '.lock'), String(process.pid));
    await expect(updateLock(ws, () => undefined, { waitMs: 100 })).rejects.toThrow(new RegExp(`locked by process ${process.pid}`));
  });

  it('garbage-collects after each update, inside the lock', async () => {
    const ws = tempDir('lock');
    const a = await writeBlob(ws, new TextEncoder().encode('a'));
    const b = await writeBlob(ws, new TextEncoder().encode('b'));
    await updateLock(ws, (lock) => {
      lock.plugins['acme/x'] = entry({ manifest: a, sig: a, wasm: a });
    });
    expect(fs.existsSync(blobPath(ws, b))).toBe(false);
    await updateLock(ws, (lock) => {
      delete lock.plugins['acme/x'];
    });
    expect(fs.readdirSync(blobDir(ws))).toEqual([]);
  });
});
