/**
 * ed25519 over tweetnacl, with the checks tweetnacl leaves to its caller.
 *
 * tweetnacl's verify accepts a signature whose scalar S is not reduced mod L
 * (S + L verifies like S). That makes signatures malleable: the same
 * (key, message) has several valid encodings, which breaks "one signature =
 * one byte string" assumptions (dedup, replay detection). RFC 8032 §5.1.7
 * requires S < L, so we check it before calling tweetnacl.
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

export type VerifyOutcome = 'ok' | 'bad-length' | 'non-canonical' | 'mismatch';

export function verifyDetached(message: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): VerifyOutcome {
  if (sig.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return 'bad-length';
  if (!isCanonicalS(sig)) return 'non-canonical';
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
