/**
 * How the repository tooling reads its newest state and writes new versions:
 * every file is signed, then parsed and verified the way a client will before
 * it is written (a mistake in keys or thresholds fails here, not on every
 * client), and written atomically in the order that keeps the published set
 * consistent: targets roles, then snapshot, then timestamp.json last.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { writeFileAtomic } from '../../host/workspace/atomic.ts';
import {
  formatExpires,
  parseRole,
  SPEC_VERSION,
  type DelegatedRole,
  type KeyJson,
  type MetaFile,
  type RootSigned,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type TopRole,
} from './metadata.ts';
import type { JsonValue } from './strict-json.ts';
import { authorisedKeys, signMetadata, verifyRole } from './verify.ts';

const DAY = 24 * 60 * 60;

/** Lifetimes in seconds. Defaults: root 365 d, targets and publisher roles 90 d, snapshot 7 d, timestamp 1 d. */
export interface Expiries {
  root: number;
  targets: number;
  snapshot: number;
  timestamp: number;
  /** Delegated (publisher) roles. */
  delegated: number;
}

export const DEFAULT_EXPIRIES: Expiries = { root: 365 * DAY, targets: 90 * DAY, snapshot: 7 * DAY, timestamp: DAY, delegated: 90 * DAY };

export interface RepoOptions {
  /** The clock that dates `expires`; default the system clock. */
  now?: () => Date;
  expiries?: Partial<Expiries>;
}

/** Signing keys of the registry's own online roles. */
export interface OnlineSigners {
  snapshot: SigningKey[];
  timestamp: SigningKey[];
}

export const TOP_ROLES: readonly TopRole[] = ['root', 'targets', 'snapshot', 'timestamp'];
/** The official publisher: its delegation is terminating and listed first. */
export const OFFICIAL = 'pentora';

export function refuse(code: ErrorCode, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(code, message, detail);
}

export function keyids(keys: SigningKey[]): string[] {
  return [...new Set(keys.map((k) => k.keyid))];
}

export interface Ctx {
  expires(role: keyof Expiries): string;
}

export function context(opts: RepoOptions): Ctx {
  const now = (opts.now ?? (() => new Date()))();
  const lifetimes = { ...DEFAULT_EXPIRIES, ...opts.expiries };
  return { expires: (role) => formatExpires(new Date(Math.floor(now.getTime() / 1000) * 1000 + lifetimes[role] * 1000)) };
}

/** The newest metadata of a repository, as written (parsed strictly, not re-verified: it is our own). */
export interface RepoState {
  dir: string;
  root: RootSigned;
  timestamp: TimestampSigned | null;
  snapshot: SnapshotSigned | null;
  targets: TargetsSigned | null;
  roles: Map<string, TargetsSigned>;
}

export function readState(dir: string): RepoState {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    return refuse(ErrorCode.Usage, `${dir}: not a registry: ${(err as Error).message}`);
  }
  const rootVersion = Math.max(0, ...names.map((n) => /^([1-9][0-9]*)\.root\.json$/.exec(n)?.[1]).filter((v) => v !== undefined).map(Number));
  if (rootVersion === 0 || !names.includes('timestamp.json')) refuse(ErrorCode.Usage, `${dir}: not a registry (no N.root.json or timestamp.json); run \`pentora registry init\``);
  const load = <R extends TopRole>(file: string, role: R) => {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(path.join(dir, file));
    } catch (err) {
      return refuse(ErrorCode.Registry, `${path.join(dir, file)}: cannot read the registry's own metadata: ${(err as Error).message}`);
    }
    return parseRole(bytes, role, path.join(dir, file)).signed;
  };
  const root = load(`${rootVersion}.root.json`, 'root');
  const timestamp = load('timestamp.json', 'timestamp');
  const snapshot = load(`${timestamp.meta['snapshot.json'].version}.snapshot.json`, 'snapshot');
  const roles = new Map<string, TargetsSigned>();
  let targets: TargetsSigned | null = null;
  for (const [file, m] of Object.entries(snapshot.meta)) {
    const role = file.slice(0, -'.json'.length);
    const signed = load(`${m.version}.${role}.json`, 'targets');
    if (role === 'targets') targets = signed;
    else roles.set(role, signed);
  }
  return { dir, root, timestamp, snapshot, targets, roles };
}

