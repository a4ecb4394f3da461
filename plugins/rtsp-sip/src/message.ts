/**
 * RTSP (RFC 2326 §7, RFC 7826 §8) and SIP (RFC 3261 §7.2) responses: a
 * status line `RTSP/1.0 200 OK` / `SIP/2.0 404 Not Found`, then HTTP-style
 * header fields up to an empty line. SIP's compact field names (§7.3.3) are
 * expanded. Pure functions over latin1 text (one char per byte).
 */

import { isDigit, isAlnum } from "../../../sdk/assemblyscript/index";

/** Field lines kept per message. */
export const MAX_FIELD_LINES: i32 = 64;
/** Characters kept of one field value. */
const MAX_VALUE: i32 = 2048;

export class Field {
  /** Lower-case, compact forms expanded. */
  name: string;
  value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.value = value;
  }
}

export class Message {
  /** "RTSP" or "SIP". */
  protocol: string = "";
  /** "1.0", "2.0". */
  version: string = "";
  status: i32 = 0;
  reason: string = "";
  fields: Field[] = [];
  fieldLines: i32 = 0;
  truncated: bool = false;
  /** The header section ended with an empty line. */
  complete: bool = false;

  /** The value of field `name` (lower-case, full form), repeated fields joined with ", "; "" when absent. */
  get(name: string): string {
    for (let i = 0; i < this.fields.length; i++) if (unchecked(this.fields[i]).name == name) return unchecked(this.fields[i]).value;
    return "";
  }
}

/** RFC 3261 §7.3.3 compact forms and RFC 3841/3515/4028/3903 ones seen on the wire. */
const COMPACT: string[] = ["v", "via", "f", "from", "t", "to", "i", "call-id", "m", "contact", "l", "content-length", "c", "content-type", "k", "supported", "s", "subject", "e", "content-encoding", "o", "event", "u", "allow-events", "x", "session-expires", "r", "refer-to", "a", "accept-contact", "j", "reject-contact", "d", "request-disposition", "b", "referred-by", "y", "identity"];

function fullName(name: string): string {
  if (name.length != 1) return name;
  for (let i = 0; i < COMPACT.length; i += 2) if (unchecked(COMPACT[i]) == name) return unchecked(COMPACT[i + 1]);
  return name;
}

function isTchar(c: i32): bool {
  return isAlnum(c) || "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) == 0x20 || s.charCodeAt(a) == 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) == 0x20 || s.charCodeAt(b - 1) == 0x09)) b--;
  return s.substring(a, b);
}

function clip(s: string, n: i32): string {
  return s.length > n ? s.substring(0, n) : s;
}

/** A field value cut to MAX_VALUE, back to its last list separator when it has one, so a list never ends in half an item. */
function clipValue(s: string): string {
  if (s.length <= MAX_VALUE) return s;
  const cut = s.substring(0, MAX_VALUE);
  const comma = cut.lastIndexOf(",");
  return comma > 0 ? cut.substring(0, comma) : cut;
}

/** The protocol a status line starts with ("RTSP" or "SIP"), "" when neither: `NAME/D.D SP DDD`. */
export function statusProtocol(t: string): string {
  let name = "";
  if (t.startsWith("RTSP/")) name = "RTSP";
  else if (t.startsWith("SIP/")) name = "SIP";
  else return "";
  const v = name.length + 1;
  if (t.length < v + 7) return "";
  if (!isDigit(t.charCodeAt(v)) || t.charCodeAt(v + 1) != 0x2e || !isDigit(t.charCodeAt(v + 2)) || t.charCodeAt(v + 3) != 0x20) return "";
  for (let k = v + 4; k < v + 7; k++) if (!isDigit(t.charCodeAt(k))) return "";
  return name;
}

/** Stores a field (repeated ones joined with ", ", RFC 3261 §7.3.1) and returns its index. */
function addField(m: Message, name: string, value: string): i32 {
  for (let i = 0; i < m.fields.length; i++) {
    const f = unchecked(m.fields[i]);
    if (f.name != name) continue;
    if (f.value.length < MAX_VALUE) f.value = clipValue(f.value + ", " + value);
    return i;
  }
  m.fields.push(new Field(name, clipValue(value)));
  return m.fields.length - 1;
}

/**
 * The response `text` starts with, or null when it does not start with an
 * RTSP or SIP status line. A line the read cut off is dropped (`complete`
 * stays false).
 *
 * @example
 *   parseMessage("SIP/2.0 200 OK\r\nServer: kamailio (5.6.3 (x86_64/linux))\r\n\r\n")!.get("server") // "kamailio (5.6.3 (x86_64/linux))"
 */
export function parseMessage(text: string): Message | null {
  const proto = statusProtocol(text);
  if (proto.length == 0) return null;
  const v = proto.length + 1;
  const status = (text.charCodeAt(v + 4) - 0x30) * 100 + (text.charCodeAt(v + 5) - 0x30) * 10 + (text.charCodeAt(v + 6) - 0x30);
  if (status < 100 || status > 699) return null;
  const after = v + 7;
  if (text.length > after) {
    const c = text.charCodeAt(after);
    if (c != 0x20 && c != 0x0d && c != 0x0a) return null;
  }
  const m = new Message();
  m.protocol = proto;
  m.version = text.substring(v, v + 3);
  m.status = status;
  let eol = text.indexOf("\n");
  const lineEnd = eol < 0 ? text.length : eol;
  m.reason = clip(trimOws(text.substring(min(after + 1, lineEnd), lineEnd).replace("\r", "")), 128);
  if (eol < 0) return m;
  let pos = eol + 1;
  let last = -1;
  while (pos < text.length) {
    eol = text.indexOf("\n", pos);
    if (eol < 0) break;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) == 0x0d) end--;
    const line = text.substring(pos, end);
    pos = eol + 1;
    if (line.length == 0) {
      m.complete = true;
      break;
    }
    const first = line.charCodeAt(0);
    if (first == 0x20 || first == 0x09) {
      // Line folding (RFC 3261 §7.3.1): the continuation joins with one SP.
      if (last >= 0) {
        const f = unchecked(m.fields[last]);
        if (f.value.length < MAX_VALUE) f.value = clip(f.value + " " + trimOws(line), MAX_VALUE);
      }
      continue;
    }
    m.fieldLines++;
    if (m.fieldLines > MAX_FIELD_LINES) {
      m.truncated = true;
      last = -1;
      continue;
    }
    const colon = line.indexOf(":");
    // SIP allows whitespace before the colon (§7.3.1: HCOLON); RTSP follows HTTP and does not, but tolerating it costs nothing.
    const name = colon > 0 ? trimOws(line.substring(0, colon)) : "";
    let ok = name.length > 0;
    for (let k = 0; ok && k < name.length; k++) ok = isTchar(name.charCodeAt(k));
    if (!ok) {
      last = -1;
      continue;
    }
    last = addField(m, fullName(name.toLowerCase()), trimOws(line.substring(colon + 1)));
  }
  return m;
}

/** The method names of a Public or Allow value ("OPTIONS, DESCRIBE, PLAY"), each once, at most `max`. */
export function methodList(value: string, max: i32): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length && out.length < max) {
    while (i < value.length && (value.charCodeAt(i) == 0x20 || value.charCodeAt(i) == 0x09 || value.charCodeAt(i) == 0x2c)) i++;
    const start = i;
    while (i < value.length && isTchar(value.charCodeAt(i))) i++;
    if (i == start) {
      // Not a token character: skip it rather than loop on it.
      i++;
      continue;
    }
    const name = clip(value.substring(start, i), 32);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
