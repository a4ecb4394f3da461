/**
 * VNC's Remote Framebuffer protocol (RFC 6143). The server speaks first
 * with its ProtocolVersion (§7.1.1): 12 bytes, "RFB xxx.yyy\n", xxx and yyy
 * zero-padded decimal ("RFB 003.008\n"). The `vnc-security` follow-up answers
 * with the same version and reads the security types (§7.1.2): u8 count,
 * then count u8 types; count 0 means failure, then u32 length and a reason.
 * Pure and bounded.
 */

import { printable } from "../../../sdk/assemblyscript/index";

/** Security types (IANA "RFB Security Types"; RFC 6143 §7.2 defines 1 and 2). */
function securityName(t: i32): string {
  if (t == 1) return "None";
  if (t == 2) return "VNC Authentication";
  if (t == 5) return "RA2";
  if (t == 6) return "RA2ne";
  if (t == 16) return "Tight";
  if (t == 17) return "Ultra";
  if (t == 18) return "TLS";
  if (t == 19) return "VeNCrypt";
  if (t == 20) return "GTK-VNC SASL";
  if (t == 21) return "MD5 hash authentication";
  if (t == 22) return "Colin Dean xvp";
  if (t == 30) return "Apple Remote Desktop (Diffie-Hellman)";
  return "type " + t.toString();
}

export class RfbReading {
  /** The 7 characters "003.008". */
  version: string = "";
  major: i32 = 0;
  minor: i32 = 0;
  /** The security types the server offered (after our ProtocolVersion), names per the IANA registry. */
  security: string[] = [];
  securityCodes: i32[] = [];
  /** The server refused the connection (count 0) with this reason. */
  failure: string = "";
  /** The security-types message was read (the follow-up's reply). */
  answered: bool = false;
}

function isDigit(c: u8): bool {
  return c >= 0x30 && c <= 0x39;
}

function num3(b: Uint8Array, at: i32): i32 {
  return (<i32>b[at] - 0x30) * 100 + (<i32>b[at + 1] - 0x30) * 10 + (<i32>b[at + 2] - 0x30);
}

/** The ProtocolVersion and, when present, the security types after it; null when the bytes do not start with "RFB xxx.yyy\n". */
export function parseRfb(b: Uint8Array): RfbReading | null {
  if (b.length < 12) return null;
  // "RFB " ddd "." ddd "\n"
  if (b[0] != 0x52 || b[1] != 0x46 || b[2] != 0x42 || b[3] != 0x20 || b[7] != 0x2e || b[11] != 0x0a) return null;
  for (let i = 4; i < 11; i++) if (i != 7 && !isDigit(b[i])) return null;
  const r = new RfbReading();
  r.major = num3(b, 4);
  r.minor = num3(b, 8);
  r.version = String.fromCharCodes([b[4], b[5], b[6], b[7], b[8], b[9], b[10]]);
  if (b.length < 13) return r;
  // RFB 3.3 servers choose the type themselves (u32, §7.1.2 of the 3.3 spec); 3.7+ list them.
  if (r.major == 3 && r.minor < 7) {
    if (b.length < 16) return r;
    const t = (<i32>b[12] << 24) | (<i32>b[13] << 16) | (<i32>b[14] << 8) | <i32>b[15];
    r.answered = true;
    if (t == 0) r.failure = reasonAt(b, 16);
    else {
      r.securityCodes.push(t);
      r.security.push(securityName(t));
    }
    return r;
  }
  const count = <i32>b[12];
  r.answered = true;
  if (count == 0) {
    r.failure = reasonAt(b, 13);
    return r;
  }
  for (let i = 0; i < count && 13 + i < b.length; i++) {
    const t = <i32>b[13 + i];
    r.securityCodes.push(t);
    r.security.push(securityName(t));
  }
  return r;
}

/** A failure reason: u32 length, then that many bytes (cut to what arrived, at most 256). */
function reasonAt(b: Uint8Array, at: i32): string {
  if (at + 4 > b.length) return "";
  const len = ((<u32>b[at] << 24) | (<u32>b[at + 1] << 16) | (<u32>b[at + 2] << 8) | <u32>b[at + 3]);
  const n = <i32>min<u32>(len, <u32>min(b.length - at - 4, 256));
  const codes = new Array<i32>(n);
  for (let i = 0; i < n; i++) codes[i] = b[at + 4 + i];
  return printable(String.fromCharCodes(codes), 256);
}
