/**
 * Details of a response that are worth a field of their own: the challenge
 * of `WWW-Authenticate` (RFC 9110 §11.6.1), the names of the cookies the
 * server sets (RFC 6265 §4.1), a printable excerpt of the body. Pure
 * functions over latin1 text.
 */

import { printable } from "../../../sdk/assemblyscript/index";

/** Characters of an auth realm kept. */
const REALM_MAX: i32 = 128;
/** Characters of a cookie name kept. */
const COOKIE_NAME_MAX: i32 = 64;

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** The auth-scheme of the first challenge ("Basic", "Digest", "NTLM"), "" when none. */
export function authScheme(value: string): string {
  let i = 0;
  while (i < value.length && isSpace(value.charCodeAt(i))) i++;
  const start = i;
  while (i < value.length && !isSpace(value.charCodeAt(i)) && value.charCodeAt(i) != 0x2c) i++;
  return printable(value.substring(start, i), 32);
}

/**
 * The first `realm` auth-param (RFC 9110 §11.5: a token or a quoted-string
 * whose quoted-pairs are unescaped), "" when there is none.
 *
 * @example
 *   authRealm('Basic realm="Staff \\"only\\"", charset="UTF-8"') // 'Staff "only"'
 */
export function authRealm(value: string): string {
  const lower = value.toLowerCase();
  let from = 0;
  while (from < lower.length) {
    const at = lower.indexOf("realm", from);
    if (at < 0) return "";
    from = at + 5;
    // A parameter name starts after a space or a comma, and "=" follows (BWS allowed).
    const before = at == 0 ? 0x20 : lower.charCodeAt(at - 1);
    if (!isSpace(before) && before != 0x2c) continue;
    let i = at + 5;
    while (i < value.length && isSpace(value.charCodeAt(i))) i++;
    if (i >= value.length || value.charCodeAt(i) != 0x3d) continue;
    i++;
    while (i < value.length && isSpace(value.charCodeAt(i))) i++;
    if (i < value.length && value.charCodeAt(i) == 0x22) {
      const parts: string[] = [];
      i++;
      let run = i;
      while (i < value.length && value.charCodeAt(i) != 0x22) {
        if (value.charCodeAt(i) == 0x5c && i + 1 < value.length) {
          parts.push(value.substring(run, i));
          i++;
          run = i;
        }
        i++;
      }
      parts.push(value.substring(run, min(i, value.length)));
      return printable(parts.join(""), REALM_MAX);
    }
    const start = i;
    while (i < value.length && !isSpace(value.charCodeAt(i)) && value.charCodeAt(i) != 0x2c) i++;
    return printable(value.substring(start, i), REALM_MAX);
  }
  return "";
}

/**
 * The names of the cookies in a combined Set-Cookie value (one cookie per
 * line, see parse.ts), in order, each once, at most `max`.
 */
export function cookieNames(setCookie: string, max: i32): string[] {
  const out: string[] = [];
  if (setCookie.length == 0) return out;
  let pos = 0;
  while (pos <= setCookie.length && out.length < max) {
    let eol = setCookie.indexOf("\n", pos);
    if (eol < 0) eol = setCookie.length;
    const line = setCookie.substring(pos, eol);
    pos = eol + 1;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const name = printable(line.substring(0, eq).trim(), COOKIE_NAME_MAX);
    if (name.length > 0 && !out.includes(name)) out.push(name);
  }
  return out;
}

/** The start of the body, printable, whitespace runs collapsed: what a reader needs to recognise a page. */
export function bodyExcerpt(body: string, max: i32): string {
  const parts: string[] = [];
  let len = 0;
  let space = false;
  const scan = min(body.length, max * 4);
  for (let i = 0; i < scan && len < max; i++) {
    const c = body.charCodeAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0c) {
      space = len > 0;
      continue;
    }
    if (space) {
      parts.push(" ");
      len++;
      space = false;
    }
    parts.push(c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : ".");
    len++;
  }
  const s = parts.join("");
  return s.length > max ? s.substring(0, max) : s;
}
