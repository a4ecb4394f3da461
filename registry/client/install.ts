/**
 * Installing plugins into the workspace store: from a registry or an
 * air-gapped bundle (both through the TUF Updater, over an injected fetch)
 * or from a local folder. Every path ends the same way:
 *
 *   verify (the real loader, over the bytes in memory) -> revocation ->
 *   tier ceiling -> rollback floor -> capability approval -> store those
 *   same bytes -> lock.json (the commit point) -> garbage-collect.
 *
 * Nothing touches the workspace before every check passed, and the bytes
 * written to the store are the very buffers the loader verified.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { EffectiveLimits } from '../../host/sandbox/limits.ts';
import { loadPluginFromBytes, readCapped, type LoadedPlugin, type PluginBytes, type PluginFiles } from '../../host/sandbox/loader.ts';
import { fingerprint, sha256Hex } from '../../host/trust/ed25519.ts';
import { parseTrustedKey, TrustStore, trustedKeyFile, type TrustedKey } from '../../host/trust/trust-store.ts';
import { writeJsonAtomic } from '../../host/workspace/atomic.ts';
import { checkRoleName } from '../tuf/paths.ts';
import { Updater, type Fetcher, type PluginTarget, type TargetFileInfo, type UpdaterOptions } from '../tuf/updater.ts';
import { capabilitiesSha256 } from '../tuf/metadata.ts';
import { decideApproval, describeCapabilities } from './approval.ts';
import { FileMetadataStore, registryId } from './metadata-store.ts';
import { bestTier, checkCeiling, loadPolicy, type Policy } from './policy.ts';
import { cacheRegistryRevocations, checkNotRevoked, loadRevocations, withList, type Revocations } from './revocation.ts';
import { compareVersions as compareSemver } from '../tuf/semver.ts';
import { readLock, updateLock, writeBlob, type Lock, type LockEntry } from './store.ts';

/** A registry or a bundle: TUF metadata and targets read through `fetch`. */
export interface TufSource {
  kind: 'registry' | 'bundle';
  /** The registry's URL or the bundle's path; the lock records `<kind>:<location>`. */
  location: string;
  fetch: Fetcher;
  /** The pinned root metadata (config `registry.root`), trusted out of band. */
  trustedRoot: Uint8Array;
  /** Bundles judge short-lived roles against their creation time (see UpdaterOptions). */
  checkExpiry?: UpdaterOptions['checkExpiry'];
}

/** A folder holding manifest.json, manifest.sig and plugin.wasm (or its dist/), or one of those files. */
export interface FileSource {
  kind: 'file';
  path: string;
}

export type InstallSource = TufSource | FileSource;

/** What every operation on the store shares. */
export interface StoreContext {
  workspace: string;
  /** The workspace trust store (file installs verify against it; loads always do). */
  trust: TrustStore;
  /** The settable clock that TUF expiry is judged against. */
  now: () => Date;
  /** Default: loadPolicy(workspace). */
  policy?: Policy;
  /** Host limit ceilings (config `limits`), applied when the loader compiles. */
  ceilings?: EffectiveLimits;
  /** Shows text to the operator (capabilities before approval). */
  show?: (lines: string[]) => void;
  /** Interactive y/N; leave it out when there is no terminal. */
  confirm?: () => Promise<boolean>;
}

export interface InstallOptions extends StoreContext {
  /** `publisher/plugin`; required for registry and bundle sources, checked against the manifest for files. */
  name?: string;
  /** Exact version; default: the highest the registry lists. */
  version?: string;
  source: InstallSource;
  /** Approve the requested capabilities without asking. */
  yes: boolean;
  /** Allow a version lower than the lockfile's. */
  allowDowngrade: boolean;
  /** A refreshed Updater for this source, reused across installs (update). */
  updater?: Updater;
}

export type InstallStatus = 'installed' | 'updated' | 'downgraded' | 'reinstalled' | 'pending-approval';

export interface InstallResult {
  name: string;
  version: string;
  previous: string | null;
  status: InstallStatus;
  enabled: boolean;
  source: string;
  signers: string[];
  wasm_sha256: string;
}

/** A verified plugin, not yet stored. */
interface Verified {
  bytes: PluginBytes;
  loaded: LoadedPlugin;
  source: string;
  /** A registry role's keys to persist in the workspace trust store. */
  role: { name: string; keys: TrustedKey[] } | null;
}

const ROLE_KEYS_PREFIX = 'registry-';

function trustedDir(workspace: string): string {
  return path.join(workspace, 'keys', 'trusted');
}

// ------------------------------------------------------------------ TUF sources

/**
 * A refreshed Updater over `source`, with the workspace's rollback floor, and
 * the registry's signed revocation list cached for loads.
 */
