/**
 * RTSP (RFC 2326 §7, RFC 7826 §8) and SIP (RFC 3261 §7.2) responses: a
 * status line `RTSP/1.0 200 OK` / `SIP/2.0 404 Not Found`, then HTTP-style
 * header fields up to an empty line, read by the SDK's HTTP-style message
 * parser (sdk/assemblyscript/http-message.ts) with these rules: SIP's
 * compact field names (§7.3.3) expanded, whitespace allowed before the colon,
 * long list values cut at a list separator. Pure functions over latin1 text
 * (one char per byte).
 */

import { HttpMessage, MessageSyntax, parseHttpMessage, statusLineProtocol, isTchar } from "../../../sdk/assemblyscript/index";

/** Field lines kept per message. */
export const MAX_FIELD_LINES: i32 = 64;
/** Characters kept of one field value. */
const MAX_VALUE: i32 = 2048;

/** RFC 3261 §7.3.3 compact forms and RFC 3841/3515/4028/3903 ones seen on the wire. */
const COMPACT: string[] = ["v", "via", "f", "from", "t", "to", "i", "call-id", "m", "contact", "l", "content-length", "c", "content-type", "k", "supported", "s", "subject", "e", "content-encoding", "o", "event", "u", "allow-events", "x", "session-expires", "r", "refer-to", "a", "accept-contact", "j", "reject-contact", "d", "request-disposition", "b", "referred-by", "y", "identity"];

function fullName(name: string): string {
  if (name.length != 1) return name;
  for (let i = 0; i < COMPACT.length; i += 2) if (unchecked(COMPACT[i]) == name) return unchecked(COMPACT[i + 1]);
  return name;
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

const PROTOCOLS: string[] = ["RTSP", "SIP"];

class RtspSip extends MessageSyntax {
  constructor() {
    // Any version, status 100-699 (SIP's 6xx, RFC 3261 §21.6).
    super(PROTOCOLS, -1, 100, 699, MAX_FIELD_LINES, MAX_VALUE);
    // SIP allows whitespace before the colon (§7.3.1: HCOLON); RTSP follows HTTP and does not, but tolerating it costs nothing.
    this.spaceBeforeColon = true;
  }

  fieldName(lower: string): string {
    return fullName(lower);
  }

  firstValue(value: string): string {
    return clipValue(value);
  }

  /** Repeated fields joined with ", " (RFC 3261 §7.3.1). */
  joinValue(name: string, old: string, value: string): string {
    return clipValue(old + ", " + value);
  }
}

const SYNTAX = new RtspSip();

/** The protocol a status line starts with ("RTSP" or "SIP"), "" when neither: `NAME/D.D SP DDD`. */
export function statusProtocol(t: string): string {
  return statusLineProtocol(t, PROTOCOLS);
}

/**
 * The response `text` starts with, or null when it does not start with an
 * RTSP or SIP status line. A line the read cut off is dropped (`complete`
 * stays false).
 *
 * @example
 *   parseMessage("SIP/2.0 200 OK\r\nServer: kamailio (5.6.3 (x86_64/linux))\r\n\r\n")!.get("server") // "kamailio (5.6.3 (x86_64/linux))"
 */
export function parseMessage(text: string): HttpMessage | null {
  return parseHttpMessage(text, SYNTAX);
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
