/**
 * The registry's signing side and the TUF client together, on a real
 * repository: init -> add-publisher -> publish the built ssh-parser ->
 * refresh -> getTarget, root rotation, revocation, version selection.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { verifyEnvelope } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { namespaceCovers, TrustStore } from '../../host/trust/trust-store.ts';
import { capabilitiesSha256 } from '../../registry/tuf/metadata.ts';
import { publishPlugin, refreshTimestamp, revoke, rotateRoot } from '../../registry/tuf/repository.ts';
import { MemoryStore, Updater } from '../../registry/tuf/updater.ts';
import { createRegistryFixture, readMetadata, resign, SSH_PARSER_DIST, type RegistryFixture } from './fixtures.ts';

const DAY = 24 * 3600 * 1000;
let fx: RegistryFixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

async function rejection(p: Promise<unknown>): Promise<PentoraError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  return err as PentoraError;
}

/** A copy of a dist dir whose manifest says another version (publish re-signs it). */
function withVersion(dist: string, base: string, version: string): string {
  const out = path.join(base, `dist-${version}`);
  fs.cpSync(dist, out, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  m.version = version;
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  return out;
}

describe('happy path', () => {
  it('publishes the built ssh-parser and a client gets back exactly its verified files', async () => {
    fx = await createRegistryFixture();
    const up = fx.updater();
    const r = await up.refresh();
    expect(r.rootVersion).toBe(1);

    const t = await up.getTarget('pentora/ssh-parser');
    expect(t).not.toBeNull();
    expect(t!.version).toBe('0.1.0');
    expect(t!.role).toBe('pentora');
    const manifest = await up.fetchTarget(t!.files.manifest);
    const sig = await up.fetchTarget(t!.files.sig);
    const wasm = await up.fetchTarget(t!.files.wasm);
    const distManifest = fs.readFileSync(path.join(SSH_PARSER_DIST, 'manifest.json'));
    const distWasm = fs.readFileSync(path.join(SSH_PARSER_DIST, 'plugin.wasm'));
    expect(Buffer.from(manifest).equals(distManifest)).toBe(true);
    expect(Buffer.from(wasm).equals(distWasm)).toBe(true);
    expect(t!.files.wasm.sha256).toBe(sha256Hex(distWasm));
    expect(t!.files.manifest.sha256).toBe(sha256Hex(distManifest));
    expect(t!.files.wasm.path).toBe(`targets/pentora/ssh-parser/0.1.0/${sha256Hex(distWasm)}.plugin.wasm`);
    expect(t!.custom).toEqual({ name: 'pentora/ssh-parser', version: '0.1.0', capabilities_sha256: capabilitiesSha256(distManifest, 'm') });

    // The returned keys are the pentora publisher's, scoped to pentora/*, and manifest.sig verifies with them.
    expect(t!.keys.map((k) => k.keyid)).toEqual([fx.keys.pentora.keyid]);
    expect(t!.keys[0]!.namespaces).toEqual(['pentora/*']);
    expect(t!.keys[0]!.tier).toBe('official');
    const verified = verifyEnvelope(manifest, sig, new TrustStore(t!.keys), { where: 'manifest.sig', threshold: t!.threshold });
    expect(verified.keys[0]!.keyid).toBe(fx.keys.pentora.keyid);
    expect(namespaceCovers(t!.keys[0]!.namespaces[0]!, t!.name)).toBe(true);

    const acme = await up.getTarget('acme/ssh-parser', '0.1.0');
    expect(acme!.role).toBe('acme');
    expect(acme!.keys[0]!.tier).toBe('community');
    expect(acme!.keys[0]!.namespaces).toEqual(['acme/*']);
    expect((await up.listTargets()).map((x) => `${x.name}@${x.version}`)).toEqual(['acme/ssh-parser@0.1.0', 'pentora/ssh-parser@0.1.0']);
    expect(await up.getTarget('acme/nothing')).toBeNull();
    expect(await up.getTarget('pentora/ssh-parser', '9.9.9')).toBeNull();
    expect([...up.verifiedFiles().keys()]).toEqual(expect.arrayContaining(['1.root.json', 'timestamp.json', '2.pentora.json', '2.acme.json']));
  });

  it('picks the highest version by SemVer precedence, not by string order', async () => {
    fx = await createRegistryFixture();
    for (const v of ['0.10.0', '0.9.0', '0.11.0-rc.1', '0.2.0']) {
      await publishPlugin(fx.dir, withVersion(fx.plugins.acme.dist, fx.base, v), { now: () => fx!.now, publisher: [fx.keys.acme], ...fx.online() });
    }
    const up = fx.updater();
    await up.refresh();
    expect((await up.getTarget('acme/ssh-parser'))!.version).toBe('0.11.0-rc.1');
    expect((await up.getTarget('acme/ssh-parser', '0.9.0'))!.version).toBe('0.9.0');
  });

  it('refuses to publish what the publisher does not own, twice, or with a wasm the manifest does not name', async () => {
    fx = await createRegistryFixture();
    const opts = { now: () => fx!.now, ...fx.online() };
    const acmeDist = fx.plugins.acme.dist;
    expect((await rejection(publishPlugin(fx.dir, acmeDist, { ...opts, publisher: [fx.keys.acme] }))).message).toMatch(/already published; versions are immutable/);
    // The acme key cannot publish under pentora/ (the role owning the name is pentora's).
    expect((await rejection(publishPlugin(fx.dir, withVersion(SSH_PARSER_DIST, fx.base, '0.3.0'), { ...opts, publisher: [fx.keys.acme] }))).message).toMatch(
      /is not a key of publisher "pentora", which owns pentora\/ssh-parser/,
    );
    expect((await rejection(publishPlugin(fx.dir, withVersion(SSH_PARSER_DIST, fx.base, '0.4.0'), { ...opts, publisher: [fx.keys.acme], publisherName: 'acme' }))).message).toMatch(
      /outside publisher "acme"'s namespace/,
    );
    const bad = withVersion(acmeDist, fx.base, '0.5.0');
    fs.appendFileSync(path.join(bad, 'plugin.wasm'), Buffer.from([0]));
    expect((await rejection(publishPlugin(fx.dir, bad, { ...opts, publisher: [fx.keys.acme] }))).code).toBe(ErrorCode.Digest);
  });
});

describe('root rotation', () => {
  it('walks 1 -> 2 -> 3 with new root, timestamp and targets keys, and the client follows', async () => {
    fx = await createRegistryFixture();
    const now = (): Date => fx!.now;
    const root2 = newSigningKey();
    const ts2 = newSigningKey();
    const v2 = await rotateRoot(fx.dir, { now, oldRootKeys: [fx.keys.root], keys: { root: [root2], timestamp: [ts2] } });
    expect(v2).toBe(2);
    const root3 = [newSigningKey(), newSigningKey()];
    const targets3 = newSigningKey();
    const v3 = await rotateRoot(fx.dir, {
      now,
      oldRootKeys: [root2],
      keys: { root: root3, targets: [targets3] },
      thresholds: { root: 2 },
      signers: { snapshot: [fx.keys.snapshot], timestamp: [ts2] },
    });
    expect(v3).toBe(3);
    const up = fx.updater();
    const r = await up.refresh();
    expect(r.rootVersion).toBe(3);
    expect(up.trusted().root.roles.targets.keyids).toEqual([targets3.keyid]);
    expect((await up.getTarget('acme/ssh-parser'))!.version).toBe('0.1.0');
    expect([...up.verifiedFiles().keys()].filter((f) => f.endsWith('.root.json'))).toEqual(['1.root.json', '2.root.json', '3.root.json']);
    // The registry keeps its newest root beside the chain, for pinning.
    expect(fs.readFileSync(path.join(fx.dir, 'root.json')).equals(fs.readFileSync(path.join(fx.dir, '3.root.json')))).toBe(true);
  });

  it('refuses to write a root the old keys did not sign', async () => {
    fx = await createRegistryFixture();
    const err = await rejection(rotateRoot(fx.dir, { now: () => fx!.now, oldRootKeys: [newSigningKey()], keys: { root: [newSigningKey()] } }));
    expect(err.message).toMatch(/2\.root\.json \(old root keys\): 0 of 1/);
    expect(fs.existsSync(path.join(fx.dir, '2.root.json'))).toBe(false);
  });

  it('recovers from a fast-forward attack by rotating the timestamp key (spec 5.3.11)', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    // An attacker with the timestamp key serves version 1000; a client trusts it.
    const genuine = fs.readFileSync(path.join(fx.dir, 'timestamp.json'));
    resign(fx.dir, 'timestamp.json', (s) => void (s.version = 1000), [fx.keys.timestamp]);
    await fx.updater({ store }).refresh();
    fs.writeFileSync(path.join(fx.dir, 'timestamp.json'), genuine);
    // Without a rotation the genuine timestamp now looks like a rollback to that client.
    expect((await rejection(fx.updater({ store }).refresh())).code).toBe(ErrorCode.Rollback);
    // The registry rotates the timestamp key; its own timestamp counter is far below 1000.
    await rotateRoot(fx.dir, { now: () => fx!.now, oldRootKeys: [fx.keys.root], keys: { timestamp: [newSigningKey()] } });
    expect(readMetadata(fx.dir, 'timestamp.json').signed.version).toBeLessThan(1000);
    const r = await fx.updater({ store }).refresh();
    expect(r.rootVersion).toBe(2);
  });
});

