/**
 * The signing side of the registry: a directory of static files any HTTP
 * server can host.
 *
 *   <dir>/1.root.json … N.root.json   every root version (clients walk the chain)
 *   <dir>/root.json                   copy of the newest root, for pinning
 *   <dir>/timestamp.json              the only unversioned name clients fetch
 *   <dir>/N.snapshot.json, N.targets.json, N.<publisher>.json
 *   <dir>/targets/<publisher>/<plugin>/<version>/<sha256>.{manifest.json,manifest.sig,plugin.wasm}
 *
 * Secret keys never live in <dir> (it is served as is); callers pass them in.
 *
 * @example
 *   await initRepository(dir, { keys: { root: [rk], targets: [tk], snapshot: [sk], timestamp: [xk] } });
 *   await addPublisher(dir, { name: 'acme', keys: [acme.publicKey], signers: { targets: [tk], snapshot: [sk], timestamp: [xk], publisher: [acme] } });
 *   await publishPlugin(dir, 'plugins/redis/dist', { publisher: [acme], snapshot: [sk], timestamp: [xk] });
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../host/errors.ts';
import { parseManifest } from '../../host/sandbox/manifest.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { serializeEnvelope, signEnvelope, type SigningKey } from '../../host/trust/envelope.ts';
import { capabilitiesSha256, keyJsonOf, parseRole, SPEC_VERSION, type DelegatedRole, type KeyJson, type MetaFile, type RoleKeys, type RootSigned, type TargetsSigned, type TopRole } from './metadata.ts';
import { checkRoleName, consistentTargetPath, matchPathPattern, pluginTargetPaths } from './paths.ts';
import {
  context,
  keyids,
  OFFICIAL,
  put,
  readState,
  refuse,
  signChecked,
  TOP_ROLES,
  writeSnapshotAndTimestamp,
  writeTargetsRoles,
  type OnlineSigners,
  type RepoOptions,
  type RepoState,
} from './repository-io.ts';
import type { JsonValue } from './strict-json.ts';
import { ROOT_MAX_BYTES } from './updater-contract.ts';
import { authorisedKeys, signMetadata, verifyRole } from './verify.ts';

export { DEFAULT_EXPIRIES, type Expiries, type OnlineSigners, type RepoOptions } from './repository-io.ts';

export interface InitOptions extends RepoOptions {
  keys: Record<TopRole, SigningKey[]>;
  /** Default 1 for every role. */
  thresholds?: Partial<Record<TopRole, number>>;
}

