/**
 * TUF 1.0 metadata (spec §4): the four top-level roles and delegated targets
 * roles, as types and as strict shape checks. Files are
 *   {"signatures": [{"keyid": "<hex>", "sig": "<hex>"}], "signed": {...}}
 * and `signed` is what the signatures cover, in canonical JSON.
 *
 * The order of operations is the point (verify before parse): `readEnvelope`
 * strictly parses the exact file bytes (size cap, duplicate keys, trailing
 * bytes) and takes apart only `signatures` and `signed`; the caller verifies
 * the signatures over `canonical` with keys it already trusts; only then does
 * `parseSigned` give meaning to the fields of `signed`.
 *
 * pentora departures from TUF, on purpose (docs/decisions.md, "Registry"):
 * keyid = sha256 of the raw 32-byte ed25519 key; only ed25519 keys; hex
 * signatures; `consistent_snapshot` always true; every field is required to
 * be one we know (unknown fields are refused, so a signed field can never be
 * silently ignored); `path_hash_prefixes` is not supported.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { keyIdOf, PUBLIC_KEY_BYTES, sha256Hex } from '../../host/trust/ed25519.ts';
import { canonicalJson } from './canonical-json.ts';
import { checkPathPattern, checkRoleName, checkTargetPath } from './paths.ts';
import { isJsonObject, parseStrictJson, type JsonObject, type JsonValue } from './strict-json.ts';

export const SPEC_VERSION = '1.0.31';
export type TopRole = 'root' | 'timestamp' | 'snapshot' | 'targets';
/** `root`, `timestamp`, `snapshot`, `targets` or a delegated role name. */
export type RoleName = string;

export interface KeyJson {
  keytype: 'ed25519';
  scheme: 'ed25519';
  /** Hex of the raw 32-byte public key. */
  keyval: { public: string };
}

