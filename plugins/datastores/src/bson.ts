/**
 * BSON (https://bsonspec.org/spec.html), bounded both ways:
 *
 *   document ::= int32le total_length  e_list  0x00
 *   element  ::= u8 type  cstring name  value
 *
 * The decoder turns a document into a JsonValue (doubles, int32/int64,
 * strings, booleans, null, documents and arrays; other types become a short
 * tag string) and gives null for anything malformed: a length that does not
 * fit, a missing terminator, an unknown type, nesting past MAX_DEPTH or more
 * than MAX_ELEMENTS elements in all. The encoder writes the few shapes a
 * command needs (int32, string, document).
 */

import { JsonValue, utf8Bytes, utf8String } from "../../../sdk/assemblyscript/index";
import { ByteReader } from "../../../sdk/assemblyscript/index";

export const MAX_DEPTH: i32 = 16;
export const MAX_ELEMENTS: i32 = 2048;
const MAX_NAME: i32 = 256;
/** Strings kept in the decoded value (longer ones are cut). */
const MAX_STRING: i32 = 1024;

/** Decode budget shared by a document and everything inside it. */
class Budget {
  elements: i32 = 0;
}

/** The BSON document at the start of `data` (its declared length must fit), or null. */
export function decodeBson(data: Uint8Array): JsonValue | null {
  return decodeDoc(new ByteReader(data), false, 0, new Budget());
}

/** The length a document at `r.pos` declares, checked against what is there; -1 when it does not fit. */
function docLength(r: ByteReader): i32 {
  if (!r.has(5)) return -1;
  const len = new ByteReader(r.data, r.pos).i32le();
  if (len < 5 || !r.has(len)) return -1;
  return len;
}

function decodeDoc(r: ByteReader, isArray: bool, depth: i32, budget: Budget): JsonValue | null {
  if (depth > MAX_DEPTH) return null;
  const len = docLength(r);
  if (len < 0) return null;
  const end = r.pos + len;
  if (r.data[end - 1] != 0) return null;
  const inner = new ByteReader(r.data.subarray(0, end - 1), r.pos + 4);
  const out = isArray ? JsonValue.arr() : JsonValue.obj();
  while (inner.left() > 0) {
    if (++budget.elements > MAX_ELEMENTS) return null;
    const type = inner.u8();
    const name = inner.cstring(MAX_NAME);
    if (!inner.ok) return null;
    const v = decodeValue(inner, type, depth, budget);
    if (v === null) return null;
    if (isArray) out.push(v);
    else out.set(name, v);
  }
  r.pos = end;
  return out;
}

function decodeValue(r: ByteReader, type: i32, depth: i32, budget: Budget): JsonValue | null {
  switch (type) {
    case 0x01: {
      const f = r.f64le();
      return r.ok ? JsonValue.num(f) : null;
    }
    case 0x02:
    case 0x0d:
    case 0x0e: {
      const s = readString(r);
      return s === null ? null : JsonValue.str(s);
    }
    case 0x03:
      return decodeDoc(r, false, depth + 1, budget);
    case 0x04:
      return decodeDoc(r, true, depth + 1, budget);
    case 0x05: {
      const n = r.i32le();
      if (!r.ok || n < 0) return null;
      r.skip(n + 1); // subtype + bytes
      return r.ok ? JsonValue.str("<binary>") : null;
    }
    case 0x06:
    case 0x0a:
    case 0x7f:
    case 0xff:
      return JsonValue.null();
    case 0x07:
      r.skip(12);
      return r.ok ? JsonValue.str("<objectid>") : null;
    case 0x08: {
      const b = r.u8();
      return r.ok && b <= 1 ? JsonValue.bool(b == 1) : null;
    }
    case 0x09:
    case 0x11:
    case 0x12: {
      const v = r.i64le();
      return r.ok ? JsonValue.int(v) : null;
    }
    case 0x0b:
      r.cstring(4096);
      r.cstring(64);
      return r.ok ? JsonValue.str("<regex>") : null;
    case 0x0c:
      if (readString(r) === null) return null;
      r.skip(12);
      return r.ok ? JsonValue.str("<dbpointer>") : null;
    case 0x0f: {
      // code with scope: int32 total, string, document
      const total = r.i32le();
      if (!r.ok || total < 14 || !r.has(total - 4)) return null;
      r.skip(total - 4);
      return r.ok ? JsonValue.str("<code>") : null;
    }
    case 0x10: {
      const v = r.i32le();
      return r.ok ? JsonValue.int(<i64>v) : null;
    }
    case 0x13:
      r.skip(16);
      return r.ok ? JsonValue.str("<decimal128>") : null;
  }
  return null;
}

/** int32le length (NUL included), UTF-8 bytes, NUL. */
function readString(r: ByteReader): string | null {
  const n = r.i32le();
  if (!r.ok || n < 1 || !r.has(n)) return null;
  const bytes = r.bytes(n);
  if (bytes[n - 1] != 0) return null;
  const body = bytes.subarray(0, min(n - 1, MAX_STRING));
  return utf8String(body);
}

/**
 * A BSON document writer for command documents.
 *
 * @example
 *   const doc = new BsonWriter().int32("isMaster", 1).string("$db", "admin").finish();
 */
export class BsonWriter {
  private buf: u8[] = [];

  constructor() {
    for (let i = 0; i < 4; i++) this.buf.push(0);
  }

  int32(name: string, v: i32): BsonWriter {
    this.head(0x10, name);
    this.le32(v);
    return this;
  }

  string(name: string, s: string): BsonWriter {
    this.head(0x02, name);
    const b = utf8Bytes(s);
    this.le32(b.length + 1);
    for (let i = 0; i < b.length; i++) this.buf.push(b[i]);
    this.buf.push(0);
    return this;
  }

  document(name: string, doc: Uint8Array): BsonWriter {
    this.head(0x03, name);
    for (let i = 0; i < doc.length; i++) this.buf.push(doc[i]);
    return this;
  }

  finish(): Uint8Array {
    this.buf.push(0);
    const n = this.buf.length;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.buf[i];
    out[0] = <u8>(n & 0xff);
    out[1] = <u8>((n >> 8) & 0xff);
    out[2] = <u8>((n >> 16) & 0xff);
    out[3] = <u8>((n >> 24) & 0xff);
    return out;
  }

  private head(type: u8, name: string): void {
    this.buf.push(type);
    const b = utf8Bytes(name);
    for (let i = 0; i < b.length; i++) if (b[i] != 0) this.buf.push(b[i]);
    this.buf.push(0);
  }

  private le32(v: i32): void {
    this.buf.push(<u8>(v & 0xff));
    this.buf.push(<u8>((v >> 8) & 0xff));
    this.buf.push(<u8>((v >> 16) & 0xff));
    this.buf.push(<u8>((v >> 24) & 0xff));
  }
}
