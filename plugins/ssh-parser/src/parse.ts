/**
 * SSH identification strings, RFC 4253 §4.2:
 *
 *   SSH-protoversion-softwareversion SP comments CR LF
 *
 * The server MAY send other lines first; they MUST NOT begin with "SSH-". The
 * identification line is at most 255 characters including CR LF. Pure
 * functions: no host calls, so they are tested over captured banners.
 */

import { isDigit, splitLines, printable } from "../../../sdk/assemblyscript/index";

/** How much of a banner is searched for the identification line. */
const SCAN_BYTES: i32 = 16384;
/** Pre-banner lines tolerated before giving up (OpenSSH's client allows many; this is plenty for real servers). */
const MAX_LINES: i32 = 64;
/** RFC 4253 §4.2: 255 characters including CR LF. Longer lines are cut here, not rejected: peers exceed it. */
const MAX_IDENT: i32 = 253;

/** An identification line split into its RFC 4253 parts. */
export class SshIdent {
  /** "2.0", "1.99" (speaks both 1 and 2) or "1.5". */
  protoVersion: string = "";
  /** The softwareversion token, e.g. "OpenSSH_9.2p1". */
  software: string = "";
  /** The optional comments after the first space, e.g. "Debian-2+deb12u3". */
  comments: string = "";
  /** The identification line as received (printable ASCII), for evidence. */
  line: string = "";
  /** Lines the server sent before the identification line. */
  preBannerLines: i32 = 0;
}

/** protoversion is "digits.digits" in every deployed version (1.3, 1.5, 1.99, 2.0). */
function isProtoVersion(s: string): bool {
  const dot = s.indexOf(".");
  if (dot <= 0 || dot == s.length - 1 || s.length > 8) return false;
  for (let i = 0; i < s.length; i++) {
    if (i != dot && !isDigit(s.charCodeAt(i))) return false;
  }
  return true;
}

/** End of the run of characters in [lo, hi] starting at `from`. */
function runEnd(s: string, from: i32, lo: i32, hi: i32): i32 {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < lo || c > hi) break;
    i++;
  }
  return i;
}

/**
 * Finds and splits the identification line, or null when the banner is not
 * SSH (no "SSH-" line with a valid protoversion).
 */
export function parseIdent(text: string): SshIdent | null {
  // An HTTP reply may quote an SSH line in its body; pre-banner lines are a
  // courtesy of SSH servers, not a licence to search any protocol's text.
  if (text.startsWith("HTTP/")) return null;
  const window = text.length > SCAN_BYTES ? text.substring(0, SCAN_BYTES) : text;
  const lines = splitLines(window, MAX_LINES);
  for (let i = 0; i < lines.length; i++) {
    const line = unchecked(lines[i]);
    if (!line.startsWith("SSH-")) continue;
    const ident = line.length > MAX_IDENT ? line.substring(0, MAX_IDENT) : line;
    const dash = ident.indexOf("-", 4);
    if (dash < 0) return null;
    const proto = ident.substring(4, dash);
    if (!isProtoVersion(proto)) return null;
    const r = new SshIdent();
    r.protoVersion = proto;
    // softwareversion: printable US-ASCII without whitespace (RFC 4253 §4.2);
    // a control byte ends it rather than being stored.
    const swEnd = runEnd(ident, dash + 1, 0x21, 0x7e);
    r.software = ident.substring(dash + 1, swEnd);
    if (swEnd < ident.length && ident.charCodeAt(swEnd) == 0x20) {
      r.comments = ident.substring(swEnd + 1, runEnd(ident, swEnd + 1, 0x20, 0x7e)).trim();
    }
    r.line = printable(ident, MAX_IDENT);
    r.preBannerLines = i;
    return r;
  }
  return null;
}
