/**
 * HTTP/1.x response parsing (RFC 9112): status line (§4), field lines (§5)
 * with obsolete line folding (§5.2), and the start of the body. Pure
 * functions over latin1 text (one char per byte); no host calls.
 */

import { isDigit, isAlnum } from "../../../sdk/assemblyscript/index";

/** Field lines kept per response; past this a hostile or broken server gets `truncated`. */
export const MAX_FIELD_LINES: i32 = 100;
/** Characters kept of one (combined) field value. */
const MAX_VALUE: i32 = 4096;

export class Header {
  /** Lower-case: field names are case-insensitive (RFC 9110 §5.1). */
  name: string;
  value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.value = value;
  }
}

export class HttpResponse {
  /** "1.0" or "1.1". */
  version: string = "";
  status: i32 = 0;
  reason: string = "";
  /** One entry per field name, in order of first appearance; repeated fields combined. */
  headers: Header[] = [];
  /** Field lines seen, stored or not. */
  fieldLines: i32 = 0;
  /** More than MAX_FIELD_LINES field lines: the rest were not stored. */
  truncated: bool = false;
  /** The header section ended with an empty line (not cut by the read limit). */
  complete: bool = false;
  body: string = "";
  /** Offset of the body in the parsed text (its length when there is none). */
  bodyStart: i32 = 0;

  /** The combined value of field `name` (lower-case), "" when absent. */
  get(name: string): string {
    for (let i = 0; i < this.headers.length; i++) {
      const h = unchecked(this.headers[i]);
      if (h.name == name) return h.value;
    }
    return "";
  }
}

/** tchar of RFC 9110 §5.6.2: the characters a field name may hold. */
function isTchar(c: i32): bool {
  if (isAlnum(c)) return true;
  return "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
}

function isToken(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** Strips OWS (SP / HTAB, RFC 9110 §5.6.3) from both ends. */
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

/** "HTTP/" DIGIT "." DIGIT SP 3DIGIT: the status line of RFC 9112 §4. */
function isStatusLinePrefix(t: string): bool {
  if (t.length < 12 || !t.startsWith("HTTP/")) return false;
  return (
    isDigit(t.charCodeAt(5)) && t.charCodeAt(6) == 0x2e && isDigit(t.charCodeAt(7)) && t.charCodeAt(8) == 0x20 &&
    isDigit(t.charCodeAt(9)) && isDigit(t.charCodeAt(10)) && isDigit(t.charCodeAt(11))
  );
}

function addField(r: HttpResponse, name: string, value: string): i32 {
  for (let i = 0; i < r.headers.length; i++) {
    const h = unchecked(r.headers[i]);
    if (h.name != name) continue;
    // RFC 9110 §5.3: repeated fields combine with ", "; Set-Cookie is the
    // exception (§5.3 note) because its values contain commas.
    const sep = name == "set-cookie" ? "\n" : ", ";
    if (h.value.length < MAX_VALUE) h.value = clip(h.value + sep + value, MAX_VALUE);
    return i;
  }
  r.headers.push(new Header(name, clip(value, MAX_VALUE)));
  return r.headers.length - 1;
}

/** Parses a response, or null when `text` does not begin with an HTTP/1.x status line. */
export function parseResponse(text: string): HttpResponse | null {
  if (!isStatusLinePrefix(text)) return null;
  const major = text.charCodeAt(5) - 0x30;
  if (major != 1) return null; // HTTP/2 and later are not line-based
  const status = (text.charCodeAt(9) - 0x30) * 100 + (text.charCodeAt(10) - 0x30) * 10 + (text.charCodeAt(11) - 0x30);
  if (status < 100 || status > 599) return null;
  // Reason phrase: after one SP; the status code alone is allowed (§4).
  if (text.length > 12 && text.charCodeAt(12) != 0x20 && text.charCodeAt(12) != 0x0d && text.charCodeAt(12) != 0x0a) return null;

  const r = new HttpResponse();
  r.bodyStart = text.length;
  r.version = text.substring(5, 8);
  r.status = status;
  let eol = text.indexOf("\n");
  const statusEnd = eol < 0 ? text.length : eol;
  r.reason = clip(trimOws(text.substring(min(13, statusEnd), statusEnd).replace("\r", "")), 128);
  if (eol < 0) return r;

  let pos = eol + 1;
  let last = -1; // index of the header an obs-fold line continues; -1 when not stored
  while (pos < text.length) {
    eol = text.indexOf("\n", pos);
    // A line the read limit cut off is not trusted: "Server: ngi" is not a product.
    if (eol < 0) break;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) == 0x0d) end--;
    if (end == pos) {
      r.complete = true;
      r.bodyStart = eol + 1;
      r.body = text.substring(eol + 1);
      break;
    }
    const line = text.substring(pos, end);
    pos = eol + 1;
    const first = line.charCodeAt(0);
    if (first == 0x20 || first == 0x09) {
      // obs-fold (RFC 9112 §5.2): a recipient may replace it with SP.
      if (last >= 0) {
        const h = unchecked(r.headers[last]);
        if (h.value.length < MAX_VALUE) h.value = clip(h.value + " " + trimOws(line), MAX_VALUE);
      }
      continue;
    }
    r.fieldLines++;
    if (r.fieldLines > MAX_FIELD_LINES) {
      r.truncated = true;
      last = -1;
      continue;
    }
    const colon = line.indexOf(":");
    // No whitespace is allowed between the name and the colon (§5.1); such
    // lines, and lines without a colon, are skipped rather than guessed at.
    const name = colon > 0 ? line.substring(0, colon) : "";
    if (!isToken(name)) {
      last = -1;
      continue;
    }
    last = addField(r, name.toLowerCase(), trimOws(line.substring(colon + 1)));
  }
  return r;
}
