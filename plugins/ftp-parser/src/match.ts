/**
 * Which FTP server a 220 greeting (RFC 959 §4.2, §5.4: the reply to the
 * connection) names, by the plugin's rules (rules.yaml: `ftp.greeting`,
 * `ftp.os`, `ftp.system`). An SMTP greeting is not FTP: it names SMTP or a
 * mail server, and is refused here before any rule reads it.
 */

import { NumericReply, ProductMatch, RuleSet, findWord } from "../../../sdk/assemblyscript/index";

/** Characters of the greeting read: its lines joined (RFC 959 multi-line replies). */
export const GREETING_TEXT_MAX: i32 = 2048;

/** A rule's confidence is for a versioned match; without a version it is at most this. */
const UNVERSIONED_CONFIDENCE: i32 = 80;

/** Words that mark a mail server greeting (RFC 5321 §4.2 greetings name SMTP/ESMTP by convention). */
const MAIL_WORDS: string[] = ["esmtp", "smtp", "lmtp", "postfix", "exim", "sendmail", "qmail", "haraka", "opensmtpd", "mdaemon"];

export function looksLikeMail(lower: string): bool {
  for (let i = 0; i < MAIL_WORDS.length; i++) if (findWord(lower, unchecked(MAIL_WORDS[i])) >= 0) return true;
  return false;
}

/**
 * Identifies the FTP server behind a greeting; null when the reply is not an
 * FTP greeting. `system` is the SYST reply's text ("" when none).
 */
export function identify(rules: RuleSet, r: NumericReply, system: string): ProductMatch | null {
  if (r.code != 220) return null;
  const text = r.text(GREETING_TEXT_MAX);
  const lower = text.toLowerCase();
  if (looksLikeMail(lower)) return null;

  let m: ProductMatch;
  const rule = rules.first("ftp.greeting", text);
  if (rule !== null) {
    m = rule;
    if (m.version.length == 0) m.confidence = min(m.confidence, UNVERSIONED_CONFIDENCE);
  } else {
    // A 220 greeting that names nothing: FTP by shape only. Saying "FTP" is a little more than the bare code.
    m = new ProductMatch();
    m.confidence = lower.includes("ftp") ? 50 : 40;
  }
  if (m.osHint.length == 0) {
    const os = rules.first("ftp.os", text);
    if (os !== null) m.osHint = os.osHint;
  }
  if (m.osHint.length == 0 && system.length > 0) {
    const os = rules.first("ftp.system", system);
    if (os !== null) m.osHint = os.osHint;
  }
  return m;
}
