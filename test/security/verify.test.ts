/**
 * Signature and digest verification of a real built plugin (pentora/ssh-parser),
 * copied to a temp dir and tampered with there. Each attack must be refused
 * with the right code and a message naming the file or the plugin; the
 * pristine copy must load, so every refusal is the tampering's doing.
 */

import fs from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { loadPlugin, pluginFilesIn, type PluginFiles } from '../../host/sandbox/loader.ts';
import { malleate, sha256Hex } from '../../host/trust/ed25519.ts';
import { MANIFEST_PAYLOAD_TYPE, pae, parseEnvelope, serializeEnvelope, signEnvelope, verifyEnvelope, type Envelope, type SigningKey } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { LOCAL_KEYS_DIR, SHIPPED_KEYS_DIR } from '../../host/trust/default-store.ts';
import { trustedKeyFile, TrustStore, type TrustedKey } from '../../host/trust/trust-store.ts';
import { runPlugin } from '../../sdk/testing/harness.ts';
import { hostilePluginDir } from '../hostile/build.ts';
import { copyBuiltin, flipByte, SSH_BANNER, tempDir } from './support.ts';

const PLUGIN = 'ssh-parser';
const NAME = 'pentora/ssh-parser';
const builtinTrust = (): TrustStore => TrustStore.fromDirs([SHIPPED_KEYS_DIR, path.join(LOCAL_KEYS_DIR, 'trusted')]);

let root: string;
let files: PluginFiles;
let manifestBytes: Buffer;
let signedSha256: string;

beforeAll(() => {
  root = tempDir('verify');
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  // A fresh, pristine copy for every case; the builtin's own dist/ is never touched.
  const dir = path.join(root, `${PLUGIN}-${Math.random().toString(36).slice(2, 8)}`);
  fs.mkdirSync(dir);
  files = pluginFilesIn(copyBuiltin(PLUGIN, dir));
  manifestBytes = fs.readFileSync(files.manifest);
  signedSha256 = (JSON.parse(manifestBytes.toString('utf8')) as { wasm: { sha256: string } }).wasm.sha256;
});

async function refusal(trust: TrustStore = builtinTrust()): Promise<PentoraError> {
  const err = await loadPlugin(files, { trust }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the tampered plugin loaded').toBeInstanceOf(PentoraError);
  return err as PentoraError;
}

function writeEnvelope(env: Envelope): void {
  fs.writeFileSync(files.sig, serializeEnvelope(env));
}

function readEnvelope(): Envelope {
  return parseEnvelope(fs.readFileSync(files.sig), files.sig);
}

/** A fresh key, trusted for `namespaces`, as a TrustedKey to add to a store. */
function trusted(key: SigningKey, namespaces: string[]): TrustedKey {
  return { keyid: key.keyid, publicKey: key.publicKey, namespaces, tier: 'community', source: 'test' };
}

const banner = { host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: Buffer.from(SSH_BANNER).toString('base64') };

it('the pristine copy verifies and loads (control)', async () => {
  const loaded = await loadPlugin(files, { trust: builtinTrust() });
  expect(loaded.manifest.name).toBe(NAME);
  expect(loaded.wasmSha256).toBe(signedSha256);
});

describe('the wasm', () => {
  it('one flipped byte: PENTORA_E_DIGEST with the expected and the actual sha256', async () => {
    flipByte(files.wasm, Math.floor(fs.statSync(files.wasm).size / 2));
    const actual = sha256Hex(fs.readFileSync(files.wasm));
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Digest);
    expect(err.message).toContain(files.wasm);
    expect(err.message).toContain(NAME);
    expect(err.message).toContain(`expected sha256 ${signedSha256}`);
    expect(err.message).toContain(`got sha256 ${actual}`);
    expect(err.detail).toMatchObject({ expected: { sha256: signedSha256 }, actual: { sha256: actual } });
  });

  it('truncated: PENTORA_E_DIGEST with both sizes', async () => {
    const size = fs.statSync(files.wasm).size;
    fs.truncateSync(files.wasm, size - 100);
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Digest);
    expect(err.message).toContain(NAME);
    expect(err.message).toContain(`expected sha256 ${signedSha256} size ${size}`);
    expect(err.message).toContain(`size ${size - 100})`);
  });

  it('swapped on disk after load: the compiled module is the verified one', async () => {
    const trust = builtinTrust();
    const loaded = await loadPlugin(files, { trust });
    // Replace the file with another valid, differently-behaved module (one that traps in execute).
    fs.copyFileSync(path.join(hostilePluginDir('trap'), 'plugin.wasm'), files.wasm);
    const r = await runPlugin({ loaded, context: { banners: [banner] } });
    expect(r.state).toBe('done');
    expect(r.written.service_fingerprints).toEqual([expect.objectContaining({ product: 'OpenSSH', version: '9.6p1' })]);
    // ...and the swapped file itself is refused from then on.
    const err = await refusal(trust);
    expect(err.code).toBe(ErrorCode.Digest);
    expect(err.message).toContain(`got sha256 ${sha256Hex(fs.readFileSync(files.wasm))}`);
  });
});

