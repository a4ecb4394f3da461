/**
 * ed25519 over tweetnacl, with the checks tweetnacl leaves to its caller.
 *
 * tweetnacl's verify accepts a signature whose scalar S is not reduced mod L
 * (S + L verifies like S). That makes signatures malleable: the same
 * (key, message) has several valid encodings, which breaks "one signature =
 * one byte string" assumptions (dedup, replay detection). RFC 8032 §5.1.7
 * requires S < L, so we check it before calling tweetnacl.
 *
 * tweetnacl also accepts any public key encoding. Under a small-order key
 * (the identity, the point of order 2, the order-4 and order-8 points) the
 * signature S = 0 verifies for every message, and encodings with y >= p are
 * not canonical. No honest key is either, so such keys are refused outright
 * (OpenSSL refuses them too; test/security/ed25519.test.ts cross-checks).
 */

import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

/** True when the S half of a signature (bytes 32..63, little-endian) is < L. */
export function isCanonicalS(sig: Uint8Array): boolean {
  if (sig.length !== SIGNATURE_BYTES) return false;
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i]!;
    const l = L[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}

/** Adds L to S (mod 2^256): the malleated twin of a valid signature. Used by tests. */
export function malleate(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = out[32 + i]! + L[i]! + carry;
    out[32 + i] = v & 0xff;
    carry = v >> 8;
  }
  return out;
}

export type VerifyOutcome = 'ok' | 'bad-length' | 'non-canonical' | 'weak-key' | 'mismatch';

/** The canonical encodings of the eight small-order points, and the two x = 0 points with the sign bit set. */
const SMALL_ORDER_KEYS = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (order 1)
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // order 2, sign bit set
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
]);

/** True for a small-order key or a non-canonical encoding (y >= p = 2^255 - 19), RFC 8032 §5.1.3. */
export function isWeakPublicKey(publicKey: Uint8Array): boolean {
  if (SMALL_ORDER_KEYS.has(Buffer.from(publicKey).toString('hex'))) return true;
  if ((publicKey[31]! & 0x7f) !== 0x7f || publicKey[0]! < 0xed) return false;
  for (let i = 1; i < 31; i++) if (publicKey[i] !== 0xff) return false;
  return true;
}

export function verifyDetached(message: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): VerifyOutcome {
  if (sig.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return 'bad-length';
  if (!isCanonicalS(sig)) return 'non-canonical';
  if (isWeakPublicKey(publicKey)) return 'weak-key';
  return nacl.sign.detached.verify(message, sig, publicKey) ? 'ok' : 'mismatch';
}

export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(message, secretKey);
}

export function generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return nacl.sign.keyPair();
}

/** keyid = lowercase hex sha256 of the raw 32-byte public key. */
export function keyIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fingerprint people compare aloud: the keyid in groups of four, first 32 hex digits. */
export function fingerprint(keyid: string): string {
  return keyid.slice(0, 32).match(/.{4}/g)!.join(' ');
}
