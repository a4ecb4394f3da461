/**
 * JSON values for plugins (RFC 8259): a small DOM with typed getters and
 * chainable setters. Everything a plugin receives from the host is JSON, and
 * much of it (banners, config) is shaped by whoever is on the far side of a
 * socket, so the parser never traps: malformed, truncated or too-deep input
 * yields null.
 *
 * @example
 *   const rec = JsonValue.obj().setStr("host", "10.0.0.5").setInt("port", 22);
 *   const v = parseJson('{"a":[1,2.5e3,"\\u00e9"]}');
 *   if (v !== null) v.get("a")!.at(1).asNum(); // 2500
 */

import { StrBuf } from "./strbuf";

export const JSON_NULL: u8 = 0;
export const JSON_BOOL: u8 = 1;
/** A float; `isNum()` is true for both NUM and INT. */
export const JSON_NUM: u8 = 2;
/** An integer kept exactly as i64 (ids, byte counts past 2^53). */
export const JSON_INT: u8 = 3;
export const JSON_STR: u8 = 4;
export const JSON_ARR: u8 = 5;
export const JSON_OBJ: u8 = 6;

/** Objects this large get a hash index; smaller ones are scanned linearly. */
const INDEX_THRESHOLD: i32 = 8;

export class JsonValue {
  kind: u8 = JSON_NULL;
  /** BOOL (0/1), NUM, or INT's bits (reinterpreted). */
  private num: f64 = 0;
  private s: string = "";
  /** ARR items, or OBJ values (parallel to `names`). */
  private items: JsonValue[] | null = null;
  private names: string[] | null = null;
  private index: Map<string, i32> | null = null;

