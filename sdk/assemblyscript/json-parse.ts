/**
 * A strict RFC 8259 parser over an AssemblyScript (UTF-16) string. Hostile
 * input is the normal case here: every failure (truncation, bad escape, raw
 * control character, leading zero, trailing garbage, nesting past
 * MAX_JSON_DEPTH) returns null, and no input can make it trap or recurse
 * without bound.
 */

import { JsonValue } from "./json";
import { StrBuf } from "./strbuf";

/** Arrays and objects nested deeper than this are refused. */
export const MAX_JSON_DEPTH: i32 = 64;

/** Parses `text`; null when it is not exactly one well-formed JSON value (surrounding whitespace allowed). */
export function parseJson(text: string): JsonValue | null {
  const p = new Parser(text);
  p.ws();
  const v = p.value(0);
  if (v === null) return null;
  p.ws();
  return p.pos == p.end ? v : null;
}

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

class Parser {
  src: string;
  pos: i32 = 0;
  end: i32;

  constructor(src: string) {
    this.src = src;
    this.end = src.length;
  }

  /** The code unit at `i`, or -1 past the end (so truncation is just "unexpected character"). */
  @inline peekAt(i: i32): i32 {
    return i < this.end ? <i32>load<u16>(changetype<usize>(this.src) + (<usize>i << 1)) : -1;
  }

  ws(): void {
    let i = this.pos;
    while (i < this.end) {
      const c = this.peekAt(i);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      i++;
    }
    this.pos = i;
  }

  value(depth: i32): JsonValue | null {
    const c = this.peekAt(this.pos);
    if (c == 0x7b) return this.object(depth + 1);
    if (c == 0x5b) return this.array(depth + 1);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : JsonValue.str(s);
    }
    if (c == 0x2d || isDigit(c)) return this.number();
    if (this.literal("true")) return JsonValue.bool(true);
    if (this.literal("false")) return JsonValue.bool(false);
    if (this.literal("null")) return JsonValue.null();
    return null;
  }

  literal(word: string): bool {
    const n = word.length;
    if (this.pos + n > this.end) return false;
    for (let i = 0; i < n; i++) {
      if (this.peekAt(this.pos + i) != <i32>word.charCodeAt(i)) return false;
    }
    this.pos += n;
    return true;
  }

  object(depth: i32): JsonValue | null {
    if (depth > MAX_JSON_DEPTH) return null;
    this.pos++; // {
    const obj = JsonValue.obj();
    this.ws();
    if (this.peekAt(this.pos) == 0x7d) {
      this.pos++;
      return obj;
    }
    while (true) {
      if (this.peekAt(this.pos) != 0x22) return null;
      const key = this.string();
      if (key === null) return null;
      this.ws();
      if (this.peekAt(this.pos) != 0x3a) return null;
      this.pos++;
      this.ws();
      const v = this.value(depth);
      if (v === null) return null;
      obj.set(key, v); // a repeated key keeps its first position and its last value, as JSON.parse does
      this.ws();
      const c = this.peekAt(this.pos);
      this.pos++;
      if (c == 0x7d) return obj;
      if (c != 0x2c) return null;
      this.ws();
    }
    return null;
  }

  array(depth: i32): JsonValue | null {
    if (depth > MAX_JSON_DEPTH) return null;
    this.pos++; // [
    const arr = JsonValue.arr();
    this.ws();
    if (this.peekAt(this.pos) == 0x5d) {
      this.pos++;
      return arr;
    }
    while (true) {
      const v = this.value(depth);
      if (v === null) return null;
      arr.push(v);
      this.ws();
      const c = this.peekAt(this.pos);
      this.pos++;
      if (c == 0x5d) return arr;
      if (c != 0x2c) return null;
      this.ws();
    }
    return null;
  }

  /** A string literal starting at the opening quote. Escape-free strings are one substring copy. */
  string(): string | null {
    const start = this.pos + 1;
    let i = start;
    while (true) {
      const c = this.peekAt(i);
      if (c < 0x20) return null; // truncated (-1) or a raw control character (RFC 8259 §7)
      if (c == 0x22) {
        this.pos = i + 1;
        return this.src.substring(start, i);
      }
      if (c == 0x5c) break;
      i++;
    }
    const sb = new StrBuf(i - start + 16);
    sb.slice(this.src, start, i);
    while (true) {
      const c = this.peekAt(i);
      if (c < 0x20) return null;
      if (c == 0x22) {
        this.pos = i + 1;
        return sb.toString();
      }
      if (c != 0x5c) {
        sb.code(c);
        i++;
        continue;
      }
      const e = this.peekAt(i + 1);
      i += 2;
      if (e == 0x22 || e == 0x5c || e == 0x2f) sb.code(e);
      else if (e == 0x6e) sb.code(0x0a);
      else if (e == 0x74) sb.code(0x09);
      else if (e == 0x72) sb.code(0x0d);
      else if (e == 0x62) sb.code(0x08);
      else if (e == 0x66) sb.code(0x0c);
      else if (e == 0x75) {
        let u = 0;
        for (let k = 0; k < 4; k++) {
          const h = hexVal(this.peekAt(i + k));
          if (h < 0) return null;
          u = (u << 4) | h;
        }
        i += 4;
        // UTF-16 code units are stored as-is, so a \uD83D\uDE00 pair becomes
        // one astral character and a lone surrogate survives as JSON.parse keeps it.
        sb.code(u);
      } else return null;
    }
    return null;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — integers without fraction or exponent stay exact when they fit i64. */
  number(): JsonValue | null {
    const start = this.pos;
    let i = start;
    let neg = false;
    if (this.peekAt(i) == 0x2d) {
      neg = true;
      i++;
    }
    const intStart = i;
    const first = this.peekAt(i);
    if (first == 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) {
      while (isDigit(this.peekAt(i))) i++;
    } else return null;
    const intEnd = i;
    let isFloat = false;
    if (this.peekAt(i) == 0x2e) {
      i++;
      if (!isDigit(this.peekAt(i))) return null;
      while (isDigit(this.peekAt(i))) i++;
      isFloat = true;
    }
    const e = this.peekAt(i);
    if (e == 0x65 || e == 0x45) {
      i++;
      const sign = this.peekAt(i);
      if (sign == 0x2b || sign == 0x2d) i++;
      if (!isDigit(this.peekAt(i))) return null;
      while (isDigit(this.peekAt(i))) i++;
      isFloat = true;
    }
    this.pos = i;
    if (!isFloat && intEnd - intStart <= 18) {
      // 18 digits always fit in i64, so no overflow check is needed.
      let n: i64 = 0;
      for (let k = intStart; k < intEnd; k++) n = n * 10 + <i64>(this.peekAt(k) - 0x30);
      return JsonValue.int(neg ? -n : n);
    }
    return JsonValue.num(parseFloat(this.src.substring(start, i)));
  }
}
