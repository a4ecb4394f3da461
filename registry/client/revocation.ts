/**
 * Revoked keys and artifacts (registry contract, "Revocation"). Three sources,
 * all checked at install and at every load, any one of them enough to refuse:
 *
 * - the registry's signed list, `targets.signed.custom.revoked` of the
 *   top-level targets role, cached per registry in
 *   `<workspace>/plugins/registry-revoked.json` after each verified refresh so
 *   a load (which has no network) still honours it;
 * - `<repo>/keys/revoked.json`, shipped with pentora;
 * - `<workspace>/keys/revoked.json`, the operator's own.
 *
 * Each file is `{"keys": [keyid...], "artifacts": [sha256...]}`. A file that
 * exists but does not parse is an error, never an empty list: failing open
 * would silently un-revoke.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';
import { REPO_ROOT } from '../../host/engine/catalog.ts';
import { readCapped } from '../../host/sandbox/loader.ts';
import { writeJsonAtomic } from '../../host/workspace/atomic.ts';

export interface RevocationList {
  keys: string[];
  artifacts: string[];
}

/** Everything revoked, with where each entry came from (for the error message). */
export interface Revocations {
  keys: Map<string, string>;
  artifacts: Map<string, string>;
}

export const REPO_REVOKED_FILE = path.join(REPO_ROOT, 'keys', 'revoked.json');
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function workspaceRevokedFile(workspace: string): string {
  return path.join(workspace, 'keys', 'revoked.json');
}

export function registryRevokedFile(workspace: string): string {
  return path.join(workspace, 'plugins', 'registry-revoked.json');
}

function bad(where: string, msg: string): never {
  throw new PentoraError(ErrorCode.Trust, `${where}: ${msg}`);
}

/** Strictly checks `{"keys": [...], "artifacts": [...]}` (both lists of lowercase sha256 hex). */
export function parseRevocationList(doc: unknown, where: string): RevocationList {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad(where, 'revocation list must be a JSON object');
  const d = doc as Record<string, unknown>;
  const extra = Object.keys(d).filter((k) => k !== 'keys' && k !== 'artifacts');
  if (extra.length > 0) bad(where, `unknown field "${extra[0]}" in revocation list`);
  const list = (field: 'keys' | 'artifacts'): string[] => {
    const v = d[field] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && HEX64.test(x))) bad(where, `"${field}" must be a list of 64-digit lowercase hex sha256 values`);
    return v as string[];
  };
  return { keys: list('keys'), artifacts: list('artifacts') };
}

function readJsonFile(file: string): unknown | null {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readCapped(file, MAX_FILE_BYTES, 'revocation list')));
  } catch (err) {
    if (err instanceof PentoraError) throw err;
    return bad(file, `not valid JSON (${describeError(err)})`);
  }
}

interface RegistryRevokedDoc {
  version: 1;
  registries: Record<string, { source: string; targets_version: number; keys: string[]; artifacts: string[] }>;
}

