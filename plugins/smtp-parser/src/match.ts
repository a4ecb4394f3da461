/**
 * Which mail server an SMTP greeting (RFC 5321 §4.2, §4.3.2: 220 on
 * connect, or 554 / 421 when the server refuses service) names, by the
 * plugin's rules (rules.yaml). A greeting is SMTP only when it says so
 * ("SMTP", "ESMTP") or a rule names an MTA: the 220 code alone is shared
 * with FTP, and an FTP greeting is refused before any rule reads it.
 */

import { NumericReply, ProductMatch, RuleSet, findWord } from "../../../sdk/assemblyscript/index";

/** Characters of the greeting read: its lines joined. */
export const GREETING_TEXT_MAX: i32 = 2048;
/** A rule's confidence is for a versioned match; without a version it is at most this. */
const UNVERSIONED_CONFIDENCE: i32 = 80;

/** What the greeting says besides the product: its domain and whether it says ESMTP. */
export class SmtpGreeting {
  match: ProductMatch;
  /** The domain the greeting opens with (RFC 5321 §4.2: "220 SP Domain"), "" when absent. */
  hostname: string = "";
  /** The greeting says ESMTP (the §4.3.1 hint that extensions are offered). */
  esmtp: bool = false;
  /** No rule named the product: SMTP by its own word only. */
  generic: bool = false;

  constructor(match: ProductMatch) {
    this.match = match;
  }
}

/** Words that say FTP: an FTP greeting is never SMTP, whatever else it says. */
const FTP_WORDS: string[] = ["ftp", "vsftpd", "proftpd", "pure-ftpd", "filezilla"];

function isFtpLike(lower: string): bool {
  for (let i = 0; i < FTP_WORDS.length; i++) if (findWord(lower, unchecked(FTP_WORDS[i])) >= 0) return true;
  return false;
}

function isDomainChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x2d || c == 0x5f;
}

/** The first word of the greeting when it is a domain or an address literal ("[192.0.2.1]"). */
export function leadingDomain(first: string): string {
  const sp = first.indexOf(" ");
  const w = sp < 0 ? first : first.substring(0, sp);
  if (w.length == 0 || w.length > 255) return "";
  if (w.startsWith("[") && w.endsWith("]")) return w;
  for (let i = 0; i < w.length; i++) if (!isDomainChar(w.charCodeAt(i))) return "";
  // "ESMTP" alone is not a host name.
  return w.toLowerCase() == "esmtp" || w.toLowerCase() == "smtp" ? "" : w;
}

/** Identifies the mail server behind a greeting; null when the reply is not an SMTP greeting. */
export function identify(rules: RuleSet, r: NumericReply): SmtpGreeting | null {
  if (r.code != 220 && r.code != 554 && r.code != 421) return null;
  const text = r.text(GREETING_TEXT_MAX);
  const lower = text.toLowerCase();
  if (isFtpLike(lower)) return null;
  const esmtp = findWord(lower, "esmtp") >= 0;
  const saysSmtp = esmtp || findWord(lower, "smtp") >= 0;

  const rule = rules.first("smtp.greeting", text);
  if (rule === null && !saysSmtp) return null;
  let m: ProductMatch;
  if (rule !== null) {
    m = rule;
    if (m.version.length == 0) m.confidence = min(m.confidence, UNVERSIONED_CONFIDENCE);
  } else {
    m = new ProductMatch();
    m.confidence = 50;
  }
  if (m.osHint.length == 0) {
    const os = rules.first("smtp.os", text);
    if (os !== null) m.osHint = os.osHint;
  }
  const g = new SmtpGreeting(m);
  g.esmtp = esmtp;
  g.generic = rule === null;
  if (r.lines.length > 0) g.hostname = leadingDomain(unchecked(r.lines[0]));
  return g;
}
