/**
 * TUF-level attacks on a real repository (the attack list, the part
 * that lives in registry/tuf). Each test mounts the attack as an attacker
 * would — a mirror serving other bytes, or stolen online keys — and checks it
 * is refused with an error that says what happened.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { malleate, sha256Hex } from '../../host/trust/ed25519.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { keyJsonOf } from '../../registry/tuf/metadata.ts';
import { publishPlugin, refreshTimestamp, revoke } from '../../registry/tuf/repository.ts';
import type { JsonObject, JsonValue } from '../../registry/tuf/strict-json.ts';
import { MemoryStore } from '../../registry/tuf/updater.ts';
import { signMetadata } from '../../registry/tuf/verify.ts';
import { createRegistryFixture, currentRoleFile, currentSnapshotFile, readMetadata, reseal, resign, type RegistryFixture } from './fixtures.ts';

const DAY = 24 * 3600 * 1000;
let fx: RegistryFixture;
afterEach(() => fx?.cleanup());

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').toBeInstanceOf(PentoraError);
  expect((err as PentoraError).message).toMatch(message);
  expect((err as PentoraError).code).toBe(code);
}

const at = (days: number): (() => Date) => () => new Date(fx.now.getTime() + days * DAY);
const save = (name: string): Buffer => fs.readFileSync(path.join(fx.dir, name));
const put = (name: string, bytes: Uint8Array | string): void => fs.writeFileSync(path.join(fx.dir, name), bytes);
const keyEntry = (k: SigningKey): JsonValue => keyJsonOf(k.publicKey).key as unknown as JsonValue;

/** An attacker holding the timestamp key signs timestamp N+1 with an edited snapshot entry. */
function attackerTimestamp(mutate: (snapshotMeta: JsonObject) => void): void {
  resign(
    fx.dir,
    'timestamp.json',
    (s) => {
      s.version = (s.version as number) + 1;
      mutate((s.meta as JsonObject)['snapshot.json'] as JsonObject);
    },
    [fx.keys.timestamp],
  );
}

/** An attacker holding the snapshot and timestamp keys signs snapshot N+1 with edited meta, and a timestamp for it. */
function attackerSnapshot(mutate: (meta: JsonObject) => void): void {
  const { signed } = readMetadata(fx.dir, currentSnapshotFile(fx.dir));
  signed.version = (signed.version as number) + 1;
  mutate(signed.meta as JsonObject);
  const bytes = signMetadata(signed, [fx.keys.snapshot]);
  put(`${signed.version}.snapshot.json`, bytes);
  attackerTimestamp((m) => Object.assign(m, { version: signed.version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } }));
}

/** Root 2 derived from root 1 by `mutate`, signed by `keys` (duplicates allowed, on purpose). */
function root2(mutate: (s: JsonObject) => void, keys: SigningKey[]): void {
  const { signed } = readMetadata(fx.dir, '1.root.json');
  signed.version = 2;
  mutate(signed);
  put('2.root.json', signMetadata(signed, keys));
}

/** Root edit: the root role becomes `keys` with `threshold`. */
const rootRole =
  (keys: SigningKey[], threshold = 1) =>
  (s: JsonObject): void => {
    for (const k of keys) (s.keys as JsonObject)[k.keyid] = keyEntry(k);
    (s.roles as JsonObject).root = { keyids: keys.map((k) => k.keyid), threshold };
  };

/** Rewrites the acme role (signed by the acme key) and reseals snapshot and timestamp over it. */
function editAcme(mutate: (s: JsonObject) => void): void {
  resign(fx.dir, currentRoleFile(fx.dir, 'acme'), mutate, [fx.keys.acme]);
  reseal(fx);
}

