/**
 * HTTP-style responses: the syntax HTTP/1.x (RFC 9112 §4, §5), RTSP (RFC 2326
 * §7, RFC 7826 §8) and SIP (RFC 3261 §7.2) share. A status line
 * `NAME/D.D SP DDD [SP reason]`, then field lines `name ":" OWS value OWS` up
 * to an empty line, with obsolete line folding (RFC 9112 §5.2, RFC 3261
 * §7.3.1). What differs per protocol (the names, the status range, how
 * repeated fields combine, SIP's compact names) is a `MessageSyntax`, which a
 * plugin may subclass. Pure functions over latin1 text (one char per byte).
 *
 * @example
 *   const HTTP = new MessageSyntax(["HTTP"], 1, 100, 599, 100, 4096);
 *   parseHttpMessage("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n", HTTP)!.get("server") // "nginx/1.22.1"
 */

import { isDigit, isAlnum } from "./text";

export class HeaderField {
  /** Lower-case (field names are case-insensitive, RFC 9110 §5.1), as the syntax's `fieldName` maps it. */
  name: string;
  value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.value = value;
  }
}

export class HttpMessage {
  /** The protocol name of the status line: "HTTP", "RTSP", "SIP". */
  protocol: string = "";
  /** "1.0", "1.1", "2.0". */
  version: string = "";
  status: i32 = 0;
  reason: string = "";
  /** One entry per field name, in order of first appearance; repeated fields combined. */
  fields: HeaderField[] = [];
  /** Field lines seen, stored or not. */
  fieldLines: i32 = 0;
  /** More than the syntax's `maxFieldLines` field lines: the rest were not stored. */
  truncated: bool = false;
  /** The header section ended with an empty line (not cut by the read limit). */
  complete: bool = false;
  /** The text after the empty line ("" when there is none). */
  body: string = "";
  /** Offset of the body in the parsed text (its length when there is none). */
  bodyStart: i32 = 0;

  /** The combined value of field `name` (lower-case), "" when absent. */
  get(name: string): string {
    for (let i = 0; i < this.fields.length; i++) {
      const f = unchecked(this.fields[i]);
      if (f.name == name) return f.value;
    }
    return "";
  }
}

/**
 * One protocol's variant of the syntax. The defaults are RFC 9110's: no
 * whitespace before the colon, repeated fields joined with ", " (§5.3),
 * values cut at `maxValue` characters.
 */
export class MessageSyntax {
  /** Status-line protocol names, e.g. ["RTSP", "SIP"]. */
  protocols: string[];
  /** The only major version accepted (HTTP/2 and later are not line-based), -1 for any. */
  major: i32;
  minStatus: i32;
  maxStatus: i32;
  /** Field lines stored; past this a hostile or broken server gets `truncated`. */
  maxFieldLines: i32;
  /** Characters kept of one (combined) field value. */
  maxValue: i32;
  /** Whitespace is allowed between a field name and its colon (SIP's HCOLON, RFC 3261 §7.3.1). */
  spaceBeforeColon: bool = false;

  constructor(protocols: string[], major: i32, minStatus: i32, maxStatus: i32, maxFieldLines: i32, maxValue: i32) {
    this.protocols = protocols;
    this.major = major;
    this.minStatus = minStatus;
    this.maxStatus = maxStatus;
    this.maxFieldLines = maxFieldLines;
    this.maxValue = maxValue;
  }

  /** The stored name of a field, given its name in lower case (SIP expands compact forms here). */
  fieldName(lower: string): string {
    return lower;
  }

  /** The value stored for a field's first line. */
  firstValue(value: string): string {
    return clipText(value, this.maxValue);
  }

  /** The combined value when field `name` repeats (`old` is shorter than maxValue). */
  joinValue(name: string, old: string, value: string): string {
    return clipText(old + ", " + value, this.maxValue);
  }
}

/** tchar of RFC 9110 §5.6.2: the characters a field name (and a method) may hold. */
export function isTchar(c: i32): bool {
  if (isAlnum(c)) return true;
  return "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
}

function isToken(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** Strips OWS (SP / HTAB, RFC 9110 §5.6.3) from both ends. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) == 0x20 || s.charCodeAt(a) == 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) == 0x20 || s.charCodeAt(b - 1) == 0x09)) b--;
  return s.substring(a, b);
}

function clipText(s: string, n: i32): string {
  return s.length > n ? s.substring(0, n) : s;
}

