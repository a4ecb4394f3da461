/**
 * LDAP (RFC 4511): the `ldap-rootdse` probe — a SearchRequest for the root
 * DSE (base "", scope baseObject, filter (objectClass=*)) asking for the
 * attributes that name the server (RFC 4512 §5.1, RFC 3045 vendorName /
 * vendorVersion, [MS-ADTS] 3.1.1.3.2 for Active Directory) — and its answer:
 * LDAPMessages, each SEQUENCE { messageID, protocolOp }, a SearchResultEntry
 * ([APPLICATION 4]) then a SearchResultDone ([APPLICATION 5]); or a notice
 * of disconnection ([APPLICATION 24], RFC 4511 §4.4.1). Pure and bounded.
 */

import { Tlv, readTlv, children, uintOf } from "./ber";
import { ByteWriter, berTlv, concatBytes } from "../../../sdk/assemblyscript/index";

/** What the probe asks the root DSE for (request order). */
export const ROOTDSE_ATTRIBUTES: string[] = [
  "namingContexts",
  "supportedLDAPVersion",
  "vendorName",
  "vendorVersion",
  "supportedSASLMechanisms",
  "objectClass",
  "dnsHostName",
  "defaultNamingContext",
  "domainFunctionality",
  "forestFunctionality",
  "domainControllerFunctionality",
  "supportedCapabilities",
];

/** LDAP_CAP_ACTIVE_DIRECTORY_OID ([MS-ADTS] 3.1.1.3.4.3.1): the server is an AD DC (or claims to be, as Samba AD does). */
export const CAP_ACTIVE_DIRECTORY: string = "1.2.840.113556.1.4.800";

const MAX_MESSAGES: i32 = 16;
const MAX_ATTRIBUTES: i32 = 64;
const MAX_VALUES: i32 = 32;
const MAX_VALUE_CHARS: i32 = 256;

/** A TLV whose content is ASCII text (OCTET STRING 0x04, a context tag). */
function tlvText(tag: i32, s: string): Uint8Array {
  return berTlv(tag, new ByteWriter().ascii(s).finish());
}

/** A one-octet INTEGER/ENUMERATED/BOOLEAN content. */
function tlvByte(tag: i32, v: i32): Uint8Array {
  return berTlv(tag, new ByteWriter().u8(v).finish());
}

/** The SearchRequest, message ID 1 (RFC 4511 §4.5.1): tags 0x63 SearchRequest, 0x0a ENUMERATED, 0x01 BOOLEAN, 0x87 present filter. */
export function rootDseRequest(): Uint8Array {
  const attrs: Uint8Array[] = [];
  for (let i = 0; i < ROOTDSE_ATTRIBUTES.length; i++) attrs.push(tlvText(0x04, ROOTDSE_ATTRIBUTES[i]));
  const search = concatBytes([
    berTlv(0x04, new Uint8Array(0)), // baseObject ""
    tlvByte(0x0a, 0), // scope baseObject
    tlvByte(0x0a, 0), // derefAliases neverDerefAliases
    tlvByte(0x02, 0), // sizeLimit 0
    tlvByte(0x02, 0), // timeLimit 0
    tlvByte(0x01, 0), // typesOnly FALSE
    tlvText(0x87, "objectClass"), // present filter
    berTlv(0x30, concatBytes(attrs)),
  ]);
  return berTlv(0x30, concatBytes([tlvByte(0x02, 1), berTlv(0x63, search)]));
}

/** One attribute of the entry: its type as sent and at most MAX_VALUES values. */
export class Attribute {
  name: string;
  values: string[] = [];

  constructor(name: string) {
    this.name = name;
  }
}

export class LdapReply {
  /** Entries (SearchResultEntry) seen, and the first one's attributes. */
  entries: i32 = 0;
  attributes: Attribute[] = [];
  /** SearchResultDone's (or another response's) resultCode; -1 when none came. */
  resultCode: i64 = -1;
  diagnostic: string = "";
  /** The responseName of a notice of disconnection (1.3.6.1.4.1.1466.20036). */
  notice: string = "";
  partial: bool = false;

  /** The values of attribute `name` (ASCII case ignored, RFC 4512 §2.5); empty when absent. */
  values(name: string): string[] {
    const want = name.toLowerCase();
    for (let i = 0; i < this.attributes.length; i++) if (this.attributes[i].name.toLowerCase() == want) return this.attributes[i].values;
    return [];
  }