export interface SignatureJson {
  keyid: string;
  /** Hex of the 64-byte ed25519 signature. */
  sig: string;
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

interface Common {
  spec_version: string;
  version: number;
  /** ISO 8601, UTC, whole seconds: `2026-01-01T00:00:00Z`. */
  expires: string;
}

export interface RootSigned extends Common {
  _type: 'root';
  consistent_snapshot: true;
  keys: Record<string, KeyJson>;
  roles: Record<TopRole, RoleKeys>;
}

/** An entry of timestamp's or snapshot's `meta`. */
export interface MetaFile {
  version: number;
  length?: number;
  hashes?: { sha256: string };
}

export interface TimestampSigned extends Common {
  _type: 'timestamp';
  meta: { 'snapshot.json': MetaFile };
}

export interface SnapshotSigned extends Common {
  _type: 'snapshot';
  /** `targets.json` and `<role>.json` for every delegated role. */
  meta: Record<string, MetaFile>;
}

export interface TargetFileJson {
  length: number;
  hashes: { sha256: string };
  custom?: JsonObject;
}

export interface DelegatedRole {
  name: string;
  keyids: string[];
  threshold: number;
  /** Path patterns (see paths.ts): `acme/*\/*\/*`. */
  paths: string[];
  terminating: boolean;
}

export interface Delegations {
  keys: Record<string, KeyJson>;
  roles: DelegatedRole[];
}

/** Revocation lists carried in top-level targets' `custom` (registry-contract.md). */
export interface RevokedJson {
  keys: string[];
  artifacts: string[];
}

export interface TargetsSigned extends Common {
  _type: 'targets';
  targets: Record<string, TargetFileJson>;
  delegations?: Delegations;
  custom?: JsonObject;
}

export type SignedOf<R extends TopRole> = R extends 'root'
  ? RootSigned
  : R extends 'timestamp'
    ? TimestampSigned
    : R extends 'snapshot'
      ? SnapshotSigned
      : TargetsSigned;

/** A metadata file taken apart but not yet trusted. */
export interface MetadataEnvelope {
  signatures: SignatureJson[];
  /** The `signed` value as parsed; its fields mean nothing until verified. */
  signed: JsonValue;
  /** Canonical JSON of `signed`: the bytes the signatures cover. */
  canonical: Uint8Array;
}

/** A metadata file whose `signed` passed the shape checks. */
export interface ParsedRole<T> {
  signatures: SignatureJson[];
  signed: T;
  canonical: Uint8Array;
}

export const MAX_SIGNATURES = 64;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/** Whole seconds in UTC, as TUF writes it; no offsets, no fractions, nothing Date.parse would guess at. */
const EXPIRES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function bad(where: string, msg: string): never {
  throw new PentoraError(ErrorCode.Registry, `${where}: ${msg}`);
}

/** Step one of verify-before-parse: strict JSON of the exact bytes, and only the envelope's two fields. */
export function readEnvelope(bytes: Uint8Array, where: string, maxBytes: number): MetadataEnvelope {
  const doc = parseStrictJson(bytes, where, { maxBytes });
  if (!isJsonObject(doc)) bad(where, 'metadata must be a JSON object');
  onlyFields(doc, ['signatures', 'signed'], where);
  const { signatures, signed } = doc;
  if (!isJsonObject(signed)) bad(where, '"signed" must be an object');
  if (!Array.isArray(signatures)) bad(where, '"signatures" must be a list');
  if (signatures.length > MAX_SIGNATURES) bad(where, `${signatures.length} signatures, over the cap of ${MAX_SIGNATURES}`);
  const sigs = signatures.map((s, i): SignatureJson => {
    if (!isJsonObject(s)) bad(where, `signatures[${i}] must be an object`);
    onlyFields(s, ['keyid', 'sig'], `${where} signatures[${i}]`);
    if (typeof s.keyid !== 'string' || !HEX64.test(s.keyid)) bad(where, `signatures[${i}].keyid must be 64 lowercase hex digits`);
    if (typeof s.sig !== 'string' || !HEX128.test(s.sig)) bad(where, `signatures[${i}].sig must be 128 lowercase hex digits`);
    return { keyid: s.keyid, sig: s.sig };
  });
  return { signatures: sigs, signed, canonical: canonicalJson(signed) };
}

/** Step three: the shape of a verified `signed` value for `role` (a delegated role parses as targets). */
export function parseSigned<R extends TopRole>(signed: JsonValue, role: R, where: string): SignedOf<R> {
  if (!isJsonObject(signed)) bad(where, '"signed" must be an object');
  const fields: Record<TopRole, string[]> = {
    root: ['consistent_snapshot', 'keys', 'roles'],
    timestamp: ['meta'],
    snapshot: ['meta'],
    targets: ['targets', 'delegations', 'custom'],
  };
  onlyFields(signed, ['_type', 'spec_version', 'version', 'expires', ...fields[role]], where);
  if (signed._type !== role) bad(where, `_type is ${JSON.stringify(signed._type)}, expected "${role}"`);
  if (typeof signed.spec_version !== 'string' || !/^1\.\d+(\.\d+)?$/.test(signed.spec_version)) {
    bad(where, `spec_version ${JSON.stringify(signed.spec_version)} is not a TUF 1.x version`);
  }
  positiveInt(signed.version, `${where}: version`);
  if (typeof signed.expires !== 'string' || !EXPIRES.test(signed.expires) || Number.isNaN(Date.parse(signed.expires))) {
    bad(where, `expires ${JSON.stringify(signed.expires)} is not an ISO 8601 UTC time like 2030-01-01T00:00:00Z`);
  }
  if (role === 'root') checkRoot(signed, where);
  else if (role === 'timestamp') checkTimestamp(signed, where);
  else if (role === 'snapshot') checkMeta(signed.meta, where);
  else checkTargets(signed, where);
  return signed as unknown as SignedOf<R>;
}

/**
 * `readEnvelope` + `parseSigned` with no signature check: for the repository
 * tooling reading its own files, and for tests. Clients use the Updater.
 */
export function parseRole<R extends TopRole>(bytes: Uint8Array, role: R, where: string, maxBytes = 4 * 1024 * 1024): ParsedRole<SignedOf<R>> {
  const env = readEnvelope(bytes, where, maxBytes);
  return { signatures: env.signatures, signed: parseSigned(env.signed, role, where), canonical: env.canonical };
}

/** The expiry instant of a parsed role. */
export function expiresOf(signed: Common): Date {
  return new Date(signed.expires);
}

/** `2026-01-01T00:00:00Z` for a Date (whole seconds, as `expires` requires). */
export function formatExpires(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The key entry for a raw public key, and its keyid. */
export function keyJsonOf(publicKey: Uint8Array): { keyid: string; key: KeyJson } {
  return { keyid: keyIdOf(publicKey), key: { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: Buffer.from(publicKey).toString('hex') } } };
}

/** The raw public key of a checked key entry. */
export function publicKeyOf(key: KeyJson): Uint8Array {
  return new Uint8Array(Buffer.from(key.keyval.public, 'hex'));
}

/** Revocation lists from top-level targets' custom; absent means none. */
export function revokedOf(targets: TargetsSigned): RevokedJson {
  const r = targets.custom?.revoked;
  if (!isJsonObject(r)) return { keys: [], artifacts: [] };
  return { keys: r.keys as string[], artifacts: r.artifacts as string[] };
}

// ---------------------------------------------------------------- shape checks

function onlyFields(o: JsonObject, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(where, `unknown field ${JSON.stringify(k)}`);
}

function positiveInt(v: JsonValue | undefined, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new PentoraError(ErrorCode.Registry, `${what} must be an integer >= 1, got ${JSON.stringify(v)}`);
  }
}

