/**
 * Reply lines shared by FTP (RFC 959 §4.2) and SMTP (RFC 5321 §4.2):
 *
 *   single line:  xyz SP text CRLF          (SMTP also allows "xyz" CRLF)
 *   multi-line:   xyz-text CRLF ... xyz SP text CRLF
 *
 * RFC 959 lets the lines between the first and the last be anything (even
 * text starting with digits); RFC 5321 and servers like Pure-FTPd prefix
 * every line with "xyz-". Both read the same way: the reply ends at the first
 * line that is the code followed by a space (or the code alone).
 */

import { isDigit, splitLines } from "./text";

/** Lines read of one reply: real greetings are a few lines; hostile ones are cut. */
const MAX_LINES: i32 = 64;
/** Characters of the banner searched. */
const SCAN_BYTES: i32 = 16384;

export class Reply {
  code: i32 = 0;
  /** Each line's text with its "xyz-" / "xyz " prefix removed. */
  lines: string[] = [];
  /** The terminating "xyz SP" line was seen (not cut by the read limit or MAX_LINES). */
  complete: bool = false;
}

/** The reply code at the start of `line`, or -1. Codes are 1yz..5yz with y in 0..5 (RFC 959 §4.2.1). */
function codeOf(line: string): i32 {
  if (line.length < 3) return -1;
  const a = line.charCodeAt(0);
  const b = line.charCodeAt(1);
  const c = line.charCodeAt(2);
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return -1;
  if (a < 0x31 || a > 0x35 || b > 0x35) return -1;
  if (line.length > 3) {
    const sep = line.charCodeAt(3);
    if (sep != 0x20 && sep != 0x2d) return -1;
  }
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

/** Parses the first reply of a banner, or null when it does not start with one. */
export function parseReply(text: string): Reply | null {
  const window = text.length > SCAN_BYTES ? text.substring(0, SCAN_BYTES) : text;
  const lines = splitLines(window, MAX_LINES);
  if (lines.length == 0) return null;
  const first = unchecked(lines[0]);
  const code = codeOf(first);
  if (code < 0) return null;
  const r = new Reply();
  r.code = code;
  const prefix = first.substring(0, 3);
  if (first.length == 3 || first.charCodeAt(3) == 0x20) {
    r.lines.push(first.length > 4 ? first.substring(4) : "");
    r.complete = true;
    return r;
  }
  r.lines.push(first.substring(4));
  for (let i = 1; i < lines.length; i++) {
    const line = unchecked(lines[i]);
    if (line.startsWith(prefix) && (line.length == 3 || line.charCodeAt(3) == 0x20)) {
      r.lines.push(line.length > 4 ? line.substring(4) : "");
      r.complete = true;
      break;
    }
    r.lines.push(line.startsWith(prefix + "-") ? line.substring(4) : line);
  }
  return r;
}

/** The reply's text, lines joined by a space, cut to `max` characters. */
export function replyText(r: Reply, max: i32): string {
  const t = r.lines.join(" ").trim();
  return t.length > max ? t.substring(0, max) : t;
}