describe('freeze: every role expires, judged by the injected clock', () => {
  it('refuses each expired role by name', async () => {
    fx = await createRegistryFixture({ expiries: { root: 60 * 86400, targets: 50 * 86400, delegated: 20 * 86400 } });
    await refused(fx.updater({ now: at(2) }).refresh(), ErrorCode.Expired, /^timestamp metadata expired at .* possible freeze attack/);

    await refreshTimestamp(fx.dir, { now: at(10), timestamp: [fx.keys.timestamp] });
    await refused(fx.updater({ now: at(10) }).refresh(), ErrorCode.Expired, /^snapshot metadata expired/);

    await refreshTimestamp(fx.dir, { now: at(25), timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    const up = fx.updater({ now: at(25) });
    await up.refresh(); // the top-level roles are fresh…
    await refused(up.getTarget('acme/ssh-parser'), ErrorCode.Expired, /^acme metadata expired/); // …the publisher's role is not

    await refreshTimestamp(fx.dir, { now: at(55), timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    await refused(fx.updater({ now: at(55) }).refresh(), ErrorCode.Expired, /^targets metadata expired/);

    await revoke(fx.dir, { now: at(58), signers: fx.online() }); // re-signs targets with a fresh expiry
    await fx.updater({ now: at(58) }).refresh();
    await refused(fx.updater({ now: at(61) }).refresh(), ErrorCode.Expired, /^root metadata expired/);
  });

  it('asks an injected judge about every role it trusts (bundles judge by creation time)', async () => {
    fx = await createRegistryFixture();
    const seen: string[] = [];
    const up = fx.updater({ now: at(400), checkExpiry: (q) => void seen.push(`${q.kind}:${q.role}`) });
    await up.refresh();
    await up.getTarget('acme/ssh-parser');
    expect(seen).toEqual(['root:root', 'timestamp:timestamp', 'snapshot:snapshot', 'targets:targets', 'targets:acme']);
  });
});

describe('rollback and replay (the client remembers what it trusted)', () => {
  it('refuses an old but unexpired timestamp replayed after a newer one', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    const old = save('timestamp.json');
    await fx.updater({ store }).refresh();
    await refreshTimestamp(fx.dir, { now: () => fx.now, timestamp: [fx.keys.timestamp] });
    await fx.updater({ store }).refresh();
    put('timestamp.json', old);
    await fx.updater().refresh(); // a client with no history cannot tell…
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /timestamp\.json is version 5, older than the trusted version 6: refusing a replayed timestamp/);
  });

  it('refuses a snapshot rollback signed with a stolen timestamp key', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    await refreshTimestamp(fx.dir, { now: () => fx.now, timestamp: [fx.keys.timestamp], snapshot: [fx.keys.snapshot] });
    await fx.updater({ store }).refresh();
    const snap5 = save('5.snapshot.json');
    attackerTimestamp((m) => Object.assign(m, { version: 5, length: snap5.length, hashes: { sha256: sha256Hex(snap5) } }));
    await fx.updater().refresh();
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /points at snapshot version 5, older than the trusted 6/);
  });

  it('refuses a targets rollback signed with stolen snapshot and timestamp keys', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    const before = currentRoleFile(fx.dir, 'targets');
    await revoke(fx.dir, { now: () => fx.now, artifacts: ['0'.repeat(64)], signers: fx.online() });
    await fx.updater({ store }).refresh();
    // A newer snapshot naming the targets from before the revocation: the revocation would vanish.
    attackerSnapshot((meta) => void (meta['targets.json'] = { version: Number(before.split('.')[0]) }));
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /lists targets\.json at version 3, older than the trusted 4/);
  });

  it('refuses a publisher role rolled back or dropped from snapshot', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    await fx.updater({ store }).refresh();
    attackerSnapshot((meta) => void (meta['acme.json'] = { version: 1 }));
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /lists acme\.json at version 1, older than the trusted 2/);
    attackerSnapshot((meta) => void delete meta['acme.json']);
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /no longer lists acme\.json/);
  });

  it('refuses a registry that hides a root version the client already trusts', async () => {
    fx = await createRegistryFixture();
    const store = new MemoryStore();
    const newRoot = newSigningKey();
    root2(rootRole([newRoot]), [fx.keys.root, newRoot]);
    expect((await fx.updater({ store }).refresh()).rootVersion).toBe(2);
    fs.rmSync(path.join(fx.dir, '2.root.json'));
    await refused(fx.updater({ store }).refresh(), ErrorCode.Rollback, /newest root is version 1, but version 2 was trusted before/);
  });
});

