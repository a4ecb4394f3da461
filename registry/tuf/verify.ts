/**
 * Threshold signatures over metadata (TUF spec §5.3.4 and on): a role is
 * trusted when at least `threshold` of its authorised keys signed the
 * canonical JSON of `signed`.
 *
 * What counts toward the threshold is a distinct *public key*, never a keyid
 * or a signature entry: the same signature listed twice, or one key listed
 * under two keyids, counts once (TUF's "one key listed under two keyids"
 * attack, CVE-2020-6174 class). Non-canonical signatures (S >= L) are refused
 * by `verifyDetached`, so a malleated twin cannot pose as a second signature.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { keyIdOf, signDetached, verifyDetached } from '../../host/trust/ed25519.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { canonicalJson } from './canonical-json.ts';
import { publicKeyOf, type KeyJson, type RoleKeys, type SignatureJson } from './metadata.ts';
import type { JsonValue } from './strict-json.ts';

/** keyid -> raw public key: the keys authorised for one role. */
export type AuthorisedKeys = ReadonlyMap<string, Uint8Array>;

export interface VerifiedRole {
  /** Keyids (sha256 of the key) of the distinct keys whose signatures verified. */
  keyids: string[];
}

/**
 * The authorised keys of a role: its `keyids` looked up in a `keys` table
 * (root's `keys`, or a delegating role's `delegations.keys`).
 */
export function authorisedKeys(table: Record<string, KeyJson>, role: RoleKeys): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const id of role.keyids) {
    const key = table[id];
    if (key) out.set(id, publicKeyOf(key));
  }
  return out;
}

/**
 * Throws a Signature error unless `threshold` distinct authorised public keys
 * signed `canonical`. Signatures by unknown keyids are ignored (TUF), but are
 * named in the error if the threshold is not met.
 *
 * @example
 *   verifyRole(env.canonical, env.signatures, authorisedKeys(root.keys, root.roles.timestamp), root.roles.timestamp.threshold, 'timestamp.json');
 */
export function verifyRole(
  canonical: Uint8Array,
  signatures: readonly SignatureJson[],
  keys: AuthorisedKeys,
  threshold: number,
  where: string,
): VerifiedRole {
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new PentoraError(ErrorCode.Signature, `${where}: threshold ${threshold} is not a positive integer`);
  }
  const good = new Map<string, string>(); // public key hex -> keyid
  const problems: string[] = [];
  for (const s of signatures) {
    const short = `${s.keyid.slice(0, 16)}…`;
    const pub = keys.get(s.keyid);
    if (!pub) {
      problems.push(`keyid ${short} is not a key of this role`);
      continue;
    }
    // metadata.ts already refuses such a table; checked again because the count below depends on it.
    if (keyIdOf(pub) !== s.keyid) {
      problems.push(`keyid ${short} does not match the sha256 of its key`);
      continue;
    }
    const pubHex = Buffer.from(pub).toString('hex');
    if (good.has(pubHex)) {
      problems.push(`key ${short} signed more than once (counted once)`);
      continue;
    }
    const outcome = verifyDetached(canonical, Buffer.from(s.sig, 'hex'), pub);
    if (outcome === 'ok') good.set(pubHex, s.keyid);
    else if (outcome === 'non-canonical') problems.push(`signature by ${short} is non-canonical (S >= L)`);
    else if (outcome === 'bad-length') problems.push(`signature by ${short} has the wrong length`);
    else if (outcome === 'weak-key') problems.push(`key ${short} is a small-order or non-canonical ed25519 key`);
    else problems.push(`signature by ${short} does not verify (metadata or signature altered)`);
  }
  if (good.size < threshold) {
    const why = problems.length > 0 ? problems.join('; ') : 'no signatures';
    throw new PentoraError(ErrorCode.Signature, `${where}: ${good.size} of ${threshold} required signatures; ${why}`, {
      threshold,
      valid: good.size,
      problems,
    });
  }
  return { keyids: [...good.values()] };
}

/**
 * Signs `signed` with each key and returns the metadata file's bytes
 * (pretty JSON; signatures cover the canonical form, so layout is free).
 *
 * @example
 *   const bytes = signMetadata(timestampSigned, [timestampKey]);
 */
export function signMetadata(signed: JsonValue, keys: readonly SigningKey[]): Uint8Array {
  const canonical = canonicalJson(signed);
  const signatures = keys.map((k) => ({ keyid: k.keyid, sig: Buffer.from(signDetached(canonical, k.secretKey)).toString('hex') }));
  return Buffer.from(JSON.stringify({ signatures, signed }, null, 2) + '\n', 'utf8');
}
