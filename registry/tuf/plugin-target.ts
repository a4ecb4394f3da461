/**
 * Plugins as registry targets: a plugin version is three target files
 * (`<publisher>/<plugin>/<version>/{manifest.json, manifest.sig, plugin.wasm}`)
 * that must all be vouched for by the same delegated role, found by the
 * delegation search. This file turns search results into `PluginTarget`s.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { TrustedKey } from '../../host/trust/trust-store.ts';
import { findTarget, walkRoles, type RoleLoader, type SearchLimits } from './delegation.ts';
import type { TargetFileJson, TargetsSigned } from './metadata.ts';
import { consistentTargetPath, matchPathPattern, namespacesOf, pluginTargetPaths } from './paths.ts';
import { compareVersions, isVersion } from './semver.ts';
import type { JsonObject } from './strict-json.ts';
import type { PluginCustom, PluginTarget, TargetFileInfo } from './updater-contract.ts';
import { authorisedKeys } from './verify.ts';

/** Everything a search needs: verified top-level targets and a loader of delegated roles. */
export interface PluginSearch {
  top: TargetsSigned;
  load: RoleLoader;
  limits: SearchLimits;
}

/** `publisher/plugin`, as host/sandbox/manifest.ts spells names. */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** The role whose keys are the project's own: its keys get the `official` tier. */
const OFFICIAL_ROLE = 'pentora';

function refuse(message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(ErrorCode.Registry, message, detail);
}

function own(o: Record<string, TargetFileJson>, k: string): TargetFileJson | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** The authoritative answer for one plugin version, or null when the search finds none. */
export async function resolvePlugin(s: PluginSearch, name: string, version: string): Promise<PluginTarget | null> {
  const paths = pluginTargetPaths(name, version);
  const manifest = await findTarget(s.top, paths.manifest, s.load, s.limits);
  if (!manifest) return null;
  const where = `${name}@${version}`;
  const edge = manifest.edge;
  if (!edge) refuse(`${where}: listed by top-level targets itself; plugins must come from a delegated publisher role`);
  const sig = own(manifest.signed.targets, paths.sig);
  const wasm = own(manifest.signed.targets, paths.wasm);
  if (!sig || !wasm) refuse(`${where}: role "${manifest.role}" lists manifest.json without manifest.sig and plugin.wasm`);
  // Listed is not enough: the search for each file must end at the same role.
  for (const p of [paths.sig, paths.wasm]) {
    const other = await findTarget(s.top, p, s.load, s.limits);
    if (!other || other.role !== manifest.role) refuse(`${where}: ${p} is not vouched for by role "${manifest.role}"`);
  }
  const namespaces = namespacesOf(edge.paths);
  const keys: TrustedKey[] = [...authorisedKeys(edge.keyTable, edge)].map(([keyid, publicKey]) => ({
    keyid,
    publicKey,
    namespaces,
    tier: edge.name === OFFICIAL_ROLE ? 'official' : 'community',
    label: `registry role ${edge.name}`,
    source: `registry:${edge.name}`,
  }));
  const info = (target: string, f: TargetFileJson): TargetFileInfo => ({
    target,
    path: consistentTargetPath(target, f.hashes.sha256),
    length: f.length,
    sha256: f.hashes.sha256,
  });
  return {
    name,
    version,
    files: { manifest: info(paths.manifest, manifest.info), sig: info(paths.sig, sig), wasm: info(paths.wasm, wasm) },
    custom: customOf(manifest.info.custom, name, version, where),
    role: edge.name,
    keys,
    threshold: edge.threshold,
  };
}

/** The versions of `name` listed by roles the search could reach for it, highest first. */
export async function pluginVersions(s: PluginSearch, name: string): Promise<string[]> {
  const [pub, plugin] = name.split('/') as [string, string];
  // Follow only delegations that could hold <name>/<some version>/manifest.json: the version segment is open.
  const follow = (pattern: string): boolean => {
    const segs = pattern.split('/');
    return segs.length === 4 && matchPathPattern(segs[0]!, pub) && matchPathPattern(segs[1]!, plugin) && matchPathPattern(segs[3]!, 'manifest.json');
  };
  const versions = new Set<string>();
  await walkRoles(s.top, follow, s.load, s.limits, (_role, _edge, signed) => {
    for (const p of Object.keys(signed.targets)) {
      const segs = p.split('/');
      if (segs.length === 4 && `${segs[0]}/${segs[1]}` === name && segs[3] === 'manifest.json' && isVersion(segs[2]!)) versions.add(segs[2]!);
    }
  });
  return [...versions].sort(compareVersions).reverse();
}

/** Every `<name>@<version>` any reachable role lists, sorted; each still to be resolved. */
export async function pluginCandidates(s: PluginSearch): Promise<Array<{ name: string; version: string }>> {
  const found = new Set<string>();
  await walkRoles(s.top, () => true, s.load, s.limits, (_role, _edge, signed) => {
    for (const p of Object.keys(signed.targets)) {
      const segs = p.split('/');
      if (segs.length === 4 && segs[3] === 'manifest.json' && PLUGIN_NAME.test(`${segs[0]}/${segs[1]}`) && isVersion(segs[2]!)) found.add(p);
    }
  });
  return [...found].sort().map((p) => {
    const [pub, plugin, version] = p.split('/') as [string, string, string];
    return { name: `${pub}/${plugin}`, version };
  });
}

function customOf(custom: JsonObject | undefined, name: string, version: string, where: string): PluginCustom {
  if (!custom || custom.name !== name || custom.version !== version || typeof custom.capabilities_sha256 !== 'string' || !HEX64.test(custom.capabilities_sha256)) {
    refuse(`${where}: manifest.json target's custom must be {"name": "${name}", "version": "${version}", "capabilities_sha256": <hex>}`, { custom: custom ?? null });
  }
  return { name, version, capabilities_sha256: custom.capabilities_sha256 };
}
