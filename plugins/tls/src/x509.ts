/**
 * A summary of an X.509 certificate (RFC 5280 §4.1) from its DER: names,
 * SANs, validity, public key, signature algorithm, serial and SHA-256
 * fingerprint. Pure and total: every read goes through DerReader, so a
 * malformed certificate gives the fields read before the fault (`complete`
 * false), never a trap.
 */

import { sha256Hex } from "../../../sdk/assemblyscript/index";
import {
  DerReader,
  Tlv,
  oidString,
  hexOf,
  bitLength,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_INTEGER,
  TAG_OID,
  TAG_BIT_STRING,
  TAG_OCTET_STRING,
  TAG_BOOLEAN,
  TAG_UTF8_STRING,
  TAG_BMP_STRING,
  TAG_UNIVERSAL_STRING,
  TAG_UTC_TIME,
  TAG_GENERALIZED_TIME,
} from "./der";
import { sigAlgName, keyTypeName, curveName, curveBits, attrName } from "./oids";

/** Caps that keep a hostile certificate's summary small. */
export const MAX_VALUE_CHARS: i32 = 256;
export const MAX_DN_CHARS: i32 = 1024;
export const MAX_SANS: i32 = 64;
export const MAX_SERIAL_BYTES: i32 = 32;
const MAX_RDNS: i32 = 32;
const MAX_EXTENSIONS: i32 = 64;

/** A distinguished name: its text and the attributes rules and reports ask for most. */
export class DName {
  /** "C=US, O=Acme\, Inc., CN=host": attributes in certificate order, values escaped as RFC 4514 §2.4 says. */
  text: string = "";
  cn: string = "";
  o: string = "";
  ou: string = "";
  c: string = "";
  /** The DER of the Name, for comparing subject and issuer. */
  raw: Uint8Array = new Uint8Array(0);
}

export class CertInfo {
  /** All of the certificate parsed without a fault. */
  complete: bool = false;
  /** X.509 version (1..3). */
  version: i32 = 1;
  serial: string = "";
  sigAlg: string = "";
  issuer: DName = new DName();
  subject: DName = new DName();
  /** ISO 8601 UTC ("2025-01-31T12:00:00Z"), "" when absent or malformed. */
  notBefore: string = "";
  notAfter: string = "";
  keyType: string = "";
  /** RSA/DSA modulus bits, the EC curve's field bits, 256/456 for Ed25519/Ed448; 0 when unknown. */
  keyBits: i32 = 0;
  /** The EC named curve ("P-256"); "" for other keys. */
  curve: string = "";
  sanDns: string[] = [];
  sanIp: string[] = [];
  /** Subject and issuer names are byte-identical (a self-issued, usually self-signed, certificate). */
  selfSigned: bool = false;
  /** SHA-256 of the whole DER, lower-case hex. */
  sha256: string = "";
  /** Bytes of the DER. */
  size: i32 = 0;
}

/** Decodes a directory string's contents to latin1-style text (one char per byte; non-Latin-1 characters become "?"). */
function stringValue(data: Uint8Array, t: Tlv): string {
  const n = min(t.length, MAX_VALUE_CHARS * 4);
  const parts = new Array<string>(0);
  if (t.tag == TAG_BMP_STRING) {
    for (let i = t.body; i + 1 < t.body + n; i += 2) parts.push(data[i] == 0 ? String.fromCharCode(data[i + 1]) : "?");
  } else if (t.tag == TAG_UNIVERSAL_STRING) {
    for (let i = t.body; i + 3 < t.body + n; i += 4) {
      const hi = data[i] | data[i + 1] | data[i + 2];
      parts.push(hi == 0 ? String.fromCharCode(data[i + 3]) : "?");
    }
  } else if (t.tag == TAG_UTF8_STRING) {
    // Two-byte sequences of U+0080..U+00FF map to Latin-1; anything wider is "?".
    let i = t.body;
    const end = t.body + n;
    while (i < end) {
      const c = <i32>data[i];
      if (c < 0x80) {
        parts.push(String.fromCharCode(c));
        i++;
      } else if ((c & 0xe0) == 0xc0 && i + 1 < end) {
        const cp = ((c & 0x1f) << 6) | (<i32>data[i + 1] & 0x3f);
        parts.push(cp < 0x100 ? String.fromCharCode(cp) : "?");
        i += 2;
      } else {
        parts.push("?");
        i++;
        while (i < end && (<i32>data[i] & 0xc0) == 0x80) i++;
      }
    }
  } else {
    for (let i = t.body; i < t.body + n; i++) parts.push(String.fromCharCode(data[i]));
  }
  const s = parts.join("");
  return s.length > MAX_VALUE_CHARS ? s.substring(0, MAX_VALUE_CHARS) : s;
}