export async function openUpdater(source: TufSource, workspace: string, now: () => Date): Promise<Updater> {
  const updater = new Updater({
    fetch: source.fetch,
    trustedRoot: source.trustedRoot,
    now,
    store: new FileMetadataStore(workspace, source.trustedRoot),
    ...(source.checkExpiry ? { checkExpiry: source.checkExpiry } : {}),
  });
  const refreshed = await updater.refresh();
  const rev = updater.revoked();
  await cacheRegistryRevocations(workspace, registryId(source.trustedRoot), `${source.kind}:${source.location}`, refreshed.targetsVersion, {
    keys: [...rev.keys],
    artifacts: [...rev.artifacts],
  });
  return updater;
}

async function fetchChecked(updater: Updater, f: TargetFileInfo): Promise<Uint8Array> {
  const bytes = await updater.fetchTarget(f);
  const actual = sha256Hex(bytes);
  // fetchTarget checks these too; the bytes stored must be the bytes described, so check here as well.
  if (bytes.length !== f.length || actual !== f.sha256) {
    throw new PentoraError(ErrorCode.Digest, `${f.target}: fetched ${bytes.length} bytes with sha256 ${actual}, metadata says ${f.length} bytes with sha256 ${f.sha256}`, {
      expected: { sha256: f.sha256, length: f.length },
      actual: { sha256: actual, length: bytes.length },
    });
  }
  return bytes;
}

async function verifyFromTuf(opts: InstallOptions, source: TufSource, revocations: Revocations): Promise<Verified> {
  const name = opts.name;
  if (!name) throw new PentoraError(ErrorCode.Usage, 'install: give the plugin name (publisher/plugin)');
  const updater = opts.updater ?? (await openUpdater(source, opts.workspace, opts.now));
  const label = `${source.kind}:${source.location}`;
  const target = await updater.getTarget(name, opts.version);
  if (!target) {
    throw new PentoraError(ErrorCode.NotFound, `${name}${opts.version ? ` ${opts.version}` : ''}: not found in ${label} (see pentora plugin search)`);
  }
  const { bytes, loaded } = await verifyTufTarget(updater, target, { label, revocations, ...(opts.ceilings ? { ceilings: opts.ceilings } : {}) });
  if (loaded.manifest.name !== name) throw new PentoraError(ErrorCode.Trust, `${label}: asked for ${name}, the registry answered ${loaded.manifest.name}`);
  return { bytes, loaded, source: label, role: { name: target.role, keys: target.keys } };
}

/**
 * Verifies one plugin version that a refreshed `updater` found: the role's
 * keys stay in its namespace and tier, the three files match their signed
 * length and sha256, manifest.sig verifies with that role's keys only (not
 * whatever the workspace trusts), the signed manifest is the listed name,
 * version and capabilities, and nothing is revoked (`revocations` plus the
 * updater's signed list). Writes nothing: `bundle verify` uses it as is.
 *
 * @example
 *   const t = await updater.getTarget('acme/redis-checks');
 *   const { bytes, loaded } = await verifyTufTarget(updater, t!, { label: 'bundle:/media/usb/b.tar', revocations });
 */
export async function verifyTufTarget(
  updater: Updater,
  target: PluginTarget,
  opts: { label: string; revocations: Revocations; ceilings?: EffectiveLimits },
): Promise<{ bytes: PluginBytes; loaded: LoadedPlugin }> {
  const { label } = opts;
  checkRoleName(target.role, label);
  // A publisher's keys vouch for its own namespace only; `pentora/*` belongs to the pentora role.
  const tier = target.role === 'pentora' ? 'official' : 'community';
  for (const k of target.keys) {
    const foreign = k.namespaces.find((ns) => !ns.startsWith(`${target.role}/`));
    if (foreign) throw new PentoraError(ErrorCode.Trust, `${label}: role "${target.role}" has a key for namespace ${foreign}, outside ${target.role}/*`);
    if (k.tier !== tier) throw new PentoraError(ErrorCode.Trust, `${label}: role "${target.role}" key ${k.keyid.slice(0, 16)}… has tier ${k.tier}, expected ${tier}`);
  }
  const rev = withList(opts.revocations, { keys: [...updater.revoked().keys], artifacts: [...updater.revoked().artifacts] }, `the signed revocation list of ${label}`);
  const bytes: PluginBytes = {
    manifest: await fetchChecked(updater, target.files.manifest),
    sig: await fetchChecked(updater, target.files.sig),
    wasm: await fetchChecked(updater, target.files.wasm),
  };
  const files: PluginFiles = {
    manifest: `${label}#${target.files.manifest.target}`,
    sig: `${label}#${target.files.sig.target}`,
    wasm: `${label}#${target.files.wasm.target}`,
  };
  const roleTrust = new TrustStore(target.keys);
  const loaded = await loadPluginFromBytes(bytes, { trust: roleTrust, ...(opts.ceilings ? { ceilings: opts.ceilings } : {}), checkArtifact: revocationHook(rev) }, files);
  const m = loaded.manifest;
  // A signature is over one manifest; the registry entry must be that manifest's name and version.
  if (m.name !== target.name || m.version !== target.version) {
    throw new PentoraError(ErrorCode.Trust, `${files.manifest}: the registry lists ${target.name} ${target.version} but its signed manifest is ${m.name} ${m.version}`);
  }
  const caps = capabilitiesSha256(bytes.manifest, files.manifest);
  if (target.custom.capabilities_sha256 !== caps) {
    throw new PentoraError(ErrorCode.Digest, `${files.manifest}: capabilities_sha256 in the registry (${target.custom.capabilities_sha256}) does not match the signed manifest's (${caps})`);
  }
  return { bytes, loaded };
}