function hex64(v: JsonValue | undefined, what: string): asserts v is string {
  if (typeof v !== 'string' || !HEX64.test(v)) throw new PentoraError(ErrorCode.Registry, `${what} must be 64 lowercase hex digits`);
}

/** Keys: ed25519 only, and each keyid must be the sha256 of its key (one key, one id). */
function checkKeys(keys: JsonValue | undefined, where: string): asserts keys is JsonObject {
  if (!isJsonObject(keys)) bad(where, '"keys" must be an object');
  for (const [keyid, key] of Object.entries(keys)) {
    const at = `${where}: key ${keyid.slice(0, 16)}…`;
    hex64(keyid, `${at} keyid`);
    if (!isJsonObject(key)) bad(at, 'must be an object');
    onlyFields(key, ['keytype', 'scheme', 'keyval'], at);
    if (key.keytype !== 'ed25519' || key.scheme !== 'ed25519') {
      bad(at, `keytype/scheme ${JSON.stringify(key.keytype)}/${JSON.stringify(key.scheme)} refused: only ed25519/ed25519 is accepted`);
    }
    if (!isJsonObject(key.keyval)) bad(at, 'keyval must be an object');
    onlyFields(key.keyval, ['public'], at);
    const pub = key.keyval.public;
    if (typeof pub !== 'string' || !/^[0-9a-f]+$/.test(pub) || pub.length !== PUBLIC_KEY_BYTES * 2) {
      bad(at, `keyval.public must be ${PUBLIC_KEY_BYTES * 2} lowercase hex digits`);
    }
    const actual = keyIdOf(Buffer.from(pub, 'hex'));
    if (actual !== keyid) bad(at, `keyid does not match the sha256 of its key (${actual.slice(0, 16)}…)`);
  }
}

function checkRoleKeys(r: JsonValue | undefined, keys: JsonObject, at: string): void {
  if (!isJsonObject(r)) bad(at, 'must be an object');
  if (!Array.isArray(r.keyids) || r.keyids.length === 0) bad(at, 'keyids must be a non-empty list');
  const seen = new Set<string>();
  for (const id of r.keyids) {
    hex64(id, `${at}: keyid`);
    if (!Object.hasOwn(keys, id)) bad(at, `keyid ${id.slice(0, 16)}… is not in "keys"`);
    if (seen.has(id)) bad(at, `keyid ${id.slice(0, 16)}… is listed twice`);
    seen.add(id);
  }
  positiveInt(r.threshold, `${at}: threshold`);
  // Keyids are sha256 of the key, so distinct keyids are distinct keys: a threshold above them can never be met.
  if (r.threshold > r.keyids.length) bad(at, `threshold ${r.threshold} exceeds its ${r.keyids.length} keys`);
}

function checkRoot(s: JsonObject, where: string): void {
  if (s.consistent_snapshot !== true) bad(where, 'consistent_snapshot must be true');
  checkKeys(s.keys, where);
  if (!isJsonObject(s.roles)) bad(where, '"roles" must be an object');
  onlyFields(s.roles, ['root', 'timestamp', 'snapshot', 'targets'], `${where} roles`);
  for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
    if (!(role in s.roles)) bad(where, `roles.${role} is missing`);
    checkRoleKeys(s.roles[role], s.keys, `${where}: roles.${role}`);
  }
}

function checkMetaFile(m: JsonValue | undefined, at: string): void {
  if (!isJsonObject(m)) bad(at, 'must be an object');
  onlyFields(m, ['version', 'length', 'hashes'], at);
  positiveInt(m.version, `${at}: version`);
  if (m.length !== undefined && (typeof m.length !== 'number' || !Number.isSafeInteger(m.length) || m.length < 0)) bad(at, 'length must be an integer >= 0');
  if (m.hashes !== undefined) {
    if (!isJsonObject(m.hashes)) bad(at, 'hashes must be an object');
    onlyFields(m.hashes, ['sha256'], `${at} hashes`);
    hex64(m.hashes.sha256, `${at}: hashes.sha256`);
  }
}

function checkTimestamp(s: JsonObject, where: string): void {
  if (!isJsonObject(s.meta)) bad(where, '"meta" must be an object');
  onlyFields(s.meta, ['snapshot.json'], `${where} meta`);
  checkMetaFile(s.meta['snapshot.json'], `${where}: meta["snapshot.json"]`);
  // Spec §5.5.2: the snapshot is checked against these; without them a swapped snapshot of the right version passes.
  const m = s.meta['snapshot.json'] as JsonObject;
  if (m.length === undefined || m.hashes === undefined) bad(where, 'meta["snapshot.json"] must carry length and hashes');
}

