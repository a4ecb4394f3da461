/**
 * The numeric replies of a conversation, in order (RFC 959 §4.2, RFC 5321 §4.2): the
 * greeting, then one reply per command the probe sent. lines.ts parses one
 * reply; a conversation's bytes hold several back to back, so this cuts
 * them apart with the same rule (a reply ends at "xyz SP" or "xyz" alone).
 * Pure and bounded: at most `maxReplies` replies of at most REPLY_MAX_LINES
 * (64) lines each, from the first SCAN_CHARS characters.
 */

import { NumericReply, REPLY_MAX_LINES, replyCode, splitLines } from "../../../sdk/assemblyscript/index";

const SCAN_CHARS: i32 = 32768;
/** Lines read in all, over every reply. */
const MAX_LINES: i32 = 256;

/** Replies in `text`, in order; a reply cut short by the read is last and has `complete` false. */
export function splitReplies(text: string, maxReplies: i32): NumericReply[] {
  const out: NumericReply[] = [];
  const window = text.length > SCAN_CHARS ? text.substring(0, SCAN_CHARS) : text;
  const lines = splitLines(window, MAX_LINES);
  let i = 0;
  while (i < lines.length && out.length < maxReplies) {
    const first = unchecked(lines[i]);
    const code = replyCode(first);
    if (code < 0) break; // not a reply: the conversation is not this shape from here on
    const r = new NumericReply();
    r.code = code;
    i++;
    if (first.length == 3 || first.charCodeAt(3) == 0x20) {
      r.lines.push(first.length > 4 ? first.substring(4) : "");
      r.complete = true;
      out.push(r);
      continue;
    }
    r.lines.push(first.substring(4));
    const prefix = first.substring(0, 3);
    while (i < lines.length && r.lines.length < REPLY_MAX_LINES) {
      const line = unchecked(lines[i]);
      i++;
      if (line.startsWith(prefix) && (line.length == 3 || line.charCodeAt(3) == 0x20)) {
        r.lines.push(line.length > 4 ? line.substring(4) : "");
        r.complete = true;
        break;
      }
      // RFC 959 lets the lines between be anything; RFC 5321 prefixes every line with "xyz-".
      r.lines.push(line.startsWith(prefix + "-") ? line.substring(4) : line);
    }
    out.push(r);
    if (!r.complete) break;
  }
  return out;
}
