/**
 * pentora's port rankings (sdk/assemblyscript/data/top-ports-*.txt, compiled
 * in through top-ports-data.ts): which ports to probe first, and what
 * `--top-ports N` means.
 *
 * @example
 *   const all = parsePortSpec("-")!;
 *   topPorts(all, 100, "tcp")   // the 100 highest-ranked TCP ports: [80, 443, 22, ...]
 *   rankPorts(parsePortSpec("1-1024")!, "udp") // 1-1024, ranked UDP ports first
 */

import { TOP_TCP, TOP_UDP } from "./top-ports-data";
import { parsePortSpec } from "./ports";

const MAX_PORT: i32 = 65535;

/** The ranking for `protocol` ("tcp" or "udp"; anything else ranks nothing). */
function rankingOf(protocol: string): StaticArray<u16> {
  if (protocol == "udp") return TOP_UDP;
  if (protocol == "tcp") return TOP_TCP;
  return new StaticArray<u16>(0);
}

/** How many ports the ranking for `protocol` lists explicitly. */
export function rankedPortCount(protocol: string): i32 {
  return rankingOf(protocol).length;
}

/**
 * The ports of `ports` (1..65535; duplicates and out-of-range values are
 * dropped), the ranked ones first in rank order, then the others ascending.
 */
export function rankPorts(ports: i32[], protocol: string): i32[] {
  return topPorts(ports, MAX_PORT, protocol);
}

/**
 * The first `n` ports of `rankPorts(ports, protocol)`: the n most likely to
 * be open. `n <= 0` gives an empty list.
 */
export function topPorts(ports: i32[], n: i32, protocol: string): i32[] {
  const out = new Array<i32>();
  if (n <= 0) return out;
  const member = new StaticArray<u8>(MAX_PORT + 1);
  for (let i = 0; i < ports.length; i++) {
    const p = unchecked(ports[i]);
    if (p >= 1 && p <= MAX_PORT) unchecked((member[p] = 1));
  }
  const ranking = rankingOf(protocol);
  for (let i = 0; i < ranking.length && out.length < n; i++) {
    const p = <i32>unchecked(ranking[i]);
    if (unchecked(member[p]) == 0) continue;
    unchecked((member[p] = 0));
    out.push(p);
  }
  for (let p = 1; p <= MAX_PORT && out.length < n; p++) if (unchecked(member[p]) != 0) out.push(p);
  return out;
}

/**
 * The ports a scanner's config selects: `spec` in nmap -p syntax, narrowed
 * to its `top` highest-ranked ports when `top` > 0 (then in rank order, so
 * the likeliest ports are probed first; otherwise ascending). null when the
 * spec is malformed.
 */
export function selectPorts(spec: string, top: i32, protocol: string): i32[] | null {
  const ports = parsePortSpec(spec);
  if (ports === null) return null;
  return top > 0 ? topPorts(ports, top, protocol) : ports;
}