/** Writes version 1 of root, targets (empty), snapshot and timestamp. Refuses a directory that already holds a registry. */
export async function initRepository(dir: string, opts: InitOptions): Promise<void> {
  const ctx = context(opts);
  if (fs.existsSync(path.join(dir, '1.root.json')) || fs.existsSync(path.join(dir, 'timestamp.json'))) {
    refuse(ErrorCode.Usage, `${dir}: already holds a registry`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const keys: Record<string, KeyJson> = {};
  const roles = {} as Record<TopRole, RoleKeys>;
  for (const role of TOP_ROLES) {
    const set = opts.keys[role];
    if (!set || set.length === 0) refuse(ErrorCode.Usage, `init: no ${role} keys given`);
    roles[role] = { keyids: keyids(set), threshold: opts.thresholds?.[role] ?? 1 };
    for (const k of set) keys[k.keyid] = keyJsonOf(k.publicKey).key;
  }
  const root: RootSigned = { _type: 'root', spec_version: SPEC_VERSION, version: 1, expires: ctx.expires('root'), consistent_snapshot: true, keys, roles };
  const rootBytes = signChecked(root, opts.keys.root, authorisedKeys(keys, roles.root), roles.root.threshold, '1.root.json');
  const st: RepoState = { dir, root, timestamp: null, snapshot: null, targets: null, roles: new Map() };
  await put(dir, '1.root.json', rootBytes);
  await put(dir, 'root.json', rootBytes);
  const targets: TargetsSigned = { _type: 'targets', spec_version: SPEC_VERSION, version: 1, expires: ctx.expires('targets'), targets: {} };
  const meta = await writeTargetsRoles(st, [{ role: 'targets', signed: targets, keys: opts.keys.targets }]);
  await writeSnapshotAndTimestamp(st, meta, { snapshot: opts.keys.snapshot, timestamp: opts.keys.timestamp }, ctx);
}

export interface AddPublisherOptions extends RepoOptions {
  /** Role name, also the namespace: `acme` owns `acme/*`. */
  name: string;
  /** The publisher's public keys (raw 32 bytes). */
  keys: Uint8Array[];
  /** Default 1. */
  threshold?: number;
  /** Default: true for `pentora` (official), false otherwise. */
  terminating?: boolean;
  /** targets signs the delegation; publisher signs the role's empty first version. */
  signers: OnlineSigners & { targets: SigningKey[]; publisher: SigningKey[] };
}

/** Delegates `<name>/*\/*\/*` to the publisher's keys and writes its empty role. */
export async function addPublisher(dir: string, opts: AddPublisherOptions): Promise<void> {
  const ctx = context(opts);
  checkRoleName(opts.name, 'add-publisher');
  const st = readState(dir);
  const top = st.targets!;
  const delegations = top.delegations ?? { keys: {}, roles: [] };
  if (delegations.roles.some((r) => r.name === opts.name)) refuse(ErrorCode.Usage, `publisher "${opts.name}" is already delegated`);
  if (opts.keys.length === 0) refuse(ErrorCode.Usage, `add-publisher ${opts.name}: no keys given`);
  const ids: string[] = [];
  for (const pub of opts.keys) {
    const { keyid, key } = keyJsonOf(pub);
    delegations.keys[keyid] = key;
    if (!ids.includes(keyid)) ids.push(keyid);
  }
  const role: DelegatedRole = {
    name: opts.name,
    keyids: ids,
    threshold: opts.threshold ?? 1,
    paths: [`${opts.name}/*/*/*`],
    terminating: opts.terminating ?? opts.name === OFFICIAL,
  };
  // The official role goes first: with `terminating`, nothing after it can answer for pentora/*.
  if (role.name === OFFICIAL) delegations.roles.unshift(role);
  else delegations.roles.push(role);
  const newTop: TargetsSigned = { ...top, version: top.version + 1, expires: ctx.expires('targets'), delegations };
  const empty: TargetsSigned = { _type: 'targets', spec_version: SPEC_VERSION, version: 1, expires: ctx.expires('delegated'), targets: {} };
  const meta = await writeTargetsRoles(st, [
    { role: 'targets', signed: newTop, keys: opts.signers.targets },
    { role: opts.name, signed: empty, keys: opts.signers.publisher, edge: { keyTable: delegations.keys, role } },
  ]);
  await writeSnapshotAndTimestamp(st, meta, opts.signers, ctx);
}

export interface PublishOptions extends RepoOptions {
  /** Keys of the publisher role that owns the manifest's namespace; they also re-sign manifest.sig. */
  publisher: SigningKey[];
  /** When given, the manifest's name must be under `<publisherName>/`. */
  publisherName?: string;
  snapshot: SigningKey[];
  timestamp: SigningKey[];
}

export interface PublishResult {
  name: string;
  version: string;
  role: string;
  /** Target path -> consistent-snapshot path written. */
  files: Record<string, string>;
}

/**
 * Publishes a built plugin (`<distDir>/{manifest.json, manifest.sig, plugin.wasm}`):
 * checks the manifest and the wasm digest, re-signs manifest.sig with the
 * publisher keys, writes the three targets, and re-signs the publisher role,
 * snapshot and timestamp with bumped versions. A version already published is refused.
 */
export async function publishPlugin(dir: string, distDir: string, opts: PublishOptions): Promise<PublishResult> {
  const ctx = context(opts);
  const read = (f: string): Uint8Array => {
    try {
      return new Uint8Array(fs.readFileSync(path.join(distDir, f)));
    } catch (err) {
      return refuse(ErrorCode.Usage, `${path.join(distDir, f)}: cannot read: ${(err as Error).message}`);
    }
  };
  const manifestBytes = read('manifest.json');
  const wasm = read('plugin.wasm');
  const manifest = parseManifest(manifestBytes, path.join(distDir, 'manifest.json'));
  const wasmSha = sha256Hex(wasm);
  if (manifest.wasm.sha256 !== wasmSha || manifest.wasm.size !== wasm.length) {
    refuse(ErrorCode.Digest, `${distDir}: plugin.wasm (sha256 ${wasmSha}, ${wasm.length} bytes) is not the wasm the manifest names (${manifest.wasm.sha256}, ${manifest.wasm.size} bytes)`, {
      expected: manifest.wasm.sha256,
      actual: wasmSha,
    });
  }
  const publisher = manifest.name.split('/')[0]!;
  if (opts.publisherName !== undefined && opts.publisherName !== publisher) {
    refuse(ErrorCode.Usage, `${manifest.name} is outside publisher "${opts.publisherName}"'s namespace (${opts.publisherName}/*)`);
  }
  const st = readState(dir);
  const edge = st.targets!.delegations?.roles.find((r) => r.name === publisher);
  if (!edge) refuse(ErrorCode.Usage, `no publisher role "${publisher}" for ${manifest.name}; add it with \`pentora registry add-publisher ${publisher}\``);
  const paths = pluginTargetPaths(manifest.name, manifest.version);
  for (const p of Object.values(paths)) {
    if (!edge.paths.some((pat) => matchPathPattern(pat, p))) refuse(ErrorCode.Usage, `${p} is outside publisher "${publisher}"'s paths ${JSON.stringify(edge.paths)}`);
  }
  for (const k of opts.publisher) {
    if (!edge.keyids.includes(k.keyid)) refuse(ErrorCode.Usage, `key ${k.keyid.slice(0, 16)}… is not a key of publisher "${publisher}", which owns ${manifest.name}`);
  }
  const current = st.roles.get(publisher);
  if (!current) refuse(ErrorCode.Registry, `${dir}: snapshot has no role "${publisher}"`);
  if (Object.hasOwn(current.targets, paths.manifest)) refuse(ErrorCode.Usage, `${manifest.name}@${manifest.version} is already published; versions are immutable`);
  // "signs as publisher": the signature users verify is by the role's own keys, whatever signed the build.
  const sig = serializeEnvelope(signEnvelope(manifestBytes, opts.publisher));
  const custom = { name: manifest.name, version: manifest.version, capabilities_sha256: capabilitiesSha256(manifestBytes, paths.manifest) };
  const files: Record<string, string> = {};
  const targets = { ...current.targets };
  for (const [target, bytes] of [
    [paths.wasm, wasm],
    [paths.sig, sig],
    [paths.manifest, manifestBytes],
  ] as const) {
    const sha = sha256Hex(bytes);
    const rel = consistentTargetPath(target, sha);
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    await put(dir, rel, bytes);
    files[target] = rel;
    targets[target] = target === paths.manifest ? { length: bytes.length, hashes: { sha256: sha }, custom } : { length: bytes.length, hashes: { sha256: sha } };
  }
  const role: TargetsSigned = { ...current, version: current.version + 1, expires: ctx.expires('delegated'), targets };
  const meta = await writeTargetsRoles(st, [{ role: publisher, signed: role, keys: opts.publisher, edge: { keyTable: st.targets!.delegations!.keys, role: edge } }]);
  await writeSnapshotAndTimestamp(st, meta, opts, ctx);
  return { name: manifest.name, version: manifest.version, role: publisher, files };
}

export interface RefreshOptions extends RepoOptions {
  timestamp: SigningKey[];
  /** When given, snapshot is re-signed (new version and expiry) too. */
  snapshot?: SigningKey[];
}

/** Re-signs the short-lived roles with fresh expiries (cron this). */
export async function refreshTimestamp(dir: string, opts: RefreshOptions): Promise<void> {
  const ctx = context(opts);
  const st = readState(dir);
  const signers = { timestamp: opts.timestamp, snapshot: opts.snapshot ?? [] };
  await writeSnapshotAndTimestamp(st, opts.snapshot ? { ...st.snapshot!.meta } : null, signers, ctx);
}

export interface RotateRootOptions extends RepoOptions {
  /** The current root keys: N+1 needs a threshold of them. */
  oldRootKeys: SigningKey[];
  /** Replacement key sets; `root` keys also sign N+1 (it needs a threshold of its own keys too). */
  keys?: Partial<Record<TopRole, SigningKey[]>>;
  thresholds?: Partial<Record<TopRole, number>>;
  /** Current online keys, for re-signing roles whose keys did not change but whose version must move. */
  signers?: Partial<Record<'targets' | 'snapshot' | 'timestamp', SigningKey[]>>;
}

/**
 * Writes root N+1 signed by the old and new root keys. When targets,
 * snapshot or timestamp keys change, re-signs those roles (and the roles
 * that list them) with the new keys so clients can verify them after rotation.
 */
export async function rotateRoot(dir: string, opts: RotateRootOptions): Promise<number> {
  const ctx = context(opts);
  const st = readState(dir);
  const old = st.root;
  const keys: Record<string, KeyJson> = {};
  const roles = {} as Record<TopRole, RoleKeys>;
  const changed = new Set<TopRole>();
  for (const role of TOP_ROLES) {
    const set = opts.keys?.[role];
    const ids = set ? keyids(set) : old.roles[role].keyids;
    const threshold = opts.thresholds?.[role] ?? old.roles[role].threshold;
    roles[role] = { keyids: ids, threshold };
    for (const id of ids) keys[id] = set ? keyJsonOf(set.find((k) => k.keyid === id)!.publicKey).key : old.keys[id]!;
    const o = old.roles[role];
    if (o.threshold !== threshold || o.keyids.length !== ids.length || !ids.every((id) => o.keyids.includes(id))) changed.add(role);
  }
  const version = old.version + 1;
  const root: RootSigned = { _type: 'root', spec_version: SPEC_VERSION, version, expires: ctx.expires('root'), consistent_snapshot: true, keys, roles };
  const signers = [...opts.oldRootKeys, ...(opts.keys?.root ?? [])].filter((k, i, all) => all.findIndex((x) => x.keyid === k.keyid) === i);
  const bytes = signMetadata(root as unknown as JsonValue, signers);
  const file = `${version}.root.json`;
  // Spec §5.3.4: clients need a threshold of the old root keys AND of the new ones; check both before writing.
  const parsed = parseRole(bytes, 'root', file, ROOT_MAX_BYTES);
  verifyRole(parsed.canonical, parsed.signatures, authorisedKeys(old.keys, old.roles.root), old.roles.root.threshold, `${file} (old root keys)`);
  verifyRole(parsed.canonical, parsed.signatures, authorisedKeys(keys, roles.root), roles.root.threshold, `${file} (new root keys)`);
  await put(dir, file, bytes);
  await put(dir, 'root.json', bytes);
  st.root = root;
  const pick = (role: 'targets' | 'snapshot' | 'timestamp'): SigningKey[] => {
    const ks = opts.keys?.[role] ?? opts.signers?.[role];
    if (!ks) refuse(ErrorCode.Usage, `rotate-root: ${role} must be re-signed; give its signing keys`);
    return ks;
  };
  let meta: Record<string, MetaFile> | null = null;
  if (changed.has('targets')) {
    const top = st.targets!;
    meta = await writeTargetsRoles(st, [{ role: 'targets', signed: { ...top, version: top.version + 1, expires: ctx.expires('targets') }, keys: pick('targets') }]);
  }
  if (meta || changed.has('snapshot') || changed.has('timestamp')) {
    const snapshotKeys = meta || changed.has('snapshot') ? pick('snapshot') : [];
    await writeSnapshotAndTimestamp(st, meta ?? (changed.has('snapshot') ? { ...st.snapshot!.meta } : null), { snapshot: snapshotKeys, timestamp: pick('timestamp') }, ctx);
  }
  return version;
}

export interface RevokeOptions extends RepoOptions {
  /** Keyids (sha256 of the raw key) to revoke. */
  keys?: string[];
  /** Artifact sha256 digests (manifest, sig or wasm) to revoke. */
  artifacts?: string[];
  signers: OnlineSigners & { targets: SigningKey[] };
}

/** Adds keys/artifacts to top-level targets' `custom.revoked` and re-signs targets, snapshot, timestamp. */
export async function revoke(dir: string, opts: RevokeOptions): Promise<void> {
  const ctx = context(opts);
  const st = readState(dir);
  const top = st.targets!;
  const hex = /^[0-9a-f]{64}$/;
  for (const v of [...(opts.keys ?? []), ...(opts.artifacts ?? [])]) {
    if (!hex.test(v)) refuse(ErrorCode.Usage, `revoke: "${v}" is not a 64-digit lowercase hex keyid or sha256`);
  }
  const prev = (top.custom?.revoked ?? { keys: [], artifacts: [] }) as { keys: string[]; artifacts: string[] };
  const revoked = {
    keys: [...new Set([...prev.keys, ...(opts.keys ?? [])])].sort(),
    artifacts: [...new Set([...prev.artifacts, ...(opts.artifacts ?? [])])].sort(),
  };
  const signed: TargetsSigned = { ...top, version: top.version + 1, expires: ctx.expires('targets'), custom: { ...top.custom, revoked } };
  const meta = await writeTargetsRoles(st, [{ role: 'targets', signed, keys: opts.signers.targets }]);
  await writeSnapshotAndTimestamp(st, meta, opts.signers, ctx);
}

