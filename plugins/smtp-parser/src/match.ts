/**
 * Which mail server an SMTP greeting (RFC 5321 §4.2, §4.3.2: 220 on
 * connect, or 554 / 421 when the server refuses service) names. A greeting
 * is SMTP only when it says so ("SMTP", "ESMTP") or names a known MTA: the
 * 220 code alone is shared with FTP. Versions are read only where the
 * greeting spells them; CPE names follow the NVD dictionary.
 */

import { NumericReply, GreetingMatch, ProductRule, findWord, versionAt } from "../../../sdk/assemblyscript/index";

export class SmtpMatch extends GreetingMatch {
  /** The domain the greeting opens with (RFC 5321 §4.2: "220 SP Domain"), "" when absent. */
  hostname: string = "";
  /** The greeting says ESMTP (the §4.3.1 hint that extensions are offered). */
  esmtp: bool = false;
}

/** Lower-case words; when a version is shown it follows the word ("Exim 4.96", "Haraka/3.0.2", "Postfix (3.7.10)"). */
const RULES: ProductRule[] = [
  new ProductRule("postfix", "Postfix", "postfix", "postfix", ""),
  new ProductRule("exim", "Exim", "exim", "exim", ""),
  new ProductRule("sendmail", "Sendmail", "sendmail", "sendmail", ""),
  new ProductRule("opensmtpd", "OpenSMTPD", "openbsd", "opensmtpd", ""),
  // IIS SMTP / Exchange: the "Version:" is the Windows build, not a product release.
  new ProductRule("microsoft esmtp mail service", "Microsoft ESMTP MAIL Service", "", "", "Windows"),
  new ProductRule("haraka", "Haraka", "haraka", "haraka", ""),
  new ProductRule("qmail", "qmail", "qmail", "qmail", ""),
  new ProductRule("mdaemon", "MDaemon", "alt-n", "mdaemon", "Windows"),
];

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
function leadingDomain(first: string): string {
  const sp = first.indexOf(" ");
  const w = sp < 0 ? first : first.substring(0, sp);
  if (w.length == 0 || w.length > 255) return "";
  if (w.startsWith("[") && w.endsWith("]")) return w;
  for (let i = 0; i < w.length; i++) if (!isDomainChar(w.charCodeAt(i))) return "";
  // "ESMTP" alone is not a host name; a domain has a dot or is a bare label before the text.
  return w.toLowerCase() == "esmtp" || w.toLowerCase() == "smtp" ? "" : w;
}

/** The version after a marker, skipping "(" ("Postfix (3.7.10)"), "/" ("Haraka/3.0.2") and "Version: " (Microsoft). */
function versionAfter(text: string, lower: string, marker: string): string {
  const at = findWord(lower, marker);
  if (at < 0) return "";
  let j = at + marker.length;
  if (lower.startsWith(", version:", j)) j += 10;
  while (j < lower.length && (lower.charCodeAt(j) == 0x20 || lower.charCodeAt(j) == 0x28 || lower.charCodeAt(j) == 0x2f)) j++;
  return versionAt(text, j);
}

/** A distribution the greeting names: Debian's Postfix says "(Debian/GNU)", Sendmail's version "8.15.2/Debian-22". */
function osHintOf(lower: string): string {
  // Sendmail's package revision: "8.14.4/8.14.4/Debian-4.1ubuntu1" on Ubuntu.
  const deb = lower.indexOf("/debian-");
  if (deb >= 0) return lower.indexOf("ubuntu", deb) >= 0 ? "Ubuntu" : "Debian";
  // Parenthesised only: a host name like "debian-mx.example.org" says nothing.
  if (lower.includes("(ubuntu)")) return "Ubuntu";
  if (lower.includes("(debian/gnu)") || lower.includes("(debian)")) return "Debian";
  if (lower.includes("(raspbian)")) return "Raspbian";
  return "";
}

function confidenceFor(version: string): i32 {
  return version.length > 0 ? 90 : 80;
}

/** Identifies the mail server behind a greeting; null when the reply is not an SMTP greeting. */
export function identify(r: NumericReply): SmtpMatch | null {
  if (r.code != 220 && r.code != 554 && r.code != 421) return null;
  const text = r.text(2048);
  const lower = text.toLowerCase();
  if (isFtpLike(lower)) return null;
  const m = new SmtpMatch();
  m.text = text;
  m.esmtp = findWord(lower, "esmtp") >= 0;
  const saysSmtp = m.esmtp || findWord(lower, "smtp") >= 0;

  let rule: ProductRule | null = null;
  for (let i = 0; i < RULES.length; i++) {
    if (findWord(lower, unchecked(RULES[i]).marker) >= 0) {
      rule = unchecked(RULES[i]);
      break;
    }
  }
  if (rule === null && !saysSmtp) return null;
  if (r.lines.length > 0) m.hostname = leadingDomain(unchecked(r.lines[0]));
  if (rule === null) {
    m.osHint = osHintOf(lower);
    m.confidence = 50;
    return m;
  }
  rule.applyTo(m, versionAfter(text, lower, rule.marker), osHintOf(lower));
  m.confidence = confidenceFor(m.version);
  return m;
}
