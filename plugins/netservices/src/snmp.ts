/**
 * SNMP replies: v1 (RFC 1157 §4) and v2c (RFC 1901 §3) messages
 * SEQUENCE { version, community, PDU }, and v3 (RFC 3412 §6) messages
 * SEQUENCE { version 3, msgGlobalData, msgSecurityParameters, msgData }
 * whose USM parameters (RFC 3414 §2.4) name the agent's engine ID — the
 * Report PDU an agent sends to a discovery request. From the variable
 * bindings: sysDescr.0, sysObjectID.0 and sysName.0 (RFC 3418). The
 * enterprise number comes from sysObjectID (1.3.6.1.4.1.N...) or from the
 * engine ID (RFC 3411 §5, SnmpEngineID: first bit set, then 31 bits of
 * enterprise number). Pure and bounded (ber.ts).
 */

import { Tlv, readTlv, children, uintOf, oidOf, bytesOf, hexOf } from "./ber";

export const SYS_DESCR: string = "1.3.6.1.2.1.1.1.0";
export const SYS_OBJECT_ID: string = "1.3.6.1.2.1.1.2.0";
export const SYS_NAME: string = "1.3.6.1.2.1.1.5.0";
const ENTERPRISES: string = "1.3.6.1.4.1.";

const MAX_VARBINDS: i32 = 32;
const MAX_TEXT: i32 = 512;

/** PDU names by their context tag (RFC 3416 §3, RFC 1157 §4.1). */
export function pduName(tag: i32): string {
  switch (tag) {
    case 0xa0: return "get-request";
    case 0xa1: return "get-next-request";
    case 0xa2: return "response";
    case 0xa3: return "set-request";
    case 0xa4: return "trap-v1";
    case 0xa5: return "get-bulk-request";
    case 0xa6: return "inform-request";
    case 0xa7: return "trap-v2";
    case 0xa8: return "report";
    default: return "unknown";
  }
}

export class SnmpMessage {
  /** 0 (v1), 1 (v2c) or 3 (v3), as on the wire. */
  version: i32 = 0;
  community: string = "";
  pdu: i32 = 0;
  requestId: i64 = -1;
  errorStatus: i64 = -1;
  varbinds: i32 = 0;
  sysDescr: string = "";
  sysObjectId: string = "";
  sysName: string = "";
  /** The first variable binding's name (a v3 report's counter: usmStatsUnknownEngineIDs...). */
  firstOid: string = "";
  /** IANA enterprise number from sysObjectID or the engine ID; -1 when unknown. */
  enterprise: i64 = -1;
  engineId: string = "";
  engineBoots: i64 = -1;
  engineTime: i64 = -1;
  /** v3 msgData was encrypted (an OCTET STRING, not a ScopedPDU). */
  encrypted: bool = false;
  partial: bool = false;

  versionName(): string {
    return this.version == 0 ? "1" : this.version == 1 ? "2c" : this.version == 3 ? "3" : this.version.toString();
  }
}

function text(b: Uint8Array, t: Tlv): string {
  let s = "";
  const end = min(t.end, t.start + MAX_TEXT);
  for (let i = t.start; i < end; i++) s += String.fromCharCode(<i32>b[i]);
  return s;
}

/** An SNMP message, or null when the bytes are not one (wrong outer shape, unknown version, no PDU). */
export function parseSnmp(b: Uint8Array): SnmpMessage | null {
  const top = readTlv(b, 0, b.length);
  if (top === null || top.tag != 0x30) return null;
  const items = children(b, top, 4);
  if (items === null || items.length < 3 || items[0].tag != 0x02) return null;
  const m = new SnmpMessage();
  const v = uintOf(b, items[0]);
  if (v != 0 && v != 1 && v != 3) return null;
  m.version = <i32>v;
  if (v == 3) return parseV3(b, items, m);
  if (items[1].tag != 0x04) return null;
  m.community = text(b, items[1]);
  const pdu = items[2];
  if (pdu.tag < 0xa0 || pdu.tag > 0xa8) return null;
  readPdu(b, pdu, m);
  return m;
}

