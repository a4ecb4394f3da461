/**
 * verifyDetached is tweetnacl plus the checks tweetnacl leaves out (S < L,
 * weak public keys). OpenSSL's ed25519 (node:crypto) serves here as an
 * independent oracle: on valid, corrupted and wrong-key signatures the
 * verdicts must agree, and on the encodings where implementations are known
 * to differ (small-order and non-canonical points) ours must refuse whatever
 * either verifier refuses — including the S = 0 forgeries bare tweetnacl
 * accepts under small-order keys.
 */

import { createPublicKey, randomBytes, verify as opensslVerify } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, isWeakPublicKey, malleate, signDetached, verifyDetached } from '../../host/trust/ed25519.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const nacleVerdict = (m: Uint8Array, s: Uint8Array, k: Uint8Array): string => (nacl.sign.detached.verify(m, s, k) ? 'ok' : 'mismatch');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const opensslVerdict = (m: Uint8Array, s: Uint8Array, k: Uint8Array): string => {
  try {
    return opensslVerify(null, m, createPublicKey({ key: Buffer.concat([SPKI, k]), format: 'der', type: 'spki' }), s) ? 'ok' : 'mismatch';
  } catch {
    return 'mismatch';
  }
};

describe('ed25519 verification (tweetnacl + our checks) against OpenSSL as an oracle', () => {
  it('RFC 8032 §7.1 test 1 verifies; one flipped bit does not', () => {
    const pk = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
    expect(verifyDetached(new Uint8Array(0), sig, pk)).toBe('ok');
    const bad = Uint8Array.from(sig);
    bad[10]! ^= 1;
    expect(verifyDetached(new Uint8Array(0), bad, pk)).toBe('mismatch');
  });

  it('same verdict on valid, corrupted and wrong-key signatures', () => {
    for (let i = 0; i < 48; i++) {
      const k = generateKeyPair();
      const other = generateKeyPair();
      const msg = randomBytes(i % 97);
      const sig = signDetached(msg, k.secretKey);
      const flipped = Uint8Array.from(sig);
      flipped[i % 64]! ^= 1 << i % 8;
      const longer = Buffer.concat([msg, Buffer.from([0])]);
      for (const [m, s, pk] of [
        [msg, sig, k.publicKey],
        [msg, flipped, k.publicKey],
        [msg, sig, other.publicKey],
        [longer, sig, k.publicKey],
      ] as Array<[Uint8Array, Uint8Array, Uint8Array]>) {
        const ours = verifyDetached(m, s, pk);
        if (ours === 'non-canonical') continue; // a flip in S's top byte: refused before either verifier
        expect(ours).toBe(nacleVerdict(m, s, pk));
        expect(ours).toBe(opensslVerdict(m, s, pk));
      }
      expect(verifyDetached(msg, sig, k.publicKey)).toBe('ok');
    }
  });

  it('a malleated S (S + L) is refused before any verifier runs', () => {
    const k = generateKeyPair();
    const msg = Buffer.from('pentora');
    expect(verifyDetached(msg, malleate(signDetached(msg, k.secretKey)), k.publicKey)).toBe('non-canonical');
  });

  it('small-order and non-canonical public keys are refused, including the S = 0 forgeries bare tweetnacl accepts', () => {
    const keys = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000', // identity
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p - 1 (order 2)
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p: non-canonical
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
      'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y >= p
    ].map(hex);
    const rs = [...keys, randomBytes(32)];
    const msg = Buffer.from('small order');
    let naclForgeries = 0;
    for (const pk of keys) {
      expect(isWeakPublicKey(pk), Buffer.from(pk).toString('hex')).toBe(true);
      for (const r of rs) {
        for (const sBytes of [new Uint8Array(32), hex('01'.padEnd(64, '0'))]) {
          const sig = new Uint8Array(64);
          sig.set(r, 0);
          sig.set(sBytes, 32);
          if (nacleVerdict(msg, sig, pk) === 'ok') naclForgeries++;
          expect(verifyDetached(msg, sig, pk)).toBe('weak-key');
        }
      }
    }
    // The weakness is real: without the key check, tweetnacl accepts some of these forgeries.
    expect(naclForgeries).toBeGreaterThan(0);
  });

  it('honest keys are never weak', () => {
    for (let i = 0; i < 200; i++) expect(isWeakPublicKey(generateKeyPair().publicKey)).toBe(false);
  });
});
