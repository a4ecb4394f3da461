/**
 * The Updater's contract with its callers: what it needs injected (fetch,
 * store, clock, limits, an expiry judge) and what it answers (plugin targets,
 * revocation lists). Kept apart so install, bundle and serve code can depend
 * on the shapes without the workflow.
 */

import type { TrustedKey } from '../../host/trust/trust-store.ts';
import type { RootSigned, SnapshotSigned, TargetsSigned, TimestampSigned } from './metadata.ts';

/**
 * Fetches `path` (relative to the registry root: `3.root.json`, `timestamp.json`,
 * `targets/acme/x/1.0.0/<sha>.plugin.wasm`) and returns its bytes, or null
 * when the file does not exist (HTTP 404, ENOENT). It must never read more
 * than `maxBytes + 1` bytes: past the cap it either throws or returns what it
 * read, and the Updater refuses anything longer than `maxBytes` by name. Any
 * other failure throws.
 */
export type Fetcher = (path: string, maxBytes: number) => Promise<Uint8Array | null>;

/**
 * Where the client keeps the metadata it last trusted, by role name (`root`,
 * `timestamp`, `snapshot`, `targets`, or a delegated role). Only used as a
 * floor for rollback checks, never as a source of trust: the root is always
 * re-walked from `trustedRoot`.
 */
export interface MetadataStore {
  load(role: string): Uint8Array | null | Promise<Uint8Array | null>;
  save(role: string, bytes: Uint8Array): void | Promise<void>;
}

/** An in-memory MetadataStore, for tests and one-shot verification. */
export class MemoryStore implements MetadataStore {
  readonly files = new Map<string, Uint8Array>();
  load(role: string): Uint8Array | null {
    return this.files.get(role) ?? null;
  }
  save(role: string, bytes: Uint8Array): void {
    this.files.set(role, Uint8Array.from(bytes));
  }
}

export interface UpdaterLimits {
  /** Cap on snapshot.json when timestamp gives no length (it always must) and on every targets role; default 4 MiB. */
  snapshotBytes: number;
  targetsBytes: number;
  /** Largest target file `fetchTarget` accepts, whatever metadata says; default 64 MiB. */
  targetBytes: number;
  /** Root versions walked in one refresh (spec §5.3: "a fixed number of times"); default 32. */
  maxRootRotations: number;
  /** Delegated roles visited in one search (spec §5.6.7.1 suggests 32); default 32. */
  maxDelegations: number;
  /** Nesting depth of delegations below top-level targets; default 4. */
  maxDelegationDepth: number;
}

export const ROOT_MAX_BYTES = 64 * 1024;
export const TIMESTAMP_MAX_BYTES = 64 * 1024;
export const DEFAULT_LIMITS: UpdaterLimits = {
  snapshotBytes: 4 * 1024 * 1024,
  targetsBytes: 4 * 1024 * 1024,
  targetBytes: 64 * 1024 * 1024,
  maxRootRotations: 32,
  maxDelegations: 32,
  maxDelegationDepth: 4,
};

/** What `checkExpiry` is asked about. `kind` is `targets` for delegated roles too. */
export interface ExpiryQuestion {
  role: string;
  kind: 'root' | 'timestamp' | 'snapshot' | 'targets';
  expires: Date;
  now: Date;
}

export interface UpdaterOptions {
  fetch: Fetcher;
  /** Bytes of the root metadata trusted out of band (keys/, or the workspace's pinned root). */
  trustedRoot: Uint8Array;
  now: () => Date;
  store?: MetadataStore;
  limits?: Partial<UpdaterLimits>;
  /**
   * Judges a role's expiry; throw (PentoraError, code Expired) to refuse.
   * Default: refuse when `expires <= now`. Air-gapped bundles judge the
   * short-lived roles against the bundle's creation time plus a staleness cap.
   */
  checkExpiry?: (q: ExpiryQuestion) => void;
}

/** One file of a plugin version, as the verified metadata describes it. */
export interface TargetFileInfo {
  /** The target path: `acme/redis/1.0.0/plugin.wasm`. */
  target: string;
  /** What to fetch (consistent snapshot): `targets/acme/redis/1.0.0/<sha256>.plugin.wasm`. */
  path: string;
  length: number;
  sha256: string;
}

/** The `custom` of a plugin version's manifest.json target (registry-contract.md). */
export interface PluginCustom {
  name: string;
  version: string;
  capabilities_sha256: string;
}

/** A plugin version found through verified metadata. */
export interface PluginTarget {
  name: string;
  version: string;
  files: { manifest: TargetFileInfo; sig: TargetFileInfo; wasm: TargetFileInfo };
  custom: PluginCustom;
  /** The delegated role that lists it (`pentora`, `acme`). */
  role: string;
  /**
   * That role's keys, as the trust store spells them: namespaces derived from
   * the role's delegated paths; tier `official` for role `pentora`, else
   * `community`; source `registry:<role>`. manifest.sig must verify with these.
   */
  keys: TrustedKey[];
  threshold: number;
}

export interface Revoked {
  /** Revoked keyids (sha256 of the raw public key). */
  keys: Set<string>;
  /** Revoked artifact sha256 digests. */
  artifacts: Set<string>;
}

export interface RefreshResult {
  rootVersion: number;
  timestampVersion: number;
  snapshotVersion: number;
  targetsVersion: number;
}

/** The verified top-level metadata of the last refresh. */
export interface TrustedMetadata {
  root: RootSigned;
  timestamp: TimestampSigned;
  snapshot: SnapshotSigned;
  targets: TargetsSigned;
  /** Spec §5.1: one reference time for the whole update, so roles are judged at the same instant. */
  refTime: Date;
}
