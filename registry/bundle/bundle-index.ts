/**
 * `bundle.json`, the index of an air-gapped bundle:
 *
 *   {
 *     "format": "pentora-bundle",
 *     "format_version": 1,
 *     "created_at": "2026-03-01T12:00:00Z",
 *     "root_version": 3,
 *     "plugins": [{"name": "acme/redis-checks", "version": "1.0.0"}],
 *     "files": [{"path": "1.root.json", "length": 1234, "sha256": "…"}, …],
 *     "index_sha256": "…"
 *   }
 *
 * The index is not signed (whoever makes a bundle holds no registry key), so
 * it is never what makes a file trusted: metadata is trusted through the root
 * chain and the signed hashes of TUF, target files through the targets roles'
 * hashes. The index adds:
 *  - `files`: every file in the bundle, with its length and sha256, and
 *    nothing else — a file not listed, or listed and absent, is refused; so a
 *    flipped byte in *any* file (including the root versions older than the
 *    one a client already trusts, which TUF would never read) is caught;
 *  - `index_sha256`: sha256 of the canonical JSON of the other fields, and the
 *    bytes must be exactly the serialisation below. Together they catch a
 *    damaged `created_at` or plugin list. This is corruption detection, not
 *    authentication: a forger can recompute it. What a forged `created_at`
 *    can buy is bounded in bundle.ts (max staleness is measured from `now`).
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { canonicalJson } from '../tuf/canonical-json.ts';
import { isJsonObject, parseStrictJson, type JsonValue } from '../tuf/strict-json.ts';
import { checkEntryPath } from './entry-path.ts';

export const INDEX_PATH = 'bundle.json';
export const BUNDLE_FORMAT = 'pentora-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
/** An index lists a few dozen files; 1 MiB is far more than any honest one. */
export const MAX_INDEX_BYTES = 1024 * 1024;

export interface BundleFile {
  path: string;
  length: number;
  sha256: string;
}

