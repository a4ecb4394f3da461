/**
 * POP3 greetings and CAPA responses (RFC 1939 §4, §7; RFC 2449 §5, §6):
 *
 *   greeting  "+OK" [SP text] CRLF; an APOP server puts a timestamp
 *             "<process-ID.clock@hostname>" in the text (RFC 1939 §7)
 *   CAPA      "+OK" ... CRLF, then one capability per line ("TOP", "STLS",
 *             "SASL PLAIN", "IMPLEMENTATION Cyrus POP3 v2.4.17"), then "." CRLF;
 *             "-ERR" when the server has no CAPA
 *
 * The `pop3-capa` probe's bytes are the greeting, CAPA's reply and QUIT's
 * "+OK". Pure and bounded.
 */

import { splitLines, printable } from "../../../sdk/assemblyscript/index";

const SCAN_CHARS: i32 = 16384;
const MAX_LINES: i32 = 80;
export const MAX_CAPS: i32 = 64;
const MAX_CAP: i32 = 96;
const TEXT_MAX: i32 = 512;

export class Pop3Reading {
  /** The greeting's text after "+OK", printable. */
  text: string = "";
  /** The greeting carries an RFC 1939 §7 APOP timestamp. */
  apop: bool = false;
  /** A reply to CAPA followed the greeting. */
  capaAnswered: bool = false;
  /** CAPA said +OK (RFC 2449). */
  capaOk: bool = false;
  /** Capability lines as sent, printable (keyword upper-cased). */
  capabilities: string[] = [];
  /** The IMPLEMENTATION capability's text (RFC 2449 §6.9), "" when none. */
  implementation: string = "";
  /** SASL mechanisms (RFC 2449 §6.3), upper case. */
  sasl: string[] = [];
  /** The CAPA list ended with its "." line (not cut by the read). */
  complete: bool = false;
}

/** "<...@...>" in the text: an APOP timestamp, which is also a host's clock and name. */
function hasApopStamp(text: string): bool {
  const lt = text.indexOf("<");
  if (lt < 0) return false;
  const gt = text.indexOf(">", lt);
  return gt > lt && text.substring(lt, gt).includes("@");
}

/** Reads a POP3 greeting (and the CAPA reply after it, when present), or null when the bytes are not a POP3 greeting. */
export function parsePop3(text: string): Pop3Reading | null {
  const window = text.length > SCAN_CHARS ? text.substring(0, SCAN_CHARS) : text;
  const lines = splitLines(window, MAX_LINES);
  if (lines.length == 0) return null;
  const first = unchecked(lines[0]);
  if (!(first == "+OK" || first.startsWith("+OK "))) return null;
  const r = new Pop3Reading();
  const body = first.length > 4 ? first.substring(4).trim() : "";
  r.text = printable(body, TEXT_MAX);
  r.apop = hasApopStamp(body);
  if (lines.length < 2) return r;
  const status = unchecked(lines[1]);
  if (status.startsWith("+OK")) {
    r.capaAnswered = true;
    r.capaOk = true;
  } else if (status.startsWith("-ERR")) {
    r.capaAnswered = true;
    return r;
  } else return r;
  for (let i = 2; i < lines.length; i++) {
    const line = unchecked(lines[i]);
    if (line == ".") {
      r.complete = true;
      break;
    }
    if (r.capabilities.length >= MAX_CAPS) continue;
    const t = line.trim();
    if (t.length == 0) continue;
    const sp = t.indexOf(" ");
    const kw = (sp < 0 ? t : t.substring(0, sp)).toUpperCase();
    const args = sp < 0 ? "" : t.substring(sp + 1).trim();
    r.capabilities.push(printable(args.length > 0 ? kw + " " + args : kw, MAX_CAP));
    if (kw == "IMPLEMENTATION") r.implementation = printable(args, 128);
    else if (kw == "SASL") {
      const mechs = args.split(" ");
      for (let j = 0; j < mechs.length && r.sasl.length < 16; j++) {
        const m = unchecked(mechs[j]).trim().toUpperCase();
        if (m.length > 0 && m.length <= 32) r.sasl.push(printable(m, 32));
      }
    }
  }
  return r;
}
