/**
 * A bounds-checked reader of DER (ITU-T X.690 §8, §10) for what X.509 needs:
 * one TLV at a time inside a window of a byte array. Every length is checked
 * against the enclosing window; indefinite lengths (§8.1.3.6, never valid in
 * DER), lengths over 2^31 and tags past the buffer end the read with null, so
 * hostile certificates give a partial result instead of a trap. The reader
 * never recurses: callers descend a fixed number of levels by hand.
 */

/** Universal tags (X.690 §8.4, X.680 §8.4). */
export const TAG_BOOLEAN: i32 = 0x01;
export const TAG_INTEGER: i32 = 0x02;
export const TAG_BIT_STRING: i32 = 0x03;
export const TAG_OCTET_STRING: i32 = 0x04;
export const TAG_NULL: i32 = 0x05;
export const TAG_OID: i32 = 0x06;
export const TAG_UTF8_STRING: i32 = 0x0c;
export const TAG_PRINTABLE_STRING: i32 = 0x13;
export const TAG_T61_STRING: i32 = 0x14;
export const TAG_IA5_STRING: i32 = 0x16;
export const TAG_UTC_TIME: i32 = 0x17;
export const TAG_GENERALIZED_TIME: i32 = 0x18;
export const TAG_UNIVERSAL_STRING: i32 = 0x1c;
export const TAG_BMP_STRING: i32 = 0x1e;
export const TAG_SEQUENCE: i32 = 0x30;
export const TAG_SET: i32 = 0x31;

/** One element: its identifier octet and where its contents lie in the buffer. */
export class Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31); high-tag-number forms are 0x1f | class bits. */
  tag: i32;
  /** Offset of the first identifier octet. */
  start: i32;
  /** Offset of the first content octet. */
  body: i32;
  /** Offset just past the contents. */
  end: i32;

  constructor(tag: i32, start: i32, body: i32, end: i32) {
    this.tag = tag;
    this.start = start;
    this.body = body;
    this.end = end;
  }

  get length(): i32 {
    return this.end - this.body;
  }
}

/** Reads the TLVs of `data[pos..end)` one after another. */
export class DerReader {
  data: Uint8Array;
  pos: i32;
  end: i32;
  /** Set when a read failed on malformed input (not at a clean end). */
  bad: bool = false;

  constructor(data: Uint8Array, pos: i32, end: i32) {
    this.data = data;
    this.pos = max(0, pos);
    this.end = min(max(end, this.pos), data.length);
  }

  /** A reader over the contents of `t`. */
  static inside(data: Uint8Array, t: Tlv): DerReader {
    return new DerReader(data, t.body, t.end);
  }

  atEnd(): bool {
    return this.pos >= this.end;
  }

  /** The next element, or null at the end of the window or on malformed input (then `bad`). */
  next(): Tlv | null {
    if (this.bad || this.pos >= this.end) return null;
    const d = this.data;
    const start = this.pos;
    let p = start;
    let tag = <i32>d[p++];
    if ((tag & 0x1f) == 0x1f) {
      // High tag number form (§8.1.2.4): skip the base-128 octets, at most 4.
      let k = 0;
      while (true) {
        if (p >= this.end || k >= 4) return this.fail();
        const c = d[p++];
        k++;
        if ((c & 0x80) == 0) break;
      }
    }
    if (p >= this.end) return this.fail();
    let len = <i32>d[p++];
    if (len == 0x80) return this.fail(); // indefinite length
    if (len > 0x80) {
      const n = len & 0x7f;
      if (n > 4) return this.fail();
      let v: u64 = 0;
      for (let i = 0; i < n; i++) {
        if (p >= this.end) return this.fail();
        v = (v << 8) | <u64>d[p++];
      }
      if (v > 0x7fffffff) return this.fail();
      len = <i32>v;
    }
    if (<i64>p + <i64>len > <i64>this.end) return this.fail();
    this.pos = p + len;
    return new Tlv(tag, start, p, p + len);
  }

  /** The next element if it has `tag` (consumed), else null with the position unchanged. */
  optional(tag: i32): Tlv | null {
    if (this.bad || this.pos >= this.end || <i32>this.data[this.pos] != tag) return null;
    return this.next();
  }

  /** The next element, or null unless it has `tag`. */
  expect(tag: i32): Tlv | null {
    const t = this.next();
    if (t === null) return null;
    if (t.tag != tag) {
      this.bad = true;
      return null;
    }
    return t;
  }

  private fail(): Tlv | null {
    this.bad = true;
    return null;
  }
}

/** Dotted decimal of an OBJECT IDENTIFIER's contents (X.690 §8.19); "" when malformed. At most 32 arcs. */
export function oidString(data: Uint8Array, t: Tlv): string {
  if (t.length == 0 || t.length > 64) return "";
  const parts: string[] = [];
  let v: u64 = 0;
  let digits = 0;
  for (let i = t.body; i < t.end; i++) {
    const c = data[i];
    if (digits == 0 && c == 0x80) return ""; // leading 0x80 is not minimal
    v = (v << 7) | <u64>(c & 0x7f);
    digits++;
    if (digits > 9) return "";
    if ((c & 0x80) == 0) {
      if (parts.length == 0) {
        const first: u64 = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(first.toString());
        parts.push((v - first * 40).toString());
      } else {
        parts.push(v.toString());
      }
      if (parts.length > 32) return "";
      v = 0;
      digits = 0;
    }
  }
  if (digits != 0) return "";
  return parts.join(".");
}

const HEX = "0123456789abcdef";

/** Lower-case hex of `data[from..to)`, at most `maxBytes` bytes of it. */
export function hexOf(data: Uint8Array, from: i32, to: i32, maxBytes: i32): string {
  const end = min(to, from + maxBytes);
  const out = new Array<string>(max(end - from, 0));
  for (let i = from; i < end; i++) {
    const b = <i32>data[i];
    out[i - from] = HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out.join("");
}

/** Bits in a big-endian unsigned integer (an INTEGER's contents, leading zero octets ignored). */
export function bitLength(data: Uint8Array, t: Tlv): i32 {
  let i = t.body;
  while (i < t.end && data[i] == 0) i++;
  if (i >= t.end) return 0;
  return (t.end - i - 1) * 8 + (32 - clz<i32>(<i32>data[i]));
}
