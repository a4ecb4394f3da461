/**
 * A bounded BER reader (ITU-T X.690 §8) for SNMP and LDAP replies: one TLV
 * at a time, definite lengths only (§8.1.3; SNMP and LDAP forbid the
 * indefinite form, RFC 3417 §8 and RFC 4511 §5.1), every length checked
 * against the bytes at hand. Hostile input gives null, never a trap.
 */

/** One TLV: `tag` (the identifier octet; high-tag-number forms are refused), content at [start, end). */
export class Tlv {
  tag: i32;
  start: i32;
  end: i32;

  constructor(tag: i32, start: i32, end: i32) {
    this.tag = tag;
    this.start = start;
    this.end = end;
  }

  get len(): i32 {
    return this.end - this.start;
  }

  /** Constructed encoding (bit 6 of the identifier, §8.1.2.5): its content is more TLVs. */
  get constructed(): bool {
    return (this.tag & 0x20) != 0;
  }
}

/** The TLV at `at` that must end by `limit`, or null (truncated, indefinite, a length past 2^31, tag number ≥ 31). */
export function readTlv(b: Uint8Array, at: i32, limit: i32): Tlv | null {
  limit = min(limit, b.length);
  if (at < 0 || at + 2 > limit) return null;
  const tag = <i32>b[at];
  if ((tag & 0x1f) == 0x1f) return null;
  let p = at + 1;
  let len = <i32>b[p++];
  if (len == 0x80) return null;
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > limit) return null;
    let v: u64 = 0;
    for (let i = 0; i < n; i++) v = (v << 8) | <u64>b[p++];
    if (v > <u64>(limit - p)) return null;
    len = <i32>v;
  }
  if (len > limit - p) return null;
  return new Tlv(tag, p, p + len);
}

/** The TLVs inside `outer`'s content, at most `maxItems`; null when one of them is malformed. */
export function children(b: Uint8Array, outer: Tlv, maxItems: i32): Tlv[] | null {
  const out: Tlv[] = [];
  let at = outer.start;
  while (at < outer.end && out.length < maxItems) {
    const t = readTlv(b, at, outer.end);
    if (t === null) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

/** A non-negative INTEGER/ENUMERATED value (§8.3) of at most 8 content octets; -1 when negative, empty or longer. */
export function uintOf(b: Uint8Array, t: Tlv): i64 {
  const n = t.len;
  if (n < 1 || n > 8) return -1;
  if ((b[t.start] & 0x80) != 0) return -1;
  let v: i64 = 0;
  for (let i = t.start; i < t.end; i++) v = (v << 8) | <i64>b[i];
  return v;
}

/** Arcs an OID may have before it is called hostile. */
const MAX_OID_ARCS: i32 = 64;

/** The dotted form of an OBJECT IDENTIFIER's content (§8.19); "" when malformed (an arc past 2^53, an unfinished arc). */
export function oidOf(b: Uint8Array, t: Tlv): string {
  if (t.len < 1) return "";
  let out = "";
  let v: u64 = 0;
  let arcs = 0;
  let first = true;
  for (let i = t.start; i < t.end; i++) {
    const c = <u64>b[i];
    if (v > (<u64>1 << 45)) return "";
    v = (v << 7) | (c & 0x7f);
    if ((c & 0x80) != 0) {
      if (i == t.end - 1) return "";
      continue;
    }
    if (first) {
      // The first subidentifier packs two arcs: 40 * X + Y with X in 0..2 (§8.19.4).
      const x: u64 = v < 40 ? 0 : v < 80 ? 1 : 2;
      out = x.toString() + "." + (v - x * 40).toString();
      first = false;
      arcs = 2;
    } else {
      out += "." + v.toString();
      arcs++;
    }
    if (arcs > MAX_OID_ARCS) return "";
    v = 0;
  }
  return out;
}

/** The content bytes of `t`. */
export function bytesOf(b: Uint8Array, t: Tlv): Uint8Array {
  return b.subarray(t.start, t.end);
}

/** Lower-case hex of `b`, at most `maxBytes` of it. */
export function hexOf(b: Uint8Array, maxBytes: i32): string {
  const n = min(b.length, maxBytes);
  let s = "";
  for (let i = 0; i < n; i++) {
    const v = <i32>b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}