describe('mix-and-match: files from different moments', () => {
  it('refuses older targets served under the current name (hash from snapshot)', async () => {
    fx = await createRegistryFixture();
    put(currentRoleFile(fx.dir, 'targets'), save('2.targets.json'));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /3\.targets\.json: (\d+ bytes, snapshot says \d+|sha256 \w+ does not match snapshot's)/);
  });

  it('refuses an older snapshot served under the current name (hash from timestamp)', async () => {
    fx = await createRegistryFixture();
    put('5.snapshot.json', save('4.snapshot.json'));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /5\.snapshot\.json: (\d+ bytes, timestamp says \d+|sha256 \w+ does not match timestamp's)/);
  });

  it('refuses a role whose version is not the one snapshot names, even without hashes', async () => {
    fx = await createRegistryFixture();
    attackerSnapshot((meta) => void (meta['targets.json'] = { version: 3 }));
    put('3.targets.json', save('2.targets.json'));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /3\.targets\.json holds version 2, but snapshot names version 3/);
  });
});

describe('root chain', () => {
  it('refuses a skipped version', async () => {
    fx = await createRegistryFixture();
    const newRoot = newSigningKey();
    root2((s) => {
      rootRole([newRoot])(s);
      s.version = 3;
    }, [fx.keys.root, newRoot]);
    await refused(fx.updater().refresh(), ErrorCode.Rollback, /2\.root\.json holds root version 3, expected 2/);
  });

  it('refuses a new root signed only by the old keys', async () => {
    fx = await createRegistryFixture();
    root2(rootRole([newSigningKey()]), [fx.keys.root]);
    await refused(fx.updater().refresh(), ErrorCode.Signature, /2\.root\.json \(by its own root keys\): 0 of 1 required signatures/);
  });

  it('refuses a new root signed only by the new keys', async () => {
    fx = await createRegistryFixture();
    const newRoot = newSigningKey();
    root2(rootRole([newRoot]), [newRoot]);
    await refused(fx.updater().refresh(), ErrorCode.Signature, /2\.root\.json \(by the keys of root v1\): 0 of 1 required signatures/);
  });

  it('refuses a threshold not met, and does not let duplicate signatures make it up', async () => {
    fx = await createRegistryFixture();
    const [a, b] = [newSigningKey(), newSigningKey()];
    root2(rootRole([a, b], 2), [fx.keys.root, a]);
    await refused(fx.updater().refresh(), ErrorCode.Signature, /by its own root keys\): 1 of 2 required signatures/);
    root2(rootRole([a, b], 2), [fx.keys.root, a, a, a]);
    await refused(fx.updater().refresh(), ErrorCode.Signature, /1 of 2 required signatures; .*signed more than once/);
    root2(rootRole([a, b], 2), [fx.keys.root, a, b]);
    expect((await fx.updater().refresh()).rootVersion).toBe(2);
  });

  it('refuses one key listed under two keyids (a keyid that is not its key\'s sha256)', async () => {
    fx = await createRegistryFixture();
    const a = newSigningKey();
    const alias = 'f'.repeat(64);
    root2((s) => {
      rootRole([a])(s);
      (s.keys as JsonObject)[alias] = keyEntry(a);
      (s.roles as JsonObject).root = { keyids: [a.keyid, alias], threshold: 2 };
    }, [fx.keys.root, a, { ...a, keyid: alias }]);
    await refused(fx.updater().refresh(), ErrorCode.Registry, /key ffffffffffffffff…: keyid does not match the sha256 of its key/);
  });

  it('refuses a non-ed25519 key', async () => {
    fx = await createRegistryFixture();
    const a = newSigningKey();
    root2((s) => {
      rootRole([a])(s);
      (s.keys as JsonObject)[a.keyid] = { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: Buffer.from(a.publicKey).toString('hex') } };
    }, [fx.keys.root, a]);
    await refused(fx.updater().refresh(), ErrorCode.Registry, /keytype\/scheme "ecdsa"\/"ecdsa-sha2-nistp256" refused: only ed25519/);
  });

  it('refuses a pinned root that does not verify under its own keys', async () => {
    fx = await createRegistryFixture();
    const pinned = Buffer.from(fx.pinnedRoot).toString('utf8').replace(/"version": 1/, '"version": 7');
    await refused(fx.updater({ trustedRoot: Buffer.from(pinned) }).refresh(), ErrorCode.Signature, /trusted root: 0 of 1 required signatures; .*does not verify/);
  });
});