describe('the manifest', () => {
  it('one changed byte inside a string: PENTORA_E_SIGNATURE naming the signature file', async () => {
    const text = manifestBytes.toString('utf8');
    const at = text.indexOf('"description": "') + '"description": "'.length;
    const tampered = Buffer.from(manifestBytes);
    tampered[at] = tampered[at] === 0x58 ? 0x59 : 0x58; // still valid JSON: only the signature can notice
    fs.writeFileSync(files.manifest, tampered);
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(files.sig);
    expect(err.message).toMatch(/0 of 1 required trusted signatures; signature by [0-9a-f]{16}… does not verify \(payload or signature altered\)/);
  });

  it('made unparseable: still PENTORA_E_SIGNATURE, because nothing parses it before the signature verifies', async () => {
    fs.writeFileSync(files.manifest, Buffer.concat([Buffer.from('{"x":'), manifestBytes]));
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(files.sig);
  });
});

describe('the signature', () => {
  it('made by another key under the trusted keyid: PENTORA_E_SIGNATURE, does not verify', async () => {
    const [sig] = readEnvelope().signatures;
    const forged = signEnvelope(manifestBytes, [newSigningKey()]);
    writeEnvelope({ ...forged, signatures: [{ keyid: sig!.keyid, sig: forged.signatures[0]!.sig }] });
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(files.sig);
    expect(err.message).toContain(`signature by ${sig!.keyid.slice(0, 16)}… does not verify`);
  });

  it('by a key the store does not know (unknown keyid): PENTORA_E_SIGNATURE, not a trusted key', async () => {
    const stranger = newSigningKey();
    writeEnvelope(signEnvelope(manifestBytes, [stranger]));
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(files.sig);
    expect(err.message).toContain(`keyid ${stranger.keyid.slice(0, 16)}… is not a trusted key`);
  });

  it('by a key trusted only for another namespace: PENTORA_E_TRUST naming the plugin', async () => {
    const acme = newSigningKey();
    writeEnvelope(signEnvelope(manifestBytes, [acme]));
    const trust = builtinTrust();
    trust.add(trusted(acme, ['acme/*', 'pentora-extras/*', 'pentora/http-parser']));
    const err = await refusal(trust);
    expect(err.code).toBe(ErrorCode.Trust);
    expect(err.message).toContain(files.manifest);
    expect(err.message).toContain(`${NAME} is signed by ${acme.keyid.slice(0, 16)}… (community: acme/*, pentora-extras/*, pentora/http-parser), which is not trusted for that name`);
  });

  it('the S+L twin of the valid signature (which tweetnacl alone accepts): PENTORA_E_SIGNATURE, non-canonical', async () => {
    const env = readEnvelope();
    const [s] = env.signatures;
    const twin = malleate(Buffer.from(s!.sig, 'base64'));
    const key = builtinTrust().get(s!.keyid)!;
    // The attack is real: without the S < L check this signature verifies.
    expect(nacl.sign.detached.verify(pae(MANIFEST_PAYLOAD_TYPE, manifestBytes), twin, key.publicKey)).toBe(true);
    writeEnvelope({ ...env, signatures: [{ keyid: s!.keyid, sig: Buffer.from(twin).toString('base64') }] });
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(files.sig);
    expect(err.message).toContain('is non-canonical (S >= L)');
  });

  it('missing file: PENTORA_E_SIGNATURE naming it', async () => {
    fs.unlinkSync(files.sig);
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toBe(`${files.sig}: cannot read signature (ENOENT)`);
  });

  it('empty file: PENTORA_E_SIGNATURE', async () => {
    fs.writeFileSync(files.sig, '');
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toBe(`${files.sig}: signature file is empty`);
  });

  it('garbage: PENTORA_E_SIGNATURE', async () => {
    fs.writeFileSync(files.sig, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]));
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(`${files.sig}: signature envelope is not valid JSON`);
  });

  it('a valid signature under another payloadType: PENTORA_E_SIGNATURE (DSSE binds the type)', async () => {
    const env = readEnvelope();
    writeEnvelope({ ...env, payloadType: 'application/vnd.pentora.other+json' });
    const err = await refusal();
    expect(err.code).toBe(ErrorCode.Signature);
    expect(err.message).toContain(`payloadType is "application/vnd.pentora.other+json", expected "${MANIFEST_PAYLOAD_TYPE}"`);
  });
});