function readRegistryRevoked(file: string): RegistryRevokedDoc {
  const doc = readJsonFile(file);
  if (doc === null) return { version: 1, registries: {} };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad(file, 'must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.version !== 1 || typeof d.registries !== 'object' || d.registries === null || Array.isArray(d.registries)) bad(file, 'expected {"version": 1, "registries": {...}}');
  const out: RegistryRevokedDoc = { version: 1, registries: {} };
  for (const [id, entry] of Object.entries(d.registries as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) bad(file, `registries["${id}"] must be an object`);
    const { source, targets_version: tv, ...list } = entry as Record<string, unknown>;
    if (typeof source !== 'string') bad(file, `registries["${id}"].source must be a string`);
    if (typeof tv !== 'number' || !Number.isSafeInteger(tv) || tv < 0) bad(file, `registries["${id}"].targets_version must be an integer`);
    out.registries[id] = { source: source as string, targets_version: tv as number, ...parseRevocationList(list, `${file} registries["${id}"]`) };
  }
  return out;
}

/**
 * Records the revocation list a registry's verified top-level targets carry.
 * A list from a newer targets version replaces the cached one (the registry's
 * newest signed word wins, un-revocations included); one from an older or
 * equal version only adds, so a stale copy (an old bundle) never un-revokes.
 * `registryId` identifies the registry by its pinned root, not its URL, so
 * mirrors and bundles of one registry share it.
 */
export async function cacheRegistryRevocations(workspace: string, registryId: string, source: string, targetsVersion: number, list: RevocationList): Promise<void> {
  const file = registryRevokedFile(workspace);
  const doc = readRegistryRevoked(file);
  const prev = doc.registries[registryId];
  const merge = prev && prev.targets_version >= targetsVersion;
  const keys = merge ? [...prev.keys, ...list.keys] : list.keys;
  const artifacts = merge ? [...prev.artifacts, ...list.artifacts] : list.artifacts;
  doc.registries[registryId] = {
    source,
    targets_version: merge ? prev.targets_version : targetsVersion,
    keys: [...new Set(keys)].sort(),
    artifacts: [...new Set(artifacts)].sort(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, doc, { mode: 0o644 });
}

/** Every revocation in force for `workspace`. */
export function loadRevocations(workspace: string, repoFile: string = REPO_REVOKED_FILE): Revocations {
  const rev: Revocations = { keys: new Map(), artifacts: new Map() };
  const add = (list: RevocationList, from: string): void => {
    for (const k of list.keys) if (!rev.keys.has(k)) rev.keys.set(k, from);
    for (const a of list.artifacts) if (!rev.artifacts.has(a)) rev.artifacts.set(a, from);
  };
  for (const file of [repoFile, workspaceRevokedFile(workspace)]) {
    const doc = readJsonFile(file);
    if (doc !== null) add(parseRevocationList(doc, file), file);
  }
  const reg = readRegistryRevoked(registryRevokedFile(workspace));
  for (const entry of Object.values(reg.registries)) add(entry, `the signed revocation list of ${entry.source}`);
  return rev;
}

/** Merges a list not yet cached (the registry's, during an install) into `rev`. */
export function withList(rev: Revocations, list: RevocationList, from: string): Revocations {
  const out: Revocations = { keys: new Map(rev.keys), artifacts: new Map(rev.artifacts) };
  for (const k of list.keys) if (!out.keys.has(k)) out.keys.set(k, from);
  for (const a of list.artifacts) if (!out.artifacts.has(a)) out.artifacts.set(a, from);
  return out;
}

/** Throws a Policy error when any signer or artifact of `name` is revoked. */
export function checkNotRevoked(rev: Revocations, what: { name: string; signers: readonly string[]; artifacts: readonly string[] }): void {
  for (const k of what.signers) {
    const from = rev.keys.get(k);
    if (from) throw new PentoraError(ErrorCode.Policy, `${what.name}: signing key ${k.slice(0, 16)}… is revoked (${from})`, { keyid: k, revokedBy: from });
  }
  for (const a of what.artifacts) {
    const from = rev.artifacts.get(a);
    if (from) throw new PentoraError(ErrorCode.Policy, `${what.name}: artifact sha256 ${a.slice(0, 16)}… is revoked (${from})`, { sha256: a, revokedBy: from });
  }
}

/** Adds to `<workspace>/keys/revoked.json` (for `pentora keys revoke`). */
export async function revokeLocally(workspace: string, add: Partial<RevocationList>): Promise<RevocationList> {
  const file = workspaceRevokedFile(workspace);
  const doc = readJsonFile(file);
  const cur = doc === null ? { keys: [], artifacts: [] } : parseRevocationList(doc, file);
  const next: RevocationList = {
    keys: [...new Set([...cur.keys, ...(add.keys ?? [])])].sort(),
    artifacts: [...new Set([...cur.artifacts, ...(add.artifacts ?? [])])].sort(),
  };
  parseRevocationList(next, file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(file, next, { mode: 0o644 });
  return next;
}
