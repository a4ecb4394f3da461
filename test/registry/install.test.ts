/**
 * Installing from a registry, end to end: a real registry (registry/tuf
 * repository) served on 127.0.0.1, `pentora plugin install` into another
 * workspace, and the installed plugin running in a scan. Then the policies:
 * capability approval, widened updates, the lockfile floor, revocation at
 * install and at load, tier ceilings, the lock re-hash, file installs.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog, openRuntime } from '../../host/cli/runtime.ts';
import { BUILTIN_PLUGINS_DIR } from '../../host/engine/catalog.ts';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { runScan } from '../../host/scan.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { loadTrustStore } from '../../host/trust/default-store.ts';
import { installPlugin, type InstallOptions } from '../../registry/client/install.ts';
import { registrySource } from '../../registry/client/sources.ts';
import { blobDir, blobPath, lockPath, readLock, writeLock } from '../../registry/client/store.ts';
import { runCli } from '../e2e/helpers.ts';
import { makePluginDist, overwriteBlob, sshListener, startRegistry, tempDir, type TestRegistry } from './client-support.ts';

const NAME = 'acme/ssh-checks';
const TCP = { net: { tcp: { targets: 'scope' as const, ports: 'any' as const } } };

let regs: TestRegistry[] = [];
afterEach(async () => {
  await Promise.all(regs.map((r) => r.close()));
  regs = [];
});

async function registry(): Promise<TestRegistry> {
  const r = await startRegistry();
  regs.push(r);
  return r;
}

function install(ws: string, reg: TestRegistry, over: Partial<InstallOptions> = {}) {
  return installPlugin({
    name: NAME,
    source: registrySource(reg.url, reg.root),
    workspace: ws,
    trust: loadTrustStore(ws),
    yes: true,
    allowDowngrade: false,
    now: () => new Date(),
    ...over,
  });
}

/** What every command does: config, workspace, trust store, then the catalog with the store's plugins. */
async function catalogOf(ws: string) {
  const rt = await openRuntime({ workspace: ws, verbose: 0, quiet: true });
  return { rt, catalog: await openCatalog(rt) };
}

function cli(reg: TestRegistry, ws: string, ...args: string[]) {
  return runCli([...args, '--registry', reg.url, '--root', reg.root, '--workspace', ws]);
}

async function rejection(p: Promise<unknown>): Promise<PentoraError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PentoraError);
    return err as PentoraError;
  }
  throw new Error('expected the promise to reject');
}

