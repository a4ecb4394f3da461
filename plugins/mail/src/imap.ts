/**
 * IMAP greetings and CAPABILITY responses (RFC 9051 §7.1 and §7.2.2; RFC 3501
 * for IMAP4rev1):
 *
 *   greeting   = "*" SP (resp-cond-auth / resp-cond-bye) CRLF
 *                e.g. "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready."
 *                     "* PREAUTH ..." (already authenticated), "* BYE ..." (refused)
 *   capability = "*" SP "CAPABILITY" *(SP capability) CRLF
 *
 * The `imap-capability` probe's bytes are the greeting, the untagged
 * CAPABILITY response and "a1 OK", then LOGOUT's "* BYE" and "a2 OK". Pure
 * and bounded: at most MAX_LINES lines, MAX_CAPS capabilities.
 */

import { splitLines, printable } from "../../../sdk/assemblyscript/index";

const SCAN_CHARS: i32 = 16384;
const MAX_LINES: i32 = 32;
export const MAX_CAPS: i32 = 64;
const MAX_CAP: i32 = 64;
const TEXT_MAX: i32 = 512;

export class ImapReading {
  /** "OK", "PREAUTH" or "BYE" (upper case). */
  status: string = "";
  /** The greeting's text after its response code, printable ("Dovecot (Debian) ready."). */
  text: string = "";
  /** Capabilities, upper-cased as RFC 9051 compares them, from the CAPABILITY response when there is one, else the greeting's code. */
  capabilities: string[] = [];
  /** The capabilities came from an untagged CAPABILITY response (the probe's), not the greeting. */
  fromResponse: bool = false;
}

/** The greeting's status word when `line` is an IMAP greeting, "" otherwise. */
function statusOf(line: string): string {
  if (!line.startsWith("* ")) return "";
  const sp = line.indexOf(" ", 2);
  const word = (sp < 0 ? line.substring(2) : line.substring(2, sp)).toUpperCase();
  return word == "OK" || word == "PREAUTH" || word == "BYE" ? word : "";
}

/** Capability atoms separated by spaces, upper case, capped. */
function capsOf(list: string): string[] {
  const out: string[] = [];
  const parts = list.split(" ");
  for (let i = 0; i < parts.length && out.length < MAX_CAPS; i++) {
    const c = unchecked(parts[i]).trim();
    if (c.length == 0) continue;
    out.push(printable(c.toUpperCase(), MAX_CAP));
  }
  return out;
}

/** Reads an IMAP greeting (and the CAPABILITY response after it, when present), or null when the bytes are not IMAP. */
export function parseImap(text: string): ImapReading | null {
  const window = text.length > SCAN_CHARS ? text.substring(0, SCAN_CHARS) : text;
  const lines = splitLines(window, MAX_LINES);
  if (lines.length == 0) return null;
  const first = unchecked(lines[0]);
  const status = statusOf(first);
  if (status.length == 0) return null;
  const r = new ImapReading();
  r.status = status;
  let rest = first.substring(2 + status.length).trim();
  // resp-text = ["[" resp-text-code "]" SP] text
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close > 0) {
      const code = rest.substring(1, close);
      if (code.toUpperCase().startsWith("CAPABILITY ")) r.capabilities = capsOf(code.substring(11));
      rest = rest.substring(close + 1).trim();
    }
  }
  r.text = printable(rest, TEXT_MAX);
  for (let i = 1; i < lines.length; i++) {
    const line = unchecked(lines[i]);
    if (line.length > 13 && line.substring(0, 13).toUpperCase() == "* CAPABILITY ") {
      r.capabilities = capsOf(line.substring(13));
      r.fromResponse = true;
      break;
    }
  }
  return r;
}

/** The SASL mechanisms of "AUTH=..." capabilities (RFC 9051 §6.2.2), in order. */
export function authMechanisms(caps: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < caps.length; i++) {
    const c = unchecked(caps[i]);
    if (c.startsWith("AUTH=") && c.length > 5) out.push(c.substring(5));
  }
  return out;
}