/** The protocol of `protocols` a status line starts with, "" when none: `NAME/D.D SP DDD`. */
export function statusLineProtocol(t: string, protocols: string[]): string {
  let name = "";
  for (let i = 0; i < protocols.length; i++) {
    const p = unchecked(protocols[i]);
    if (t.length > p.length && t.startsWith(p) && t.charCodeAt(p.length) == 0x2f) {
      name = p;
      break;
    }
  }
  if (name.length == 0) return "";
  const v = name.length + 1;
  if (t.length < v + 7) return "";
  if (!isDigit(t.charCodeAt(v)) || t.charCodeAt(v + 1) != 0x2e || !isDigit(t.charCodeAt(v + 2)) || t.charCodeAt(v + 3) != 0x20) return "";
  for (let k = v + 4; k < v + 7; k++) if (!isDigit(t.charCodeAt(k))) return "";
  return name;
}

/** Stores a field (a repeated one combined by the syntax) and returns its index. */
function addField(m: HttpMessage, syntax: MessageSyntax, name: string, value: string): i32 {
  for (let i = 0; i < m.fields.length; i++) {
    const f = unchecked(m.fields[i]);
    if (f.name != name) continue;
    if (f.value.length < syntax.maxValue) f.value = syntax.joinValue(name, f.value, value);
    return i;
  }
  m.fields.push(new HeaderField(name, syntax.firstValue(value)));
  return m.fields.length - 1;
}

/**
 * The response `text` starts with, or null when it does not start with a
 * status line of `syntax`. A field line the read cut off is dropped
 * (`complete` stays false): "Server: ngi" is not a product.
 */
export function parseHttpMessage(text: string, syntax: MessageSyntax): HttpMessage | null {
  const proto = statusLineProtocol(text, syntax.protocols);
  if (proto.length == 0) return null;
  const v = proto.length + 1;
  if (syntax.major >= 0 && text.charCodeAt(v) - 0x30 != syntax.major) return null;
  const status = (text.charCodeAt(v + 4) - 0x30) * 100 + (text.charCodeAt(v + 5) - 0x30) * 10 + (text.charCodeAt(v + 6) - 0x30);
  if (status < syntax.minStatus || status > syntax.maxStatus) return null;
  // Reason phrase: after one SP; the status code alone is allowed (RFC 9112 §4).
  const after = v + 7;
  if (text.length > after) {
    const c = text.charCodeAt(after);
    if (c != 0x20 && c != 0x0d && c != 0x0a) return null;
  }
  const m = new HttpMessage();
  m.protocol = proto;
  m.bodyStart = text.length;
  m.version = text.substring(v, v + 3);
  m.status = status;
  let eol = text.indexOf("\n");
  const lineEnd = eol < 0 ? text.length : eol;
  m.reason = clipText(trimOws(text.substring(min(after + 1, lineEnd), lineEnd).replace("\r", "")), 128);
  if (eol < 0) return m;

  let pos = eol + 1;
  let last = -1; // index of the field a folded line continues; -1 when not stored
  while (pos < text.length) {
    eol = text.indexOf("\n", pos);
    if (eol < 0) break;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) == 0x0d) end--;
    if (end == pos) {
      m.complete = true;
      m.bodyStart = eol + 1;
      m.body = text.substring(eol + 1);
      break;
    }
    const line = text.substring(pos, end);
    pos = eol + 1;
    const first = line.charCodeAt(0);
    if (first == 0x20 || first == 0x09) {
      // obs-fold (RFC 9112 §5.2, RFC 3261 §7.3.1): the continuation joins with one SP.
      if (last >= 0) {
        const f = unchecked(m.fields[last]);
        if (f.value.length < syntax.maxValue) f.value = clipText(f.value + " " + trimOws(line), syntax.maxValue);
      }
      continue;
    }
    m.fieldLines++;
    if (m.fieldLines > syntax.maxFieldLines) {
      m.truncated = true;
      last = -1;
      continue;
    }
    const colon = line.indexOf(":");
    // Lines without a colon, or with a name that is no token, are skipped rather than guessed at.
    let name = colon > 0 ? line.substring(0, colon) : "";
    if (syntax.spaceBeforeColon) name = trimOws(name);
    if (!isToken(name)) {
      last = -1;
      continue;
    }
    last = addField(m, syntax, syntax.fieldName(name.toLowerCase()), trimOws(line.substring(colon + 1)));
  }
  return m;
}