describe('bytes around the signature', () => {
  it('refuses the S+L twin of a valid signature', async () => {
    fx = await createRegistryFixture();
    const doc = JSON.parse(save('timestamp.json').toString('utf8')) as { signatures: Array<{ sig: string }> };
    doc.signatures[0]!.sig = Buffer.from(malleate(Buffer.from(doc.signatures[0]!.sig, 'hex'))).toString('hex');
    put('timestamp.json', JSON.stringify(doc));
    await refused(fx.updater().refresh(), ErrorCode.Signature, /timestamp\.json: 0 of 1 required signatures; signature by \w+… is non-canonical \(S >= L\)/);
  });

  it('refuses signed content edited after signing', async () => {
    fx = await createRegistryFixture();
    put('timestamp.json', save('timestamp.json').toString('utf8').replace(/"version": 5/, '"version": 6'));
    await refused(fx.updater().refresh(), ErrorCode.Signature, /does not verify \(metadata or signature altered\)/);
  });

  it('refuses unsigned bytes appended to signed JSON', async () => {
    fx = await createRegistryFixture();
    put('timestamp.json', Buffer.concat([save('timestamp.json'), Buffer.from('{"signed": {"version": 99}}')]));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /timestamp\.json: unexpected data after the JSON value/);
  });

  it('refuses duplicate JSON keys in signed metadata', async () => {
    fx = await createRegistryFixture();
    put('timestamp.json', save('timestamp.json').toString('utf8').replace(/"version": 5,/, '"version": 99, "version": 5,'));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /timestamp\.json: duplicate key "version"/);
  });

  it('refuses oversized metadata at the cap, before parsing', async () => {
    fx = await createRegistryFixture();
    const ts = save('timestamp.json');
    // Whitespace keeps it valid, signed JSON: only the cap can refuse it.
    put('timestamp.json', Buffer.concat([ts, Buffer.alloc(64 * 1024, 0x20)]));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /timestamp\.json: 65537 bytes, over the 65536-byte cap/);
    put('timestamp.json', ts);
    put('2.root.json', Buffer.alloc(70 * 1024, 0x20));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /2\.root\.json: 65537 bytes, over the 65536-byte cap/);
    fs.rmSync(path.join(fx.dir, '2.root.json'));
    await refused(fx.updater({ limits: { targetsBytes: 1000 } }).refresh(), ErrorCode.Registry, /3\.targets\.json: snapshot says \d+ bytes, over the 1000-byte cap/);
  });

  it('refuses a target file that is not the one metadata describes', async () => {
    fx = await createRegistryFixture();
    const up = fx.updater();
    await up.refresh();
    const t = (await up.getTarget('acme/ssh-parser'))!;
    const wasm = save(t.files.wasm.path);
    wasm[100] = wasm[100]! ^ 1;
    put(t.files.wasm.path, wasm);
    await refused(up.fetchTarget(t.files.wasm), ErrorCode.Digest, /plugin\.wasm: sha256 \w+ does not match the signed/);
    put(t.files.wasm.path, wasm.subarray(0, 1000));
    await refused(up.fetchTarget(t.files.wasm), ErrorCode.Digest, /plugin\.wasm: 1000 bytes, signed metadata says \d+/);
  });
});

