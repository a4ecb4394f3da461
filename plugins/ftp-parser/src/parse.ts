/**
 * An FTP conversation as the `ftp-feat` probe has it: the greeting (RFC 959
 * §5.4: 220 on connect), the reply to FEAT (RFC 2389 §3: 211 and one feature
 * per line, each starting with a space; 500/502 when the server has no
 * FEAT), then the reply to SYST (RFC 959 §4.1.3: 215 and the system type).
 * A passive banner holds the greeting alone. Pure and bounded.
 */

import { NumericReply, printable, splitReplies } from "../../../sdk/assemblyscript/index";

/** Features kept: real servers list at most a few dozen. */
export const MAX_FEATURES: i32 = 64;
/** Characters kept per feature line ("AUTH TLS", "MLST type*;size*;modify*;"). */
const MAX_FEATURE: i32 = 96;

export class FtpConversation {
  greeting: NumericReply;
  /** The reply to FEAT, null when the bytes end before it. */
  feat: NumericReply | null = null;
  /** The reply to SYST, null when the bytes end before it. */
  syst: NumericReply | null = null;

  constructor(greeting: NumericReply) {
    this.greeting = greeting;
  }
}

/** The conversation's replies in the probe's order, or null when the bytes do not start with a reply. */
export function parseConversation(text: string): FtpConversation | null {
  const replies = splitReplies(text, 3);
  if (replies.length == 0) return null;
  const c = new FtpConversation(unchecked(replies[0]));
  if (replies.length > 1) c.feat = unchecked(replies[1]);
  if (replies.length > 2) c.syst = unchecked(replies[2]);
  return c;
}

/** RFC 2389 §3.2: FEAT succeeded (211); anything else says the command is unknown or refused. */
export function featSupported(r: NumericReply): bool {
  return r.code == 211;
}

/**
 * The features of a 211 FEAT reply: the lines between the first and the last,
 * trimmed, upper-cased names kept as sent, empty lines dropped.
 */
export function featureList(r: NumericReply): string[] {
  const out: string[] = [];
  if (r.code != 211) return out;
  // The first line is the "Features:" text and the last the "End" text; a
  // reply cut short has no last line to drop.
  const last = r.complete ? r.lines.length - 1 : r.lines.length;
  for (let i = 1; i < last && out.length < MAX_FEATURES; i++) {
    const f = unchecked(r.lines[i]).trim();
    if (f.length == 0) continue;
    out.push(printable(f, MAX_FEATURE));
  }
  return out;
}

/** The system type of a 215 SYST reply ("UNIX Type: L8", "Windows_NT"), "" otherwise. */
export function systemType(r: NumericReply): string {
  if (r.code != 215) return "";
  return printable(r.text(128), 128);
}
