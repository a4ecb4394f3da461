/**
 * A total order on host strings for the report: IPv4 addresses numerically,
 * then IPv6 addresses numerically (RFC 4291 §2.2 text forms, "::"
 * compression and an embedded dotted quad included), then names
 * case-insensitively. Sorting on a fixed-width key makes the order
 * independent of how the context happened to be merged.
 */

function hex4(n: i32): string {
  let s = "";
  for (let shift = 12; shift >= 0; shift -= 4) s += String.fromCharCode(<i32>"0123456789abcdef".charCodeAt((n >> shift) & 0xf));
  return s;
}

/** The four octets of a dotted quad, or null. */
export function parseIPv4(s: string): i32[] | null {
  const parts = s.split(".");
  if (parts.length != 4) return null;
  const out = new Array<i32>(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 3) return null;
    let n = 0;
    for (let k = 0; k < p.length; k++) {
      const c = <i32>p.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return null;
      n = n * 10 + (c - 0x30);
    }
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseGroup(g: string): i32 {
  if (g.length == 0 || g.length > 4) return -1;
  let n = 0;
  for (let i = 0; i < g.length; i++) {
    const c = <i32>g.charCodeAt(i);
    let v = -1;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    if (v < 0) return -1;
    n = (n << 4) | v;
  }
  return n;
}

/** Parses one side of "::" into 16-bit groups (a trailing dotted quad counts as two); null when malformed. */
function groups(side: string, allowQuad: bool): i32[] | null {
  const out = new Array<i32>();
  if (side.length == 0) return out;
  const parts = side.split(":");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (allowQuad && i == parts.length - 1 && p.includes(".")) {
      const q = parseIPv4(p);
      if (q === null) return null;
      out.push((q[0] << 8) | q[1]);
      out.push((q[2] << 8) | q[3]);
      continue;
    }
    const g = parseGroup(p);
    if (g < 0) return null;
    out.push(g);
  }
  return out;
}

/** The eight 16-bit groups of an IPv6 address (a "%zone" suffix is ignored), or null. */
export function parseIPv6(text: string): i32[] | null {
  let s = text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.substring(0, zone);
  if (!s.includes(":")) return null;
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    const head = groups(s.substring(0, dbl), false);
    const tail = groups(s.substring(dbl + 2), true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    const out = head.slice(0);
    for (let i = head.length + tail.length; i < 8; i++) out.push(0);
    for (let i = 0; i < tail.length; i++) out.push(tail[i]);
    return out;
  }
  const all = groups(s, true);
  return all !== null && all.length == 8 ? all : null;
}

/** A string that sorts hosts in report order. */
export function hostSortKey(host: string): string {
  const v4 = parseIPv4(host);
  // The original text is appended so two spellings of one address ("010.0.0.1") stay distinct.
  if (v4 !== null) return "4" + hex4((v4[0] << 8) | v4[1]) + hex4((v4[2] << 8) | v4[3]) + host;
  const v6 = parseIPv6(host);
  if (v6 !== null) {
    let k = "6";
    for (let i = 0; i < 8; i++) k += hex4(v6[i]);
    return k + host;
  }
  return "n" + host.toLowerCase() + "\u0000" + host;
}

/** Hosts sorted and deduplicated in report order. */
export function sortHosts(hosts: string[]): string[] {
  const keyed = new Map<string, string>();
  for (let i = 0; i < hosts.length; i++) keyed.set(hostSortKey(hosts[i]), hosts[i]);
  const keys = keyed.keys();
  keys.sort((a: string, b: string): i32 => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = keyed.get(keys[i]);
  return out;
}
