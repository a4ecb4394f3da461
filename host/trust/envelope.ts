/**
 * The signature envelope (DESIGN §5), DSSE-style:
 *   {"payloadType": "...", "signatures": [{"keyid": "<hex sha256 of key>", "sig": "<base64>"}]}
 * Each signature is ed25519 over PAE(payloadType, payload), the DSSE
 * pre-authentication encoding, so a signature for one payload type can never
 * be replayed as another. The payload is the exact manifest bytes.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { keyIdOf, signDetached, verifyDetached } from './ed25519.ts';
import type { TrustedKey, TrustStore } from './trust-store.ts';

export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.pentora.manifest+json';
const MAX_ENVELOPE_BYTES = 64 * 1024;
const MAX_SIGNATURES = 16;

export interface Envelope {
  payloadType: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

export interface SigningKey {
  keyid: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** DSSE v1 pre-authentication encoding. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

export function signEnvelope(payload: Uint8Array, keys: SigningKey[], payloadType = MANIFEST_PAYLOAD_TYPE): Envelope {
  const msg = pae(payloadType, payload);
  return {
    payloadType,
    signatures: keys.map((k) => ({ keyid: k.keyid, sig: Buffer.from(signDetached(msg, k.secretKey)).toString('base64') })),
  };
}

export function serializeEnvelope(env: Envelope): Uint8Array {
  return Buffer.from(JSON.stringify(env, null, 2) + '\n', 'utf8');
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(where: string, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(ErrorCode.Signature, `${where}: ${message}`, detail);
}

/** Strictly parses an envelope: size, shape, base64, no duplicate JSON keys at the top level. */
export function parseEnvelope(bytes: Uint8Array, where: string): Envelope {
  if (bytes.length === 0) fail(where, 'signature file is empty');
  if (bytes.length > MAX_ENVELOPE_BYTES) fail(where, `signature file is ${bytes.length} bytes, over the ${MAX_ENVELOPE_BYTES}-byte cap`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    fail(where, `signature envelope is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(where, 'signature envelope must be a JSON object');
  const { payloadType, signatures, ...rest } = doc as Record<string, unknown>;
  if (Object.keys(rest).length > 0) fail(where, `unknown envelope field "${Object.keys(rest)[0]}"`);
  if (typeof payloadType !== 'string') fail(where, 'envelope payloadType must be a string');
  if (!Array.isArray(signatures) || signatures.length === 0) fail(where, 'envelope has no signatures');
  if (signatures.length > MAX_SIGNATURES) fail(where, `envelope has ${signatures.length} signatures, over the cap of ${MAX_SIGNATURES}`);
  const sigs = signatures.map((s, i) => {
    if (typeof s !== 'object' || s === null) fail(where, `signatures[${i}] must be an object`);
    const { keyid, sig, ...extra } = s as Record<string, unknown>;
    if (Object.keys(extra).length > 0) fail(where, `signatures[${i}] has unknown field "${Object.keys(extra)[0]}"`);
    if (typeof keyid !== 'string' || !/^[0-9a-f]{64}$/.test(keyid)) fail(where, `signatures[${i}].keyid must be 64 lowercase hex digits`);
    if (typeof sig !== 'string' || !B64.test(sig)) fail(where, `signatures[${i}].sig must be base64`);
    return { keyid, sig };
  });
  return { payloadType, signatures: sigs };
}

export interface VerifiedEnvelope {
  /** The distinct trusted keys whose signatures verified. */
  keys: TrustedKey[];
}

/**
 * Verifies an envelope over `payload` BEFORE anything parses the payload.
 * Each distinct public key counts once toward `threshold`, however many
 * keyids or signatures name it. Throws a Signature error saying why the
 * threshold was not met (unknown key, bad signature, non-canonical S...).
 */
export function verifyEnvelope(
  payload: Uint8Array,
  envelopeBytes: Uint8Array,
  trust: TrustStore,
  opts: { where: string; threshold?: number; payloadType?: string },
): VerifiedEnvelope {
  const { where } = opts;
  const threshold = opts.threshold ?? 1;
  const env = parseEnvelope(envelopeBytes, where);
  const wantType = opts.payloadType ?? MANIFEST_PAYLOAD_TYPE;
  if (env.payloadType !== wantType) fail(where, `payloadType is "${env.payloadType}", expected "${wantType}"`);
  const msg = pae(env.payloadType, payload);
  const good = new Map<string, TrustedKey>(); // raw public key hex -> key
  const problems: string[] = [];
  for (const s of env.signatures) {
    const key = trust.get(s.keyid);
    if (!key) {
      problems.push(`keyid ${s.keyid.slice(0, 16)}… is not a trusted key`);
      continue;
    }
    if (keyIdOf(key.publicKey) !== s.keyid) {
      problems.push(`keyid ${s.keyid.slice(0, 16)}… does not match the sha256 of its key`);
      continue;
    }
    const sig = Buffer.from(s.sig, 'base64');
    const outcome = verifyDetached(msg, sig, key.publicKey);
    if (outcome === 'ok') good.set(Buffer.from(key.publicKey).toString('hex'), key);
    else if (outcome === 'non-canonical') problems.push(`signature by ${s.keyid.slice(0, 16)}… is non-canonical (S >= L)`);
    else if (outcome === 'bad-length') problems.push(`signature by ${s.keyid.slice(0, 16)}… has the wrong length`);
    else if (outcome === 'weak-key') problems.push(`key ${s.keyid.slice(0, 16)}… is a small-order or non-canonical ed25519 key`);
    else problems.push(`signature by ${s.keyid.slice(0, 16)}… does not verify (payload or signature altered)`);
  }
  if (good.size < threshold) {
    const why = problems.length > 0 ? problems.join('; ') : 'no valid signature';
    fail(where, `signature check failed: ${good.size} of ${threshold} required trusted signatures; ${why}`, { problems });
  }
  return { keys: [...good.values()] };
}
