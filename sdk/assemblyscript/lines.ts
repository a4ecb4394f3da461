/**
 * Numeric reply lines, the shape shared by FTP (RFC 959 §4.2), SMTP
 * (RFC 5321 §4.2), NNTP (RFC 3977 §3.2) and their kin:
 *
 *   single line:  xyz SP text CRLF          (or "xyz" CRLF alone)
 *   multi-line:   xyz-text CRLF ... xyz SP text CRLF
 *
 * RFC 959 lets the lines between the first and the last be anything (even
 * text starting with digits); RFC 5321 and many servers prefix every line
 * with "xyz-". Both read the same way: the reply ends at the first line that
 * is the code followed by a space (or the code alone). What a code means is
 * the protocol's business, not this file's.
 *
 * splitReplies cuts a conversation's bytes (several replies back to back) apart
 * with the same rule.
 *
 * @example
 *   const r = parseNumericReply("220-Welcome\r\n220 ready\r\n");
 *   // r.code == 220, r.lines == ["Welcome", "ready"], r.complete == true, r.text(80) == "Welcome ready"
 */

import { isDigit, splitLines } from "./text";

/** Lines read of one reply unless asked otherwise: real replies are a few lines; hostile ones are cut. */
export const REPLY_MAX_LINES: i32 = 64;
/** Characters of the text searched unless asked otherwise. */
export const REPLY_SCAN_CHARS: i32 = 16384;

export class NumericReply {
  code: i32 = 0;
  /** Each line's text with its "xyz-" / "xyz " prefix removed. */
  lines: string[] = [];
  /** The terminating "xyz SP" line was seen (not cut by the read limit or the line cap). */
  complete: bool = false;

  /** The lines joined by a space, trimmed, cut to `max` characters. */
  text(max: i32): string {
    const t = this.lines.join(" ").trim();
    return t.length > max ? t.substring(0, max) : t;
  }
}

/**
 * The reply code at the start of `line`: three digits, the first 1-5 (every
 * protocol of this shape uses 1yz..5yz), then the end of the line, a space
 * or "-". -1 otherwise.
 */
export function replyCode(line: string): i32 {
  if (line.length < 3) return -1;
  const a = line.charCodeAt(0);
  const b = line.charCodeAt(1);
  const c = line.charCodeAt(2);
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return -1;
  if (a < 0x31 || a > 0x35) return -1;
  if (line.length > 3) {
    const sep = line.charCodeAt(3);
    if (sep != 0x20 && sep != 0x2d) return -1;
  }
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

/**
 * Parses the first reply of `text` (one reply's lines, from the first
 * `scanChars` characters, at most `maxLines` lines), or null when the text
 * does not start with a reply line.
 */
export function parseNumericReply(text: string, maxLines: i32 = REPLY_MAX_LINES, scanChars: i32 = REPLY_SCAN_CHARS): NumericReply | null {
  const window = text.length > scanChars ? text.substring(0, scanChars) : text;
  const lines = splitLines(window, maxLines);
  if (lines.length == 0) return null;
  const cursor = new LineCursor(lines);
  return readReply(cursor, i32.MAX_VALUE);
}

/** Characters of a conversation searched by splitReplies. */
export const REPLIES_SCAN_CHARS: i32 = 32768;
/** Lines splitReplies reads in all, over every reply. */
export const REPLIES_MAX_LINES: i32 = 256;

/**
 * The replies of a conversation, in order: a greeting, then one reply per
 * command a probe sent (FTP FEAT/SYST, SMTP EHLO, ...). Each reply ends the
 * way parseNumericReply's does; a reply cut short by the read is last and has
 * `complete` false; the first line that is not a reply ends the list.
 * Bounded: at most `maxReplies` replies of at most REPLY_MAX_LINES lines each,
 * REPLIES_MAX_LINES lines in all, from the first REPLIES_SCAN_CHARS characters.
 *
 * @example
 *   splitReplies("220 ready\r\n211-Features:\r\n UTF8\r\n211 End\r\n", 3)
 *   // [220 ["ready"], 211 ["Features:", " UTF8", "End"]]
 */
export function splitReplies(text: string, maxReplies: i32): NumericReply[] {
  const out: NumericReply[] = [];
  const window = text.length > REPLIES_SCAN_CHARS ? text.substring(0, REPLIES_SCAN_CHARS) : text;
  const cursor = new LineCursor(splitLines(window, REPLIES_MAX_LINES));
  while (cursor.more() && out.length < maxReplies) {
    const r = readReply(cursor, REPLY_MAX_LINES);
    if (r === null) break; // not a reply: the conversation is not this shape from here on
    out.push(r);
    if (!r.complete) break;
  }
  return out;
}

class LineCursor {
  lines: string[];
  at: i32 = 0;

  constructor(lines: string[]) {
    this.lines = lines;
  }

  more(): bool {
    return this.at < this.lines.length;
  }

  next(): string {
    return unchecked(this.lines[this.at++]);
  }
}

/**
 * One reply from the cursor's line on (at most `maxLines` lines), the cursor
 * left after it; null (nothing consumed) when that line is not a reply line.
 */
function readReply(cursor: LineCursor, maxLines: i32): NumericReply | null {
  const first = unchecked(cursor.lines[cursor.at]);
  const code = replyCode(first);
  if (code < 0) return null;
  cursor.at++;
  const r = new NumericReply();
  r.code = code;
  if (first.length == 3 || first.charCodeAt(3) == 0x20) {
    r.lines.push(first.length > 4 ? first.substring(4) : "");
    r.complete = true;
    return r;
  }
  r.lines.push(first.substring(4));
  const prefix = first.substring(0, 3);
  while (cursor.more() && r.lines.length < maxLines) {
    const line = cursor.next();
    if (line.startsWith(prefix) && (line.length == 3 || line.charCodeAt(3) == 0x20)) {
      r.lines.push(line.length > 4 ? line.substring(4) : "");
      r.complete = true;
      break;
    }
    // RFC 959 lets the lines between be anything (RFC 2389 FEAT lines start
    // with a space); RFC 5321 prefixes every line with "xyz-".
    r.lines.push(line.startsWith(prefix + "-") ? line.substring(4) : line);
  }
  return r;
}