  static null(): JsonValue {
    return new JsonValue();
  }
  static bool(b: bool): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_BOOL;
    v.num = b ? 1 : 0;
    return v;
  }
  static num(n: f64): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_NUM;
    v.num = n;
    return v;
  }
  static int(n: i64): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_INT;
    v.num = reinterpret<f64>(n);
    return v;
  }
  static str(s: string): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_STR;
    v.s = s;
    return v;
  }
  static arr(): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_ARR;
    v.items = [];
    return v;
  }
  /**
   * An array of the strings in `list`, in order.
   *
   * @example
   *   fields.set("extensions", JsonValue.strs(["PIPELINING", "STARTTLS"])); // ["PIPELINING","STARTTLS"]
   */
  static strs(list: string[]): JsonValue {
    const a = JsonValue.arr();
    for (let i = 0; i < list.length; i++) a.items!.push(JsonValue.str(unchecked(list[i])));
    return a;
  }
  static obj(): JsonValue {
    const v = new JsonValue();
    v.kind = JSON_OBJ;
    v.items = [];
    v.names = [];
    return v;
  }

  isNull(): bool { return this.kind == JSON_NULL; }
  isBool(): bool { return this.kind == JSON_BOOL; }
  isNum(): bool { return this.kind == JSON_NUM || this.kind == JSON_INT; }
  /** True for numbers held exactly as integers (parsed without fraction or exponent, or built with `int`). */
  isInt(): bool { return this.kind == JSON_INT; }
  isStr(): bool { return this.kind == JSON_STR; }
  isArr(): bool { return this.kind == JSON_ARR; }
  isObj(): bool { return this.kind == JSON_OBJ; }

  /** The boolean, or false for any other kind. */
  asBool(): bool { return this.kind == JSON_BOOL && this.num != 0; }

  /** The number as f64, or 0 for any other kind. */
  asNum(): f64 {
    if (this.kind == JSON_NUM) return this.num;
    if (this.kind == JSON_INT) return <f64>reinterpret<i64>(this.num);
    return 0;
  }

  /** The number as i64 (floats truncate toward zero; NaN and out-of-range give 0). */
  asInt(): i64 {
    if (this.kind == JSON_INT) return reinterpret<i64>(this.num);
    if (this.kind == JSON_NUM) {
      const n = this.num;
      // 2^63 is exactly representable; anything at or past it would trap i64.trunc.
      if (isNaN(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) return 0;
      return <i64>n;
    }
    return 0;
  }

  /** The string, or "" for any other kind. */
  asStr(): string { return this.kind == JSON_STR ? this.s : ""; }

  /** Number of array items or object members; 0 for other kinds. */
  len(): i32 {
    const items = this.items;
    return items === null ? 0 : items.length;
  }

  /** The i-th array item; a JSON null when out of range or not an array. */
  at(i: i32): JsonValue {
    const items = this.items;
    if (this.kind != JSON_ARR || items === null || i < 0 || i >= items.length) return new JsonValue();
    return unchecked(items[i]);
  }

  /** The array's items (the live list, not a copy); empty for other kinds. */
  values(): JsonValue[] {
    const items = this.items;
    return this.kind == JSON_ARR && items !== null ? items : [];
  }

  private find(key: string): i32 {
    const names = this.names;
    if (names === null) return -1;
    const n = names.length;
    if (n > INDEX_THRESHOLD) {
      let idx = this.index;
      if (idx === null) {
        idx = new Map<string, i32>();
        for (let i = 0; i < n; i++) idx.set(unchecked(names[i]), i);
        this.index = idx;
      }
      return idx.has(key) ? idx.get(key) : -1;
    }
    for (let i = 0; i < n; i++) if (unchecked(names[i]) == key) return i;
    return -1;
  }

  /** The member `key` of an object, or null when absent (or not an object). */
  get(key: string): JsonValue | null {
    const i = this.find(key);
    return i < 0 ? null : unchecked(this.items![i]);
  }

  has(key: string): bool { return this.find(key) >= 0; }

  /** Member names in insertion order (a copy). */
  keys(): string[] {
    const names = this.names;
    return names === null ? [] : names.slice(0);
  }

  getStr(key: string, dflt: string = ""): string {
    const v = this.get(key);
    return v !== null && v.kind == JSON_STR ? v.s : dflt;
  }
  getInt(key: string, dflt: i64 = 0): i64 {
    const v = this.get(key);
    return v !== null && v.isNum() ? v.asInt() : dflt;
  }
  getNum(key: string, dflt: f64 = 0.0): f64 {
    const v = this.get(key);
    return v !== null && v.isNum() ? v.asNum() : dflt;
  }
  getBool(key: string, dflt: bool = false): bool {
    const v = this.get(key);
    return v !== null && v.kind == JSON_BOOL ? v.num != 0 : dflt;
  }
  /** The items of array member `key`; empty when missing or not an array. */
  getArr(key: string): JsonValue[] {
    const v = this.get(key);
    return v !== null ? v.values() : [];
  }

  /** Sets member `key` (replacing in place, keeping its position). No-op unless an object. */
  set(key: string, v: JsonValue): JsonValue {
    if (this.kind != JSON_OBJ) return this;
    const i = this.find(key);
    if (i >= 0) {
      this.items![i] = v;
      return this;
    }
    const names = this.names!;
    const idx = this.index;
    if (idx !== null) idx.set(key, names.length);
    names.push(key);
    this.items!.push(v);
    return this;
  }
  setStr(key: string, s: string): JsonValue { return this.set(key, JsonValue.str(s)); }
  setInt(key: string, n: i64): JsonValue { return this.set(key, JsonValue.int(n)); }
  setNum(key: string, n: f64): JsonValue { return this.set(key, JsonValue.num(n)); }
  setBool(key: string, b: bool): JsonValue { return this.set(key, JsonValue.bool(b)); }

  /** Appends to an array. No-op unless an array. */
  push(v: JsonValue): JsonValue {
    if (this.kind == JSON_ARR) this.items!.push(v);
    return this;
  }

  /** Compact RFC 8259 text; NaN and ±Infinity serialise as null. */
  toString(): string {
    const sb = new StrBuf(64);
    this.write(sb, 0);
    return sb.toString();
  }

  /** Indented text (`indent` spaces per level, like JSON.stringify(v, null, indent)), for files people read. */
  toPretty(indent: i32 = 2): string {
    const sb = new StrBuf(256);
    this.writePretty(sb, max(indent, 0), 0);
    return sb.toString();
  }

  private writePretty(sb: StrBuf, indent: i32, depth: i32): void {
    const items = this.items;
    if ((this.kind != JSON_ARR && this.kind != JSON_OBJ) || items === null || items.length == 0 || depth > 1000) {
      this.write(sb, depth);
      return;
    }
    const names = this.names;
    sb.code(names === null ? 0x5b : 0x7b);
    for (let i = 0, n = items.length; i < n; i++) {
      if (i > 0) sb.code(0x2c);
      newline(sb, indent, depth + 1);
      if (names !== null) {
        writeString(sb, unchecked(names[i]));
        sb.str(indent > 0 ? ": " : ":");
      }
      unchecked(items[i]).writePretty(sb, indent, depth + 1);
    }
    newline(sb, indent, depth);
    sb.code(names === null ? 0x5d : 0x7d);
  }

  /** Serialises into `sb`; `depth` stops a value that contains itself from overflowing the stack. */
  write(sb: StrBuf, depth: i32): void {
    if (depth > 1000) {
      sb.str("null");
      return;
    }
    switch (this.kind) {
      case JSON_BOOL:
        sb.str(this.num != 0 ? "true" : "false");
        break;
      case JSON_NUM:
        writeNumber(sb, this.num);
        break;
      case JSON_INT:
        sb.str(reinterpret<i64>(this.num).toString());
        break;
      case JSON_STR:
        writeString(sb, this.s);
        break;
      case JSON_ARR: {
        const items = this.items!;
        sb.code(0x5b); // [
        for (let i = 0, n = items.length; i < n; i++) {
          if (i > 0) sb.code(0x2c);
          unchecked(items[i]).write(sb, depth + 1);
        }
        sb.code(0x5d);
        break;
      }
      case JSON_OBJ: {
        const items = this.items!;
        const names = this.names!;
        sb.code(0x7b); // {
        for (let i = 0, n = names.length; i < n; i++) {
          if (i > 0) sb.code(0x2c);
          writeString(sb, unchecked(names[i]));
          sb.code(0x3a);
          unchecked(items[i]).write(sb, depth + 1);
        }
        sb.code(0x7d);
        break;
      }
      default:
        sb.str("null");
    }
  }
}

