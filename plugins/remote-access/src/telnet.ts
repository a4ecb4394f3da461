/**
 * What a Telnet server sends first (RFC 854): option negotiation (IAC
 * WILL/WONT/DO/DONT option, RFC 855; IAC SB ... IAC SE subnegotiation) mixed
 * with text (its login banner, "login:"). The negotiation is kept as a list
 * ("WILL AUTHENTICATION", "DO TERMINAL-TYPE"), the text's lines with the
 * IAC sequences taken out. Pure and bounded: at most SCAN_BYTES read,
 * MAX_OPTIONS options, TEXT_MAX bytes of text, 16 lines.
 */

import { printable } from "../../../sdk/assemblyscript/index";

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

const SCAN_BYTES: i32 = 16384;
export const MAX_OPTIONS: i32 = 32;
const TEXT_MAX: i32 = 2048;

/**
 * Option names (IANA "Telnet Options" registry; RFC 856-860, 1091, 1073, 1079,
 * 1372, 1184, 1096, 1408, 2941, 2946, 1572, 2066, 2217). Index = option code.
 */
const OPTION_NAMES: string[] = [
  "BINARY", "ECHO", "RECONNECTION", "SUPPRESS-GO-AHEAD", "APPROX-MESSAGE-SIZE", "STATUS", "TIMING-MARK", "RCTE",
  "OUTPUT-LINE-WIDTH", "OUTPUT-PAGE-SIZE", "NAOCRD", "NAOHTS", "NAOHTD", "NAOFFD", "NAOVTS", "NAOVTD",
  "NAOLFD", "EXTEND-ASCII", "LOGOUT", "BYTE-MACRO", "DATA-ENTRY-TERMINAL", "SUPDUP", "SUPDUP-OUTPUT", "SEND-LOCATION",
  "TERMINAL-TYPE", "END-OF-RECORD", "TUID", "OUTMRK", "TTYLOC", "3270-REGIME", "X.3-PAD", "NAWS",
  "TERMINAL-SPEED", "TOGGLE-FLOW-CONTROL", "LINEMODE", "X-DISPLAY-LOCATION", "ENVIRON", "AUTHENTICATION", "ENCRYPT", "NEW-ENVIRON",
  "TN3270E", "XAUTH", "CHARSET", "RSP", "COM-PORT-OPTION", "SLE", "START-TLS", "KERMIT",
];

export function optionName(code: i32): string {
  if (code >= 0 && code < OPTION_NAMES.length) return unchecked(OPTION_NAMES[code]);
  if (code == 255) return "EXTENDED-OPTIONS-LIST";
  return "OPTION-" + code.toString();
}

function verbName(v: u8): string {
  if (v == WILL) return "WILL";
  if (v == WONT) return "WONT";
  if (v == DO) return "DO";
  return "DONT";
}

export class TelnetReading {
  /** "WILL ECHO", "DO TERMINAL-TYPE", ... in the order sent, at most MAX_OPTIONS. */
  options: string[] = [];
  /** IAC commands seen in all (options beyond the cap included). */
  commands: i32 = 0;
  /** The text's lines with IAC sequences removed, trimmed, printable, empty ones dropped (at most 16 of 256 chars). */
  lines: string[] = [];
}

/**
 * Reads what a Telnet server sent. Null when the bytes hold no IAC command
 * and no text (an empty read); callers decide whether text alone is Telnet.
 */
export function parseTelnet(data: Uint8Array): TelnetReading | null {
  const n = min(data.length, SCAN_BYTES);
  if (n == 0) return null;
  const r = new TelnetReading();
  const text = new Array<i32>(0);
  let i = 0;
  while (i < n) {
    const c = unchecked(data[i]);
    if (c != IAC) {
      if (text.length < TEXT_MAX) text.push(c);
      i++;
      continue;
    }
    if (i + 1 >= n) break; // a lone IAC at the end: cut by the read
    const cmd = unchecked(data[i + 1]);
    if (cmd == IAC) {
      // IAC IAC is a data byte 255.
      if (text.length < TEXT_MAX) text.push(255);
      i += 2;
      continue;
    }
    r.commands++;
    if (cmd >= WILL) {
      if (i + 2 >= n) break;
      if (r.options.length < MAX_OPTIONS) r.options.push(verbName(cmd) + " " + optionName(unchecked(data[i + 2])));
      i += 3;
    } else if (cmd == SB) {
      // Skip to IAC SE (RFC 855); a subnegotiation that never ends runs to the end of the read.
      let j = i + 2;
      while (j + 1 < n && !(unchecked(data[j]) == IAC && unchecked(data[j + 1]) == SE)) j++;
      i = j + 2;
    } else {
      i += 2; // NOP, GA, AYT, ... : two bytes
    }
  }
  // Lines from the raw text (CR, LF and NUL end lines; RFC 854's CR NUL is a bare CR).
  let line = "";
  for (let k = 0; k < text.length && r.lines.length < 16; k++) {
    const c = unchecked(text[k]);
    if (c == 0x0d || c == 0x0a || c == 0) {
      const t = line.trim();
      if (t.length > 0) r.lines.push(printable(t, 256));
      line = "";
    } else line += String.fromCharCode(c);
  }
  const t = line.trim();
  if (t.length > 0 && r.lines.length < 16) r.lines.push(printable(t, 256));
  if (r.commands == 0 && r.lines.length == 0) return null;
  return r;
}

/** A login prompt in the text: Telnet by its words when no IAC was sent. */
export function hasLoginPrompt(r: TelnetReading): bool {
  for (let i = 0; i < r.lines.length; i++) {
    const l = unchecked(r.lines[i]).toLowerCase();
    if (l.endsWith("login:") || l.endsWith("username:") || l.endsWith("password:") || l.endsWith("user name:")) return true;
  }
  return false;
}
