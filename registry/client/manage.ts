/**
 * Managing what is installed: update to a registry's newest version, approve
 * changed capabilities, remove, and search a registry. Each change goes
 * through the store lock (store.updateLock) like an install does.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { loadPluginFromBytes, type LoadedPlugin, type PluginBytes, type PluginFiles } from '../../host/sandbox/loader.ts';
import { compareVersions as compareSemver } from '../tuf/semver.ts';
import type { Updater } from '../tuf/updater.ts';
import { describeCapabilities } from './approval.ts';
import { installPlugin, openUpdater, pruneRoleKeys, sameEntry, type InstallStatus, type StoreContext, type TufSource } from './install.ts';
import { checkAgainstLock } from './installed.ts';
import { bestTier, checkCeiling, loadPolicy } from './policy.ts';
import { loadRevocations } from './revocation.ts';
import { blobPath, readBlob, readLock, updateLock, type LockEntry } from './store.ts';


export interface UpdateOptions extends StoreContext {
  /** Plugins to update; all in the lock when empty. */
  names: string[];
  yes: boolean;
  allowDowngrade: boolean;
  /** The TUF source a lock entry updates from, or null (installed from a file). */
  sourceFor: (name: string, entry: LockEntry) => TufSource | null;
}

export interface UpdateResult {
  name: string;
  from: string;
  to: string | null;
  status: InstallStatus | 'up-to-date' | 'skipped' | 'failed';
  message?: string;
  error?: PentoraError;
}

/** Updates each chosen plugin to the newest version its registry lists; one failure does not stop the rest. */
export async function updatePlugins(opts: UpdateOptions): Promise<UpdateResult[]> {
  const lock = readLock(opts.workspace);
  const names = opts.names.length > 0 ? opts.names : Object.keys(lock.plugins).sort();
  const updaters = new Map<string, Updater>();
  const results: UpdateResult[] = [];
  for (const name of names) {
    const entry = lock.plugins[name];
    if (!entry) {
      results.push({ name, from: '-', to: null, status: 'failed', error: new PentoraError(ErrorCode.NotFound, `${name}: not installed`) });
      continue;
    }
    const source = opts.sourceFor(name, entry);
    if (!source) {
      results.push({ name, from: entry.version, to: null, status: 'skipped', message: `installed from ${entry.source}; install it again from there to update` });
      continue;
    }
    try {
      const key = `${source.kind}:${source.location}`;
      let updater = updaters.get(key);
      if (!updater) {
        updater = await openUpdater(source, opts.workspace, opts.now);
        updaters.set(key, updater);
      }
      const latest = await updater.getTarget(name);
      if (!latest) throw new PentoraError(ErrorCode.NotFound, `${name}: no longer listed by ${key}`);
      const same = latest.files.manifest.sha256 === entry.manifest && latest.files.sig.sha256 === entry.sig && latest.files.wasm.sha256 === entry.wasm;
      if (same) {
        results.push({ name, from: entry.version, to: entry.version, status: 'up-to-date' });
        continue;
      }
      if (compareSemver(latest.version, entry.version) < 0 && !opts.allowDowngrade) {
        throw new PentoraError(ErrorCode.Policy, `${name}: the newest version ${key} lists is ${latest.version}, below the installed ${entry.version}; kept (--allow-downgrade to take it)`);
      }
      const r = await installPlugin({ ...opts, name, version: latest.version, source, updater });
      results.push({ name, from: entry.version, to: r.version, status: r.status });
    } catch (err) {
      const e = err instanceof PentoraError ? err : new PentoraError(ErrorCode.Internal, String(err));
      results.push({ name, from: entry.version, to: null, status: 'failed', message: e.message, error: e });
    }
  }
  return results;
}

/**
 * Verifies an installed plugin's stored bytes as a load would (lock digests,
 * signature with the workspace trust store, recorded signers, revocation),
 * whether or not it is enabled: what `plugin info` shows and `approve` approves.
 */