export async function put(dir: string, rel: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path.join(dir, rel), bytes, { mode: 0o644 });
}

export function metaOf(version: number, bytes: Uint8Array): MetaFile {
  return { version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } };
}

/** Signs and checks that what we are about to publish verifies the way a client will verify it. */
export function signChecked(signed: RootSigned | TimestampSigned | SnapshotSigned | TargetsSigned, keys: SigningKey[], authorised: Map<string, Uint8Array>, threshold: number, where: string): Uint8Array {
  for (const k of keys) {
    if (!authorised.has(k.keyid)) refuse(ErrorCode.Usage, `${where}: key ${k.keyid.slice(0, 16)}… is not a key of this role`);
  }
  const bytes = signMetadata(signed as unknown as JsonValue, keys);
  const parsed = parseRole(bytes, signed._type, where);
  try {
    verifyRole(parsed.canonical, parsed.signatures, authorised, threshold, where);
  } catch (err) {
    refuse(ErrorCode.Usage, `${(err as Error).message} (give enough signing keys for the role)`);
  }
  return bytes;
}

export interface RoleUpdate {
  role: string;
  signed: TargetsSigned;
  keys: SigningKey[];
  /** For a delegated role: the delegation that authorises its keys. */
  edge?: { keyTable: Record<string, KeyJson>; role: DelegatedRole };
}

/** Writes new versions of targets roles; returns snapshot's meta with them. */
export async function writeTargetsRoles(st: RepoState, updates: RoleUpdate[]): Promise<Record<string, MetaFile>> {
  const meta: Record<string, MetaFile> = { ...st.snapshot?.meta };
  for (const u of updates) {
    const file = `${u.signed.version}.${u.role}.json`;
    const authorised = u.edge ? authorisedKeys(u.edge.keyTable, u.edge.role) : authorisedKeys(st.root.keys, st.root.roles.targets);
    const threshold = u.edge ? u.edge.role.threshold : st.root.roles.targets.threshold;
    const bytes = signChecked(u.signed, u.keys, authorised, threshold, file);
    await put(st.dir, file, bytes);
    meta[`${u.role}.json`] = metaOf(u.signed.version, bytes);
    if (u.role === 'targets') st.targets = u.signed;
    else st.roles.set(u.role, u.signed);
  }
  return meta;
}

/**
 * Snapshot N+1 with `meta` (unless null: the current snapshot stays), then
 * timestamp N+1 naming it. timestamp.json is written last and atomically, so
 * a client sees the old consistent set or the new one, never a mix.
 */
export async function writeSnapshotAndTimestamp(st: RepoState, meta: Record<string, MetaFile> | null, signers: OnlineSigners, ctx: Ctx): Promise<void> {
  const root = st.root;
  let snapMeta: MetaFile;
  if (meta) {
    const version = (st.snapshot?.version ?? 0) + 1;
    const snapshot: SnapshotSigned = { _type: 'snapshot', spec_version: SPEC_VERSION, version, expires: ctx.expires('snapshot'), meta };
    const file = `${version}.snapshot.json`;
    const bytes = signChecked(snapshot, signers.snapshot, authorisedKeys(root.keys, root.roles.snapshot), root.roles.snapshot.threshold, file);
    await put(st.dir, file, bytes);
    st.snapshot = snapshot;
    snapMeta = metaOf(version, bytes);
  } else {
    const version = st.snapshot!.version;
    snapMeta = metaOf(version, fs.readFileSync(path.join(st.dir, `${version}.snapshot.json`)));
  }
  const version = (st.timestamp?.version ?? 0) + 1;
  const timestamp: TimestampSigned = { _type: 'timestamp', spec_version: SPEC_VERSION, version, expires: ctx.expires('timestamp'), meta: { 'snapshot.json': snapMeta } };
  const bytes = signChecked(timestamp, signers.timestamp, authorisedKeys(root.keys, root.roles.timestamp), root.roles.timestamp.threshold, 'timestamp.json');
  await put(st.dir, 'timestamp.json', bytes);
  st.timestamp = timestamp;
}
