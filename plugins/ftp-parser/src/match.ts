/**
 * Which FTP server a 220 greeting (RFC 959 §4.2, §5.4: the reply to the
 * connection) names. Product names are matched as whole words; versions are
 * read only where the greeting spells them. CPE names follow the NVD
 * dictionary. An SMTP greeting is not FTP: it names SMTP or a mail server.
 */

import { NumericReply, GreetingMatch, ProductRule, afterWord, findWord, versionAt, isDigit } from "../../../sdk/assemblyscript/index";

export class FtpMatch extends GreetingMatch {}

/** Markers are lower-case words; the version, when shown, follows the marker ("vsFTPd 3.0.3", "Serv-U FTP Server v15.1"). */
const RULES: ProductRule[] = [
  new ProductRule("vsftpd", "vsftpd", "vsftpd_project", "vsftpd", ""),
  new ProductRule("proftpd", "ProFTPD", "proftpd", "proftpd", ""),
  new ProductRule("pure-ftpd", "Pure-FTPd", "pureftpd", "pure-ftpd", ""),
  new ProductRule("filezilla server", "FileZilla Server", "filezilla-project", "filezilla_server", ""),
  // IIS's FTP service never shows a version.
  new ProductRule("microsoft ftp service", "Microsoft IIS FTP", "microsoft", "internet_information_services", "Windows"),
  new ProductRule("serv-u ftp server", "Serv-U", "solarwinds", "serv-u", ""),
  new ProductRule("ws_ftp server", "WS_FTP Server", "progress", "ws_ftp_server", ""),
  new ProductRule("xlight ftp server", "Xlight FTP Server", "", "", ""),
  new ProductRule("bftpd", "bftpd", "bftpd_project", "bftpd", ""),
];

/** Words that mark a mail server greeting (RFC 5321 §4.2 greetings name SMTP/ESMTP by convention). */
const MAIL_WORDS: string[] = ["esmtp", "smtp", "lmtp", "postfix", "exim", "sendmail", "qmail", "haraka", "opensmtpd", "mdaemon"];

export function looksLikeMail(lower: string): bool {
  for (let i = 0; i < MAIL_WORDS.length; i++) if (findWord(lower, unchecked(MAIL_WORDS[i])) >= 0) return true;
  return false;
}

/** The version after a marker, skipping "version " and a "v" prefix ("v15.1"). */
function versionAfter(text: string, lower: string, marker: string): string {
  let j = afterWord(lower, marker);
  if (j < 0) return "";
  if (lower.startsWith("version ", j)) j += 8;
  if (lower.charCodeAt(j) == 0x76 && isDigit(lower.charCodeAt(j + 1))) j++; // "v15.1"
  return versionAt(text, j);
}

/** A distribution named in parentheses, as ProFTPD's packaged ServerName is ("ProFTPD 1.3.8 Server (Debian)"). */
function osFromParens(lower: string): string {
  if (lower.includes("(ubuntu)")) return "Ubuntu";
  if (lower.includes("(debian)")) return "Debian";
  if (lower.includes("(raspbian)")) return "Raspbian";
  return "";
}

function confidenceFor(version: string): i32 {
  return version.length > 0 ? 95 : 80;
}

/** Identifies the FTP server behind a greeting; null when the reply is not an FTP greeting. */
export function identify(r: NumericReply): FtpMatch | null {
  if (r.code != 220) return null;
  const text = r.text(2048);
  const lower = text.toLowerCase();
  if (looksLikeMail(lower)) return null;
  const m = new FtpMatch();
  m.text = text;

  for (let i = 0; i < RULES.length; i++) {
    const rule = unchecked(RULES[i]);
    if (findWord(lower, rule.marker) < 0) continue;
    rule.applyTo(m, versionAfter(text, lower, rule.marker), osFromParens(lower));
    // Serv-U before version 7 said "for WinSock": Windows only.
    if (rule.marker == "serv-u ftp server" && lower.includes("for winsock")) m.osHint = "Windows";
    m.confidence = confidenceFor(m.version);
    return m;
  }

  // wu-ftpd: "FTP server (Version wu-2.6.2(1) Mon Dec 3 ...) ready."
  const wu = lower.indexOf("(version wu-");
  if (wu >= 0) {
    m.product = "wu-ftpd";
    m.version = versionAt(text, wu + 12);
    m.vendor = "washington_university";
    m.cpeProduct = "wu-ftpd";
    m.confidence = confidenceFor(m.version);
    return m;
  }
  // FreeBSD's own ftpd: "FTP server (Version 6.00LS) ready."
  if (lower.includes("(version 6.00ls)")) {
    m.product = "FreeBSD ftpd";
    m.version = "6.00LS";
    m.osHint = "FreeBSD";
    m.confidence = 90;
    return m;
  }

  // A 220 greeting that names nothing: FTP by shape only. Saying "FTP"
  // is a little more than the bare code.
  m.osHint = osFromParens(lower);
  m.confidence = lower.includes("ftp") ? 50 : 40;
  return m;
}