describe('delegations', () => {
  it('refuses a community publisher claiming pentora/*', async () => {
    fx = await createRegistryFixture();
    editAcme((s) => {
      const targets = s.targets as JsonObject;
      for (const f of ['manifest.json', 'manifest.sig', 'plugin.wasm']) targets[`pentora/ssh-parser/6.6.6/${f}`] = targets[`acme/ssh-parser/0.1.0/${f}`]!;
    });
    const up = fx.updater();
    await up.refresh();
    // pentora/* is delegated first and terminating: the acme role is never asked about pentora names…
    expect(await up.getTarget('pentora/ssh-parser', '6.6.6')).toBeNull();
    expect((await up.getTarget('pentora/ssh-parser'))!.version).toBe('0.1.0');
    // …and a role listing names outside its paths is refused as a whole, by name.
    await refused(up.getTarget('acme/ssh-parser'), ErrorCode.Registry, /role "acme" \(delegated \["acme\/\*\/\*\/\*"\] by "targets"\) lists target "pentora\/ssh-parser\/6\.6\.6\/\w+\.\w+" outside its delegated paths/);
    await refused(up.listTargets(), ErrorCode.Registry, /lists target "pentora\/ssh-parser\/6\.6\.6\/.*" outside its delegated paths/);
  });

  it('stops at the terminating pentora delegation even when a later role also claims pentora/*', async () => {
    fx = await createRegistryFixture();
    // A second role the top-level targets key delegated pentora/* to, listed after pentora, offering 6.6.6.
    const mirror = newSigningKey();
    const acmeRole = readMetadata(fx.dir, currentRoleFile(fx.dir, 'acme')).signed.targets as JsonObject;
    const offered: JsonObject = {};
    for (const f of ['manifest.json', 'manifest.sig', 'plugin.wasm']) offered[`pentora/ssh-parser/6.6.6/${f}`] = acmeRole[`acme/ssh-parser/0.1.0/${f}`]!;
    (offered['pentora/ssh-parser/6.6.6/manifest.json'] as JsonObject).custom = { name: 'pentora/ssh-parser', version: '6.6.6', capabilities_sha256: '0'.repeat(64) };
    put('1.mirror.json', signMetadata({ _type: 'targets', spec_version: '1.0.31', version: 1, expires: '2099-01-01T00:00:00Z', targets: offered }, [mirror]));
    const targetsFile = currentRoleFile(fx.dir, 'targets');
    const delegate = (pentoraTerminating: boolean) => (s: JsonObject): void => {
      const d = s.delegations as { keys: JsonObject; roles: JsonObject[] };
      d.keys[mirror.keyid] = keyEntry(mirror);
      d.roles = d.roles.filter((r) => r.name !== 'mirror');
      d.roles.push({ name: 'mirror', keyids: [mirror.keyid], threshold: 1, paths: ['pentora/*/*/*'], terminating: false });
      d.roles.find((r) => r.name === 'pentora')!.terminating = pentoraTerminating;
    };
    resign(fx.dir, targetsFile, delegate(true), [fx.keys.targets]);
    attackerSnapshot((meta) => void (meta['mirror.json'] = { version: 1 }));
    reseal(fx);
    const up = fx.updater();
    await up.refresh();
    expect(await up.getTarget('pentora/ssh-parser', '6.6.6')).toBeNull();
    expect((await up.getTarget('pentora/ssh-parser'))!.version).toBe('0.1.0');
    // The control: without `terminating`, the search goes on to the later role (what terminating prevents).
    resign(fx.dir, targetsFile, delegate(false), [fx.keys.targets]);
    reseal(fx);
    const open = fx.updater();
    await open.refresh();
    expect((await open.getTarget('pentora/ssh-parser'))!.role).toBe('mirror');
  });

  it('a terminating delegation below the top ends the search, backtracking included (spec 5.6.7.2.1)', async () => {
    fx = await createRegistryFixture();
    const [sub, mirror] = [newSigningKey(), newSigningKey()];
    // acme delegates acme/* on to acme-sub, terminating; the top level also lists acme-mirror for acme/*, after acme.
    const acmeTargets = readMetadata(fx.dir, currentRoleFile(fx.dir, 'acme')).signed.targets as JsonObject;
    const offered: JsonObject = {};
    for (const f of ['manifest.json', 'manifest.sig', 'plugin.wasm']) offered[`acme/ssh-parser/7.0.0/${f}`] = acmeTargets[`acme/ssh-parser/0.1.0/${f}`]!;
    (offered['acme/ssh-parser/7.0.0/manifest.json'] as JsonObject).custom = { name: 'acme/ssh-parser', version: '7.0.0', capabilities_sha256: '0'.repeat(64) };
    const empty = { _type: 'targets', spec_version: '1.0.31', version: 1, expires: '2099-01-01T00:00:00Z', targets: {} };
    put('1.acme-sub.json', signMetadata(empty, [sub]));
    put('1.acme-mirror.json', signMetadata({ ...empty, targets: offered }, [mirror]));
    const subRole = (terminating: boolean) => (s: JsonObject): void =>
      void (s.delegations = { keys: { [sub.keyid]: keyEntry(sub) }, roles: [{ name: 'acme-sub', keyids: [sub.keyid], threshold: 1, paths: ['acme/*/*/*'], terminating }] });
    resign(fx.dir, currentRoleFile(fx.dir, 'acme'), subRole(true), [fx.keys.acme]);
    resign(fx.dir, currentRoleFile(fx.dir, 'targets'), (s) => {
      const d = s.delegations as { keys: JsonObject; roles: JsonObject[] };
      d.keys[mirror.keyid] = keyEntry(mirror);
      d.roles.push({ name: 'acme-mirror', keyids: [mirror.keyid], threshold: 1, paths: ['acme/*/*/*'], terminating: false });
    }, [fx.keys.targets]);
    attackerSnapshot((meta) => Object.assign(meta, { 'acme-sub.json': { version: 1 }, 'acme-mirror.json': { version: 1 } }));
    reseal(fx);
    const up = fx.updater();
    await up.refresh();
    expect(await up.getTarget('acme/ssh-parser', '7.0.0')).toBeNull();
    // The control: with acme-sub not terminating, the search backtracks to acme-mirror.
    resign(fx.dir, currentRoleFile(fx.dir, 'acme'), subRole(false), [fx.keys.acme]);
    reseal(fx);
    const open = fx.updater();
    await open.refresh();
    expect((await open.getTarget('acme/ssh-parser', '7.0.0'))!.role).toBe('acme-mirror');
  });

  it('refuses a publisher delegating beyond its own paths', async () => {
    fx = await createRegistryFixture();
    const sub = newSigningKey();
    editAcme((s) => void (s.delegations = { keys: { [sub.keyid]: keyEntry(sub) }, roles: [{ name: 'acme-sub', keyids: [sub.keyid], threshold: 1, paths: ['pentora/*/*/*'], terminating: false }] }));
    const up = fx.updater();
    await up.refresh();
    await refused(up.getTarget('acme/ssh-parser'), ErrorCode.Registry, /delegates "pentora\/\*\/\*\/\*" to "acme-sub", outside its own paths/);
  });

  it('bounds delegation depth and the number of roles visited', async () => {
    fx = await createRegistryFixture();
    const sub = newSigningKey();
    editAcme((s) => void (s.delegations = { keys: { [sub.keyid]: keyEntry(sub) }, roles: [{ name: 'acme-sub', keyids: [sub.keyid], threshold: 1, paths: ['acme/*/*/*'], terminating: false }] }));
    put('1.acme-sub.json', signMetadata({ _type: 'targets', spec_version: '1.0.31', version: 1, expires: '2099-01-01T00:00:00Z', targets: {} }, [sub]));
    attackerSnapshot((meta) => void (meta['acme-sub.json'] = { version: 1 }));
    const deep = fx.updater({ limits: { maxDelegationDepth: 1 } });
    await deep.refresh();
    await refused(deep.getTarget('acme/other', '1.0.0'), ErrorCode.Registry, /role "acme-sub" is delegated 2 levels deep, over the cap of 1/);
    const wide = fx.updater({ limits: { maxDelegations: 1 } });
    await wide.refresh();
    await refused(wide.getTarget('acme/other', '1.0.0'), ErrorCode.Registry, /visited more than 1 roles \(at "acme-sub"\)/);
    const ok = fx.updater();
    await ok.refresh();
    expect(await ok.getTarget('acme/other', '1.0.0')).toBeNull();
  });

  it.each([
    ['a ".." segment', 'acme/../../etc/passwd', /"\.\." segment/],
    ['percent-encoded dots', 'acme/%2e%2e/x/plugin.wasm', /percent-encoding/],
    ['an absolute path', '/etc/passwd', /is absolute/],
    ['a NUL', 'acme/x\0/1.0.0/plugin.wasm', /contains NUL/],
    ['a backslash', 'acme\\..\\x/1/plugin.wasm', /backslash/],
  ])('refuses a target path with %s', async (_what, target, message) => {
    fx = await createRegistryFixture();
    editAcme((s) => void ((s.targets as JsonObject)[target] = { length: 1, hashes: { sha256: '0'.repeat(64) } }));
    const up = fx.updater();
    await up.refresh();
    await refused(up.getTarget('acme/ssh-parser'), ErrorCode.Registry, message);
  });

  it('refuses traversal in role names, in delegations and in snapshot', async () => {
    fx = await createRegistryFixture();
    const targetsFile = currentRoleFile(fx.dir, 'targets');
    const genuine = save(targetsFile);
    resign(fx.dir, targetsFile, (s) => void ((s.delegations as JsonObject).roles as JsonObject[]).push({ name: '../evil', keyids: [fx.keys.acme.keyid], threshold: 1, paths: ['evil/*/*/*'], terminating: false }), [fx.keys.targets]);
    reseal(fx);
    await refused(fx.updater().refresh(), ErrorCode.Registry, /role name "\.\.\/evil" refused/);
    put(targetsFile, genuine);
    reseal(fx);
    attackerSnapshot((meta) => void (meta['..%2fevil.json'] = { version: 1 }));
    await refused(fx.updater().refresh(), ErrorCode.Registry, /role name "\.\.%2fevil" refused/);
  });

  it('refuses plugin names that are not publisher/plugin', async () => {
    fx = await createRegistryFixture();
    const up = fx.updater();
    await up.refresh();
    await refused(up.getTarget('../acme/x'), ErrorCode.Usage, /is not a plugin name/);
    await refused(up.getTarget('acme/ssh-parser', '../1'), ErrorCode.Usage, /is not a version/);
  });

  it('a publisher key cannot publish into another namespace through the tooling either', async () => {
    fx = await createRegistryFixture();
    await refused(
      publishPlugin(fx.dir, fx.plugins.pentora.dist, { now: () => fx.now, publisher: [fx.keys.acme], snapshot: [fx.keys.snapshot], timestamp: [fx.keys.timestamp] }),
      ErrorCode.Usage,
      /is not a key of publisher "pentora"/,
    );
  });
});