export interface BundleIndex {
  created_at: string;
  root_version: number;
  plugins: Array<{ name: string; version: string }>;
  files: BundleFile[];
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;
const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;

function body(index: BundleIndex): { [key: string]: JsonValue } {
  return {
    format: BUNDLE_FORMAT,
    format_version: BUNDLE_FORMAT_VERSION,
    created_at: index.created_at,
    root_version: index.root_version,
    plugins: index.plugins.map((p) => ({ name: p.name, version: p.version })),
    files: index.files.map((f) => ({ path: f.path, length: f.length, sha256: f.sha256 })),
  };
}

/** The exact bytes of bundle.json for `index` (fixed key order, two-space indent, final newline). */
export function serializeIndex(index: BundleIndex): Uint8Array {
  const b = body(index);
  const doc = { ...b, index_sha256: sha256Hex(canonicalJson(b)) };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}

function fail(where: string, message: string): never {
  throw new PentoraError(ErrorCode.Bundle, `${where}: ${message}`);
}

/**
 * Parses and checks bundle.json: size cap first, strict JSON (no duplicate
 * keys, nothing after the value), the exact schema, and the self digest.
 */
export function parseIndex(bytes: Uint8Array, where: string): BundleIndex {
  if (bytes.length > MAX_INDEX_BYTES) fail(where, `${bytes.length} bytes, over the ${MAX_INDEX_BYTES}-byte cap for a bundle index`);
  let doc: JsonValue;
  try {
    doc = parseStrictJson(bytes, where, { maxBytes: MAX_INDEX_BYTES, maxDepth: 8 });
  } catch (err) {
    if (err instanceof PentoraError) throw new PentoraError(ErrorCode.Bundle, err.message, err.detail, { cause: err });
    throw err;
  }
  if (!isJsonObject(doc)) fail(where, 'must be a JSON object');
  const keys = Object.keys(doc).sort().join(',');
  if (keys !== 'created_at,files,format,format_version,index_sha256,plugins,root_version') fail(where, `unexpected set of fields: ${Object.keys(doc).join(', ')}`);
  if (doc.format !== BUNDLE_FORMAT) fail(where, `format is ${JSON.stringify(doc.format)}, expected "${BUNDLE_FORMAT}"`);
  if (doc.format_version !== BUNDLE_FORMAT_VERSION) fail(where, `format_version ${JSON.stringify(doc.format_version)} is not supported (this pentora reads ${BUNDLE_FORMAT_VERSION})`);
  const created = doc.created_at;
  if (typeof created !== 'string' || !ISO_SECONDS.test(created) || Number.isNaN(Date.parse(created))) fail(where, 'created_at must be an ISO 8601 UTC time like 2026-03-01T12:00:00Z');
  const rootVersion = doc.root_version;
  if (typeof rootVersion !== 'number' || !Number.isSafeInteger(rootVersion) || rootVersion < 1) fail(where, 'root_version must be a positive integer');
  if (!Array.isArray(doc.plugins) || doc.plugins.length === 0) fail(where, 'plugins must be a non-empty list');
  const plugins = doc.plugins.map((p, i) => {
    if (!isJsonObject(p) || Object.keys(p).sort().join(',') !== 'name,version') fail(where, `plugins[${i}] must be {"name", "version"}`);
    if (typeof p.name !== 'string' || !PLUGIN_NAME.test(p.name)) fail(where, `plugins[${i}].name is not publisher/plugin`);
    if (typeof p.version !== 'string' || !VERSION.test(p.version)) fail(where, `plugins[${i}].version is not a version`);
    return { name: p.name, version: p.version };
  });
  const dup = plugins.find((p, i) => plugins.findIndex((q) => q.name === p.name) !== i);
  if (dup) fail(where, `plugins lists ${dup.name} twice; a bundle carries one version of each plugin`);
  if (!Array.isArray(doc.files)) fail(where, 'files must be a list');
  const files = doc.files.map((f, i) => {
    if (!isJsonObject(f) || Object.keys(f).sort().join(',') !== 'length,path,sha256') fail(where, `files[${i}] must be {"path", "length", "sha256"}`);
    if (typeof f.path !== 'string') fail(where, `files[${i}].path must be a string`);
    checkEntryPath(f.path, where);
    if (typeof f.length !== 'number' || !Number.isSafeInteger(f.length) || f.length < 0) fail(where, `files[${i}].length must be a byte count`);
    if (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) fail(where, `files[${i}].sha256 must be 64 lowercase hex digits`);
    return { path: f.path, length: f.length, sha256: f.sha256 };
  });
  const index: BundleIndex = { created_at: created, root_version: rootVersion, plugins, files };
  const expected = sha256Hex(canonicalJson(body(index)));
  if (doc.index_sha256 !== expected) fail(where, `index_sha256 does not match the index (expected ${expected}, got ${JSON.stringify(doc.index_sha256)}): the index is damaged`);
  if (!Buffer.from(serializeIndex(index)).equals(Buffer.from(bytes))) fail(where, 'is not in the canonical layout pentora writes (reformatted or damaged)');
  return index;
}

/**
 * Checks the bundle's files against the index: the same set of paths, and
 * each file's length and sha256. Returns nothing; throws naming the file.
 */
export function checkFilesAgainstIndex(index: BundleIndex, files: Map<string, Uint8Array>, where: string): void {
  const listed = new Set<string>();
  for (const f of index.files) {
    if (f.path === INDEX_PATH) fail(where, 'bundle.json lists itself');
    if (listed.has(f.path)) fail(where, `bundle.json lists "${f.path}" twice`);
    listed.add(f.path);
    const bytes = files.get(f.path);
    if (!bytes) fail(where, `"${f.path}" is listed in bundle.json but missing from the bundle`);
    const actual = sha256Hex(bytes);
    if (bytes.length !== f.length || actual !== f.sha256) {
      throw new PentoraError(ErrorCode.Digest, `${where}: "${f.path}" does not match bundle.json (expected sha256 ${f.sha256} length ${f.length}, got sha256 ${actual} length ${bytes.length})`, {
        entry: f.path,
        expected: { sha256: f.sha256, length: f.length },
        actual: { sha256: actual, length: bytes.length },
      });
    }
  }
  for (const p of files.keys()) if (p !== INDEX_PATH && !listed.has(p)) fail(where, `"${p}" is in the bundle but not listed in bundle.json`);
}
