/**
 * NTP replies. Mode 4 (server, RFC 5905 §7.3): 48 bytes of header — LI, VN,
 * Mode in the first byte, stratum, poll, precision, root delay and
 * dispersion, the reference ID (a kiss code at stratum 0, §7.4; a clock name
 * at stratum 1; an IPv4 address above) — then optional extension fields and
 * a MAC, all in 4-byte units. Mode 6 (control, RFC 9327 §2): a 12-byte
 * header and `count` bytes of `name=value` text; the READVAR answer for the
 * system association names the daemon (`version="ntpd 4.2.8p15@1.3728-o ..."`,
 * `version="ntpd ntpsec-1.2.2"`) and its OS (`system="Linux/6.1.0"`).
 */

import { u16be } from "../../../sdk/assemblyscript/index";

export class NtpReply {
  mode: i32 = 0;
  version: i32 = 0;
  leap: i32 = 0;
  stratum: i32 = -1;
  poll: i32 = 0;
  precision: i32 = 0;
  refid: string = "";
  /** Mode 6 only. */
  opcode: i32 = -1;
  error: bool = false;
  /** From a mode 6 READVAR answer: the `version`, `system` and `processor` variables. */
  daemon: string = "";
  system: string = "";
  processor: string = "";
}

const MAX_VALUE: i32 = 256;

function i8(v: u8): i32 {
  return v >= 128 ? <i32>v - 256 : <i32>v;
}

/** A mode 4, 5 or 6 reply, or null when the bytes are not one. */
export function parseNtp(b: Uint8Array): NtpReply | null {
  if (b.length < 12) return null;
  const r = new NtpReply();
  r.leap = <i32>b[0] >> 6;
  r.version = (<i32>b[0] >> 3) & 7;
  r.mode = <i32>b[0] & 7;
  if (r.version < 1 || r.version > 4) return null;
  if (r.mode == 6) return parseControl(b, r);
  if (r.mode != 4 && r.mode != 5) return null;
  if (b.length < 48 || b.length % 4 != 0) return null;
  r.stratum = <i32>b[1];
  if (r.stratum > 16) return null;
  r.poll = i8(b[2]);
  r.precision = i8(b[3]);
  if (r.precision > 0 || r.precision < -32) return null;
  // A server's transmit timestamp (bytes 40..47) is never zero.
  let tx = 0;
  for (let i = 40; i < 48; i++) tx |= <i32>b[i];
  if (tx == 0) return null;
  r.refid = refidOf(b, r.stratum);
  return r;
}

/** The reference ID (RFC 5905 §7.3): ASCII at stratum 0 and 1, an IPv4 address (or an IPv6 hash, which looks like one) above. */
function refidOf(b: Uint8Array, stratum: i32): string {
  if (stratum <= 1) {
    let s = "";
    for (let i = 12; i < 16; i++) {
      const c = <i32>b[i];
      if (c == 0) break;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
    }
    return s;
  }
  return (<i32>b[12]).toString() + "." + (<i32>b[13]).toString() + "." + (<i32>b[14]).toString() + "." + (<i32>b[15]).toString();
}

/** A control message must be a response (R bit) with its data within the datagram. */
function parseControl(b: Uint8Array, r: NtpReply): NtpReply | null {
  const op = <i32>b[1];
  if ((op & 0x80) == 0) return null;
  r.error = (op & 0x40) != 0;
  r.opcode = op & 0x1f;
  if (r.opcode < 1 || r.opcode > 31) return null;
  const count = u16be(b, 10);
  if (count > 468 || 12 + count > b.length) return null;
  let text = "";
  for (let i = 12; i < 12 + count; i++) text += String.fromCharCode(<i32>b[i]);
  r.daemon = variable(text, "version");
  r.system = variable(text, "system");
  r.processor = variable(text, "processor");
  return r;
}

/** The value of `name=` in a READVAR list (`name="value", ...`), unquoted, at most MAX_VALUE chars; "" when absent. */
export function variable(text: string, name: string): string {
  let at = 0;
  while (at < text.length) {
    const i = text.indexOf(name + "=", at);
    if (i < 0) return "";
    // Whole names only: at the start, or after a separator.
    const before = i == 0 ? 0x20 : text.charCodeAt(i - 1);
    if (before == 0x20 || before == 0x2c || before == 0x0a || before == 0x0d) {
      let p = i + name.length + 1;
      let end: i32;
      if (p < text.length && text.charCodeAt(p) == 0x22) {
        p++;
        end = text.indexOf("\"", p);
        if (end < 0) end = text.length;
      } else {
        end = text.indexOf(",", p);
        if (end < 0) end = text.length;
      }
      const v = text.substring(p, end).trim();
      return v.length > MAX_VALUE ? v.substring(0, MAX_VALUE) : v;
    }
    at = i + 1;
  }
  return "";
}
