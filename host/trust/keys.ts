/**
 * Signing keys on disk: `{"keyid", "public_key", "secret_key"}` (base64), mode
 * 0600. The local build key that signs from-source builtins lives in
 * <repo>/keys/local (git-ignored) and is generated on first build.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../errors.ts';
import { writeSecretFileSync } from './secret-file.ts';
import { generateKeyPair, keyIdOf, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from './ed25519.ts';
import type { SigningKey } from './envelope.ts';
import { trustedKeyFile, type Tier } from './trust-store.ts';

export function newSigningKey(): SigningKey {
  const kp = generateKeyPair();
  return { keyid: keyIdOf(kp.publicKey), publicKey: kp.publicKey, secretKey: kp.secretKey };
}

export function readSigningKey(file: string): SigningKey {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new PentoraError(ErrorCode.Trust, `${file}: cannot read signing key: ${(err as Error).message}`);
  }
  const publicKey = new Uint8Array(Buffer.from(String(doc.public_key ?? ''), 'base64'));
  const secretKey = new Uint8Array(Buffer.from(String(doc.secret_key ?? ''), 'base64'));
  if (publicKey.length !== PUBLIC_KEY_BYTES || secretKey.length !== SECRET_KEY_BYTES) {
    throw new PentoraError(ErrorCode.Trust, `${file}: signing key has the wrong length`);
  }
  // tweetnacl's 64-byte secret key carries the public key in its second half.
  if (!Buffer.from(secretKey.subarray(32)).equals(Buffer.from(publicKey))) {
    throw new PentoraError(ErrorCode.Trust, `${file}: public_key does not belong to secret_key`);
  }
  return { keyid: keyIdOf(publicKey), publicKey, secretKey };
}

export function writeSigningKey(file: string, key: SigningKey): void {
  const doc = {
    keyid: key.keyid,
    public_key: Buffer.from(key.publicKey).toString('base64'),
    secret_key: Buffer.from(key.secretKey).toString('base64'),
  };
  writeSecretFileSync(file, JSON.stringify(doc, null, 2) + '\n');
}

/**
 * Returns the key at `<keysDir>/<name>.key.json`, creating it (and its trust
 * entry in `<keysDir>/trusted/<name>.json`) on first use.
 */
export function loadOrCreateKey(keysDir: string, name: string, trust: { namespaces: string[]; tier: Tier; label: string }): SigningKey {
  const file = path.join(keysDir, `${name}.key.json`);
  if (fs.existsSync(file)) return readSigningKey(file);
  const key = newSigningKey();
  fs.mkdirSync(path.join(keysDir, 'trusted'), { recursive: true, mode: 0o700 });
  writeSigningKey(file, key);
  const entry = trustedKeyFile({ publicKey: key.publicKey, namespaces: trust.namespaces, tier: trust.tier, label: trust.label });
  fs.writeFileSync(path.join(keysDir, 'trusted', `${name}.json`), JSON.stringify(entry, null, 2) + '\n');
  return key;
}
