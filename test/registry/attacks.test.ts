/**
 * The registry-attack corpus (issue "signed registry", "Attack tests"): every
 * attack in the list, mounted end to end against a real registry made by
 * registry/tuf/repository.ts, and refused at an entry point a user hits —
 * `plugin install` (installPlugin over the TUF Updater), `bundle verify`,
 * `plugin install --from-bundle`, or the load of installed plugins that
 * precedes every scan. Each refusal is checked by code and by message. The
 * clock is injected (T0 + days); nothing waits.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../host/errors.ts';
import { malleate } from '../../host/trust/ed25519.ts';
import { serializeEnvelope, signEnvelope } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { TrustStore, trustedKeyFile } from '../../host/trust/trust-store.ts';
import { createBundle, installFromBundle, verifyBundle } from '../../registry/bundle/bundle.ts';
import { fetchFrom } from '../../registry/client/fetch.ts';
import { installPlugin, openUpdater } from '../../registry/client/install.ts';
import { serveRegistry } from '../../registry/client/serve.ts';
import { updatePlugins } from '../../registry/client/manage.ts';
import { capabilitiesSha256, keyJsonOf } from '../../registry/tuf/metadata.ts';
import { initRepository, publishPlugin, refreshTimestamp, revoke } from '../../registry/tuf/repository.ts';
import type { JsonObject } from '../../registry/tuf/strict-json.ts';
import { MemoryStore, Updater } from '../../registry/tuf/updater.ts';
import { signMetadata } from '../../registry/tuf/verify.ts';
import { runPlugin } from '../../sdk/testing/harness.ts';
import { at, editRole, flip, install, registry, listTarget, loadInstalled, refused, reindexBundle, T0, tampering, targetBytes, targetPath, uncapped, workspace } from './attack-kit.ts';
import { makePluginDist, overwriteBlob, tempDir } from './client-support.ts';
import { createRegistryFixture, currentRoleFile, readMetadata, reseal, resign, type RegistryFixture } from './fixtures.ts';
import { rawTar, type RawEntry } from './tar-craft.ts';

const ACME = 'acme/ssh-parser';
const V1 = `${ACME}/0.1.0`;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A registry of its own for an attack that rewrites the repository. */
async function fresh(opts: Parameters<typeof createRegistryFixture>[0] = {}): Promise<RegistryFixture> {
  const fx = await createRegistryFixture({ now: T0, ...opts });
  cleanups.push(fx.cleanup);
  return fx;
}