/** RFC 4514 §2.4: a backslash before `"+,;<>\`, a leading "#" or space and a trailing space, so ", " only ever separates attributes. */
function escapeDn(v: string): string {
  let plain = true;
  for (let i = 0; i < v.length && plain; i++) {
    const c = v.charCodeAt(i);
    if (c == 0x22 || c == 0x2b || c == 0x2c || c == 0x3b || c == 0x3c || c == 0x3e || c == 0x5c) plain = false;
  }
  const n = v.length;
  if (plain && n > 0 && v.charCodeAt(0) != 0x23 && v.charCodeAt(0) != 0x20 && v.charCodeAt(n - 1) != 0x20) return v;
  const parts = new Array<string>(0);
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    const special = c == 0x22 || c == 0x2b || c == 0x2c || c == 0x3b || c == 0x3c || c == 0x3e || c == 0x5c;
    if (special || (i == 0 && (c == 0x23 || c == 0x20)) || (i == n - 1 && c == 0x20)) parts.push("\\");
    parts.push(String.fromCharCode(c));
  }
  return parts.join("");
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue). */
function parseName(data: Uint8Array, t: Tlv): DName {
  const name = new DName();
  name.raw = data.slice(t.start, t.end);
  const parts: string[] = [];
  const rdns = DerReader.inside(data, t);
  let count = 0;
  for (let rdn = rdns.next(); rdn !== null && count < MAX_RDNS; rdn = rdns.next()) {
    if (rdn.tag != TAG_SET) continue;
    const atvs = DerReader.inside(data, rdn);
    for (let atv = atvs.next(); atv !== null && count < MAX_RDNS; atv = atvs.next()) {
      if (atv.tag != TAG_SEQUENCE) continue;
      count++;
      const r = DerReader.inside(data, atv);
      const oidT = r.expect(TAG_OID);
      const valT = r.next();
      if (oidT === null || valT === null) continue;
      const oid = oidString(data, oidT);
      const key = oid.length > 0 ? attrName(oid) : "?";
      const value = stringValue(data, valT);
      parts.push(key + "=" + escapeDn(value));
      if (key == "CN" && name.cn.length == 0) name.cn = value;
      else if (key == "O" && name.o.length == 0) name.o = value;
      else if (key == "OU" && name.ou.length == 0) name.ou = value;
      else if (key == "C" && name.c.length == 0) name.c = value;
    }
  }
  const text = parts.join(", ");
  name.text = text.length > MAX_DN_CHARS ? text.substring(0, MAX_DN_CHARS) : text;
  return name;
}