function newline(sb: StrBuf, indent: i32, depth: i32): void {
  if (indent == 0) return;
  sb.code(0x0a);
  for (let i = 0, n = indent * depth; i < n; i++) sb.code(0x20);
}

/** Numbers as JavaScript prints them: integral values without AssemblyScript's trailing ".0". */
function writeNumber(sb: StrBuf, n: f64): void {
  if (!isFinite(n)) {
    sb.str("null");
    return;
  }
  // |n| < 2^53: the integer conversion is exact and prints like JSON.stringify.
  if (n == Math.trunc(n) && Math.abs(n) < 9007199254740992.0) {
    sb.str((<i64>n).toString());
    return;
  }
  const t = n.toString();
  if (t.endsWith(".0")) sb.slice(t, 0, t.length - 2);
  else sb.str(t);
}

const HEX = "0123456789abcdef";

function writeEscape(sb: StrBuf, c: i32): void {
  sb.str("\\u00");
  sb.code(HEX.charCodeAt((c >> 4) & 0xf));
  sb.code(HEX.charCodeAt(c & 0xf));
}

function writeUnit(sb: StrBuf, c: i32): void {
  sb.str("\\u");
  sb.code(HEX.charCodeAt((c >> 12) & 0xf));
  sb.code(HEX.charCodeAt((c >> 8) & 0xf));
  sb.code(HEX.charCodeAt((c >> 4) & 0xf));
  sb.code(HEX.charCodeAt(c & 0xf));
}

/**
 * A JSON string literal. Escapes `"`, `\`, every control character below
 * 0x20 (RFC 8259 §7), and lone surrogates, which have no UTF-8 encoding and
 * would otherwise reach the host as U+FFFD.
 */
export function writeString(sb: StrBuf, s: string): void {
  sb.code(0x22);
  const n = s.length;
  let run = 0; // start of the pending run of characters that need no escape
  for (let i = 0; i < n; i++) {
    const c = <i32>s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c && (c < 0xd800 || c > 0xdfff)) continue;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = <i32>s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++; // a well-formed pair passes through
        continue;
      }
    }
    sb.slice(s, run, i);
    run = i + 1;
    if (c == 0x22) sb.str('\\"');
    else if (c == 0x5c) sb.str("\\\\");
    else if (c == 0x0a) sb.str("\\n");
    else if (c == 0x0d) sb.str("\\r");
    else if (c == 0x09) sb.str("\\t");
    else if (c == 0x08) sb.str("\\b");
    else if (c == 0x0c) sb.str("\\f");
    else if (c < 0x20) writeEscape(sb, c);
    else writeUnit(sb, c); // lone surrogate
  }
  sb.slice(s, run, n);
  sb.code(0x22);
}

/** A JSON string literal for `s` (with quotes). */
export function quoteJson(s: string): string {
  const sb = new StrBuf(s.length + 2);
  writeString(sb, s);
  return sb.toString();
}

export { parseJson, MAX_JSON_DEPTH } from "./json-parse";