export async function inspectInstalled(name: string, ctx: StoreContext): Promise<{ entry: LockEntry; loaded: LoadedPlugin }> {
  const entry = readLock(ctx.workspace).plugins[name];
  if (!entry) throw new PentoraError(ErrorCode.NotFound, `${name}: not installed (see pentora plugin list)`);
  const bytes: PluginBytes = { manifest: readBlob(ctx.workspace, entry.manifest), sig: readBlob(ctx.workspace, entry.sig), wasm: readBlob(ctx.workspace, entry.wasm) };
  const rev = loadRevocations(ctx.workspace);
  const files: PluginFiles = { manifest: blobPath(ctx.workspace, entry.manifest), sig: blobPath(ctx.workspace, entry.sig), wasm: blobPath(ctx.workspace, entry.wasm) };
  const loaded = await loadPluginFromBytes(bytes, { trust: ctx.trust, ...(ctx.ceilings ? { ceilings: ctx.ceilings } : {}), checkArtifact: (info) => checkAgainstLock(name, entry, info, rev) }, files);
  return { entry, loaded };
}

/**
 * Approves what an installed plugin asks for and enables it. The stored
 * bytes are verified again first, and the tier ceiling re-applied: approval
 * is of exactly what will run.
 */
export async function approvePlugin(name: string, ctx: StoreContext): Promise<{ name: string; version: string; capabilities: string[] }> {
  const { entry, loaded } = await inspectInstalled(name, ctx);
  const policy = ctx.policy ?? loadPolicy(ctx.workspace);
  checkCeiling(name, loaded.manifest.capabilities, bestTier(loaded.signers.map((k) => k.tier)), policy);
  const capabilities = describeCapabilities(loaded.manifest);
  await updateLock(ctx.workspace, (lock) => {
    if (!sameEntry(lock.plugins[name], entry)) throw new PentoraError(ErrorCode.Workspace, `${name}: the lock changed while approving; run approve again`);
    lock.plugins[name] = { ...entry, approved_capabilities_sha256: entry.capabilities_sha256, enabled: true };
  });
  return { name, version: entry.version, capabilities };
}

/** Drops a plugin's lock entry; its blobs go once nothing references them, its registry keys once no plugin needs them. */
export async function removePlugin(name: string, workspace: string): Promise<{ name: string; version: string }> {
  return updateLock(
    workspace,
    (lock) => {
      const entry = lock.plugins[name];
      if (!entry) throw new PentoraError(ErrorCode.NotFound, `${name}: not installed (see pentora plugin list)`);
      delete lock.plugins[name];
      return { name, version: entry.version };
    },
    { afterWrite: (lock) => pruneRoleKeys(workspace, lock) },
  );
}

export interface SearchHit {
  name: string;
  version: string;
  versions: string[];
  description: string | null;
  role: string;
}

/** Every plugin a registry lists (newest version first per name), optionally filtered by a substring of name or description. */
export async function searchPlugins(source: TufSource, workspace: string, now: () => Date, query?: string): Promise<SearchHit[]> {
  const updater = await openUpdater(source, workspace, now);
  const byName = new Map<string, SearchHit>();
  for (const t of await updater.listTargets()) {
    const custom: Record<string, unknown> = { ...t.custom };
    const description = typeof custom.description === 'string' ? custom.description : null;
    const hit = byName.get(t.name);
    if (!hit) {
      byName.set(t.name, { name: t.name, version: t.version, versions: [t.version], description, role: t.role });
      continue;
    }
    hit.versions.push(t.version);
    if (compareSemver(t.version, hit.version) > 0) {
      hit.version = t.version;
      hit.description = description ?? hit.description;
    }
  }
  const q = query?.toLowerCase();
  return [...byName.values()]
    .filter((h) => !q || h.name.includes(q) || (h.description ?? '').toLowerCase().includes(q))
    .map((h) => ({ ...h, versions: h.versions.sort((a, b) => compareSemver(b, a)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
