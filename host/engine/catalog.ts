/**
 * The plugin catalog: every plugin the host can see, each verified by the
 * loader (signature, digest, imports, memory) before it may be planned. A
 * plugin that fails verification stays listed, with its error, so `plugin
 * list` and `plugin verify` can name it; it is never run.
 *
 * Sources: builtin plugins built from source (<repo>/plugins/<name>/dist),
 * extra folders from config (`plugins.dirs`), and the workspace store
 * (`installed`: plugins from a registry, a bundle or a file, pinned by digest
 * in <workspace>/plugins/lock.json; registry/client/installed.ts reads them).
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../errors.ts';
import type { EffectiveLimits } from '../sandbox/limits.ts';
import {
  loadVerifiedPlugin,
  loadPluginFromBytes,
  pluginFilesIn,
  readManifestFiles,
  verifyManifestBytes,
  type ArtifactInfo,
  type LoadedPlugin,
  type PluginBytes,
  type PluginFiles,
} from '../sandbox/loader.ts';
import { parseManifest, type Manifest } from '../sandbox/manifest.ts';
import type { TrustStore } from '../trust/trust-store.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILTIN_PLUGINS_DIR = path.join(REPO_ROOT, 'plugins');

export type PluginSource = 'builtin' | 'dir' | 'installed';

export interface CatalogEntry {
  /** The manifest name when it verified, else the folder name. */
  name: string;
  version: string | null;
  source: PluginSource;
  dir: string;
  files: PluginFiles;
  verified: boolean;
  error: string | null;
  loaded: LoadedPlugin | null;
  /**
   * A lazy catalog's plugin not verified yet: its manifest as the file says
   * (unverified, for planning only) and the bytes verification will check.
   */
  pending?: { declared: Manifest; verify: () => Promise<void> };
}

export interface PluginLocation {
  dir: string;
  source: PluginSource;
}

/** Finds plugin folders: a folder with manifest.json, or a builtin folder whose dist/ has one. */
export function discoverPlugins(roots: Array<{ path: string; source: PluginSource }>): PluginLocation[] {
  const found: PluginLocation[] = [];
  for (const root of roots) {
    if (fs.existsSync(path.join(root.path, 'manifest.json'))) {
      found.push({ dir: root.path, source: root.source });
      continue;
    }
    let names: string[];
    try {
      names = fs.readdirSync(root.path).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const dir = path.join(root.path, n);
      for (const cand of [path.join(dir, 'dist'), dir]) {
        if (fs.existsSync(path.join(cand, 'manifest.json'))) {
          found.push({ dir: cand, source: root.source });
          break;
        }
      }
    }
  }
  return found;
}

/**
 * A plugin in the workspace store, as the catalog needs it. Its bytes are
 * read once, each re-hashed against the lock, and handed to the loader, so
 * what is verified is what is compiled; `check` then pins the verified
 * result to the lock (digests, recorded signers) and to revocation.
 */
export interface InstalledCandidate {
  name: string;
  version: string;
  /** The store's blob paths (messages, `plugin list`). */
  files: PluginFiles;
  /** Why it may not run (not approved, unreadable lock...), or null. */
  refusal: string | null;
  read(): PluginBytes;
  check(info: ArtifactInfo): void;
}

export interface CatalogOptions {
  trust: TrustStore;
  ceilings?: EffectiveLimits;
  roots?: Array<{ path: string; source: PluginSource }>;
  disabled?: string[];
  /** Run on every plugin after its signature and digest verified (revocation); throw to refuse. */
  checkArtifact?: (info: ArtifactInfo) => void;
  /** The workspace store's plugins (source `installed`); read again at every load. */
  installed?: () => InstalledCandidate[];
  /**
   * Verify and compile a plugin only when `ensure` asks for it (a scan: only
   * the planned plugins), not all at load. Until then an entry is `pending`
   * and only its declared manifest is known, which `candidates` offers to the
   * planner; nothing unverified is ever run (DESIGN §5: verify before use).
   */
  lazy?: boolean;
}

export class Catalog {
  readonly entries: CatalogEntry[];

  constructor(entries: CatalogEntry[]) {
    this.entries = entries;
  }

  /** The verified plugin named `name`; when several verify, the first source wins (builtin before others). */
  get(name: string): LoadedPlugin | null {
    return this.entries.find((e) => e.verified && e.name === name)?.loaded ?? null;
  }

  entry(name: string): CatalogEntry | null {
    return this.entries.find((e) => e.name === name) ?? null;
  }

  verified(): LoadedPlugin[] {
    const seen = new Set<string>();
    const out: LoadedPlugin[] = [];
    for (const e of this.entries) {
      if (e.verified && e.loaded && !seen.has(e.name)) {
        seen.add(e.name);
        out.push(e.loaded);
      }
    }
    return out;
  }

  manifests(): Manifest[] {
    return this.verified().map((p) => p.manifest);
  }

