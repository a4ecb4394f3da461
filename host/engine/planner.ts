/**
 * The planner: the default DAG for a profile, derived from what the verified
 * plugins require and provide — no central list to edit when a plugin is
 * added. A plugin joins a profile by listing it in its manifest `profiles`.
 * Each node depends on every other node that provides a key it requires or
 * optionally reads.
 */

import type { Manifest } from '../sandbox/manifest.ts';
import type { DagSpec } from './dag.ts';
import { HOST_PROVIDED_KEYS } from './keys.ts';

export interface PlanOptions {
  /** Plugins that list this profile in their manifest; null: every plugin (the `select` still applies). */
  profile: string | null;
  /** Keys the caller writes before any node runs; default: the host's (`targets`). */
  provided?: readonly string[];
  /** Config applied to every node whose plugin has an option of that name (e.g. `ports` from --ports). */
  overrides?: Record<string, unknown>;
  /**
   * Which of the profile's plugins the caller wants (e.g. the scanners of the
   * chosen --scan-type); the others are left out silently, before the
   * requirements are checked. Default: all of them.
   */
  select?: (m: Manifest) => boolean;
}

export interface Plan {
  spec: DagSpec;
  /** Plugins of the profile left out, and why. */
  dropped: Array<{ module: string; reason: string }>;
}

export function planDag(manifests: Manifest[], opts: PlanOptions): Plan {
  const select = opts.select ?? (() => true);
  const profile = opts.profile;
  let chosen = manifests.filter((m) => (profile === null || (m.profiles ?? []).includes(profile)) && select(m));
  const where = profile === null ? 'the plan' : `profile "${profile}"`;
  const dropped: Plan['dropped'] = [];
  // Drop plugins whose requirements nothing provides, until stable (dropping one can orphan another).
  for (let changed = true; changed; ) {
    changed = false;
    const provided = new Set<string>([...(opts.provided ?? HOST_PROVIDED_KEYS), ...chosen.flatMap((m) => m.provides)]);
    for (const m of chosen) {
      const missing = m.requires.filter((k) => !provided.has(k));
      if (missing.length > 0) {
        dropped.push({ module: m.name, reason: `nothing in ${where} provides ${missing.join(', ')}` });
        chosen = chosen.filter((x) => x !== m);
        changed = true;
        break;
      }
    }
  }
  const ids = new Map<Manifest, string>();
  const used = new Set<string>();
  for (const m of chosen) {
    const base = m.name.split('/')[1]!.replace(/[^a-z0-9_-]/g, '-');
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
    used.add(id);
    ids.set(m, id);
  }
  const nodes = chosen.map((m) => {
    const reads = new Set([...m.requires, ...(m.optional ?? [])]);
    const depends_on = chosen.filter((o) => o !== m && o.provides.some((k) => reads.has(k))).map((o) => ids.get(o)!);
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts.overrides ?? {})) if (Object.hasOwn(m.config, k)) config[k] = v;
    return { instance_id: ids.get(m)!, module_type: m.name, depends_on, config };
  });
  return { spec: { name: profile === null ? 'plan' : `profile:${profile}`, nodes }, dropped };
}