// ------------------------------------------------------------------ files

/** The folder a file source names: the folder itself, its dist/, or a file's folder. */
export function pluginDirOf(p: string): string {
  const abs = path.resolve(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new PentoraError(ErrorCode.Usage, `${p} does not exist`);
  }
  if (!st.isDirectory()) return path.dirname(abs);
  if (fs.existsSync(path.join(abs, 'manifest.json'))) return abs;
  if (fs.existsSync(path.join(abs, 'dist', 'manifest.json'))) return path.join(abs, 'dist');
  throw new PentoraError(ErrorCode.Usage, `${p} holds no manifest.json (nor dist/manifest.json): build the plugin first`);
}

async function verifyFromFile(opts: InstallOptions, source: FileSource, rev: Revocations): Promise<Verified> {
  const dir = pluginDirOf(source.path);
  const files: PluginFiles = { manifest: path.join(dir, 'manifest.json'), sig: path.join(dir, 'manifest.sig'), wasm: path.join(dir, 'plugin.wasm') };
  // Each file is read once; the loader verifies these buffers and these buffers are stored.
  const bytes: PluginBytes = {
    manifest: readCapped(files.manifest, 256 * 1024, 'manifest'),
    sig: readCapped(files.sig, 64 * 1024, 'signature'),
    wasm: readCapped(files.wasm, 64 * 1024 * 1024, 'wasm'),
  };
  const loaded = await loadPluginFromBytes(bytes, { trust: opts.trust, ...(opts.ceilings ? { ceilings: opts.ceilings } : {}), checkArtifact: revocationHook(rev) }, files);
  if (opts.name && loaded.manifest.name !== opts.name) {
    throw new PentoraError(ErrorCode.Usage, `install: ${dir} holds ${loaded.manifest.name}, not ${opts.name}`);
  }
  if (opts.version && loaded.manifest.version !== opts.version) {
    throw new PentoraError(ErrorCode.Usage, `install: ${dir} holds ${loaded.manifest.name} ${loaded.manifest.version}, not ${opts.version}`);
  }
  return { bytes, loaded, source: `file:${dir}`, role: null };
}

function revocationHook(rev: Revocations): (info: { manifest: { name: string }; wasmSha256: string; manifestSha256: string; sigSha256: string; signers: TrustedKey[] }) => void {
  return (info) =>
    checkNotRevoked(rev, { name: info.manifest.name, signers: info.signers.map((k) => k.keyid), artifacts: [info.manifestSha256, info.sigSha256, info.wasmSha256] });
}

// ------------------------------------------------------------------ commit

function summary(v: Verified, prev: LockEntry | null, caps: string): string[] {
  const m = v.loaded.manifest;
  const signers = v.loaded.signers.map((k) => `${fingerprint(k.keyid)} (${k.tier}${k.label ? `, ${k.label}` : ''})`).join('; ');
  const lines = [`${m.name} ${m.version} from ${v.source}`, `  signed by ${signers}`];
  if (prev && prev.approved_capabilities_sha256 !== caps) lines.push(`  capabilities differ from the ones approved for ${m.name} ${prev.version}`);
  lines.push('  requests:', ...describeCapabilities(m).map((l) => `    ${l}`));
  return lines;
}

async function persistRoleKeys(workspace: string, role: string, keys: TrustedKey[]): Promise<void> {
  checkRoleName(role, 'install');
  const dir = trustedDir(workspace);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entries = keys.map((k) => trustedKeyFile({ publicKey: k.publicKey, namespaces: k.namespaces, tier: k.tier, label: `registry role ${role}` }));
  await writeJsonAtomic(path.join(dir, `${ROLE_KEYS_PREFIX}${role}.json`), entries, { mode: 0o644 });
}

/**
 * Drops registry-<role>.json files none of whose keys signed a plugin the
 * lock still holds, so removing the last plugin of a publisher also stops
 * trusting its keys.
 */
