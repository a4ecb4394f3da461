import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSigningKey } from '../../host/trust/keys.ts';
import { Updater } from '../../registry/tuf/updater.ts';
import { runCli, tempDir } from '../e2e/helpers.ts';
import { dirFetcher } from './fixtures.ts';

describe('pentora registry rotate-root', () => {
  const work = tempDir('rotate');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const reg = path.join(work, 'reg');
  const keys = `${reg}-keys`;
  const ws = path.join(work, 'ws');

  it('writes root N+1 that a client pinned to 1.root.json accepts, and retires the old keys', async () => {
    expect((await runCli(['registry', 'init', reg, '--workspace', ws])).code).toBe(0);
    const oldRoot = readSigningKey(path.join(keys, 'root.key.json')).keyid;
    const oldTimestamp = readSigningKey(path.join(keys, 'timestamp.key.json')).keyid;
    const r = await runCli(['registry', 'rotate-root', reg, '--roles', 'root,timestamp', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote 2.root.json');

    const newRoot = readSigningKey(path.join(keys, 'root.key.json')).keyid;
    expect(newRoot).not.toBe(oldRoot);
    expect(readSigningKey(path.join(keys, 'retired-root-v1', 'root.key.json')).keyid).toBe(oldRoot);
    expect(readSigningKey(path.join(keys, 'retired-root-v1', 'timestamp.key.json')).keyid).toBe(oldTimestamp);
    expect(fs.readdirSync(keys).filter((n) => n.startsWith('.rotating'))).toEqual([]);

    const updater = new Updater({ fetch: dirFetcher(reg), trustedRoot: fs.readFileSync(path.join(reg, '1.root.json')), now: () => new Date() });
    const refreshed = await updater.refresh();
    expect(refreshed.rootVersion).toBe(2);
    const root = updater.trusted().root;
    expect(root.roles.root.keyids).toEqual([newRoot]);
    expect(root.roles.timestamp.keyids).not.toContain(oldTimestamp);

    // The new keys are the ones the other commands now sign with.
    const ts = await runCli(['registry', 'timestamp', reg, '--workspace', ws]);
    expect(ts.code, ts.stderr).toBe(0);
    expect((await new Updater({ fetch: dirFetcher(reg), trustedRoot: fs.readFileSync(path.join(reg, '1.root.json')), now: () => new Date() }).refresh()).rootVersion).toBe(2);
  });

  it('refuses an unknown role', async () => {
    const r = await runCli(['registry', 'rotate-root', reg, '--roles', 'root,admin', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"admin" is not one of root, targets, snapshot, timestamp');
  });
});
