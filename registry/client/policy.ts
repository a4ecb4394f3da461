/**
 * The install policy (DESIGN §6, "the publisher tier's ceiling"): per trust
 * tier, which capabilities a plugin may request at all, and the registry's
 * maximum staleness. Defaults ship in `<repo>/keys/policy.json`; an operator
 * replaces them with `<workspace>/keys/policy.json`.
 *
 * @example keys/policy.json
 *   {"version": 1, "max_staleness_hours": 168,
 *    "tiers": {"community": {"net": {"tcp": true, "udp": false, "icmp": false, "syn": false},
 *                            "rate": {"pps": 1000, "concurrent": 256}}, ...}}
 */

import fs from 'node:fs';
import path from 'node:path';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';
import { REPO_ROOT } from '../../host/engine/catalog.ts';
import type { Capabilities } from '../../host/sandbox/manifest.ts';
import type { Tier } from '../../host/trust/trust-store.ts';

export interface TierCeiling {
  net: { tcp: boolean; udp: boolean; icmp: boolean; syn: boolean };
  rate: { pps: number; concurrent: number };
}

export interface Policy {
  version: 1;
  max_staleness_hours: number;
  tiers: Record<Tier, TierCeiling>;
  /** The file it was read from. */
  source: string;
}

export const REPO_POLICY_FILE = path.join(REPO_ROOT, 'keys', 'policy.json');
const TIERS: readonly Tier[] = ['official', 'build', 'community', 'test'];
/** Most privileged first: a plugin signed by keys of several tiers gets the best one's ceiling. */
const TIER_RANK: Record<Tier, number> = { official: 0, build: 1, community: 2, test: 3 };

export function workspacePolicyFile(workspace: string): string {
  return path.join(workspace, 'keys', 'policy.json');
}

function bad(file: string, msg: string): never {
  throw new PentoraError(ErrorCode.Config, `${file}: ${msg}`, { file });
}

function exactKeys(v: unknown, keys: readonly string[], file: string, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(file, `${at} must be an object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(file, `unknown key ${at ? `${at}.` : ''}${k}`);
  for (const k of keys) if (!(k in o)) bad(file, `missing ${at ? `${at}.` : ''}${k}`);
  return o;
}

export function parsePolicy(doc: unknown, file: string): Policy {
  const top = exactKeys(doc, ['version', 'max_staleness_hours', 'tiers'], file, '');
  if (top.version !== 1) bad(file, `version must be 1, got ${JSON.stringify(top.version)}`);
  const hours = top.max_staleness_hours;
  if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 24 * 3650) bad(file, 'max_staleness_hours must be an integer in 1..87600');
  const tiers = exactKeys(top.tiers, TIERS, file, 'tiers');
  const out = {} as Record<Tier, TierCeiling>;
  for (const t of TIERS) {
    const c = exactKeys(tiers[t], ['net', 'rate'], file, `tiers.${t}`);
    const n = exactKeys(c.net, ['tcp', 'udp', 'icmp', 'syn'], file, `tiers.${t}.net`);
    for (const k of ['tcp', 'udp', 'icmp', 'syn']) if (typeof n[k] !== 'boolean') bad(file, `tiers.${t}.net.${k} must be true or false`);
    const r = exactKeys(c.rate, ['pps', 'concurrent'], file, `tiers.${t}.rate`);
    for (const k of ['pps', 'concurrent']) if (typeof r[k] !== 'number' || !Number.isInteger(r[k]) || (r[k] as number) < 1) bad(file, `tiers.${t}.rate.${k} must be a positive integer`);
    out[t] = { net: n as TierCeiling['net'], rate: r as TierCeiling['rate'] };
  }
  return { version: 1, max_staleness_hours: hours, tiers: out, source: file };
}

/** The workspace's policy when it has one, else the shipped default. */
export function loadPolicy(workspace: string, repoFile: string = REPO_POLICY_FILE): Policy {
  const file = fs.existsSync(workspacePolicyFile(workspace)) ? workspacePolicyFile(workspace) : repoFile;
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return bad(file, `cannot read the policy: ${describeError(err)}`);
  }
  return parsePolicy(doc, file);
}

/** The most privileged of the signers' tiers. */
export function bestTier(tiers: readonly Tier[]): Tier {
  return [...tiers].sort((a, b) => TIER_RANK[a] - TIER_RANK[b])[0] ?? 'test';
}

/**
 * Throws a Policy error naming the first requested grant above `tier`'s
 * ceiling (`capabilities.net.udp`, `capabilities.rate.pps 5000 > 1000`).
 */
export function checkCeiling(name: string, caps: Capabilities, tier: Tier, policy: Policy): void {
  const c = policy.tiers[tier];
  const refuse = (grant: string, detail: string): never => {
    throw new PentoraError(ErrorCode.Policy, `${name} requests ${grant}${detail}, above the ${tier} tier's ceiling (${policy.source})`, { grant, tier });
  };
  const net = caps.net ?? {};
  if (net.tcp && !c.net.tcp) refuse('capabilities.net.tcp', '');
  if (net.udp && !c.net.udp) refuse('capabilities.net.udp', '');
  if (net.icmp === true && !c.net.icmp) refuse('capabilities.net.icmp', '');
  if (net.syn === true && !c.net.syn) refuse('capabilities.net.syn', '');
  const pps = caps.rate?.pps;
  if (pps !== undefined && pps > c.rate.pps) refuse('capabilities.rate.pps', ` ${pps} (ceiling ${c.rate.pps})`);
  const conc = caps.rate?.concurrent;
  if (conc !== undefined && conc > c.rate.concurrent) refuse('capabilities.rate.concurrent', ` ${conc} (ceiling ${c.rate.concurrent})`);
}
