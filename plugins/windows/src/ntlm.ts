/**
 * What an SMB server's security blobs say about it. The NEGOTIATE response
 * carries a SPNEGO negTokenInit (RFC 4178 §4.2.1) listing its mechanisms;
 * the SESSION_SETUP answer to our NTLM NEGOTIATE_MESSAGE carries the
 * CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2) with the server's names (AV pairs,
 * 2.2.2.1) and, when NTLMSSP_NEGOTIATE_VERSION is set, its OS version
 * (2.2.2.10: major, minor, build) — what `smb-os-discovery` tools read.
 */

import { u16le, u32le, u64le } from "../../../sdk/assemblyscript/index";
import { utf16, filetimeIso, indexOf } from "./wire";

const NTLMSSP: Uint8Array = bytesOf("NTLMSSP\0");

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = <u8>s.charCodeAt(i);
  return b;
}

function fromHex(h: string): Uint8Array {
  const b = new Uint8Array(h.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = <u8>I32.parseInt(h.substring(i * 2, i * 2 + 2), 16);
  return b;
}

/** DER OBJECT IDENTIFIER TLVs of the mechanisms SMB servers offer, and their names. */
const MECH_DER: string[] = [
  "060a2b06010401823702020a", // 1.3.6.1.4.1.311.2.2.10 NTLMSSP
  "06092a864882f712010202", // 1.2.840.48018.1.2.2 MS Kerberos (legacy OID)
  "06092a864886f712010202", // 1.2.840.113554.1.2.2 Kerberos 5
  "060a2a864886f71201020203", // 1.2.840.113554.1.2.2.3 Kerberos 5 user-to-user
  "060a2b06010401823702021e", // 1.3.6.1.4.1.311.2.2.30 NEGOEX
];
const MECH_NAMES: string[] = ["NTLMSSP", "MS-KRB5", "KRB5", "KRB5-U2U", "NEGOEX"];

/** The mechanisms a SPNEGO token names, in the order of the list above (a set, not the server's preference). */
export function spnegoMechs(blob: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < MECH_DER.length; i++) if (indexOf(blob, fromHex(MECH_DER[i]), 0) >= 0) out.push(MECH_NAMES[i]);
  return out;
}

/** negHints.hintName (RFC 4178 §4.2.1, [MS-SPNG] 2.2.1): [3] SEQUENCE { [0] GeneralString }, "" when absent. */
export function spnegoHint(blob: Uint8Array): string {
  for (let i = 0; i + 8 <= blob.length; i++) {
    if (blob[i] != 0xa3 || blob[i + 2] != 0x30 || blob[i + 4] != 0xa0 || blob[i + 6] != 0x1b) continue;
    const n = <i32>blob[i + 7];
    if (n >= 0x80 || i + 8 + n > blob.length) return "";
    let s = "";
    for (let j = i + 8; j < i + 8 + n; j++) {
      const c = <i32>blob[j];
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
    }
    return s;
  }
  return "";
}

export class NtlmChallenge {
  flags: u32 = 0;
  targetName: string = "";
  nbComputer: string = "";
  nbDomain: string = "";
  dnsComputer: string = "";
  dnsDomain: string = "";
  dnsTree: string = "";
  timestamp: string = "";
  /** major.minor.build, "" when the message carries no version. */
  osVersion: string = "";
  ntlmRevision: i32 = 0;
}

const NEGOTIATE_VERSION: u32 = 0x02000000;
const MAX_NAME: i32 = 128;

/** The first CHALLENGE_MESSAGE in `b`, or null. Offsets are checked against the bytes after the signature. */
export function findChallenge(b: Uint8Array): NtlmChallenge | null {
  const at = indexOf(b, NTLMSSP, 0);
  if (at < 0 || at + 48 > b.length) return null;
  const m = b.subarray(at);
  if (u32le(m, 8) != 2) return null;
  const c = new NtlmChallenge();
  c.flags = u32le(m, 20);
  const tnLen = u16le(m, 12);
  const tnOff = <i32>u32le(m, 16);
  if (tnOff >= 0 && tnOff + tnLen <= m.length) c.targetName = utf16(m, tnOff, tnLen, MAX_NAME);
  const tiLen = u16le(m, 40);
  const tiOff = <i32>u32le(m, 44);
  if (tiOff >= 48 && tiOff + tiLen <= m.length) readAvPairs(m, tiOff, tiOff + tiLen, c);
  if ((c.flags & NEGOTIATE_VERSION) != 0 && m.length >= 56 && (tiOff >= 56 || tiLen == 0)) {
    c.osVersion = (<i32>m[48]).toString() + "." + (<i32>m[49]).toString() + "." + u16le(m, 50).toString();
    c.ntlmRevision = <i32>m[55];
  }
  return c;
}

/** AV_PAIRs ([MS-NLMP] 2.2.2.1): AvId, AvLen, value; MsvAvEOL (0) ends the list. At most 32 pairs. */
function readAvPairs(m: Uint8Array, start: i32, end: i32, c: NtlmChallenge): void {
  let p = start;
  for (let n = 0; n < 32 && p + 4 <= end; n++) {
    const id = u16le(m, p);
    const len = u16le(m, p + 2);
    const v = p + 4;
    if (id == 0 || v + len > end) return;
    if (id == 1) c.nbComputer = utf16(m, v, len, MAX_NAME);
    else if (id == 2) c.nbDomain = utf16(m, v, len, MAX_NAME);
    else if (id == 3) c.dnsComputer = utf16(m, v, len, MAX_NAME);
    else if (id == 4) c.dnsDomain = utf16(m, v, len, MAX_NAME);
    else if (id == 5) c.dnsTree = utf16(m, v, len, MAX_NAME);
    else if (id == 7 && len == 8) c.timestamp = filetimeIso(u64le(m, v));
    p = v + len;
  }
}