describe('revocation and short-lived roles', () => {
  it('carries revoked keys and artifacts in signed targets metadata', async () => {
    fx = await createRegistryFixture();
    const wasmSha = sha256Hex(fs.readFileSync(path.join(fx.plugins.acme.dist, 'plugin.wasm')));
    await revoke(fx.dir, { now: () => fx!.now, keys: [fx.keys.acme.keyid], artifacts: [wasmSha], signers: fx.online() });
    const up = fx.updater();
    await up.refresh();
    const r = up.revoked();
    expect([...r.keys]).toEqual([fx.keys.acme.keyid]);
    expect([...r.artifacts]).toEqual([wasmSha]);
    expect((await rejection(revoke(fx.dir, { keys: ['not-hex'], signers: fx.online() }))).message).toMatch(/not a 64-digit/);
  });

  it('refreshes timestamp (and snapshot) so a client days later still verifies', async () => {
    fx = await createRegistryFixture();
    const later = new Date(fx.now.getTime() + 3 * DAY);
    expect((await rejection(fx.updater({ now: () => later }).refresh())).code).toBe(ErrorCode.Expired);
    await refreshTimestamp(fx.dir, { now: () => later, timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    const r = await new Updater({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, now: () => later }).refresh();
    expect(r.timestampVersion).toBe(6);
    expect(r.snapshotVersion).toBe(6);
  });
});
