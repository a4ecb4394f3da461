/**
 * The HTML <title> of a response body: what a human sees in the tab, and
 * often the only place an appliance names itself ("Apache Tomcat/9.0.65",
 * "RouterOS router configuration page"). Pure functions over latin1 text.
 */

import { isDigit, isAlnum } from "../../../sdk/assemblyscript/index";

/** Body characters searched: titles live in <head>, near the top. */
const SEARCH: i32 = 65536;
/** Raw characters taken between the tags before decoding. */
const RAW_MAX: i32 = 1024;
/** Characters kept of the cleaned title. */
export const TITLE_MAX: i32 = 256;

/** Index of `needle` (lower-case ASCII) in `hay`, ignoring ASCII case, from `from`; -1 when absent. */
function indexOfLower(hay: string, needle: string, from: i32, limit: i32): i32 {
  const m = needle.length;
  const first = needle.charCodeAt(0);
  for (let i = from; i + m <= limit; i++) {
    let c = hay.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c != first) continue;
    let j = 1;
    for (; j < m; j++) {
      let d = hay.charCodeAt(i + j);
      if (d >= 0x41 && d <= 0x5a) d |= 0x20;
      if (d != needle.charCodeAt(j)) break;
    }
    if (j == m) return i;
  }
  return -1;
}

/** True when the latin1 string holds well-formed UTF-8 with at least one multi-byte sequence. */
function isUtf8(s: string): bool {
  let multi = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    // RFC 3629 §4: lead byte, then continuation bytes; the second byte's
    // range excludes overlong forms and surrogates.
    const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : -1;
    if (n < 0 || i + n >= s.length) return false;
    for (let k = 1; k <= n; k++) {
      const d = s.charCodeAt(i + k);
      let lo = 0x80;
      let hi = 0xbf;
      if (k == 1 && c == 0xe0) lo = 0xa0;
      if (k == 1 && c == 0xed) hi = 0x9f;
      if (k == 1 && c == 0xf0) lo = 0x90;
      if (k == 1 && c == 0xf4) hi = 0x8f;
      if (d < lo || d > hi) return false;
    }
    multi = true;
    i += n + 1;
  }
  return multi;
}

/** Re-reads latin1 text as UTF-8 (callers check `isUtf8` first). */
function fromUtf8(s: string): string {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = <u8>s.charCodeAt(i);
  return String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length);
}

/** Named entities common in titles; the rest stay as written. */
const ENT_NAMES: string[] = ["amp", "lt", "gt", "quot", "apos", "nbsp"];
const ENT_CHARS: string[] = ["&", "<", ">", "\"", "'", " "];

/** The character a `&...;` reference at `i` stands for, and where it ends; null when not a reference we decode. */
function entityAt(s: string, i: i32, out: i32[]): string | null {
  const semi = s.indexOf(";", i + 1);
  if (semi < 0 || semi - i > 10) return null;
  const body = s.substring(i + 1, semi);
  out[0] = semi + 1;
  if (body.startsWith("#")) {
    const hex = body.startsWith("#x") || body.startsWith("#X");
    let v = 0;
    const start = hex ? 2 : 1;
    if (body.length == start) return null;
    for (let k = start; k < body.length; k++) {
      const c = body.charCodeAt(k);
      let d = -1;
      if (isDigit(c)) d = c - 0x30;
      else if (hex && isAlnum(c)) d = (c | 0x20) - 0x61 + 10;
      if (d < 0 || d >= (hex ? 16 : 10)) return null;
      v = v * (hex ? 16 : 10) + d;
      if (v > 0x10ffff) return null;
    }
    if (v < 0x20 || (v >= 0xd800 && v <= 0xdfff)) return null;
    return String.fromCodePoint(v);
  }
  for (let k = 0; k < ENT_NAMES.length; k++) if (body == unchecked(ENT_NAMES[k])) return unchecked(ENT_CHARS[k]);
  return null;
}

/** Decodes character references and collapses whitespace runs to one space. */
function clean(raw: string): string {
  const parts: string[] = [];
  const out: i32[] = [0];
  let space = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0c) {
      space = parts.length > 0;
      continue;
    }
    let piece = String.fromCharCode(c);
    if (c == 0x26) {
      const e = entityAt(raw, i, out);
      if (e !== null) {
        piece = e;
        i = out[0] - 1;
      }
    } else if (c < 0x20 || c == 0x7f) {
      continue;
    }
    if (space) parts.push(" ");
    space = false;
    parts.push(piece);
  }
  return parts.join("");
}

/** The cleaned <title> text, or "" when the body has none. */
export function extractTitle(body: string): string {
  const limit = min(body.length, SEARCH);
  let open = indexOfLower(body, "<title", 0, limit);
  while (open >= 0) {
    // "<title>" or "<title lang=..>", not "<titlebar>".
    const c = body.charCodeAt(open + 6);
    if (c == 0x3e || c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) break;
    open = indexOfLower(body, "<title", open + 6, limit);
  }
  if (open < 0) return "";
  const gt = body.indexOf(">", open + 6);
  if (gt < 0 || gt >= limit) return "";
  let close = indexOfLower(body, "</title", gt + 1, min(limit, gt + 1 + RAW_MAX + 8));
  // A read cut inside the title still gives its beginning.
  if (close < 0) close = min(body.length, gt + 1 + RAW_MAX);
  let raw = body.substring(gt + 1, min(close, gt + 1 + RAW_MAX));
  if (isUtf8(raw)) raw = fromUtf8(raw);
  const t = clean(raw);
  return t.length > TITLE_MAX ? t.substring(0, TITLE_MAX) : t;
}
