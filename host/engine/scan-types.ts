/**
 * `--scan-type syn|connect|udp`, `--only-discover` and `--skip-discovery`
 * (-Pn) as a choice among a profile's plugins.
 *
 * A port scanner's type is read from what its manifest asks of the network,
 * never from its name: a `scanner` granted raw SYN packets is a SYN scanner
 * (it may also hold a TCP grant, for its connect fallback), one granted UDP
 * a UDP scanner, one granted only TCP connects a connect scanner. So a
 * third-party scanner joins `--scan-type` by its manifest alone, and the
 * planner keeps no list of plugin names.
 *
 * @example
 *   const select = moduleFilter({ scanTypes: parseScanTypes('syn,udp'), discovery: 'default', raw: true });
 *   planDag(manifests, { profile: 'standard', select });
 */

import { UsageError } from '../errors.ts';
import type { Manifest } from '../sandbox/manifest.ts';

export const SCAN_TYPES = ['syn', 'connect', 'udp'] as const;
export type ScanType = (typeof SCAN_TYPES)[number];

/** Host discovery: as the profile has it, left out (-Pn), or alone (-sn). */
export type DiscoveryMode = 'default' | 'skip' | 'only';

/** The scan type a port scanner implements, or null for a module that is not one (or probes some other way). */
export function scanTypeOf(m: Manifest): ScanType | null {
  if (m.type !== 'scanner') return null;
  const net = m.capabilities.net;
  if (net?.syn === true) return 'syn';
  if (net?.udp) return 'udp';
  if (net?.tcp) return 'connect';
  return null;
}

/**
 * Parses `--scan-type`: one type or a comma list ("syn,udp"). syn and connect
 * are two ways of one TCP scan, so they do not go together.
 */
export function parseScanTypes(spec: string): ScanType[] {
  const items = spec.split(',').map((s) => s.trim().toLowerCase());
  const out: ScanType[] = [];
  for (const item of items) {
    if (!(SCAN_TYPES as readonly string[]).includes(item)) {
      throw new UsageError(`--scan-type: "${item}" is not a scan type (${SCAN_TYPES.join(', ')}; combine with a comma, e.g. syn,udp)`);
    }
    if (!out.includes(item as ScanType)) out.push(item as ScanType);
  }
  if (out.includes('syn') && out.includes('connect')) throw new UsageError('--scan-type: syn and connect are two ways of one TCP scan; choose one');
  return out;
}

/** nmap's rule when no type is asked for: a SYN scan with raw sockets, else a connect scan. */
export function defaultScanTypes(raw: boolean): ScanType[] {
  return [raw ? 'syn' : 'connect'];
}

/** Whether every network grant the module asks for needs raw sockets (ICMP, SYN), so it can do nothing without them. */
export function needsOnlyRaw(m: Manifest): boolean {
  const net = m.capabilities.net;
  if (!net) return false;
  const raw = net.icmp === true || net.syn === true;
  return raw && !net.tcp && !net.udp;
}

export interface ModuleSelection {
  /** Port scanners to keep, by type; scanners of other types are left out. */
  scanTypes: readonly ScanType[];
  discovery: DiscoveryMode;
  /** Whether the host can open raw sockets; without them, modules that need nothing else are left out. */
  raw: boolean;
}

/** The planner's `select` for a selection. */
export function moduleFilter(sel: ModuleSelection): (m: Manifest) => boolean {
  return (m) => {
    if (!sel.raw && needsOnlyRaw(m)) return false;
    if (sel.discovery === 'only') return m.type === 'discovery' || m.type === 'reporter';
    if (sel.discovery === 'skip' && m.type === 'discovery') return false;
    const t = scanTypeOf(m);
    return t === null || sel.scanTypes.includes(t);
  };
}
