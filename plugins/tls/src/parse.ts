/**
 * The server's first flight, as bytes read after our ClientHello: TLS records
 * (RFC 5246 §6.2.1), the handshake messages they carry (§7.4: ServerHello,
 * Certificate, ServerHelloDone) and alerts (§7.2). Pure and total: lengths
 * are checked before every read, so truncated or hostile replies give what
 * was read (or null when the bytes are not TLS at all), never a trap.
 */

import { md5Hex, latin1Bytes, u16be, u24be } from "../../../sdk/assemblyscript/index";
import { CertInfo, parseCertificate } from "./x509";

export const CONTENT_CCS: i32 = 20;
export const CONTENT_ALERT: i32 = 21;
export const CONTENT_HANDSHAKE: i32 = 22;
export const CONTENT_APPDATA: i32 = 23;

export const HS_SERVER_HELLO: i32 = 2;
export const HS_CERTIFICATE: i32 = 11;
export const HS_SERVER_KEY_EXCHANGE: i32 = 12;
export const HS_CERTIFICATE_REQUEST: i32 = 13;
export const HS_SERVER_HELLO_DONE: i32 = 14;

/** RFC 8446 §4.2.1 supported_versions: in a ServerHello, the version the server chose. */
export const EXT_SUPPORTED_VERSIONS: i32 = 43;

/** 2^14 plaintext plus the largest expansion any version allows (RFC 5246 §6.2.3). */
const MAX_RECORD: i32 = 18432;
/** Handshake bytes reassembled from records: a long chain fits, a hostile stream stops here. */
const MAX_HANDSHAKE_BYTES: i32 = 65536;
const MAX_RECORDS: i32 = 64;
const MAX_EXTENSIONS: i32 = 64;
const MAX_CHAIN: i32 = 16;

export class ServerHello {
  /** legacy_version of the ServerHello (what JA3S uses). */
  legacyVersion: i32 = 0;
  /** The negotiated version: supported_versions when present, else legacy_version. */
  version: i32 = 0;
  cipher: i32 = 0;
  compression: i32 = 0;
  /** Extension types in the order the server sent them. */
  extensions: i32[] = [];
  sessionIdLength: i32 = 0;
  /** All of the message was there. */
  complete: bool = false;

  /** JA3S input: "legacy_version,cipher,ext-ext-..." in decimal (salesforce/ja3, GREASE values left out). */
  ja3sString(): string {
    const exts: string[] = [];
    for (let i = 0; i < this.extensions.length; i++) {
      const e = this.extensions[i];
      if (!isGrease(e)) exts.push(e.toString());
    }
    return this.legacyVersion.toString() + "," + this.cipher.toString() + "," + exts.join("-");
  }

  ja3s(): string {
    return md5Hex(latin1Bytes(this.ja3sString()));
  }
}

