/**
 * Which hosts a scanner probes: the distinct `targets` the host wrote, minus
 * the ones host discovery found down. Discovery modules write
 * `discovered_hosts` records with `alive`; a host counts as up when any
 * record says so (one method may miss what another finds). When nothing
 * wrote `discovered_hosts` — no discovery ran, or it could not (no raw
 * sockets) — every target is scanned, as with nmap's -Pn.
 *
 * @example
 *   const h = scanHosts(true); // the manifest lists discovered_hosts in `optional`
 *   ctx.summary.setInt("hosts", h.hosts.length).setInt("hosts_down", h.down);
 */

import { ContextRecords } from "./pages";

export class ScanHosts {
  /** Hosts to probe, in target order, each once. */
  hosts: string[] = [];
  /** Distinct targets. */
  targets: i32 = 0;
  /** Targets left out because discovery found them down (or never saw them up). */
  down: i32 = 0;
  /** Whether discovered_hosts had records, i.e. the filter applied. */
  filtered: bool = false;
}

/**
 * Reads `targets` (and `discovered_hosts` when `useDiscovery`; the caller's
 * manifest must list it in `requires` or `optional`).
 */
export function scanHosts(useDiscovery: bool): ScanHosts {
  const out = new ScanHosts();
  const names = new Array<string>();
  const targets = new ContextRecords("targets");
  for (let t = targets.next(); t !== null; t = targets.next()) names.push(t.getStr("host"));
  const distinct = uniqueHosts(names);
  out.targets = distinct.length;
  if (!useDiscovery) {
    out.hosts = distinct;
    return out;
  }
  const up = new Set<string>();
  const found = new ContextRecords("discovered_hosts");
  for (let d = found.next(); d !== null; d = found.next()) {
    if (d.getBool("alive")) up.add(d.getStr("host"));
  }
  if (found.seen == 0) {
    out.hosts = distinct;
    return out;
  }
  out.filtered = true;
  for (let i = 0; i < distinct.length; i++) {
    const h = unchecked(distinct[i]);
    if (up.has(h)) out.hosts.push(h);
    else out.down++;
  }
  return out;
}

/** The distinct non-empty names of `hosts`, in first-seen order. */
export function uniqueHosts(hosts: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i];
    if (h.length == 0 || seen.has(h)) continue;
    seen.add(h);
    out.push(h);
  }
  return out;
}