function digits(data: Uint8Array, from: i32, n: i32): i32 {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = <i32>data[i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

function pad(v: i32, width: i32): string {
  let s = v.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

/**
 * UTCTime "YYMMDDHHMM[SS]Z" (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or
 * GeneralizedTime "YYYYMMDDHHMMSS[.fff]Z" as "YYYY-MM-DDTHH:MM:SSZ"; offsets
 * other than Z (not DER, seen in old certificates) are ignored. "" when malformed.
 */
export function timeString(data: Uint8Array, t: Tlv): string {
  let p = t.body;
  const end = t.end;
  let year: i32;
  if (t.tag == TAG_UTC_TIME) {
    if (end - p < 10) return "";
    const yy = digits(data, p, 2);
    if (yy < 0) return "";
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    p += 2;
  } else if (t.tag == TAG_GENERALIZED_TIME) {
    if (end - p < 12) return "";
    year = digits(data, p, 4);
    if (year < 0) return "";
    p += 4;
  } else {
    return "";
  }
  const mo = digits(data, p, 2);
  const dd = digits(data, p + 2, 2);
  const hh = digits(data, p + 4, 2);
  const mi = digits(data, p + 6, 2);
  p += 8;
  let ss = 0;
  if (p + 2 <= end && data[p] >= 0x30 && data[p] <= 0x39) ss = digits(data, p, 2);
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60) return "";
  return pad(year, 4) + "-" + pad(mo, 2) + "-" + pad(dd, 2) + "T" + pad(hh, 2) + ":" + pad(mi, 2) + ":" + pad(ss, 2) + "Z";
}

function ipString(data: Uint8Array, t: Tlv): string {
  if (t.length == 4) {
    return data[t.body].toString() + "." + data[t.body + 1].toString() + "." + data[t.body + 2].toString() + "." + data[t.body + 3].toString();
  }
  if (t.length == 16) {
    // RFC 5952 text without "::" compression of zero runs, beyond dropping each group's leading zeros.
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((<u32>data[t.body + i] << 8) | <u32>data[t.body + i + 1]).toString(16));
    return compressV6(groups);
  }
  return "";
}

/** Replaces the longest run (≥ 2) of "0" groups with "::" (RFC 5952 §4.2). */
function compressV6(groups: string[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] != "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] == "0") j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return groups.join(":");
  return groups.slice(0, bestAt).join(":") + "::" + groups.slice(bestAt + bestLen).join(":");
}

/** GeneralNames of subjectAltName (RFC 5280 §4.2.1.6): dNSName [2] and iPAddress [7]. */
function parseSans(data: Uint8Array, value: Tlv, cert: CertInfo): void {
  const outer = DerReader.inside(data, value);
  const seq = outer.expect(TAG_SEQUENCE);
  if (seq === null) return;
  const r = DerReader.inside(data, seq);
  for (let g = r.next(); g !== null; g = r.next()) {
    if (cert.sanDns.length + cert.sanIp.length >= MAX_SANS) break;
    if (g.tag == 0x82) cert.sanDns.push(stringValue(data, g));
    else if (g.tag == 0x87) {
      const ip = ipString(data, g);
      if (ip.length > 0) cert.sanIp.push(ip);
    }
  }
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }. */
function parseSpki(data: Uint8Array, t: Tlv, cert: CertInfo): void {
  const r = DerReader.inside(data, t);
  const alg = r.expect(TAG_SEQUENCE);
  const key = r.expect(TAG_BIT_STRING);
  if (alg === null) return;
  const ar = DerReader.inside(data, alg);
  const oidT = ar.expect(TAG_OID);
  if (oidT === null) return;
  const oid = oidString(data, oidT);
  cert.keyType = keyTypeName(oid);
  const params = ar.next();
  if (cert.keyType == "EC") {
    if (params !== null && params.tag == TAG_OID) {
      const c = oidString(data, params);
      cert.curve = curveName(c);
      cert.keyBits = curveBits(c);
    }
  } else if (cert.keyType == "Ed25519" || cert.keyType == "X25519") {
    cert.keyBits = cert.keyType == "Ed25519" ? 256 : 253;
  } else if (cert.keyType == "Ed448" || cert.keyType == "X448") {
    cert.keyBits = cert.keyType == "Ed448" ? 456 : 448;
  } else if (cert.keyType == "DSA") {
    // Dss-Parms ::= SEQUENCE { p, q, g } (RFC 3279 §2.3.2): the size is p's.
    if (params !== null && params.tag == TAG_SEQUENCE) {
      const p = DerReader.inside(data, params).expect(TAG_INTEGER);
      if (p !== null) cert.keyBits = bitLength(data, p);
    }
  } else if (cert.keyType == "RSA" || cert.keyType == "RSA-PSS") {
    // RSAPublicKey ::= SEQUENCE { modulus, publicExponent } inside the BIT STRING after its unused-bits octet (RFC 3279 §2.3.1).
    if (key === null || key.length < 2) return;
    const kr = new DerReader(data, key.body + 1, key.end);
    const seq = kr.expect(TAG_SEQUENCE);
    if (seq === null) return;
    const mod = DerReader.inside(data, seq).expect(TAG_INTEGER);
    if (mod !== null) cert.keyBits = bitLength(data, mod);
  }
}

function algName(data: Uint8Array, t: Tlv): string {
  const oidT = DerReader.inside(data, t).expect(TAG_OID);
  return oidT === null ? "" : sigAlgName(oidString(data, oidT));
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length || a.length == 0) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
 * Null when `der` is not even the start of a certificate (no outer SEQUENCE
 * holding a TBSCertificate SEQUENCE); otherwise what could be read.
 */
export function parseCertificate(der: Uint8Array): CertInfo | null {
  const top = new DerReader(der, 0, der.length);
  const certT = top.expect(TAG_SEQUENCE);
  if (certT === null) return null;
  const cr = DerReader.inside(der, certT);
  const tbs = cr.expect(TAG_SEQUENCE);
  if (tbs === null) return null;
  const cert = new CertInfo();
  cert.size = der.length;
  cert.sha256 = sha256Hex(der.subarray(certT.start, certT.end));
  const sigT = cr.expect(TAG_SEQUENCE);
  if (sigT !== null) cert.sigAlg = algName(der, sigT);

  const r = DerReader.inside(der, tbs);
  const ver = r.optional(0xa0);
  if (ver !== null) {
    const vi = DerReader.inside(der, ver).expect(TAG_INTEGER);
    if (vi !== null && vi.length == 1) cert.version = <i32>der[vi.body] + 1;
  }
  const serial = r.expect(TAG_INTEGER);
  if (serial === null) return cert;
  let from = serial.body;
  if (serial.length > 1 && der[from] == 0) from++; // the sign octet of a positive serial
  cert.serial = hexOf(der, from, serial.end, MAX_SERIAL_BYTES);
  const innerSig = r.expect(TAG_SEQUENCE);
  if (innerSig === null) return cert;
  if (cert.sigAlg.length == 0) cert.sigAlg = algName(der, innerSig);
  const issuer = r.expect(TAG_SEQUENCE);
  if (issuer === null) return cert;
  cert.issuer = parseName(der, issuer);
  const validity = r.expect(TAG_SEQUENCE);
  if (validity === null) return cert;
  const vr = DerReader.inside(der, validity);
  const nb = vr.next();
  const na = vr.next();
  if (nb !== null) cert.notBefore = timeString(der, nb);
  if (na !== null) cert.notAfter = timeString(der, na);
  const subject = r.expect(TAG_SEQUENCE);
  if (subject === null) return cert;
  cert.subject = parseName(der, subject);
  cert.selfSigned = sameBytes(cert.subject.raw, cert.issuer.raw);
  const spki = r.expect(TAG_SEQUENCE);
  if (spki === null) return cert;
  parseSpki(der, spki, cert);

  // issuerUniqueID [1], subjectUniqueID [2] (v2), then extensions [3] EXPLICIT.
  r.optional(0x81);
  r.optional(0x82);
  const extsT = r.optional(0xa3);
  if (extsT !== null) {
    const seq = DerReader.inside(der, extsT).expect(TAG_SEQUENCE);
    if (seq === null) return cert;
    const er = DerReader.inside(der, seq);
    let n = 0;
    for (let ext = er.next(); ext !== null && n < MAX_EXTENSIONS; ext = er.next()) {
      n++;
      if (ext.tag != TAG_SEQUENCE) continue;
      const xr = DerReader.inside(der, ext);
      const id = xr.expect(TAG_OID);
      if (id === null) continue;
      xr.optional(TAG_BOOLEAN);
      const value = xr.expect(TAG_OCTET_STRING);
      if (value === null) continue;
      if (oidString(der, id) == "2.5.29.17") parseSans(der, value, cert);
    }
    if (er.bad) return cert;
  }
  cert.complete = !r.bad && !cr.bad && sigT !== null;
  return cert;
}
