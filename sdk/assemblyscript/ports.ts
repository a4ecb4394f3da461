/**
 * Port specifications as nmap's `-p` takes them: "22,80,443", ranges
 * "1-1024", open ranges "-1024" (from 1) and "60000-" (to 65535), and "-"
 * for every port. Port 0 is refused: it cannot be connected to.
 */

const MAX_PORT: i32 = 65535;

function parsePort(s: string, start: i32, end: i32): i32 {
  if (start >= end || end - start > 5) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = <i32>s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n >= 1 && n <= MAX_PORT ? n : -1;
}

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** The ports of `spec`, ascending and without duplicates; null when malformed or empty. */
export function parsePortSpec(spec: string): i32[] | null {
  const seen = new StaticArray<u8>(MAX_PORT + 1);
  const n = spec.length;
  let any = false;
  let i = 0;
  while (i <= n) {
    let end = spec.indexOf(",", i);
    if (end < 0) end = n;
    let a = i;
    let b = end;
    while (a < b && isSpace(spec.charCodeAt(a))) a++;
    while (b > a && isSpace(spec.charCodeAt(b - 1))) b--;
    if (a == b) return null; // empty item: ",," or a trailing comma
    const dash = spec.indexOf("-", a);
    let lo: i32;
    let hi: i32;
    if (dash < 0 || dash >= b) {
      lo = parsePort(spec, a, b);
      hi = lo;
    } else {
      lo = dash == a ? 1 : parsePort(spec, a, dash);
      hi = dash + 1 == b ? MAX_PORT : parsePort(spec, dash + 1, b);
    }
    if (lo < 0 || hi < 0 || lo > hi) return null;
    for (let p = lo; p <= hi; p++) unchecked((seen[p] = 1));
    any = true;
    i = end + 1;
  }
  if (!any) return null;
  const out = new Array<i32>();
  for (let p = 1; p <= MAX_PORT; p++) if (unchecked(seen[p])) out.push(p);
  return out;
}

/** A compact spec for sorted `ports` ("22,80,8000-8010"), for logs and summaries. */
export function formatPortSpec(ports: i32[]): string {
  let out = "";
  let i = 0;
  const n = ports.length;
  while (i < n) {
    let j = i;
    while (j + 1 < n && unchecked(ports[j + 1]) == unchecked(ports[j]) + 1) j++;
    if (out.length > 0) out += ",";
    out += unchecked(ports[i]).toString();
    if (j > i) out += "-" + unchecked(ports[j]).toString();
    i = j + 1;
  }
  return out;
}