export async function pruneRoleKeys(workspace: string, lock: Lock): Promise<void> {
  const dir = trustedDir(workspace);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(ROLE_KEYS_PREFIX) && n.endsWith('.json'));
  } catch {
    return;
  }
  const used = new Set(Object.values(lock.plugins).flatMap((e) => e.signers));
  for (const n of names) {
    const file = path.join(dir, n);
    let keyids: string[];
    try {
      const doc: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      keyids = (Array.isArray(doc) ? doc : [doc]).map((d, i) => parseTrustedKey(d, `${file}[${i}]`).keyid);
    } catch {
      continue; // a broken file is the trust store's to report, not ours to delete
    }
    if (!keyids.some((k) => used.has(k))) fs.rmSync(file, { force: true });
  }
}

/** True when two lock entries are the same (a guard against a concurrent change). */
export function sameEntry(a: LockEntry | undefined | null, b: LockEntry | null): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b);
}

async function commit(opts: StoreContext & { yes: boolean; allowDowngrade: boolean }, v: Verified): Promise<InstallResult> {
  const m = v.loaded.manifest;
  const policy = opts.policy ?? loadPolicy(opts.workspace);
  checkCeiling(m.name, m.capabilities, bestTier(v.loaded.signers.map((k) => k.tier)), policy);
  const prev = readLock(opts.workspace).plugins[m.name] ?? null;
  if (prev && compareSemver(m.version, prev.version) < 0 && !opts.allowDowngrade) {
    throw new PentoraError(
      ErrorCode.Policy,
      `${m.name}: refusing to install ${m.version} below the installed ${prev.version} (the lockfile is a rollback floor); pass --allow-downgrade to do it anyway`,
      { installed: prev.version, offered: m.version },
    );
  }
  const caps = capabilitiesSha256(v.bytes.manifest, v.source);
  const needsAsking = prev?.approved_capabilities_sha256 !== caps;
  if (needsAsking) opts.show?.(summary(v, prev, caps));
  const outcome = await decideApproval({
    name: m.name,
    version: m.version,
    capabilitiesSha256: caps,
    approvedBefore: prev?.approved_capabilities_sha256 ?? null,
    yes: opts.yes,
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
  });
  const enabled = outcome !== 'pending';
  const entry: LockEntry = {
    version: m.version,
    manifest: sha256Hex(v.bytes.manifest),
    sig: sha256Hex(v.bytes.sig),
    wasm: sha256Hex(v.bytes.wasm),
    capabilities_sha256: caps,
    approved_capabilities_sha256: enabled ? caps : prev!.approved_capabilities_sha256,
    enabled,
    source: v.source,
    signers: v.loaded.signers.map((k) => k.keyid).sort(),
    // The wall clock, not `now`: an audit's --now judges expiry, it does not date the install.
    installed_at: new Date().toISOString(),
  };
  await updateLock(
    opts.workspace,
    async (lock) => {
      if (!sameEntry(lock.plugins[m.name], prev)) {
        throw new PentoraError(ErrorCode.Workspace, `${m.name}: the lock changed while installing (another pentora process?); run the install again`);
      }
      // The verified buffers themselves; writeBlob names each by its own digest.
      for (const [what, bytes] of [['manifest', v.bytes.manifest], ['sig', v.bytes.sig], ['wasm', v.bytes.wasm]] as const) {
        const digest = await writeBlob(opts.workspace, bytes);
        if (digest !== entry[what]) throw new PentoraError(ErrorCode.Internal, `${m.name}: ${what} changed in memory after verification`);
      }
      if (v.role) await persistRoleKeys(opts.workspace, v.role.name, v.role.keys);
      lock.plugins[m.name] = entry;
    },
    { afterWrite: (lock) => pruneRoleKeys(opts.workspace, lock) },
  );
  const status: InstallStatus = !prev
    ? 'installed'
    : !enabled
      ? 'pending-approval'
      : compareSemver(m.version, prev.version) > 0
        ? 'updated'
        : compareSemver(m.version, prev.version) < 0
          ? 'downgraded'
          : 'reinstalled';
  return { name: m.name, version: m.version, previous: prev?.version ?? null, status, enabled, source: v.source, signers: entry.signers, wasm_sha256: entry.wasm };
}

/**
 * Installs one plugin.
 *
 * @example
 *   await installPlugin({ name: 'acme/redis-checks', source: registrySource(cfg), workspace, trust,
 *                         yes: true, allowDowngrade: false, now: () => new Date() });
 */
export async function installPlugin(opts: InstallOptions): Promise<InstallResult> {
  const rev = loadRevocations(opts.workspace);
  const verified = opts.source.kind === 'file' ? await verifyFromFile(opts, opts.source, rev) : await verifyFromTuf(opts, opts.source, rev);
  return commit(opts, verified);
}
