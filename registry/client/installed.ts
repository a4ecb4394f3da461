/**
 * The workspace store as the catalog sees it (source `installed`). At every
 * load, for every lock entry:
 * - a disabled entry (capabilities not approved) is listed with the reason, never loaded;
 * - each blob is read once and re-hashed against the lock (store.readBlob);
 * - those very bytes go to the loader (signature, manifest, wasm digest, compile);
 * - the loader's checkArtifact hook then pins the result to the lock: name,
 *   version, the three digests (the manifest's pins its capabilities), and at
 *   least one signer the lock recorded at install; and re-checks revocation.
 */

import { ErrorCode, PentoraError, describeError } from '../../host/errors.ts';
import type { InstalledCandidate } from '../../host/engine/catalog.ts';
import type { ArtifactInfo } from '../../host/sandbox/loader.ts';
import { checkNotRevoked, type Revocations } from './revocation.ts';
import { blobPath, lockPath, readBlob, readLock, type LockEntry } from './store.ts';

/** Why a lock entry may not run, or null. */
export function refusalOf(name: string, e: LockEntry): string | null {
  if (!e.enabled || e.approved_capabilities_sha256 !== e.capabilities_sha256) {
    return `disabled: the capabilities of ${name} ${e.version} are not approved; review them with "pentora plugin info ${name}" and run "pentora plugin approve ${name}"`;
  }
  return null;
}

function mismatch(name: string, what: string, expected: string, actual: string): never {
  throw new PentoraError(ErrorCode.Digest, `${name}: ${what} does not match lock.json (expected ${expected}, got ${actual})`, { expected, actual });
}

/** Pins a verified load to its lock entry; throws to refuse. */
export function checkAgainstLock(name: string, e: LockEntry, info: ArtifactInfo, revocations: Revocations): void {
  if (info.manifest.name !== name) mismatch(name, 'manifest name', name, info.manifest.name);
  if (info.manifest.version !== e.version) mismatch(name, 'manifest version', e.version, info.manifest.version);
  if (info.manifestSha256 !== e.manifest) mismatch(name, 'manifest.json sha256', e.manifest, info.manifestSha256);
  if (info.sigSha256 !== e.sig) mismatch(name, 'manifest.sig sha256', e.sig, info.sigSha256);
  if (info.wasmSha256 !== e.wasm) mismatch(name, 'plugin.wasm sha256', e.wasm, info.wasmSha256);
  // capabilities_sha256 was computed from exactly these manifest bytes at install, so the digest above pins it.
  const recorded = info.signers.filter((k) => e.signers.includes(k.keyid));
  if (recorded.length === 0) {
    throw new PentoraError(
      ErrorCode.Trust,
      `${name}: none of the keys that signed it at install (${e.signers.map((k) => `${k.slice(0, 16)}…`).join(', ')}) verifies it now; reinstall or update it`,
    );
  }
  checkNotRevoked(revocations, { name, signers: info.signers.map((k) => k.keyid), artifacts: [e.manifest, e.sig, e.wasm] });
}

/**
 * The catalog's `installed` source for `workspace`. A lock that cannot be read
 * yields one refused pseudo-entry naming the problem, so `plugin list` shows it
 * and nothing from the store runs.
 */
export function installedCandidates(workspace: string, revocations: () => Revocations): () => InstalledCandidate[] {
  return () => {
    let lock;
    try {
      lock = readLock(workspace);
    } catch (err) {
      const file = lockPath(workspace);
      return [{ name: 'plugins/lock.json', version: '-', files: { manifest: file, sig: file, wasm: file }, refusal: describeError(err), read: () => ({ manifest: new Uint8Array(), sig: new Uint8Array(), wasm: new Uint8Array() }), check: () => undefined }];
    }
    return Object.entries(lock.plugins).map(([name, e]): InstalledCandidate => {
      const files = { manifest: blobPath(workspace, e.manifest), sig: blobPath(workspace, e.sig), wasm: blobPath(workspace, e.wasm) };
      return {
        name,
        version: e.version,
        files,
        refusal: refusalOf(name, e),
        read: () => ({ manifest: readBlob(workspace, e.manifest), sig: readBlob(workspace, e.sig), wasm: readBlob(workspace, e.wasm) }),
        check: (info) => checkAgainstLock(name, e, info, revocations()),
      };
    });
  };
}