describe('thresholds', () => {
  const one = newSigningKey();
  const two = newSigningKey();
  const store = (): TrustStore => new TrustStore([trusted(one, ['pentora/*']), trusted(two, ['pentora/*'])]);

  it('two distinct trusted keys meet a threshold of 2 (control)', () => {
    const env = serializeEnvelope(signEnvelope(manifestBytes, [one, two]));
    const { keys } = verifyEnvelope(manifestBytes, env, store(), { where: files.sig, threshold: 2 });
    expect(keys.map((k) => k.keyid).sort()).toEqual([one.keyid, two.keyid].sort());
  });

  it('the same key twice counts once: 1 of 2, PENTORA_E_SIGNATURE', () => {
    const single = signEnvelope(manifestBytes, [one]);
    const twin = Buffer.from(malleate(Buffer.from(single.signatures[0]!.sig, 'base64'))).toString('base64');
    for (const dup of [single.signatures[0]!.sig, twin]) {
      const env = serializeEnvelope({ ...single, signatures: [single.signatures[0]!, { keyid: one.keyid, sig: dup }] });
      let err: unknown = null;
      try {
        verifyEnvelope(manifestBytes, env, store(), { where: files.sig, threshold: 2 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PentoraError);
      expect((err as PentoraError).code).toBe(ErrorCode.Signature);
      expect((err as PentoraError).message).toContain(`${files.sig}: signature check failed: 1 of 2 required trusted signatures`);
    }
  });
});

describe('the trust file', () => {
  it('a keyid that does not match its public key: PENTORA_E_TRUST naming the file', () => {
    const dir = path.join(root, 'trusted-bad');
    fs.mkdirSync(dir);
    const real = newSigningKey();
    const other = newSigningKey();
    // The public key of one key filed under the keyid of another: a signature
    // naming `other` must never be checked against `real`.
    const entry = { ...trustedKeyFile({ publicKey: real.publicKey, namespaces: ['pentora/*'], tier: 'community' }), keyid: other.keyid };
    const file = path.join(dir, 'mislabelled.json');
    fs.writeFileSync(file, JSON.stringify(entry));
    let err: unknown = null;
    try {
      TrustStore.fromDirs([dir]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.Trust);
    expect((err as PentoraError).message).toBe(
      `${file}: keyid ${other.keyid.slice(0, 16)}… does not match the sha256 of its public key (${real.keyid.slice(0, 16)}…)`,
    );
  });
});