/** RFC 8701 GREASE values: 0x?a?a with both bytes equal. */
export function isGrease(v: i32): bool {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/** What the server's reply held. */
export class TlsReply {
  /** Record layer version of the first record. */
  recordVersion: i32 = 0;
  records: i32 = 0;
  hello: ServerHello | null = null;
  /** Certificates in the Certificate message (leaf first), counted up to MAX_CHAIN. */
  chainLength: i32 = 0;
  leafDer: Uint8Array | null = null;
  leaf: CertInfo | null = null;
  /** The Certificate message started but did not arrive whole. */
  certTruncated: bool = false;
  /** ServerKeyExchange / CertificateRequest seen. */
  keyExchange: bool = false;
  certRequest: bool = false;
  helloDone: bool = false;
  /** The first alert: level 1 warning, 2 fatal; -1 when none. */
  alertLevel: i32 = -1;
  alertDescription: i32 = -1;
  /** The bytes ended inside a record or message. */
  truncated: bool = false;
  /** Bytes that did not parse as records after valid ones (garbage, a plain-text error). */
  trailing: bool = false;
}

/** A record header at `p`: a known content type, major version 3 and a length a record may have. */
function plausibleHeader(d: Uint8Array, p: i32): bool {
  if (p + 5 > d.length) return false;
  const type = <i32>d[p];
  if (type < CONTENT_CCS || type > CONTENT_APPDATA) return false;
  if (d[p + 1] != 3 || d[p + 2] > 4) return false;
  const len = u16be(d, p + 3);
  return len >= 1 && len <= MAX_RECORD;
}

/**
 * The reply read after a ClientHello, or null when it is not TLS: the first
 * record must be a handshake starting with ServerHello, or a two-byte alert
 * of level 1 or 2.
 */
export function parseTls(d: Uint8Array): TlsReply | null {
  if (!plausibleHeader(d, 0)) return null;
  const firstType = <i32>d[0];
  const firstLen = u16be(d, 3);
  if (firstType == CONTENT_ALERT) {
    if (firstLen != 2 || d.length < 7 || (d[5] != 1 && d[5] != 2)) return null;
  } else if (firstType == CONTENT_HANDSHAKE) {
    if (d.length < 6 || d[5] != HS_SERVER_HELLO) return null;
  } else {
    return null;
  }

  const out = new TlsReply();
  out.recordVersion = u16be(d, 1);
  const hs = new Uint8Array(min(d.length, MAX_HANDSHAKE_BYTES));
  let hsLen = 0;
  let p = 0;
  while (p < d.length && out.records < MAX_RECORDS) {
    if (!plausibleHeader(d, p)) {
      if (p + 5 > d.length) out.truncated = true;
      else out.trailing = true;
      break;
    }
    const type = <i32>d[p];
    const len = u16be(d, p + 3);
    const body = p + 5;
    const avail = min(len, d.length - body);
    out.records++;
    if (type == CONTENT_HANDSHAKE) {
      const n = min(avail, hs.length - hsLen);
      if (n > 0) hs.set(d.subarray(body, body + n), hsLen);
      hsLen += n;
    } else if (type == CONTENT_ALERT) {
      if (avail >= 2 && out.alertLevel < 0) {
        out.alertLevel = <i32>d[body];
        out.alertDescription = <i32>d[body + 1];
      }
      if (avail < len) out.truncated = true;
      break; // nothing after an alert is ours to read
    } else {
      break; // ChangeCipherSpec or application data: the plain-text handshake is over
    }
    if (avail < len) {
      out.truncated = true;
      break;
    }
    p = body + len;
  }
  readHandshake(hs, hsLen, out);
  return out;
}

function readHandshake(hs: Uint8Array, n: i32, out: TlsReply): void {
  let p = 0;
  while (p + 4 <= n) {
    const type = <i32>hs[p];
    const len = u24be(hs, p + 1);
    const body = p + 4;
    const whole = body + len <= n;
    const end = whole ? body + len : n;
    if (type == HS_SERVER_HELLO) {
      if (out.hello === null) out.hello = readServerHello(hs, body, end, whole);
    } else if (type == HS_CERTIFICATE) {
      readCertificates(hs, body, end, whole, out);
    } else if (type == HS_SERVER_KEY_EXCHANGE) {
      out.keyExchange = true;
    } else if (type == HS_CERTIFICATE_REQUEST) {
      out.certRequest = true;
    } else if (type == HS_SERVER_HELLO_DONE) {
      out.helloDone = true;
    }
    if (!whole) {
      out.truncated = true;
      return;
    }
    p = end;
  }
  if (p < n) out.truncated = true;
}

/** RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3. */
function readServerHello(d: Uint8Array, p: i32, end: i32, whole: bool): ServerHello | null {
  if (p + 2 > end) return null;
  const h = new ServerHello();
  h.legacyVersion = u16be(d, p);
  h.version = h.legacyVersion;
  p += 2 + 32; // random
  if (p + 1 > end) return h;
  h.sessionIdLength = <i32>d[p];
  p += 1 + h.sessionIdLength;
  if (p + 3 > end) return h;
  h.cipher = u16be(d, p);
  h.compression = <i32>d[p + 2];
  p += 3;
  if (p + 2 > end) {
    h.complete = whole && p == end; // extensions are optional (RFC 5246 §7.4.1.3)
    return h;
  }
  const extEnd = min(p + 2 + u16be(d, p), end);
  p += 2;
  while (p + 4 <= extEnd && h.extensions.length < MAX_EXTENSIONS) {
    const type = u16be(d, p);
    const len = u16be(d, p + 2);
    h.extensions.push(type);
    if (type == EXT_SUPPORTED_VERSIONS && len == 2 && p + 6 <= extEnd) h.version = u16be(d, p + 4);
    p += 4 + len;
  }
  h.complete = whole && p == extEnd && extEnd == end;
  return h;
}

/** TLS 1.2 Certificate (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
function readCertificates(d: Uint8Array, p: i32, end: i32, whole: bool, out: TlsReply): void {
  if (!whole) out.certTruncated = true;
  if (p + 3 > end) return;
  const claimed = p + 3 + u24be(d, p);
  if (claimed > end) out.certTruncated = true;
  const listEnd = min(claimed, end);
  p += 3;
  while (p + 3 <= listEnd && out.chainLength < MAX_CHAIN) {
    const len = u24be(d, p);
    const body = p + 3;
    if (len == 0 || body + len > listEnd) {
      out.certTruncated = true;
      return;
    }
    if (out.chainLength == 0) {
      const der = d.slice(body, body + len);
      out.leafDer = der;
      out.leaf = parseCertificate(der);
    }
    out.chainLength++;
    p = body + len;
  }
}