function ws(): string {
  const dir = workspace();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Publishes `acme/ssh-parser` at `version` (the builtin's wasm, manifest signed by acme). */
async function publishAcme(fx: RegistryFixture, version: string, capabilities?: JsonObject): Promise<void> {
  const dist = makePluginDist(path.join(fx.base, 'dists'), fx.keys.acme, { name: ACME, version, ...(capabilities ? { capabilities } : {}) });
  await publishPlugin(fx.dir, dist, { now: () => T0, publisher: [fx.keys.acme], snapshot: [fx.keys.snapshot], timestamp: [fx.keys.timestamp] });
}

/** The version of the timestamp in a registry or bundle directory. */
const tsVersion = (dir: string): number => readMetadata(dir, 'timestamp.json').signed.version as number;

const SSH_BANNERS = { banners: [{ host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: Buffer.from('SSH-2.0-OpenSSH_9.6p1\r\n').toString('base64') }] };

// A registry nobody rewrites, shared by the attacks that only need a hostile mirror.
let shared: RegistryFixture;
beforeAll(async () => {
  shared = await createRegistryFixture({ now: T0 });
});
afterAll(() => shared?.cleanup());

describe('tampered packages', () => {
  it('refuses a wasm with one flipped byte from a mirror (signed sha256 of the target)', async () => {
    const fetch = tampering(shared.fetch, /\.plugin\.wasm$/, (b) => flip(b, 1000));
    await refused(install(shared, ws(), ACME, { fetch }), ErrorCode.Digest, /acme\/ssh-parser\/0\.1\.0\/plugin\.wasm: sha256 [0-9a-f]{64} does not match the signed [0-9a-f]{64}/);
  });

  it('refuses a truncated wasm (signed length of the target)', async () => {
    const fetch = tampering(shared.fetch, /\.plugin\.wasm$/, (b) => b.subarray(0, b.length - 1));
    await refused(install(shared, ws(), ACME, { fetch }), ErrorCode.Digest, /plugin\.wasm: (\d+) bytes, signed metadata says \d+/);
  });

  it('refuses a flipped wasm even when a stolen publisher key lists it (the signed manifest pins the wasm)', async () => {
    const fx = await fresh();
    listTarget(fx, 'acme', `${V1}/plugin.wasm`, flip(targetBytes(fx, 'acme', `${V1}/plugin.wasm`), 1000), fx.keys.acme);
    await refused(install(fx, ws(), ACME), ErrorCode.Digest, /acme\/ssh-parser wasm does not match its signed manifest \(expected sha256 [0-9a-f]{64}/);
  });

  it('refuses widened capabilities over the same wasm: swapped by a mirror, re-signed against the registry digest, or published honestly', async () => {
    const manifest = JSON.parse(Buffer.from(targetBytes(shared, 'acme', `${V1}/manifest.json`)).toString('utf8')) as JsonObject;
    const widened = Buffer.from(JSON.stringify({ ...manifest, capabilities: { net: { tcp: { targets: 'scope', ports: 'any' } } } }, null, 2) + '\n');
    // 1. A mirror serves the widened manifest: the target hash is signed.
    const fetch = tampering(shared.fetch, /acme\/ssh-parser\/0\.1\.0\/[0-9a-f]{64}\.manifest\.json$/, () => widened);
    await refused(install(shared, ws(), ACME, { fetch }), ErrorCode.Digest, /manifest\.json: (sha256 [0-9a-f]{64} does not match the signed|\d+ bytes, signed metadata says)/);

    // 2. The publisher key signs it, but the registry's capabilities digest still names the old ones.
    const fx = await fresh();
    const custom = (readMetadata(fx.dir, currentRoleFile(fx.dir, 'acme')).signed.targets as JsonObject)[`${V1}/manifest.json`] as JsonObject;
    listTarget(fx, 'acme', `${V1}/manifest.json`, widened, fx.keys.acme, custom.custom as JsonObject);
    listTarget(fx, 'acme', `${V1}/manifest.sig`, serializeEnvelope(signEnvelope(widened, [fx.keys.acme])), fx.keys.acme);
    await refused(install(fx, ws(), ACME), ErrorCode.Digest, /capabilities_sha256 in the registry \([0-9a-f]{64}\) does not match the signed manifest's/);

    // 3. Honestly published 0.2.0 with wider capabilities: installs, but stays disabled until approved again.
    const fx3 = await fresh();
    const w = ws();
    await install(fx3, w, ACME);
    await publishAcme(fx3, '0.2.0', { net: { tcp: { targets: 'scope', ports: 'any' } } });
    const [r] = await updatePlugins({ workspace: w, trust: new TrustStore(), now: () => T0, names: [ACME], yes: false, allowDowngrade: false, sourceFor: () => registry(fx3) });
    expect(r).toMatchObject({ name: ACME, status: 'pending-approval', to: '0.2.0' });
    await expect(loadInstalled(w, ACME)).rejects.toThrow(/disabled: the capabilities of acme\/ssh-parser 0\.2\.0 are not approved/);
  });
});

describe('keys', () => {
  it('refuses metadata signed by the wrong registry key or an unknown key', async () => {
    for (const key of [shared.keys.snapshot, newSigningKey()]) {
      const fx = await fresh();
      resign(fx.dir, 'timestamp.json', () => undefined, [key]);
      await refused(install(fx, ws(), ACME), ErrorCode.Signature, new RegExp(`timestamp\\.json: 0 of 1 required signatures; keyid ${key.keyid.slice(0, 16)}… is not a key of this role`));
    }
  });

  it('refuses a plugin whose manifest is signed by an unknown key, even from a local file', async () => {
    const dist = makePluginDist(tempDir('unknown-key'), newSigningKey(), { name: ACME, version: '0.1.0' });
    const w = ws();
    const err = installPlugin({ workspace: w, trust: TrustStore.fromDirs([]), now: () => T0, source: { kind: 'file', path: dist }, yes: true, allowDowngrade: false });
    await refused(err, ErrorCode.Signature, /signature check failed: 0 of 1 required trusted signatures; keyid [0-9a-f]{16}… is not a trusted key/);
  });

  it("refuses another publisher's key: on acme's role metadata, and on acme's manifest", async () => {
    const fx = await fresh();
    resign(fx.dir, currentRoleFile(fx.dir, 'acme'), () => undefined, [fx.keys.pentora]);
    reseal(fx);
    await refused(install(fx, ws(), ACME), ErrorCode.Signature, /\d+\.acme\.json: 0 of 1 required signatures; keyid [0-9a-f]{16}… is not a key of this role/);

    const fx2 = await fresh();
    const manifest = targetBytes(fx2, 'acme', `${V1}/manifest.json`);
    listTarget(fx2, 'acme', `${V1}/manifest.sig`, serializeEnvelope(signEnvelope(manifest, [fx2.keys.pentora])), fx2.keys.acme);
    await refused(install(fx2, ws(), ACME), ErrorCode.Signature, new RegExp(`keyid ${fx2.keys.pentora.keyid.slice(0, 16)}… is not a trusted key`));
  });

  it("refuses a revoked key: from the registry's signed list and from the workspace's keys/revoked.json", async () => {
    const fx = await fresh();
    await revoke(fx.dir, { now: () => T0, keys: [fx.keys.acme.keyid], signers: fx.online() });
    await refused(install(fx, ws(), ACME), ErrorCode.Policy, new RegExp(`acme/ssh-parser: signing key ${fx.keys.acme.keyid.slice(0, 16)}… is revoked \\(the signed revocation list of registry:`));

    const w = ws();
    fs.mkdirSync(path.join(w, 'keys'), { recursive: true });
    fs.writeFileSync(path.join(w, 'keys', 'revoked.json'), JSON.stringify({ keys: [shared.keys.acme.keyid], artifacts: [] }));
    await refused(install(shared, w, ACME), ErrorCode.Policy, /signing key [0-9a-f]{16}… is revoked \(.*keys\/revoked\.json\)/);
  });
});

describe('signatures', () => {
  it('refuses a signature replayed onto another version and onto another name', async () => {
    const fx = await fresh();
    const custom = { name: ACME, version: '0.2.0', capabilities_sha256: capabilitiesSha256(targetBytes(fx, 'acme', `${V1}/manifest.json`), 'm') };
    for (const f of ['plugin.wasm', 'manifest.sig', 'manifest.json']) {
      listTarget(fx, 'acme', `${ACME}/0.2.0/${f}`, targetBytes(fx, 'acme', `${V1}/${f}`), fx.keys.acme, f === 'manifest.json' ? custom : undefined);
    }
    await refused(install(fx, ws(), ACME), ErrorCode.Trust, /the registry lists acme\/ssh-parser 0\.2\.0 but its signed manifest is acme\/ssh-parser 0\.1\.0/);

    // pentora's signed package listed by acme as acme/evil: the signature is by a key acme's role does not hold.
    const fx2 = await fresh();
    const caps = capabilitiesSha256(targetBytes(fx2, 'pentora', 'pentora/ssh-parser/0.1.0/manifest.json'), 'm');
    for (const f of ['plugin.wasm', 'manifest.sig', 'manifest.json']) {
      const bytes = targetBytes(fx2, 'pentora', `pentora/ssh-parser/0.1.0/${f}`);
      listTarget(fx2, 'acme', `acme/evil/0.1.0/${f}`, bytes, fx2.keys.acme, f === 'manifest.json' ? { name: 'acme/evil', version: '0.1.0', capabilities_sha256: caps } : undefined);
    }
    await refused(install(fx2, ws(), 'acme/evil'), ErrorCode.Signature, /acme\/evil\/0\.1\.0\/manifest\.sig: signature check failed: 0 of 1 .* is not a trusted key/);
  });

  it('refuses the S+L (non-canonical) variant of a valid signature, on metadata and on a manifest', async () => {
    const fx = await fresh();
    const doc = readMetadata(fx.dir, 'timestamp.json');
    doc.signatures[0]!.sig = Buffer.from(malleate(Buffer.from(doc.signatures[0]!.sig, 'hex'))).toString('hex');
    fs.writeFileSync(path.join(fx.dir, 'timestamp.json'), JSON.stringify(doc));
    await refused(install(fx, ws(), ACME), ErrorCode.Signature, /timestamp\.json: 0 of 1 required signatures; signature by [0-9a-f]{16}… is non-canonical \(S >= L\)/);

    const key = newSigningKey();
    const dist = makePluginDist(tempDir('malleated'), key, { name: ACME, version: '0.1.0' });
    const env = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.sig'), 'utf8')) as { signatures: Array<{ sig: string }> };
    env.signatures[0]!.sig = Buffer.from(malleate(Buffer.from(env.signatures[0]!.sig, 'base64'))).toString('base64');
    fs.writeFileSync(path.join(dist, 'manifest.sig'), JSON.stringify(env));
    const trust = new TrustStore([{ ...trustedKeyFile({ publicKey: key.publicKey, namespaces: ['acme/*'], tier: 'community' }), publicKey: key.publicKey, source: 'test' }]);
    const p = installPlugin({ workspace: ws(), trust, now: () => T0, source: { kind: 'file', path: dist }, yes: true, allowDowngrade: false });
    await refused(p, ErrorCode.Signature, /signature by [0-9a-f]{16}… is non-canonical \(S >= L\)/);
  });

  it('counts duplicate signatures once and refuses when the threshold is not met', async () => {
    const dir = tempDir('threshold');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const k = { root: [newSigningKey()], targets: [newSigningKey()], snapshot: [newSigningKey()], timestamp: [newSigningKey(), newSigningKey()] };
    await initRepository(dir, { now: () => T0, keys: k, thresholds: { timestamp: 2 } });
    const updater = (): Updater =>
      new Updater({ fetch: uncapped(dir), trustedRoot: new Uint8Array(fs.readFileSync(path.join(dir, '1.root.json'))), now: () => T0, store: new MemoryStore() });
    await updater().refresh(); // both timestamp keys signed: fine
    const doc = readMetadata(dir, 'timestamp.json');
    const one = doc.signatures.find((s) => s.keyid === k.timestamp[0]!.keyid)!;
    fs.writeFileSync(path.join(dir, 'timestamp.json'), JSON.stringify({ signatures: [one, one, one], signed: doc.signed }));
    await refused(updater().refresh(), ErrorCode.Signature, /timestamp\.json: 1 of 2 required signatures; key [0-9a-f]{16}… signed more than once \(counted once\)/);
    fs.writeFileSync(path.join(dir, 'timestamp.json'), JSON.stringify({ signatures: [one], signed: doc.signed }));
    await refused(updater().refresh(), ErrorCode.Signature, /timestamp\.json: 1 of 2 required signatures/);
  });
});

describe('key tables', () => {
  /** Root 2, made from root 1 by `mutate` and signed by the (stolen or honest) root key. */
  async function root2(mutate: (s: JsonObject) => void): Promise<RegistryFixture> {
    const fx = await fresh();
    const { signed } = readMetadata(fx.dir, '1.root.json');
    signed.version = 2;
    mutate(signed);
    fs.writeFileSync(path.join(fx.dir, '2.root.json'), signMetadata(signed, [fx.keys.root]));
    return fx;
  }

  it('refuses one key listed under two keyids (so it could count twice toward a threshold)', async () => {
    const fx = await root2((s) => {
      const keys = s.keys as JsonObject;
      const ts = (s.roles as JsonObject).timestamp as { keyids: string[]; threshold: number };
      const alias = 'f'.repeat(64);
      keys[alias] = keys[ts.keyids[0]!]!;
      ts.keyids.push(alias);
      ts.threshold = 2;
    });
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, /2\.root\.json: key ffffffffffffffff…: keyid does not match the sha256 of its key/);
  });

  it('refuses a keyid that does not match its key, in a delegation', async () => {
    const fx = await fresh();
    resign(
      fx.dir,
      currentRoleFile(fx.dir, 'targets'),
      (s) => {
        const d = s.delegations as { keys: JsonObject; roles: Array<{ name: string; keyids: string[] }> };
        const acme = d.roles.find((r) => r.name === 'acme')!;
        d.keys[fx.keys.acme.keyid] = keyJsonOf(fx.keys.pentora.publicKey).key as unknown as JsonObject;
        expect(acme.keyids).toContain(fx.keys.acme.keyid);
      },
      [fx.keys.targets],
    );
    reseal(fx);
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, new RegExp(`\\d+\\.targets\\.json delegations: key ${fx.keys.acme.keyid.slice(0, 16)}…: keyid does not match the sha256 of its key`));
  });

  it.each([
    ['rsa', 'rsassa-pss-sha256'],
    ['ed25519', 'ecdsa-sha2-nistp256'],
  ])('refuses a non-ed25519 key (%s/%s)', async (keytype, scheme) => {
    const fx = await root2((s) => {
      const keys = s.keys as Record<string, { keytype: string; scheme: string }>;
      const id = ((s.roles as JsonObject).timestamp as { keyids: string[] }).keyids[0]!;
      keys[id]!.keytype = keytype;
      keys[id]!.scheme = scheme;
    });
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, new RegExp(`2\\.root\\.json: key [0-9a-f]{16}…: keytype/scheme "${keytype}"/"${scheme}" refused: only ed25519/ed25519 is accepted`));
  });
});

describe('freeze: each role expired', () => {
  it('refuses each expired role at install, by name', async () => {
    const fx = await fresh({ expiries: { root: 60 * 86400, targets: 50 * 86400, delegated: 20 * 86400 } });
    const opts = (days: number) => ({ now: at(days) });
    await refused(install(fx, ws(), ACME, opts(2)), ErrorCode.Expired, /^timestamp metadata expired at 2026-03-02T12:00:00\.000Z \(now 2026-03-03T12:00:00\.000Z\)/);
    await refreshTimestamp(fx.dir, { now: () => at(10), timestamp: [fx.keys.timestamp] });
    await refused(install(fx, ws(), ACME, opts(10)), ErrorCode.Expired, /^snapshot metadata expired at 2026-03-08/);
    await refreshTimestamp(fx.dir, { now: () => at(25), timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    await refused(install(fx, ws(), ACME, opts(25)), ErrorCode.Expired, /^acme metadata expired at 2026-03-21/);
    await refreshTimestamp(fx.dir, { now: () => at(55), timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    await refused(install(fx, ws(), 'pentora/ssh-parser', opts(55)), ErrorCode.Expired, /^targets metadata expired at 2026-04-20/);
    await revoke(fx.dir, { now: () => at(58), signers: fx.online() });
    await refused(install(fx, ws(), 'pentora/ssh-parser', opts(61)), ErrorCode.Expired, /^root metadata expired at 2026-04-30/);
  });

  it('in a bundle, relaxes only timestamp/snapshot, only within max staleness, and says so', async () => {
    const fx = await fresh({ expiries: { targets: 10 * 86400 } });
    const out = path.join(fx.base, 'b.tar');
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: [ACME], out, now: T0 });
    const verify = (days: number, hours: number) => verifyBundle(out, { trustedRoot: fx.pinnedRoot, now: at(days), maxStalenessHours: hours });
    expect((await verify(2, 72)).notes).toEqual(['timestamp expired 2026-03-02T12:00:00Z, accepted: bundle created 2026-03-01T12:00:00Z, within max staleness 72 h']);
    await refused(verify(4, 72), ErrorCode.Expired, /^timestamp metadata expired at 2026-03-02T12:00:00Z; the bundle was created 2026-03-01T12:00:00Z, 96 h before now .* beyond the max staleness of 72 h/);
    await refused(verify(11, 24 * 30), ErrorCode.Expired, /^targets metadata expired at 2026-03-11T12:00:00Z \(now 2026-03-12T12:00:00Z\): refusing it; bundles relax only timestamp and snapshot expiry/);
  });
});

describe('rollback, replay and mix-and-match', () => {
  it('refuses an old but unexpired registry state replayed after a newer one (timestamp rollback)', async () => {
    const fx = await fresh();
    const old = path.join(fx.base, 'old');
    fs.cpSync(fx.dir, old, { recursive: true });
    await publishAcme(fx, '0.2.0');
    const w = ws();
    await install(fx, w, ACME);
    const [was, now] = [tsVersion(old), tsVersion(fx.dir)];
    expect(was).toBeLessThan(now);
    fs.rmSync(fx.dir, { recursive: true });
    fs.cpSync(old, fx.dir, { recursive: true });
    await refused(install(fx, w, 'pentora/ssh-parser'), ErrorCode.Rollback, new RegExp(`timestamp\\.json is version ${was}, older than the trusted version ${now}: refusing a replayed timestamp`));
  });

  it('refuses an old but unexpired bundle after a newer install (the workspace floor is shared)', async () => {
    const fx = await fresh();
    const out = path.join(fx.base, 'old-bundle');
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: [ACME], out, now: T0 });
    await publishAcme(fx, '0.2.0');
    const w = ws();
    await install(fx, w, ACME);
    const p = installFromBundle({ workspace: w, trust: new TrustStore(), now: () => T0, bundle: out, names: [ACME], trustedRoot: fx.pinnedRoot, maxStalenessHours: 72, yes: true, allowDowngrade: true });
    await refused(p, ErrorCode.Rollback, new RegExp(`timestamp\\.json is version ${tsVersion(out)}, older than the trusted version ${tsVersion(fx.dir)}`));
  });

  it('refuses a snapshot rollback signed with a stolen timestamp key', async () => {
    const fx = await fresh();
    const w = ws();
    const oldSnap = readMetadata(fx.dir, 'timestamp.json').signed;
    await publishAcme(fx, '0.2.0');
    await install(fx, w, ACME);
    resign(fx.dir, 'timestamp.json', (s) => {
      s.version = (s.version as number) + 1;
      s.meta = oldSnap.meta!;
    }, [fx.keys.timestamp]);
    await refused(install(fx, w, ACME), ErrorCode.Rollback, /timestamp\.json points at snapshot version 5, older than the trusted 6/);
  });

  it('refuses a targets rollback signed with stolen timestamp and snapshot keys', async () => {
    const fx = await fresh();
    const w = ws();
    const oldAcme = currentRoleFile(fx.dir, 'acme');
    await publishAcme(fx, '0.2.0');
    await install(fx, w, ACME);
    const snapFile = `${(readMetadata(fx.dir, 'timestamp.json').signed.meta as Record<string, { version: number }>)['snapshot.json']!.version}.snapshot.json`;
    resign(fx.dir, snapFile, (s) => {
      (s.meta as JsonObject)['acme.json'] = { version: Number(oldAcme.split('.')[0]) };
    }, [fx.keys.snapshot]);
    reseal(fx);
    await refused(install(fx, w, ACME), ErrorCode.Rollback, /lists acme\.json at version 2, older than the trusted 3/);
  });

  it('refuses a snapshot or a publisher role from a different moment (mix-and-match)', async () => {
    const fx = await fresh();
    const oldSnap = fs.readFileSync(path.join(fx.dir, `${(readMetadata(fx.dir, 'timestamp.json').signed.meta as Record<string, { version: number }>)['snapshot.json']!.version}.snapshot.json`));
    const oldAcme = currentRoleFile(fx.dir, 'acme');
    await publishAcme(fx, '0.2.0');
    const snapNow = `${(readMetadata(fx.dir, 'timestamp.json').signed.meta as Record<string, { version: number }>)['snapshot.json']!.version}.snapshot.json`;
    // A mirror serves the previous snapshot under the current name.
    let fetch = tampering(fx.fetch, new RegExp(`^${snapNow.replace('.', '\\.')}$`), () => oldSnap);
    await refused(install(fx, ws(), ACME, { fetch }), ErrorCode.Registry, new RegExp(`${snapNow.replace('.', '\\.')}: (\\d+ bytes, timestamp says \\d+|sha256 [0-9a-f]{64} does not match timestamp's)`));
    // A mirror serves the previous acme role under the current name.
    const acmeNow = currentRoleFile(fx.dir, 'acme');
    const oldAcmeBytes = fs.readFileSync(path.join(fx.dir, oldAcme));
    fetch = tampering(fx.fetch, new RegExp(`^${acmeNow.replace('.', '\\.')}$`), () => oldAcmeBytes);
    await refused(install(fx, ws(), ACME, { fetch }), ErrorCode.Registry, /\d+\.acme\.json: (\d+ bytes, snapshot says \d+|sha256 [0-9a-f]{64} does not match snapshot's)/);
    // With the snapshot key stolen (it signs the old file's hash under the new name), the version inside still gives it away.
    fs.copyFileSync(path.join(fx.dir, oldAcme), path.join(fx.dir, acmeNow));
    reseal(fx);
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, new RegExp(`${acmeNow.replace('.', '\\.')} holds version ${oldAcme.split('.')[0]}, but snapshot names version ${acmeNow.split('.')[0]}`));
  });
});

describe('root chain', () => {
  async function rotate(signers: (old: ReturnType<typeof newSigningKey>, fresh: ReturnType<typeof newSigningKey>) => ReturnType<typeof newSigningKey>[], version = 2): Promise<RegistryFixture> {
    const fx = await fresh();
    const next = newSigningKey();
    const { signed } = readMetadata(fx.dir, '1.root.json');
    signed.version = version;
    (signed.keys as JsonObject)[next.keyid] = keyJsonOf(next.publicKey).key as unknown as JsonObject;
    (signed.roles as JsonObject).root = { keyids: [next.keyid], threshold: 1 };
    fs.writeFileSync(path.join(fx.dir, '2.root.json'), signMetadata(signed, signers(fx.keys.root, next)));
    return fx;
  }

  it('refuses a chain that skips a version', async () => {
    const fx = await rotate((old, next) => [old, next], 3);
    await refused(install(fx, ws(), ACME), ErrorCode.Rollback, /2\.root\.json holds root version 3, expected 2: root versions must follow each other/);
  });

  it('refuses a new root signed only by the old keys', async () => {
    const fx = await rotate((old) => [old]);
    await refused(install(fx, ws(), ACME), ErrorCode.Signature, /2\.root\.json \(by its own root keys\): 0 of 1 required signatures/);
  });

  it('refuses a new root signed only by the new keys', async () => {
    const fx = await rotate((_old, next) => [next]);
    await refused(install(fx, ws(), ACME), ErrorCode.Signature, /2\.root\.json \(by the keys of root v1\): 0 of 1 required signatures/);
  });
});

describe('oversized inputs', () => {
  it('refuses oversized metadata from a server that ignores the byte cap (timestamp, next root)', async () => {
    const fx = await fresh();
    const padded = (file: string): void => {
      const b = fs.readFileSync(path.join(fx.dir, file), 'utf8');
      fs.writeFileSync(path.join(fx.dir, file), b + ' '.repeat(70 * 1024));
    };
    padded('timestamp.json');
    await refused(install(fx, ws(), ACME, { fetch: uncapped(fx.dir) }), ErrorCode.Registry, /timestamp\.json: \d+ bytes, over the 65536-byte cap/);
    fs.copyFileSync(path.join(fx.dir, '1.root.json'), path.join(fx.dir, '2.root.json'));
    padded('2.root.json');
    await refused(install(fx, ws(), ACME, { fetch: uncapped(fx.dir) }), ErrorCode.Registry, /2\.root\.json: \d+ bytes, over the 65536-byte cap/);
  });

  it('refuses an oversized wasm: listed past the cap, or served longer than listed', async () => {
    const fx = await fresh();
    const wasm = targetBytes(fx, 'acme', `${V1}/plugin.wasm`);
    await refused(install(fx, ws(), ACME, { fetch: tampering(uncapped(fx.dir), /\.plugin\.wasm$/, (b) => Buffer.concat([b, Buffer.alloc(4096)])) }), ErrorCode.Digest, /plugin\.wasm: \d+ bytes, signed metadata says \d+/);
    editRole(fx, 'acme', fx.keys.acme, (targets) => {
      (targets[`${V1}/plugin.wasm`] as JsonObject).length = 65 * 1024 * 1024;
    });
    expect(wasm.length).toBeLessThan(65 * 1024 * 1024);
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, /acme\/ssh-parser\/0\.1\.0\/plugin\.wasm: 68157440 bytes, over the 67108864-byte cap on target files/);
  });

  it('refuses an oversized bundle index before parsing it', async () => {
    const out = path.join(tempDir('big-index'), 'b');
    cleanups.push(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
    await createBundle({ fetch: shared.fetch, trustedRoot: shared.pinnedRoot, plugins: [ACME], out, now: T0 });
    fs.appendFileSync(path.join(out, 'bundle.json'), ' '.repeat(1024 * 1024));
    await refused(verifyBundle(out, { trustedRoot: shared.pinnedRoot, now: T0, maxStalenessHours: 72 }), ErrorCode.Bundle, /bundle\.json: \d+ bytes, over the 1048576-byte cap for a bundle index/);
  });
});

describe('JSON that means two things', () => {
  it('refuses unsigned bytes appended to signed metadata (from a mirror, and inside a re-indexed bundle)', async () => {
    const fetch = tampering(shared.fetch, /^timestamp\.json$/, (b) => Buffer.concat([b, Buffer.from('{"signed":{"version":99}}')]));
    await refused(install(shared, ws(), ACME, { fetch }), ErrorCode.Registry, /timestamp\.json: unexpected data after the JSON value at offset \d+/);

    const out = path.join(tempDir('appended'), 'b');
    cleanups.push(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
    await createBundle({ fetch: shared.fetch, trustedRoot: shared.pinnedRoot, plugins: [ACME], out, now: T0 });
    fs.appendFileSync(path.join(out, 'timestamp.json'), '["unsigned"]');
    reindexBundle(out);
    await refused(verifyBundle(out, { trustedRoot: shared.pinnedRoot, now: T0, maxStalenessHours: 72 }), ErrorCode.Registry, /timestamp\.json: unexpected data after the JSON value/);
  });

  it('refuses duplicate JSON keys in metadata and in a bundle index', async () => {
    const fetch = tampering(shared.fetch, /^timestamp\.json$/, (b) => Buffer.from(Buffer.from(b).toString('utf8').replace('"_type": "timestamp",', '"_type": "timestamp", "version": 999,')));
    await refused(install(shared, ws(), ACME, { fetch }), ErrorCode.Registry, /timestamp\.json: duplicate key "version" at offset \d+/);

    const out = path.join(tempDir('dupkeys'), 'b');
    cleanups.push(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
    await createBundle({ fetch: shared.fetch, trustedRoot: shared.pinnedRoot, plugins: [ACME], out, now: T0 });
    const index = fs.readFileSync(path.join(out, 'bundle.json'), 'utf8');
    fs.writeFileSync(path.join(out, 'bundle.json'), index.replace('"format_version": 1,', '"format_version": 1,\n  "created_at": "2030-01-01T00:00:00Z",'));
    await refused(verifyBundle(out, { trustedRoot: shared.pinnedRoot, now: T0, maxStalenessHours: 72 }), ErrorCode.Bundle, /bundle\.json: duplicate key "created_at"/);
  });
});

describe('namespaces', () => {
  it('refuses a community publisher claiming pentora/*', async () => {
    // 1. acme's own role lists a pentora/ target: the whole role is refused.
    const fx = await fresh();
    listTarget(fx, 'acme', 'pentora/ssh-parser/9.9.9/plugin.wasm', targetBytes(fx, 'acme', `${V1}/plugin.wasm`), fx.keys.acme);
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, /role "acme" \(delegated \["acme\/\*\/\*\/\*"\] by "targets"\) lists target "pentora\/ssh-parser\/9\.9\.9\/plugin\.wasm" outside its delegated paths/);
    // …and pentora/ssh-parser still resolves through the terminating official role only.
    expect(await install(fx, ws(), 'pentora/ssh-parser')).toMatchObject({ name: 'pentora/ssh-parser', version: '0.1.0' });

    // 2. An acme-signed manifest named pentora/x, listed in acme's namespace: acme's keys vouch for acme/* only.
    const fx2 = await fresh();
    const manifest = JSON.parse(Buffer.from(targetBytes(fx2, 'acme', `${V1}/manifest.json`)).toString('utf8')) as JsonObject;
    const claimed = Buffer.from(JSON.stringify({ ...manifest, name: 'pentora/x' }, null, 2));
    const caps = capabilitiesSha256(claimed, 'm');
    listTarget(fx2, 'acme', 'acme/x/0.1.0/plugin.wasm', targetBytes(fx2, 'acme', `${V1}/plugin.wasm`), fx2.keys.acme);
    listTarget(fx2, 'acme', 'acme/x/0.1.0/manifest.sig', serializeEnvelope(signEnvelope(claimed, [fx2.keys.acme])), fx2.keys.acme);
    listTarget(fx2, 'acme', 'acme/x/0.1.0/manifest.json', claimed, fx2.keys.acme, { name: 'acme/x', version: '0.1.0', capabilities_sha256: caps });
    await refused(install(fx2, ws(), 'acme/x'), ErrorCode.Trust, /pentora\/x is signed by [0-9a-f]{16}… \(community: acme\/\*\), which is not trusted for that name/);
  });
});

describe('path traversal', () => {
  it.each([
    ['..', 'acme/ssh-parser/../../../etc/passwd', /has a "\.\." segment/],
    ['%2e%2e', 'acme/ssh-parser/%2e%2e/x', /contains percent-encoding/],
    ['absolute', '/etc/passwd', /is absolute/],
    ['NUL', 'acme/ssh-parser/0.1.0/plugin.wasm\u0000.txt', /contains NUL/],
  ])('refuses a %s target path in a publisher role', async (_label, target, why) => {
    const fx = await fresh();
    editRole(fx, 'acme', fx.keys.acme, (targets) => {
      targets[target] = { length: 1, hashes: { sha256: '0'.repeat(64) } };
    });
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, new RegExp(`\\d+\\.acme\\.json: target path ".*" refused: ${why.source}`));
  });

  it.each([
    ['..', '../acme'],
    ['%2e%2e', '%2e%2e'],
    ['absolute', '/acme'],
    ['NUL', 'acme\u0000x'],
  ])('refuses a %s role name in a delegation', async (_label, name) => {
    const fx = await fresh();
    resign(fx.dir, currentRoleFile(fx.dir, 'targets'), (s) => {
      ((s.delegations as JsonObject).roles as Array<{ name: string }>)[1]!.name = name;
    }, [fx.keys.targets]);
    reseal(fx);
    await refused(install(fx, ws(), ACME), ErrorCode.Registry, /targets\.json.*role name ".*" refused: must match \[a-z0-9\]\[a-z0-9-\]\*/);
  });

  it('refuses a symlinked target file in a served registry: leading out (server) or onto another target (signed hash)', async () => {
    const fx = await fresh();
    const server = await serveRegistry({ root: fx.dir, port: 0 });
    try {
      const wasm = path.join(fx.dir, targetPath(fx, 'acme', `${V1}/plugin.wasm`));
      const secret = path.join(fx.base, 'secret.txt');
      fs.writeFileSync(secret, 'not for the network');
      fs.rmSync(wasm);
      fs.symlinkSync(secret, wasm);
      await refused(install(fx, ws(), ACME, { fetch: fetchFrom(server.url) }), ErrorCode.Fetch, /plugin\.wasm: HTTP 403/);
      fs.rmSync(wasm);
      fs.symlinkSync(path.join(fx.dir, targetPath(fx, 'pentora', 'pentora/ssh-parser/0.1.0/plugin.wasm')), wasm);
      await refused(install(fx, ws(), ACME, { fetch: fetchFrom(server.url) }), ErrorCode.Digest, /acme\/ssh-parser\/0\.1\.0\/plugin\.wasm: (sha256 [0-9a-f]{64} does not match the signed|\d+ bytes, signed metadata says)/);
    } finally {
      await server.close();
    }
  });

  describe('bundle entries', () => {
    let good: Array<{ path: string; data: Buffer }>;
    let dir: string;
    beforeAll(async () => {
      dir = tempDir('entries');
      const out = path.join(dir, 'good');
      await createBundle({ fetch: shared.fetch, trustedRoot: shared.pinnedRoot, plugins: [ACME], out, now: T0 });
      const walk = (rel: string): Array<{ path: string; data: Buffer }> =>
        fs.readdirSync(path.join(out, rel), { withFileTypes: true }).flatMap((e) => {
          const p = rel ? `${rel}/${e.name}` : e.name;
          return e.isDirectory() ? walk(p) : [{ path: p, data: fs.readFileSync(path.join(out, p)) }];
        });
      good = walk('');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const opts = () => ({ trustedRoot: shared.pinnedRoot, now: T0, maxStalenessHours: 72 });
    const tarWith = (extra: RawEntry): string => {
      const file = path.join(dir, `hostile-${Math.random().toString(36).slice(2)}.tar`);
      fs.writeFileSync(file, rawTar([...good.map((g): RawEntry => ({ name: g.path.length > 100 ? g.path.slice(g.path.indexOf('/') + 1) : g.path, prefix: g.path.length > 100 ? g.path.slice(0, g.path.indexOf('/')) : '', data: g.data })), extra]));
      return file;
    };

    it('accepts the hand-made tar of the good bundle (so each refusal below is the hostile entry)', async () => {
      expect((await verifyBundle(tarWith({ name: 'targets/empty', type: '5' }), opts())).plugins.map((p) => p.name)).toEqual([ACME]);
    });

    it.each([
      ['..', { name: 'targets/../../../../tmp/pwned', data: 'x' }, /entry "targets\/\.\.\/\.\.\/\.\.\/\.\.\/tmp\/pwned" refused: path has a "\.\." segment/],
      ['%2e%2e', { name: 'targets/%2e%2e/%2e%2e/pwned', data: 'x' }, /entry "targets\/%2e%2e\/%2e%2e\/pwned" refused: percent-encoded path/],
      ['absolute', { name: '/tmp/pwned', data: 'x' }, /entry "\/tmp\/pwned" refused: absolute path/],
      ['NUL', { name: 'timestamp.json\u0000/../../pwned', data: 'x' }, /entry "timestamp\.json".* path contains a NUL byte/],
      ['symlink', { name: 'targets/link', type: '2', linkname: '/etc/shadow' }, /entry "targets\/link" \(offset \d+\): is a symbolic link; only regular files and directories are allowed/],
      ['hard link', { name: 'targets/hard', type: '1', linkname: 'bundle.json' }, /entry "targets\/hard" \(offset \d+\): is a hard link/],
      ['device', { name: 'targets/dev', type: '3' }, /entry "targets\/dev" \(offset \d+\): is a character device/],
      ['duplicate', { name: 'timestamp.json', data: '{}' }, /entry "timestamp\.json" refused: duplicate entry/],
    ] as Array<[string, RawEntry, RegExp]>)('refuses a %s entry in a bundle tar, at verify and at install', async (_label, entry, message) => {
      const file = tarWith(entry);
      await refused(verifyBundle(file, opts()), ErrorCode.Bundle, message);
      const p = installFromBundle({ workspace: ws(), trust: new TrustStore(), now: () => T0, bundle: file, names: 'all', trustedRoot: shared.pinnedRoot, maxStalenessHours: 72, yes: true, allowDowngrade: false });
      await refused(p, ErrorCode.Bundle, message);
    });

    it('refuses a symlink in a bundle directory, and an index entry with ".."', async () => {
      const out = path.join(dir, 'linked');
      fs.cpSync(path.join(dir, 'good'), out, { recursive: true });
      fs.symlinkSync('/etc/passwd', path.join(out, 'targets', 'passwd'));
      await refused(verifyBundle(out, opts()), ErrorCode.Bundle, /entry "targets\/passwd" is a symbolic link; only regular files and directories are allowed/);
      fs.rmSync(path.join(out, 'targets', 'passwd'));
      const index = fs.readFileSync(path.join(out, 'bundle.json'), 'utf8');
      fs.writeFileSync(path.join(out, 'bundle.json'), index.replace('"path": "timestamp.json"', '"path": "../timestamp.json"'));
      await refused(verifyBundle(out, opts()), ErrorCode.Bundle, /entry "\.\.\/timestamp\.json" refused: path has a "\.\." segment/);
    });
  });
});

describe('after install', () => {
  it('runs the verified bytes when the stored file is swapped after verification, and refuses the swap at the next load', async () => {
    const w = ws();
    const r = await install(shared, w, ACME);
    const loaded = await loadInstalled(w, ACME);
    const blob = path.join(w, 'plugins', 'blobs', 'sha256', r.wasm_sha256);
    overwriteBlob(blob, targetBytes(shared, 'pentora', 'pentora/ssh-parser/0.1.0/plugin.wasm'));
    const run = await runPlugin({ loaded, context: SSH_BANNERS });
    expect(run.error).toBeUndefined();
    expect(run.written.service_fingerprints).toEqual([expect.objectContaining({ product: 'OpenSSH', version: '9.6p1', plugin: ACME })]);
    await refused(loadInstalled(w, ACME), ErrorCode.Digest, new RegExp(`${r.wasm_sha256}: stored blob does not match its name \\(expected sha256 ${r.wasm_sha256}, got [0-9a-f]{64}\\)`));
  });

  it('refuses to load an installed plugin once its key is revoked by the registry, or its wasm locally', async () => {
    const fx = await fresh();
    const w = ws();
    await install(fx, w, ACME);
    await loadInstalled(w, ACME);
    await revoke(fx.dir, { now: () => T0, keys: [fx.keys.acme.keyid], signers: fx.online() });
    await openUpdater({ kind: 'registry', location: 'http://mirror.test/', fetch: fx.fetch, trustedRoot: fx.pinnedRoot }, w, () => T0); // what plugin update/search do
    await refused(loadInstalled(w, ACME), ErrorCode.Policy, new RegExp(`acme/ssh-parser: signing key ${fx.keys.acme.keyid.slice(0, 16)}… is revoked \\(the signed revocation list of registry`));

    const w2 = ws();
    const r2 = await install(shared, w2, ACME);
    fs.mkdirSync(path.join(w2, 'keys'), { recursive: true });
    fs.writeFileSync(path.join(w2, 'keys', 'revoked.json'), JSON.stringify({ keys: [], artifacts: [r2.wasm_sha256] }));
    await refused(loadInstalled(w2, ACME), ErrorCode.Policy, new RegExp(`acme/ssh-parser: artifact sha256 ${r2.wasm_sha256.slice(0, 16)}… is revoked \\(.*keys/revoked\\.json\\)`));
  });

  it('refuses a downgrade below the lockfile, from the registry and from a bundle', async () => {
    const fx = await fresh();
    const out = path.join(fx.base, 'v1.tar');
    await publishAcme(fx, '0.2.0');
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: [`${ACME}@0.1.0`], out, now: T0 });
    const w = ws();
    expect(await install(fx, w, ACME)).toMatchObject({ version: '0.2.0' });
    await refused(install(fx, w, ACME, { version: '0.1.0' }), ErrorCode.Policy, /acme\/ssh-parser: refusing to install 0\.1\.0 below the installed 0\.2\.0 \(the lockfile is a rollback floor\); pass --allow-downgrade/);
    const p = installFromBundle({ workspace: w, trust: new TrustStore(), now: () => T0, bundle: out, names: [ACME], trustedRoot: fx.pinnedRoot, maxStalenessHours: 72, yes: true, allowDowngrade: false });
    await refused(p, ErrorCode.Policy, /refusing to install 0\.1\.0 below the installed 0\.2\.0/);
    expect(await install(fx, w, ACME, { version: '0.1.0', allowDowngrade: true })).toMatchObject({ status: 'downgraded', version: '0.1.0' });
  });
});

