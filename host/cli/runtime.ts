/**
 * What every command opens: the config layers, the workspace, the logger, the
 * trust store and (when asked) the verified plugin catalog.
 */

import { loadConfig, type ConfigLayer, type PentoraConfig } from '../config/config.ts';
import { Catalog, BUILTIN_PLUGINS_DIR, type PluginSource } from '../engine/catalog.ts';
import { createLogger, type Logger, type Verbosity } from '../log.ts';
import type { EffectiveLimits } from '../sandbox/limits.ts';
import { loadTrustStore } from '../trust/default-store.ts';
import type { TrustStore } from '../trust/trust-store.ts';
import { ensureWorkspace } from '../workspace/paths.ts';
import { installedCandidates } from '../../registry/client/installed.ts';
import { checkNotRevoked, loadRevocations } from '../../registry/client/revocation.ts';

export interface GlobalFlags {
  workspace?: string;
  verbose: number;
  quiet?: boolean;
}

export interface Runtime {
  config: PentoraConfig;
  logger: Logger;
  trust: TrustStore;
}

export async function openRuntime(g: GlobalFlags, flags: ConfigLayer = {}): Promise<Runtime> {
  const { config, sources } = await loadConfig({ flags: { ...flags, ...(g.workspace ? { workspace: g.workspace } : {}) } });
  const verbosity = Math.min(g.verbose, 2) as Verbosity;
  const logger = createLogger({ verbosity, level: config.log_level, ...(g.quiet ? { level: 'error' as const } : {}) });
  logger.debug({ sources, workspace: config.workspace }, 'configuration loaded');
  await ensureWorkspace(config.workspace);
  return { config, logger, trust: loadTrustStore(config.workspace) };
}

export function ceilingsOf(config: PentoraConfig): EffectiveLimits {
  const l = config.limits;
  return { memoryPages: l.memory_pages, cpuMs: l.cpu_ms, wallMs: l.wall_ms, outputBytes: l.output_bytes, hostcallBytes: l.hostcall_bytes };
}

/**
 * Every plugin source, each verified at this load (or, `lazy`, when a plan
 * needs it: Catalog.ensure): builtins, `plugins.dirs`,
 * and the workspace store (re-hashed against lock.json). Revocation (the
 * registries' signed lists, keys/revoked.json, <workspace>/keys/revoked.json)
 * applies to all of them; an unreadable revocation file fails the load.
 */
export function openCatalog(rt: Runtime, opts: { lazy?: boolean } = {}): Promise<Catalog> {
  const roots: Array<{ path: string; source: PluginSource }> = [
    { path: BUILTIN_PLUGINS_DIR, source: 'builtin' },
    ...rt.config.plugins.dirs.map((p) => ({ path: p, source: 'dir' as const })),
  ];
  const revocations = loadRevocations(rt.config.workspace);
  return Catalog.load({
    trust: rt.trust,
    ceilings: ceilingsOf(rt.config),
    roots,
    disabled: [...rt.config.plugins.disabled],
    checkArtifact: (info) =>
      checkNotRevoked(revocations, { name: info.manifest.name, signers: info.signers.map((k) => k.keyid), artifacts: [info.manifestSha256, info.sigSha256, info.wasmSha256] }),
    installed: installedCandidates(rt.config.workspace, () => revocations),
    ...(opts.lazy ? { lazy: true } : {}),
  });
}