function parseV3(b: Uint8Array, items: Tlv[], m: SnmpMessage): SnmpMessage | null {
  if (items.length < 4 || items[1].tag != 0x30 || items[2].tag != 0x04) return null;
  // msgSecurityParameters holds the USM SEQUENCE, BER-encoded inside the OCTET STRING.
  const usm = readTlv(b, items[2].start, items[2].end);
  if (usm !== null && usm.tag == 0x30) {
    const f = children(b, usm, 6);
    if (f !== null && f.length >= 3 && f[0].tag == 0x04) {
      const id = bytesOf(b, f[0]);
      m.engineId = hexOf(id, 32);
      m.enterprise = engineEnterprise(id);
      if (f[1].tag == 0x02) m.engineBoots = uintOf(b, f[1]);
      if (f[2].tag == 0x02) m.engineTime = uintOf(b, f[2]);
    } else m.partial = true;
  } else m.partial = true;
  const data = items[3];
  if (data.tag == 0x04) {
    m.encrypted = true;
    return m;
  }
  if (data.tag != 0x30) return null;
  const scoped = children(b, data, 3);
  if (scoped === null || scoped.length < 3) {
    m.partial = true;
    return m;
  }
  const pdu = scoped[2];
  if (pdu.tag < 0xa0 || pdu.tag > 0xa8) return null;
  readPdu(b, pdu, m);
  return m;
}

/** request-id, error-status, error-index, variable-bindings (RFC 3416 §3); a v1 trap's enterprise OID. */
function readPdu(b: Uint8Array, pdu: Tlv, m: SnmpMessage): void {
  m.pdu = pdu.tag;
  const f = children(b, pdu, 6);
  if (f === null) {
    m.partial = true;
    return;
  }
  if (pdu.tag == 0xa4) {
    // Trap-PDU (RFC 1157 §4.1.6): enterprise OID first.
    if (f.length > 0 && f[0].tag == 0x06) setObjectId(m, oidOf(b, f[0]));
    return;
  }
  if (f.length < 4 || f[0].tag != 0x02 || f[3].tag != 0x30) {
    m.partial = true;
    return;
  }
  m.requestId = uintOf(b, f[0]);
  if (f[1].tag == 0x02) m.errorStatus = uintOf(b, f[1]);
  const list = children(b, f[3], MAX_VARBINDS);
  if (list === null) {
    m.partial = true;
    return;
  }
  m.varbinds = list.length;
  for (let i = 0; i < list.length; i++) {
    const vb = list[i];
    if (vb.tag != 0x30) continue;
    const nv = children(b, vb, 2);
    if (nv === null || nv.length < 2 || nv[0].tag != 0x06) continue;
    const name = oidOf(b, nv[0]);
    if (i == 0) m.firstOid = name;
    const val = nv[1];
    if (name == SYS_DESCR && val.tag == 0x04) m.sysDescr = text(b, val);
    else if (name == SYS_NAME && val.tag == 0x04) m.sysName = text(b, val);
    else if (name == SYS_OBJECT_ID && val.tag == 0x06) setObjectId(m, oidOf(b, val));
  }
}

function setObjectId(m: SnmpMessage, oid: string): void {
  m.sysObjectId = oid;
  if (!oid.startsWith(ENTERPRISES)) return;
  const rest = oid.substring(ENTERPRISES.length);
  const dot = rest.indexOf(".");
  const arc = dot < 0 ? rest : rest.substring(0, dot);
  if (arc.length > 0 && arc.length <= 10) m.enterprise = I64.parseInt(arc);
}

/** The enterprise number of an SnmpEngineID (RFC 3411 §5): the first four octets, the top bit cleared. */
export function engineEnterprise(id: Uint8Array): i64 {
  if (id.length < 5) return -1;
  return (<i64>(id[0] & 0x7f) << 24) | (<i64>id[1] << 16) | (<i64>id[2] << 8) | <i64>id[3];
}
