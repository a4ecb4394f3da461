/**
 * RDP connection initiation ([MS-RDPBCGR] 2.2.1.1, 2.2.1.2): a TPKT
 * (RFC 1006 §6: version 3, reserved 0, 16-bit length) around an X.224
 * Connection Request (ITU-T X.224 §13.3: LI, CR 0xE0, DST-REF, SRC-REF,
 * class 0) carrying an RDP Negotiation Request; the server's Connection
 * Confirm (0xD0) carries an RDP Negotiation Response (selected protocol,
 * flags) or Failure (a code). A Confirm without either is a server older
 * than RDP 5.2 negotiation (Windows 2000/XP/2003 before SP1 and similar).
 */

import { u16le, u32le, u16be } from "../../../sdk/assemblyscript/index";
import { hexOf } from "./wire";

export const PROTOCOL_RDP: u32 = 0;
export const PROTOCOL_SSL: u32 = 1;
export const PROTOCOL_HYBRID: u32 = 2;

/** TPKT + X.224 CR + RDP_NEG_REQ (type 1, flags 0, length 8) asking for PROTOCOL_SSL | PROTOCOL_HYBRID; no cookie. */
export function connectionRequest(): Uint8Array {
  const b = new Uint8Array(19);
  b[0] = 3;
  b[3] = 19;
  b[4] = 14; // LI: the 6 fixed octets after it plus the 8-byte negotiation request
  b[5] = 0xe0;
  b[11] = 1;
  b[13] = 8;
  b[15] = <u8>(PROTOCOL_SSL | PROTOCOL_HYBRID);
  return b;
}

export class RdpReply {
  /** "response", "failure" or "legacy" (a Connection Confirm without negotiation data). */
  kind: string = "";
  srcRef: i32 = 0;
  selected: u32 = 0;
  flags: i32 = 0;
  failureCode: u32 = 0;

  /** The text rules.yaml reads as `rdp.negotiation`. */
  summary(): string {
    if (this.kind == "response") return "rsp selected=" + this.selected.toString() + " flags=" + hexOf(<u32>this.flags, 2);
    if (this.kind == "failure") return "failure code=" + this.failureCode.toString();
    return "legacy";
  }
}

export function protocolName(p: u32): string {
  if (p == 0) return "rdp";
  if (p == 1) return "ssl";
  if (p == 2) return "hybrid";
  if (p == 4) return "rdstls";
  if (p == 8) return "hybrid_ex";
  if (p == 0x10) return "rdsaad";
  return hexOf(p, 8);
}

/** [MS-RDPBCGR] 2.2.1.2.2 failure codes. */
export function failureName(code: u32): string {
  if (code == 1) return "SSL_REQUIRED_BY_SERVER";
  if (code == 2) return "SSL_NOT_ALLOWED_BY_SERVER";
  if (code == 3) return "SSL_CERT_NOT_ON_SERVER";
  if (code == 4) return "INCONSISTENT_FLAGS";
  if (code == 5) return "HYBRID_REQUIRED_BY_SERVER";
  if (code == 6) return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER";
  return "code " + code.toString();
}

const FLAG_NAMES: string[] = ["extended_client_data", "dynvc_gfx", "reserved", "restricted_admin", "redirected_auth"];

export function flagNames(flags: i32): string[] {
  const out: string[] = [];
  for (let i = 0; i < FLAG_NAMES.length; i++) if ((flags & (1 << i)) != 0) out.push(FLAG_NAMES[i]);
  return out;
}

/** The Connection Confirm in `b`, or null when the bytes are not one. */
export function parseRdp(b: Uint8Array): RdpReply | null {
  if (b.length < 11 || b[0] != 3 || b[1] != 0) return null;
  const len = u16be(b, 2);
  if (len < 11 || len > b.length) return null;
  const li = <i32>b[4];
  if (li < 6 || 5 + li > len) return null;
  if ((b[5] & 0xf0) != 0xd0) return null;
  const r = new RdpReply();
  r.srcRef = u16be(b, 8);
  if (li < 14) {
    r.kind = "legacy";
    return r;
  }
  const type = <i32>b[11];
  if (u16le(b, 13) != 8) return null;
  if (type == 2) {
    r.kind = "response";
    r.flags = <i32>b[12];
    r.selected = u32le(b, 15);
  } else if (type == 3) {
    r.kind = "failure";
    r.failureCode = u32le(b, 15);
  } else return null;
  return r;
}