describe('install from a registry (the issue\'s "Done when")', () => {
  it('publishes, serves on 127.0.0.1, installs from a second workspace with the CLI, then scans with the plugin', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');

    const r = await cli(reg, ws, 'plugin', 'install', NAME, '--yes');
    expect(r.stderr).toContain('requests:');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${NAME} 0.1.0 installed from registry:${reg.url}`);

    // The lock pins the three blobs; each is read-only and named by its own digest.
    const e = readLock(ws).plugins[NAME]!;
    expect(e).toMatchObject({ version: '0.1.0', enabled: true, source: `registry:${reg.url}`, signers: [reg.acme.keyid] });
    for (const d of [e.manifest, e.sig, e.wasm]) {
      const file = blobPath(ws, d);
      expect(sha256Hex(fs.readFileSync(file))).toBe(d);
      expect(fs.statSync(file).mode & 0o777).toBe(0o444);
    }
    // The role's key is now trusted for acme/* only, tier community.
    const keys = JSON.parse(fs.readFileSync(path.join(ws, 'keys', 'trusted', 'registry-acme.json'), 'utf8'));
    expect(keys).toEqual([expect.objectContaining({ keyid: reg.acme.keyid, namespaces: ['acme/*'], tier: 'community' })]);

    const list = await cli(reg, ws, 'plugin', 'list', '-o', 'json');
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ name: NAME, version: '0.1.0', source: 'installed', verified: true }));

    const ssh = await sshListener();
    try {
      const scan = await runCli(['scan', '--targets', '127.0.0.1', '--ports', String(ssh.port), '-o', 'jsonl', '--workspace', ws]);
      expect(scan.code, scan.stderr).toBe(0);
      const records = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(records).toContainEqual(expect.objectContaining({ type: 'service', port: ssh.port, product: 'OpenSSH', version: '9.6p1', plugin: NAME }));
    } finally {
      await ssh.close();
    }
  });

  it('search lists each plugin with its newest version', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    await reg.publish({ version: '0.2.0' });
    const r = await cli(reg, tempDir('ws'), 'plugin', 'search', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ name: NAME, version: '0.2.0', versions: ['0.2.0', '0.1.0'], role: 'acme' })]);
  });

  it('says so when the registry does not list the plugin', async () => {
    const reg = await registry();
    const r = await cli(reg, tempDir('ws'), 'plugin', 'install', 'acme/nothing', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/acme\/nothing: not found/);
  });
});

describe('capability approval', () => {
  it('refuses with exit 2 when there is no terminal and no --yes, after showing the capabilities; nothing is written', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0', capabilities: TCP });
    const ws = tempDir('ws');
    const r = await cli(reg, ws, 'plugin', 'install', NAME);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('net.tcp    connect to targets in the scan\'s scope, ports any');
    expect(r.stderr).toMatch(/no terminal to ask on; re-run with --yes/);
    expect(fs.existsSync(lockPath(ws))).toBe(false);
    expect(fs.existsSync(blobDir(ws)) ? fs.readdirSync(blobDir(ws)) : []).toEqual([]);
  });

  it('asks on a terminal: no aborts, yes installs', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    const shown: string[] = [];
    const no = await rejection(install(ws, reg, { yes: false, confirm: async () => false, show: (l) => shown.push(...l) }));
    expect(no.code).toBe(ErrorCode.Usage);
    expect(shown.join('\n')).toContain(`${NAME} 0.1.0 from registry:${reg.url}`);
    expect(readLock(ws).plugins[NAME]).toBeUndefined();
    const yes = await install(ws, reg, { yes: false, confirm: async () => true });
    expect(yes).toMatchObject({ status: 'installed', enabled: true });
  });

  it('an update that widens capabilities installs disabled until approved; the same capabilities need no approval', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    await install(ws, reg);
    const approved = readLock(ws).plugins[NAME]!.approved_capabilities_sha256;

    await reg.publish({ version: '0.2.0', capabilities: TCP });
    const up = await cli(reg, ws, 'plugin', 'update');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/DISABLED\s+acme\/ssh-checks 0\.1\.0 -> 0\.2\.0/);
    const e = readLock(ws).plugins[NAME]!;
    expect(e).toMatchObject({ version: '0.2.0', enabled: false, approved_capabilities_sha256: approved });
    expect(e.capabilities_sha256).not.toBe(approved);

    // Listed, not verified, with the reason; never handed to a scan.
    let { catalog } = await catalogOf(ws);
    expect(catalog.entry(NAME)).toMatchObject({ source: 'installed', verified: false, error: expect.stringContaining('pentora plugin approve acme/ssh-checks') });
    expect(catalog.get(NAME)).toBeNull();
    const info = await cli(reg, ws, 'plugin', 'info', NAME);
    expect(info.code).toBe(3);
    expect(JSON.parse(info.stdout).capabilities).toEqual(TCP);

    const ok = await cli(reg, ws, 'plugin', 'approve', NAME);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readLock(ws).plugins[NAME]).toMatchObject({ enabled: true, approved_capabilities_sha256: e.capabilities_sha256 });
    ({ catalog } = await catalogOf(ws));
    expect(catalog.get(NAME)?.manifest.capabilities).toEqual(TCP);

    await reg.publish({ version: '0.3.0', capabilities: TCP });
    const same = await cli(reg, ws, 'plugin', 'update', NAME);
    expect(same.stdout).toMatch(/updated\s+acme\/ssh-checks 0\.2\.0 -> 0\.3\.0/);
    expect(readLock(ws).plugins[NAME]).toMatchObject({ version: '0.3.0', enabled: true });
  });

  it('install --yes approves a widened update at once', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    await install(ws, reg);
    await reg.publish({ version: '0.2.0', capabilities: TCP });
    expect(await install(ws, reg, { yes: false })).toMatchObject({ version: '0.2.0', status: 'pending-approval', enabled: false });
    expect(await install(ws, reg, { yes: true })).toMatchObject({ version: '0.2.0', status: 'reinstalled', enabled: true });
  });
});

describe('rollback floor', () => {
  it('refuses a version below the lockfile without --allow-downgrade', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    await reg.publish({ version: '0.2.0' });
    const ws = tempDir('ws');
    expect(await install(ws, reg)).toMatchObject({ version: '0.2.0' });

    const r = await cli(reg, ws, 'plugin', 'install', `${NAME}@0.1.0`, '--yes');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refusing to install 0\.1\.0 below the installed 0\.2\.0 .*--allow-downgrade/);
    expect(readLock(ws).plugins[NAME]!.version).toBe('0.2.0');

    const ok = await cli(reg, ws, 'plugin', 'install', `${NAME}@0.1.0`, '--yes', '--allow-downgrade');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('downgraded (was 0.2.0)');
    expect(readLock(ws).plugins[NAME]!.version).toBe('0.1.0');
  });
});

describe('tier ceilings (keys/policy.json)', () => {
  it.each([
    [{ net: { udp: { targets: 'scope' as const, ports: 'any' as const } } }, /requests capabilities\.net\.udp, above the community tier's ceiling/],
    [{ ...TCP, rate: { pps: 5000 } }, /requests capabilities\.rate\.pps 5000 \(ceiling 1000\), above the community tier's ceiling/],
  ])('refuses a community plugin asking for more than its tier allows (%j)', async (capabilities, message) => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0', capabilities });
    const ws = tempDir('ws');
    const r = await cli(reg, ws, 'plugin', 'install', NAME, '--yes');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(lockPath(ws))).toBe(false);
  });
});

describe('revocation', () => {
  it('refuses a key revoked locally, at install', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    const rev = await runCli(['keys', 'revoke', reg.acme.keyid, '--workspace', ws]);
    expect(rev.code, rev.stderr).toBe(0);
    const r = await cli(reg, ws, 'plugin', 'install', NAME, '--yes');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`signing key ${reg.acme.keyid.slice(0, 16)}… is revoked \\(.*keys/revoked\\.json\\)`));
    expect(fs.existsSync(lockPath(ws))).toBe(false);
  });

  it("refuses an artifact on the registry's signed revocation list, at install", async () => {
    const reg = await registry();
    const dist = await reg.publish({ version: '0.1.0' });
    const wasm = sha256Hex(fs.readFileSync(path.join(dist, 'plugin.wasm')));
    await reg.revoke({ artifacts: [wasm] });
    const err = await rejection(install(tempDir('ws'), reg));
    expect(err.code).toBe(ErrorCode.Policy);
    expect(err.message).toMatch(new RegExp(`artifact sha256 ${wasm.slice(0, 16)}… is revoked \\(the signed revocation list of registry:`));
  });

  it('refuses at the next load a plugin whose key is revoked after install (locally, then by the registry)', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const local = tempDir('ws');
    await install(local, reg);
    expect((await catalogOf(local)).catalog.get(NAME)).not.toBeNull();
    expect((await runCli(['keys', 'revoke', reg.acme.keyid, '--workspace', local])).code).toBe(0);
    const after = (await catalogOf(local)).catalog.entry(NAME);
    expect(after).toMatchObject({ verified: false, error: expect.stringMatching(/is revoked/) });
    const verify = await runCli(['plugin', 'verify', NAME, '--workspace', local]);
    expect(verify.code).toBe(3);

    // The registry revokes the key; the next verified refresh (any update) records it, and loads refuse.
    const remote = tempDir('ws');
    await install(remote, reg);
    await reg.revoke({ keys: [reg.acme.keyid] });
    const up = await cli(reg, remote, 'plugin', 'update');
    expect(up.stdout).toMatch(/up to date\s+acme\/ssh-checks 0\.1\.0/);
    expect((await catalogOf(remote)).catalog.entry(NAME)).toMatchObject({ verified: false, error: expect.stringMatching(/revoked \(the signed revocation list of registry:/) });
  });
});

describe('every load re-checks the store against lock.json', () => {
  it('refuses a blob modified after install', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    await install(ws, reg);
    const e = readLock(ws).plugins[NAME]!;
    const wasm = fs.readFileSync(blobPath(ws, e.wasm));
    wasm[wasm.length - 1] = wasm[wasm.length - 1]! ^ 0xff;
    overwriteBlob(blobPath(ws, e.wasm), wasm);
    const entry = (await catalogOf(ws)).catalog.entry(NAME);
    expect(entry).toMatchObject({ verified: false, error: expect.stringContaining(`stored blob does not match its name (expected sha256 ${e.wasm}`) });
  });

  it('refuses a lock entry pointing at another validly signed manifest, or at signers it did not record', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    await reg.publish({ version: '0.2.0' });
    const ws = tempDir('ws');
    await install(ws, reg, { version: '0.1.0' });
    const old = readLock(ws);
    // Keep 0.2.0's blobs around: install then put the 0.1.0 entry back with 0.2.0's manifest + sig.
    await install(ws, reg, { version: '0.2.0' });
    const v2 = readLock(ws).plugins[NAME]!;
    await writeLock(ws, { version: 1, plugins: { [NAME]: { ...old.plugins[NAME]!, manifest: v2.manifest, sig: v2.sig } } });
    expect((await catalogOf(ws)).catalog.entry(NAME)).toMatchObject({ verified: false, error: expect.stringMatching(/manifest version does not match lock\.json \(expected 0\.1\.0, got 0\.2\.0\)/) });

    await writeLock(ws, { version: 1, plugins: { [NAME]: { ...v2, signers: ['0'.repeat(64)] } } });
    expect((await catalogOf(ws)).catalog.entry(NAME)).toMatchObject({ verified: false, error: expect.stringMatching(/none of the keys that signed it at install/) });
  });

  it('runs the bytes it verified even when the file is swapped between verify and run; the next load refuses', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    await install(ws, reg);
    const { rt, catalog } = await catalogOf(ws);
    expect(catalog.get(NAME)).not.toBeNull();
    // Swap the stored wasm for another module (a valid but different plugin) after verification.
    const e = readLock(ws).plugins[NAME]!;
    overwriteBlob(blobPath(ws, e.wasm), fs.readFileSync(path.join(BUILTIN_PLUGINS_DIR, 'json-reporter', 'dist', 'plugin.wasm')));
    const ssh = await sshListener();
    try {
      const result = await runScan({ targets: ['127.0.0.1'], ports: String(ssh.port), config: rt.config, catalog, logger: rt.logger });
      expect(result.nodes.find((n) => n.module === NAME)?.state).toBe('done');
      expect(result.services).toContainEqual(expect.objectContaining({ port: ssh.port, product: 'OpenSSH', plugin: NAME }));
    } finally {
      await ssh.close();
    }
    expect((await catalogOf(ws)).catalog.entry(NAME)).toMatchObject({ verified: false, error: expect.stringContaining('stored blob does not match its name') });
  });

  it('lists a corrupt lock.json as a refused entry naming the problem', async () => {
    const ws = tempDir('ws');
    fs.mkdirSync(path.dirname(lockPath(ws)), { recursive: true });
    fs.writeFileSync(lockPath(ws), '{"version": 1, "plugins": ');
    const { catalog } = await catalogOf(ws);
    expect(catalog.entries.find((x) => x.source === 'installed')).toMatchObject({ verified: false, error: expect.stringContaining('corrupt lock file') });
    expect(catalog.get('pentora/ssh-parser')).not.toBeNull();
  });
});

describe('install from a local folder', () => {
  it('still needs a trusted signature', async () => {
    const reg = await registry();
    const dist = makePluginDist(tempDir('dist'), reg.acme, { version: '0.1.0' });
    const ws = tempDir('ws');
    const refused = await runCli(['plugin', 'install', dist, '--yes', '--workspace', ws]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/is not a trusted key/);

    const trust = await runCli(['keys', 'trust', reg.acmePubFile(), '--workspace', ws]);
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout).toContain('acme/*');
    const ok = await runCli(['plugin', 'install', dist, '--yes', '--workspace', ws]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readLock(ws).plugins[NAME]).toMatchObject({ source: `file:${dist}`, enabled: true, signers: [reg.acme.keyid] });
    expect((await catalogOf(ws)).catalog.get(NAME)).not.toBeNull();

    // Untrusting the key makes the installed copy refuse to load too.
    expect((await runCli(['keys', 'untrust', reg.acme.keyid, '--workspace', ws])).code).toBe(0);
    expect((await catalogOf(ws)).catalog.entry(NAME)).toMatchObject({ verified: false });
  });
});

describe('remove', () => {
  it('drops the entry, its blobs, and the registry keys no installed plugin needs', async () => {
    const reg = await registry();
    await reg.publish({ version: '0.1.0' });
    const ws = tempDir('ws');
    await install(ws, reg);
    const r = await runCli(['plugin', 'remove', NAME, '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(readLock(ws).plugins).toEqual({});
    expect(fs.readdirSync(blobDir(ws))).toEqual([]);
    expect(fs.existsSync(path.join(ws, 'keys', 'trusted', 'registry-acme.json'))).toBe(false);
    const again = await runCli(['plugin', 'remove', NAME, '--workspace', ws]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not installed');
  });
});