function checkMeta(meta: JsonValue | undefined, where: string): void {
  if (!isJsonObject(meta)) bad(where, '"meta" must be an object');
  if (!Object.hasOwn(meta, 'targets.json')) bad(where, 'meta has no "targets.json"');
  for (const [file, m] of Object.entries(meta)) {
    if (!file.endsWith('.json')) bad(where, `meta entry ${JSON.stringify(file)} is not a .json file`);
    const role = file.slice(0, -'.json'.length);
    if (role !== 'targets') checkRoleName(role, `${where}: meta`);
    checkMetaFile(m, `${where}: meta[${JSON.stringify(file)}]`);
  }
}

function checkTargets(s: JsonObject, where: string): void {
  if (!isJsonObject(s.targets)) bad(where, '"targets" must be an object');
  for (const [p, t] of Object.entries(s.targets)) {
    checkTargetPath(p, where);
    const at = `${where}: target ${JSON.stringify(p)}`;
    if (!isJsonObject(t)) bad(at, 'must be an object');
    onlyFields(t, ['length', 'hashes', 'custom'], at);
    if (typeof t.length !== 'number' || !Number.isSafeInteger(t.length) || t.length < 0) bad(at, 'length must be an integer >= 0');
    if (!isJsonObject(t.hashes)) bad(at, 'hashes must be an object');
    onlyFields(t.hashes, ['sha256'], `${at} hashes`);
    hex64(t.hashes.sha256, `${at}: hashes.sha256`);
    if (t.custom !== undefined && !isJsonObject(t.custom)) bad(at, 'custom must be an object');
  }
  if (s.delegations !== undefined) checkDelegations(s.delegations, where);
  if (s.custom !== undefined) {
    if (!isJsonObject(s.custom)) bad(where, 'custom must be an object');
    if (s.custom.revoked !== undefined) checkRevoked(s.custom.revoked, `${where}: custom.revoked`);
  }
}

function checkDelegations(d: JsonValue, where: string): void {
  if (!isJsonObject(d)) bad(where, '"delegations" must be an object');
  onlyFields(d, ['keys', 'roles'], `${where} delegations`);
  checkKeys(d.keys, `${where} delegations`);
  if (!Array.isArray(d.roles)) bad(where, 'delegations.roles must be a list');
  const names = new Set<string>();
  d.roles.forEach((r, i) => {
    const at = `${where}: delegations.roles[${i}]`;
    if (!isJsonObject(r)) bad(at, 'must be an object');
    if ('path_hash_prefixes' in r) bad(at, 'path_hash_prefixes is not supported; use "paths"');
    onlyFields(r, ['name', 'keyids', 'threshold', 'paths', 'terminating'], at);
    if (typeof r.name !== 'string') bad(at, 'name must be a string');
    checkRoleName(r.name, at);
    if (names.has(r.name)) bad(at, `role ${JSON.stringify(r.name)} is delegated twice`);
    names.add(r.name);
    checkRoleKeys(r, d.keys as JsonObject, at);
    if (!Array.isArray(r.paths) || r.paths.length === 0) bad(at, 'paths must be a non-empty list');
    for (const p of r.paths) {
      if (typeof p !== 'string') bad(at, 'paths must be strings');
      checkPathPattern(p, at);
    }
    if (typeof r.terminating !== 'boolean') bad(at, 'terminating must be true or false');
  });
}

function checkRevoked(r: JsonValue, at: string): void {
  if (!isJsonObject(r)) bad(at, 'must be an object');
  onlyFields(r, ['keys', 'artifacts'], at);
  for (const f of ['keys', 'artifacts'] as const) {
    const list = r[f];
    if (!Array.isArray(list)) bad(at, `${f} must be a list`);
    list.forEach((v, i) => hex64(v, `${at}.${f}[${i}]`));
  }
}

/**
 * `capabilities_sha256` of a manifest: sha256 of the canonical JSON of its
 * `capabilities` (registry-contract.md), read with the strict parser so a
 * manifest with duplicate keys has no digest. The client compares it with
 * the signed target custom, and with what the operator approved.
 *
 * @example
 *   capabilitiesSha256(manifestBytes, 'acme/redis@1.0.0 manifest.json');
 */
export function capabilitiesSha256(manifestBytes: Uint8Array, where: string, maxBytes = 256 * 1024): string {
  const doc = parseStrictJson(manifestBytes, where, { maxBytes });
  if (!isJsonObject(doc) || !isJsonObject(doc.capabilities)) bad(where, 'manifest has no "capabilities" object');
  return sha256Hex(canonicalJson(doc.capabilities));
}