  /**
   * What the planner may choose from: the verified manifests and, in a lazy
   * catalog, the declared manifests of plugins not verified yet (first
   * source per name, as `get`). Plan with these, then `ensure` the plan.
   */
  candidates(): Manifest[] {
    const seen = new Set<string>();
    const out: Manifest[] = [];
    for (const e of this.entries) {
      const m = e.verified ? e.loaded?.manifest : e.error === null ? e.pending?.declared : undefined;
      if (m && !seen.has(m.name)) {
        seen.add(m.name);
        out.push(m);
      }
    }
    return out;
  }

  /**
   * Verifies and compiles the pending plugins of these names (the entry
   * `candidates` offered for each), in parallel. Returns the entries that
   * failed: they keep their error, leave `candidates`, and are never run.
   */
  async ensure(names: Iterable<string>): Promise<CatalogEntry[]> {
    const want = new Set(names);
    const chosen = new Map<string, CatalogEntry>();
    for (const e of this.entries) {
      const name = e.verified ? e.name : e.error === null ? e.pending?.declared.name : undefined;
      if (name !== undefined && want.has(name) && !chosen.has(name)) chosen.set(name, e);
    }
    const pending = [...chosen.values()].filter((e) => e.pending);
    await Promise.all(pending.map((e) => e.pending!.verify()));
    return pending.filter((e) => !e.verified);
  }

  /** Verifies every pending plugin (for listings that show every plugin's state). */
  async ensureAll(): Promise<void> {
    await Promise.all(this.entries.filter((e) => e.pending).map((e) => e.pending!.verify()));
  }

  static async load(opts: CatalogOptions): Promise<Catalog> {
    const roots = opts.roots ?? [{ path: BUILTIN_PLUGINS_DIR, source: 'builtin' as const }];
    const disabled = new Set(opts.disabled ?? []);
    // Every plugin is verified in turn (synchronous: signature, digest, memory cap); the
    // compiles then overlap (WebAssembly.compile runs off the main thread), in list order.
    const loading: Array<Promise<CatalogEntry>> = [];
    for (const loc of discoverPlugins(roots)) {
      const files = pluginFilesIn(loc.dir);
      const folderName = path.basename(loc.dir === path.join(path.dirname(loc.dir), 'dist') ? path.dirname(loc.dir) : loc.dir);
      const entry: CatalogEntry = { name: folderName, version: null, source: loc.source, dir: loc.dir, files, verified: false, error: null, loaded: null };
      const verify = async (bytes: { manifest: Uint8Array; sig: Uint8Array }): Promise<void> => {
        try {
          // The signed manifest first: once it verifies, its name is trustworthy
          // even if the wasm then fails its digest, so errors can name the plugin.
          const verified = verifyManifestBytes(bytes.manifest, bytes.sig, opts.trust, files);
          entry.name = verified.manifest.name;
          entry.version = verified.manifest.version;
          entry.loaded = await loadVerifiedPlugin(verified, files, {
            trust: opts.trust,
            ...(opts.ceilings ? { ceilings: opts.ceilings } : {}),
            ...(opts.checkArtifact ? { checkArtifact: opts.checkArtifact } : {}),
          });
          entry.verified = true;
        } catch (err) {
          entry.error = describeError(err);
        }
      };
      const load = async (): Promise<CatalogEntry> => {
        let bytes: { manifest: Uint8Array; sig: Uint8Array };
        try {
          bytes = readManifestFiles(files);
        } catch (err) {
          entry.error = describeError(err);
          return entry;
        }
        if (!opts.lazy) {
          await verify(bytes);
          return entry;
        }
        try {
          // Read for planning only; the same bytes are verified before any use.
          const declared = parseManifest(bytes.manifest, files.manifest);
          entry.name = declared.name;
          entry.version = declared.version;
          let once: Promise<void> | null = null;
          entry.pending = {
            declared,
            verify: () =>
              (once ??= verify(bytes).finally(() => {
                delete entry.pending;
              })),
          };
        } catch (err) {
          entry.error = describeError(err);
        }
        return entry;
      };
      loading.push(load());
    }
    const entries: CatalogEntry[] = (await Promise.all(loading)).filter((e) => !disabled.has(e.name));
    for (const cand of opts.installed?.() ?? []) {
      const entry: CatalogEntry = {
        name: cand.name,
        version: cand.version,
        source: 'installed',
        dir: path.dirname(cand.files.wasm),
        files: cand.files,
        verified: false,
        error: cand.refusal,
        loaded: null,
      };
      if (cand.refusal === null) {
        try {
          const check = (info: ArtifactInfo): void => {
            cand.check(info);
            opts.checkArtifact?.(info);
          };
          entry.loaded = await loadPluginFromBytes(cand.read(), { trust: opts.trust, ...(opts.ceilings ? { ceilings: opts.ceilings } : {}), checkArtifact: check }, cand.files);
          entry.verified = true;
        } catch (err) {
          entry.error = describeError(err);
        }
      }
      if (!disabled.has(entry.name)) entries.push(entry);
    }
    return new Catalog(entries);
  }
}
