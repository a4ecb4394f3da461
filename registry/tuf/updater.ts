/**
 * The TUF client (spec §5, "Detailed client workflow"), pure: every byte comes
 * through an injected `fetch`, every instant through `now`, and the last
 * trusted metadata through an injected `MetadataStore`.
 *
 * @example
 *   const up = new Updater({ fetch, trustedRoot: pinnedRootBytes, now: () => new Date(), store });
 *   await up.refresh();
 *   const t = await up.getTarget('acme/redis-checks');   // highest version
 *   const wasm = await up.fetchTarget(t!.files.wasm);      // length + sha256 checked
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import type { DelegationEdge } from './delegation.ts';
import { parseSigned, readEnvelope, revokedOf, type MetaFile, type RootSigned, type SnapshotSigned, type TargetsSigned, type TimestampSigned, type TopRole } from './metadata.ts';
import { matchPathPattern, patternWithin } from './paths.ts';
import { pluginCandidates, pluginVersions, PLUGIN_NAME, resolvePlugin, type PluginSearch } from './plugin-target.ts';
import { isVersion } from './semver.ts';
import type { JsonObject } from './strict-json.ts';
import {
  DEFAULT_LIMITS,
  ROOT_MAX_BYTES,
  TIMESTAMP_MAX_BYTES,
  type ExpiryQuestion,
  type Fetcher,
  type MetadataStore,
  type PluginTarget,
  type RefreshResult,
  type Revoked,
  type TargetFileInfo,
  type TrustedMetadata,
  type UpdaterLimits,
  type UpdaterOptions,
} from './updater-contract.ts';
import { authorisedKeys, verifyRole, type AuthorisedKeys } from './verify.ts';

// The contract's names are re-exported so callers import the Updater and its types from one place.
export { DEFAULT_LIMITS, MemoryStore, ROOT_MAX_BYTES, TIMESTAMP_MAX_BYTES } from './updater-contract.ts';
export type {
  ExpiryQuestion,
  Fetcher,
  MetadataStore,
  PluginCustom,
  PluginTarget,
  RefreshResult,
  Revoked,
  TargetFileInfo,
  TrustedMetadata,
  UpdaterLimits,
  UpdaterOptions,
} from './updater-contract.ts';


function refuse(code: ErrorCode, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(code, message, detail);
}

function defaultCheckExpiry(q: ExpiryQuestion): void {
  if (q.expires.getTime() <= q.now.getTime()) {
    refuse(ErrorCode.Expired, `${q.role} metadata expired at ${q.expires.toISOString()} (now ${q.now.toISOString()}): refusing it as a possible freeze attack`, {
      role: q.role,
      expires: q.expires.toISOString(),
      now: q.now.toISOString(),
    });
  }
}

function own<T>(o: Record<string, T>, k: string): T | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function sameKeys(a: RootSigned, b: RootSigned, role: TopRole): boolean {
  const x = a.roles[role];
  const y = b.roles[role];
  return x.threshold === y.threshold && x.keyids.length === y.keyids.length && x.keyids.every((k) => y.keyids.includes(k));
}

export class Updater {
  readonly #fetch: Fetcher;
  readonly #pinned: Uint8Array;
  readonly #now: () => Date;
  readonly #store: MetadataStore | undefined;
  readonly #limits: UpdaterLimits;
  readonly #checkExpiry: (q: ExpiryQuestion) => void;
  readonly #files = new Map<string, Uint8Array>();
  /** Delegated role bytes by name, fetched once per refresh and verified per edge. */
  readonly #roleBytes = new Map<string, Uint8Array>();
  /**
   * Verified delegated roles by edge (`parent>name`): names are unique within
   * one delegating role, and metadata is fixed for the life of a refresh.
   */
  readonly #roles = new Map<string, TargetsSigned>();
  #trusted: TrustedMetadata | null = null;

  constructor(opts: UpdaterOptions) {
    this.#fetch = opts.fetch;
    this.#pinned = opts.trustedRoot;
    this.#now = opts.now;
    this.#store = opts.store;
    this.#limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.#checkExpiry = opts.checkExpiry ?? defaultCheckExpiry;
  }

  /** Runs the client workflow: root chain, timestamp, snapshot, top-level targets. */
  async refresh(): Promise<RefreshResult> {
    this.#trusted = null;
    this.#files.clear();
    this.#roleBytes.clear();
    this.#roles.clear();
    const refTime = this.#now();
    const stored = await this.#loadStored('root');
    const root = await this.#updateRoot(refTime, stored);
    const timestamp = await this.#updateTimestamp(root, refTime, stored);
    const snapshot = await this.#updateSnapshot(root, timestamp, refTime, stored);
    const targets = await this.#updateTargets(root, snapshot, refTime);
    this.#trusted = { root, timestamp, snapshot, targets, refTime };
    return { rootVersion: root.version, timestampVersion: timestamp.version, snapshotVersion: snapshot.version, targetsVersion: targets.version };
  }

  /**
   * Finds `name` (`publisher/plugin`) at `version`, or its highest semver
   * version when none is given, by the delegation search (spec §5.6.7).
   * Null when no trusted role lists it.
   */
  async getTarget(name: string, version?: string): Promise<PluginTarget | null> {
    const search = this.#search();
    if (!PLUGIN_NAME.test(name)) refuse(ErrorCode.Usage, `"${name}" is not a plugin name (publisher/plugin)`);
    if (version !== undefined) {
      if (!isVersion(version)) refuse(ErrorCode.Usage, `"${version}" is not a version (MAJOR.MINOR.PATCH[-PRERELEASE])`);
      return resolvePlugin(search, name, version);
    }
    // Highest first; a version listed by a role that is not authoritative for it resolves to null and is skipped.
    for (const v of await pluginVersions(search, name)) {
      const found = await resolvePlugin(search, name, v);
      if (found) return found;
    }
    return null;
  }

  /** Every plugin version in every reachable role (for `plugin search`), each resolved as getTarget would. */
  async listTargets(): Promise<PluginTarget[]> {
    const search = this.#search();
    const out: PluginTarget[] = [];
    for (const c of await pluginCandidates(search)) {
      const found = await resolvePlugin(search, c.name, c.version);
      if (found) out.push(found);
    }
    return out;
  }

  /** Fetches a target file, refusing it unless its length and sha256 match the metadata. */
  async fetchTarget(file: TargetFileInfo): Promise<Uint8Array> {
    if (file.length > this.#limits.targetBytes) {
      refuse(ErrorCode.Registry, `${file.target}: ${file.length} bytes, over the ${this.#limits.targetBytes}-byte cap on target files`);
    }
    const bytes = await this.#fetch(file.path, file.length);
    if (bytes === null) refuse(ErrorCode.NotFound, `${file.path}: not found on the registry`, { path: file.path });
    if (bytes.length !== file.length) {
      refuse(ErrorCode.Digest, `${file.target}: ${bytes.length} bytes, signed metadata says ${file.length}`, { expected: file.length, actual: bytes.length });
    }
    const actual = sha256Hex(bytes);
    if (actual !== file.sha256) {
      refuse(ErrorCode.Digest, `${file.target}: sha256 ${actual} does not match the signed ${file.sha256}`, { expected: file.sha256, actual });
    }
    return bytes;
  }

  /** Revocation lists from top-level targets' custom (empty sets when none). */
  revoked(): Revoked {
    const r = revokedOf(this.#requireTrusted().targets);
    return { keys: new Set(r.keys), artifacts: new Set(r.artifacts) };
  }

  /**
   * Every metadata file fetched and verified so far, by fetch path
   * (`1.root.json`…`N.root.json`, `timestamp.json`, `N.snapshot.json`,
   * `N.targets.json`, `N.<role>.json`): what a bundle needs to carry.
   */
  verifiedFiles(): ReadonlyMap<string, Uint8Array> {
    this.#requireTrusted();
    return new Map(this.#files);
  }

  /** Custom of top-level targets, verified. */
  targetsCustom(): JsonObject {
    return this.#requireTrusted().targets.custom ?? {};
  }

  /** The verified top-level metadata, for `bundle verify` and diagnostics. */
  trusted(): Readonly<TrustedMetadata> {
    return this.#requireTrusted();
  }

  #search(): PluginSearch {
    return { top: this.#requireTrusted().targets, load: (edge) => this.#loadDelegated(edge), limits: this.#limits };
  }

  #requireTrusted(): TrustedMetadata {
    if (!this.#trusted) refuse(ErrorCode.Internal, 'Updater: call refresh() first (or the last refresh failed)');
    return this.#trusted;
  }

  // ------------------------------------------------------------------ workflow

  /** Spec §5.2–5.3: the pinned root, then N+1, N+2… each signed by a threshold of the old AND of its own root keys. */
  async #updateRoot(refTime: Date, stored: Uint8Array | null): Promise<RootSigned> {
    const where = 'trusted root';
    const env = readEnvelope(this.#pinned, where, ROOT_MAX_BYTES);
    const pinned = parseSigned(env.signed, 'root', where);
    verifyRole(env.canonical, env.signatures, authorisedKeys(pinned.keys, pinned.roles.root), pinned.roles.root.threshold, where);
    let root = pinned;
    this.#files.set(`${root.version}.root.json`, this.#pinned);
    for (let i = 0; ; i++) {
      const file = `${root.version + 1}.root.json`;
      const bytes = await this.#fetch(file, ROOT_MAX_BYTES);
      if (bytes === null) break;
      if (i >= this.#limits.maxRootRotations) refuse(ErrorCode.Registry, `more than ${this.#limits.maxRootRotations} root versions in one update; refusing`);
      const next = readEnvelope(bytes, file, ROOT_MAX_BYTES);
      // Signed by the keys we already trust (spec §5.3.4) before anything in it is believed…
      verifyRole(next.canonical, next.signatures, authorisedKeys(root.keys, root.roles.root), root.roles.root.threshold, `${file} (by the keys of root v${root.version})`);
      const candidate = parseSigned(next.signed, 'root', file);
      // …exactly the next version (§5.3.5): a chain cannot skip the version whose keys would have had to sign…
      if (candidate.version !== root.version + 1) {
        refuse(ErrorCode.Rollback, `${file} holds root version ${candidate.version}, expected ${root.version + 1}: root versions must follow each other`, {
          expected: root.version + 1,
          actual: candidate.version,
        });
      }
      // …and by its own keys, so the new key holders accepted the role.
      verifyRole(next.canonical, next.signatures, authorisedKeys(candidate.keys, candidate.roles.root), candidate.roles.root.threshold, `${file} (by its own root keys)`);
      root = candidate;
      this.#files.set(file, bytes);
    }
    // §5.3.10: only the final root's expiry matters; intermediate ones may have expired long ago.
    this.#expiry('root', 'root', root.expires, refTime);
    if (stored) {
      const prev = this.#parseStored(stored, 'root');
      if (prev && prev.version > root.version) {
        refuse(ErrorCode.Rollback, `the registry's newest root is version ${root.version}, but version ${prev.version} was trusted before: refusing a rollback (or a hidden root rotation)`, {
          trusted: prev.version,
          actual: root.version,
        });
      }
    }
    await this.#store?.save('root', this.#files.get(`${root.version}.root.json`)!);
    return root;
  }

  /** Spec §5.4. */
  async #updateTimestamp(root: RootSigned, refTime: Date, storedRoot: Uint8Array | null): Promise<TimestampSigned> {
    const file = 'timestamp.json';
    const bytes = await this.#fetch(file, TIMESTAMP_MAX_BYTES);
    if (bytes === null) refuse(ErrorCode.Registry, `${file}: not found on the registry`);
    const env = readEnvelope(bytes, file, TIMESTAMP_MAX_BYTES);
    const keys = authorisedKeys(root.keys, root.roles.timestamp);
    verifyRole(env.canonical, env.signatures, keys, root.roles.timestamp.threshold, file);
    const ts = parseSigned(env.signed, 'timestamp', file);
    const prev = await this.#floor<'timestamp'>('timestamp', root, keys, root.roles.timestamp.threshold, storedRoot);
    if (prev) {
      if (ts.version < prev.version) {
        refuse(ErrorCode.Rollback, `${file} is version ${ts.version}, older than the trusted version ${prev.version}: refusing a replayed timestamp`, {
          trusted: prev.version,
          actual: ts.version,
        });
      }
      const was = prev.meta['snapshot.json'].version;
      const now = ts.meta['snapshot.json'].version;
      if (now < was) refuse(ErrorCode.Rollback, `${file} points at snapshot version ${now}, older than the trusted ${was}`, { trusted: was, actual: now });
    }
    this.#expiry('timestamp', 'timestamp', ts.expires, refTime);
    this.#files.set(file, bytes);
    await this.#store?.save('timestamp', bytes);
    return ts;
  }

  /** Spec §5.5. */
  async #updateSnapshot(root: RootSigned, ts: TimestampSigned, refTime: Date, storedRoot: Uint8Array | null): Promise<SnapshotSigned> {
    const meta = ts.meta['snapshot.json'];
    const file = `${meta.version}.snapshot.json`;
    const bytes = await this.#fetchMeta(file, meta, this.#limits.snapshotBytes, 'timestamp');
    const env = readEnvelope(bytes, file, this.#limits.snapshotBytes);
    const keys = authorisedKeys(root.keys, root.roles.snapshot);
    verifyRole(env.canonical, env.signatures, keys, root.roles.snapshot.threshold, file);
    const snap = parseSigned(env.signed, 'snapshot', file);
    if (snap.version !== meta.version) {
      refuse(ErrorCode.Registry, `${file} holds snapshot version ${snap.version}, but timestamp names version ${meta.version}`, { expected: meta.version, actual: snap.version });
    }
    const prev = await this.#floor<'snapshot'>('snapshot', root, keys, root.roles.snapshot.threshold, storedRoot);
    if (prev) {
      if (snap.version < prev.version) refuse(ErrorCode.Rollback, `${file} is version ${snap.version}, older than the trusted ${prev.version}`);
      // §5.5.5: no targets role may go back in version or disappear.
      for (const [name, old] of Object.entries(prev.meta)) {
        const cur = own(snap.meta, name);
        if (!cur) refuse(ErrorCode.Rollback, `${file} no longer lists ${name} (trusted snapshot v${prev.version} had version ${old.version})`);
        if (cur.version < old.version) {
          refuse(ErrorCode.Rollback, `${file} lists ${name} at version ${cur.version}, older than the trusted ${old.version}`, { role: name, trusted: old.version, actual: cur.version });
        }
      }
    }
    this.#expiry('snapshot', 'snapshot', snap.expires, refTime);
    this.#files.set(file, bytes);
    await this.#store?.save('snapshot', bytes);
    return snap;
  }

  /** Spec §5.6.1–5.6.6. */
  async #updateTargets(root: RootSigned, snap: SnapshotSigned, refTime: Date): Promise<TargetsSigned> {
    const keys = authorisedKeys(root.keys, root.roles.targets);
    const targets = await this.#loadTargetsRole('targets', snap, keys, root.roles.targets.threshold, refTime);
    return targets;
  }

  /** A delegated role reached through `edge`: verified with the delegator's keys, confined to the edge's paths. */
  async #loadDelegated(edge: DelegationEdge): Promise<TargetsSigned> {
    const id = `${edge.parent}>${edge.name}`;
    const cached = this.#roles.get(id);
    if (cached) return cached;
    const t = this.#requireTrusted();
    const keys = authorisedKeys(edge.keyTable, edge);
    const signed = await this.#loadTargetsRole(edge.name, t.snapshot, keys, edge.threshold, t.refTime);
    const where = `role "${edge.name}" (delegated ${JSON.stringify(edge.paths)} by "${edge.parent}")`;
    for (const p of Object.keys(signed.targets)) {
      if (!edge.paths.some((pat) => matchPathPattern(pat, p))) {
        refuse(ErrorCode.Registry, `${where} lists target "${p}" outside its delegated paths: refusing the role`, { role: edge.name, target: p, paths: edge.paths });
      }
    }
    for (const d of signed.delegations?.roles ?? []) {
      for (const p of d.paths) {
        if (!edge.paths.some((pat) => patternWithin(p, pat))) {
          refuse(ErrorCode.Registry, `${where} delegates "${p}" to "${d.name}", outside its own paths: refusing the role`, { role: edge.name, pattern: p });
        }
      }
    }
    this.#roles.set(id, signed);
    return signed;
  }

  async #loadTargetsRole(role: string, snap: SnapshotSigned, keys: AuthorisedKeys, threshold: number, refTime: Date): Promise<TargetsSigned> {
    const meta = own(snap.meta, `${role}.json`);
    if (!meta) refuse(ErrorCode.Registry, `snapshot does not list ${role}.json: the role cannot be trusted`, { role });
    const file = `${meta.version}.${role}.json`;
    let bytes = this.#roleBytes.get(role);
    if (!bytes) {
      bytes = await this.#fetchMeta(file, meta, this.#limits.targetsBytes, 'snapshot');
      this.#roleBytes.set(role, bytes);
    }
    const env = readEnvelope(bytes, file, this.#limits.targetsBytes);
    verifyRole(env.canonical, env.signatures, keys, threshold, file);
    const signed = parseSigned(env.signed, 'targets', file);
    if (signed.version !== meta.version) {
      // §5.6.4: what snapshot vouches for, or a role from another moment (mix-and-match).
      refuse(ErrorCode.Registry, `${file} holds version ${signed.version}, but snapshot names version ${meta.version}`, { role, expected: meta.version, actual: signed.version });
    }
    const stored = await this.#loadStored(role);
    const prev = stored ? this.#parseVerifiedStored(stored, role, keys, threshold) : null;
    if (prev && signed.version < prev.version) {
      refuse(ErrorCode.Rollback, `${file} is version ${signed.version}, older than the trusted ${prev.version}`, { role, trusted: prev.version, actual: signed.version });
    }
    this.#expiry(role, 'targets', signed.expires, refTime);
    this.#files.set(file, bytes);
    await this.#store?.save(role, bytes);
    return signed;
  }

  /** Fetches a metadata file whose length and hash a verified parent gave (spec §5.5.2, §5.6.2). */
  async #fetchMeta(file: string, meta: MetaFile, cap: number, parent: string): Promise<Uint8Array> {
    if (meta.length !== undefined && meta.length > cap) {
      refuse(ErrorCode.Registry, `${file}: ${parent} says ${meta.length} bytes, over the ${cap}-byte cap`, { size: meta.length, max: cap });
    }
    const bytes = await this.#fetch(file, meta.length ?? cap);
    if (bytes === null) refuse(ErrorCode.Registry, `${file}: not found on the registry (named by ${parent})`);
    if (bytes.length > cap) refuse(ErrorCode.Registry, `${file}: ${bytes.length} bytes, over the ${cap}-byte cap`, { size: bytes.length, max: cap });
    if (meta.length !== undefined && bytes.length !== meta.length) {
      refuse(ErrorCode.Registry, `${file}: ${bytes.length} bytes, ${parent} says ${meta.length}`, { expected: meta.length, actual: bytes.length });
    }
    if (meta.hashes) {
      const actual = sha256Hex(bytes);
      if (actual !== meta.hashes.sha256) {
        refuse(ErrorCode.Registry, `${file}: sha256 ${actual} does not match ${parent}'s ${meta.hashes.sha256}`, { expected: meta.hashes.sha256, actual });
      }
    }
    return bytes;
  }

  #expiry(role: string, kind: ExpiryQuestion['kind'], expires: string, now: Date): void {
    this.#checkExpiry({ role, kind, expires: new Date(expires), now });
  }

  // ---------------------------------------------------------- rollback floors

  async #loadStored(role: string): Promise<Uint8Array | null> {
    return (await this.#store?.load(role)) ?? null;
  }

  /** The stored root's version only: a floor, never a source of keys. Unreadable means no floor. */
  #parseStored(bytes: Uint8Array, role: 'root'): RootSigned | null {
    try {
      return parseSigned(readEnvelope(bytes, `stored ${role}`, ROOT_MAX_BYTES).signed, role, `stored ${role}`);
    } catch {
      return null;
    }
  }

  /**
   * The last trusted timestamp/snapshot, if it still verifies under the
   * current root. Spec §5.3.11: when the role's keys were rotated (the old
   * root named other keys) the old file is discarded, so a repository can
   * recover from a fast-forward attack by rotating keys.
   */
  async #floor<R extends 'timestamp' | 'snapshot'>(
    role: R,
    root: RootSigned,
    keys: AuthorisedKeys,
    threshold: number,
    storedRoot: Uint8Array | null,
  ): Promise<(R extends 'timestamp' ? TimestampSigned : SnapshotSigned) | null> {
    const stored = await this.#loadStored(role);
    if (!stored) return null;
    const oldRoot = storedRoot ? this.#parseStored(storedRoot, 'root') : null;
    if (oldRoot && (!sameKeys(oldRoot, root, 'timestamp') || !sameKeys(oldRoot, root, 'snapshot'))) return null;
    return this.#parseVerifiedStored(stored, role, keys, threshold) as (R extends 'timestamp' ? TimestampSigned : SnapshotSigned) | null;
  }

  /** Stored metadata that no longer verifies (keys rotated, file damaged) is no floor, as in TUF's reference client. */
  #parseVerifiedStored(bytes: Uint8Array, role: string, keys: AuthorisedKeys, threshold: number): { version: number; meta: Record<string, MetaFile> } & Record<string, unknown> | null {
    const kind: TopRole = role === 'timestamp' || role === 'snapshot' ? role : 'targets';
    try {
      const env = readEnvelope(bytes, `stored ${role}`, kind === 'timestamp' ? TIMESTAMP_MAX_BYTES : this.#limits.targetsBytes);
      verifyRole(env.canonical, env.signatures, keys, threshold, `stored ${role}`);
      return parseSigned(env.signed, kind, `stored ${role}`) as unknown as { version: number; meta: Record<string, MetaFile> };
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------------ targets
}