  first(name: string): string {
    const v = this.values(name);
    return v.length > 0 ? v[0] : "";
  }

  has(name: string, value: string): bool {
    const v = this.values(name);
    const want = value.toLowerCase();
    for (let i = 0; i < v.length; i++) if (v[i].toLowerCase() == want) return true;
    return false;
  }
}

function text(b: Uint8Array, t: Tlv, max: i32): string {
  let s = "";
  const end = min(t.end, t.start + max);
  for (let i = t.start; i < end; i++) s += String.fromCharCode(<i32>b[i]);
  return s;
}

/**
 * The LDAP messages in `b`, or null when the first one is not an LDAP
 * response (SEQUENCE, INTEGER message ID, an [APPLICATION n] operation).
 * A message cut short ends the parse with `partial`.
 */
export function parseLdap(b: Uint8Array): LdapReply | null {
  const r = new LdapReply();
  let at = 0;
  for (let n = 0; n < MAX_MESSAGES && at < b.length; n++) {
    const msg = readTlv(b, at, b.length);
    if (msg === null || msg.tag != 0x30) {
      if (n == 0) return null;
      r.partial = true;
      break;
    }
    const parts = children(b, msg, 3);
    if (parts === null || parts.length < 2 || parts[0].tag != 0x02 || (parts[1].tag & 0xe0) != 0x60) {
      if (n == 0) return null;
      r.partial = true;
      break;
    }
    const op = parts[1];
    const kind = op.tag & 0x1f;
    if (kind == 4) readEntry(b, op, r);
    else if (kind == 1 || kind == 5 || kind == 7 || kind == 9 || kind == 11 || kind == 13 || kind == 15 || kind == 24) readResult(b, op, r);
    else if (n == 0) return null; // a request, not a response
    at = msg.end;
  }
  return r;
}

/** SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName, attributes SEQUENCE OF { type, vals SET OF value } }. */
function readEntry(b: Uint8Array, op: Tlv, r: LdapReply): void {
  r.entries++;
  if (r.entries > 1) return;
  const f = children(b, op, 2);
  if (f === null || f.length < 2 || f[1].tag != 0x30) {
    r.partial = true;
    return;
  }
  const list = children(b, f[1], MAX_ATTRIBUTES);
  if (list === null) {
    r.partial = true;
    return;
  }
  for (let i = 0; i < list.length; i++) {
    const pa = children(b, list[i], 2);
    if (pa === null || pa.length < 2 || pa[0].tag != 0x04 || pa[1].tag != 0x31) continue;
    const a = new Attribute(text(b, pa[0], 64));
    const vals = children(b, pa[1], MAX_VALUES);
    if (vals !== null) for (let j = 0; j < vals.length; j++) if (vals[j].tag == 0x04) a.values.push(text(b, vals[j], MAX_VALUE_CHARS));
    r.attributes.push(a);
  }
}

/** LDAPResult (RFC 4511 §4.1.9): resultCode, matchedDN, diagnosticMessage; an ExtendedResponse's [10] responseName. */
function readResult(b: Uint8Array, op: Tlv, r: LdapReply): void {
  const f = children(b, op, 6);
  if (f === null || f.length < 3 || f[0].tag != 0x0a) {
    r.partial = true;
    return;
  }
  r.resultCode = uintOf(b, f[0]);
  if (f[2].tag == 0x04) r.diagnostic = text(b, f[2], MAX_VALUE_CHARS);
  for (let i = 3; i < f.length; i++) if (f[i].tag == 0x8a) r.notice = text(b, f[i], 64);
}

/** Names of the result codes a root DSE search meets (RFC 4511 Appendix A). */
export function resultName(code: i64): string {
  if (code == 0) return "success";
  if (code == 1) return "operationsError";
  if (code == 2) return "protocolError";
  if (code == 8) return "strongerAuthRequired";
  if (code == 13) return "confidentialityRequired";
  if (code == 32) return "noSuchObject";
  if (code == 48) return "inappropriateAuthentication";
  if (code == 49) return "invalidCredentials";
  if (code == 50) return "insufficientAccessRights";
  if (code == 51) return "busy";
  if (code == 52) return "unavailable";
  if (code == 53) return "unwillingToPerform";
  return "code" + code.toString();
}

