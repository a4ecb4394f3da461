/**
 * An SMTP conversation as the `smtp-ehlo` probe has it: the greeting
 * (RFC 5321 §4.2, §4.3.2: 220 on connect, 554 or 421 when refusing), then the
 * reply to EHLO (§4.1.1.1: 250, the server's domain and greeting on the first
 * line, one extension per later line, "keyword [params]"). A passive banner
 * holds the greeting alone. Pure and bounded.
 */

import { NumericReply, printable, splitReplies } from "../../../sdk/assemblyscript/index";

/** Extensions kept: real servers list a dozen or two. */
export const MAX_EXTENSIONS: i32 = 64;
/** Characters kept per extension line ("AUTH PLAIN LOGIN CRAM-MD5", "SIZE 52428800"). */
const MAX_EXTENSION: i32 = 128;
/** AUTH mechanisms kept (RFC 4954 §3). */
const MAX_MECHANISMS: i32 = 16;

export class SmtpConversation {
  greeting: NumericReply;
  /** The reply to EHLO, null when the bytes end before it. */
  ehlo: NumericReply | null = null;

  constructor(greeting: NumericReply) {
    this.greeting = greeting;
  }
}

/** The conversation's replies in the probe's order, or null when the bytes do not start with a reply. */
export function parseConversation(text: string): SmtpConversation | null {
  const replies = splitReplies(text, 2);
  if (replies.length == 0) return null;
  const c = new SmtpConversation(unchecked(replies[0]));
  if (replies.length > 1) c.ehlo = unchecked(replies[1]);
  return c;
}

/** What an EHLO reply says about the server. */
export class Ehlo {
  /** 250: EHLO accepted (an ESMTP server). Otherwise the extension fields are empty. */
  ok: bool = false;
  /** The first line: the server's domain and free text ("mx.example.com Hello pentora.invalid [192.0.2.9]"). */
  greeting: string = "";
  /** One "KEYWORD [params]" per later line, as sent, printable. */
  extensions: string[] = [];
  /** Upper-cased keywords, in order. */
  keywords: string[] = [];
  /** RFC 4954 AUTH mechanisms, upper case (also from the pre-standard "AUTH=" form). */
  auth: string[] = [];
  /** RFC 1870 SIZE limit in bytes; -1 when not announced, 0 when announced without a limit. */
  size: i64 = -1;
  starttls: bool = false;
}

function isDigits(s: string): bool {
  if (s.length == 0 || s.length > 18) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The keyword of an extension line: up to the first space or "=" (the old "AUTH=LOGIN" form), upper case. */
function keywordOf(line: string): string {
  let end = 0;
  while (end < line.length) {
    const c = line.charCodeAt(end);
    if (c == 0x20 || c == 0x3d) break;
    end++;
  }
  return line.substring(0, min(end, 32)).toUpperCase();
}

function addMechanisms(e: Ehlo, params: string): void {
  const parts = params.split(" ");
  for (let i = 0; i < parts.length && e.auth.length < MAX_MECHANISMS; i++) {
    const m = unchecked(parts[i]).trim().toUpperCase();
    if (m.length == 0 || m.length > 32 || e.auth.includes(m)) continue;
    e.auth.push(printable(m, 32));
  }
}

/** Reads an EHLO reply (RFC 5321 §4.1.1.1, extensions per §2.2.2). */
export function parseEhlo(r: NumericReply): Ehlo {
  const e = new Ehlo();
  if (r.code != 250 || r.lines.length == 0) return e;
  e.ok = true;
  e.greeting = printable(unchecked(r.lines[0]).trim(), 256);
  for (let i = 1; i < r.lines.length && e.extensions.length < MAX_EXTENSIONS; i++) {
    const line = unchecked(r.lines[i]).trim();
    if (line.length == 0) continue;
    e.extensions.push(printable(line, MAX_EXTENSION));
    const kw = keywordOf(line);
    e.keywords.push(printable(kw, 32));
    const params = line.length > kw.length ? line.substring(kw.length + 1).trim() : "";
    if (kw == "AUTH") addMechanisms(e, params);
    else if (kw == "STARTTLS") e.starttls = true;
    else if (kw == "SIZE") e.size = isDigits(params) ? I64.parseInt(params) : 0;
  }
  return e;
}
