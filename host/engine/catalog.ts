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
  loadPlugin,
  loadPluginFromBytes,
  pluginFilesIn,
  verifyManifest,
  type ArtifactInfo,
  type LoadedPlugin,
  type PluginBytes,
  type PluginFiles,
} from '../sandbox/loader.ts';
import type { Manifest } from '../sandbox/manifest.ts';
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
      const load = async (): Promise<CatalogEntry> => {
        try {
          // The signed manifest first: once it verifies, its name is trustworthy
          // even if the wasm then fails its digest, so errors can name the plugin.
          const { manifest } = verifyManifest(files, opts.trust);
          entry.name = manifest.name;
          entry.version = manifest.version;
          entry.loaded = await loadPlugin(files, {
            trust: opts.trust,
            ...(opts.ceilings ? { ceilings: opts.ceilings } : {}),
            ...(opts.checkArtifact ? { checkArtifact: opts.checkArtifact } : {}),
          });
          entry.verified = true;
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
