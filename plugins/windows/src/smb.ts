/**
 * SMB over TCP: the probes and the replies. Messages are framed by a 4-byte
 * header — 0x00 and a 24-bit length on port 445 ([MS-SMB2] 2.1), a NetBIOS
 * session packet on 139 (RFC 1002 §4.3: type, flags, length; 0x82 positive
 * and 0x83 negative session responses). Inside: SMB2 ([MS-SMB2] 2.2.1 header,
 * 2.2.4 NEGOTIATE response, 2.2.6 SESSION_SETUP response) or SMB1
 * ([MS-CIFS] 2.2.3.1 header, 2.2.4.52.2 NEGOTIATE response for NT LM 0.12).
 * Pure and bounded: every offset is checked against the message.
 */

import { u16le, u32le, u64le, u16be } from "../../../sdk/assemblyscript/index";
import { utf16, guidAt, guidAsName, filetimeIso, hexOf } from "./wire";
import { NtlmChallenge, findChallenge, spnegoMechs, spnegoHint } from "./ntlm";

// ---- Requests ----

class Writer {
  buf: u8[] = [];
  u8(v: i32): Writer {
    this.buf.push(<u8>v);
    return this;
  }
  u16le(v: i32): Writer {
    return this.u8(v & 0xff).u8((v >> 8) & 0xff);
  }
  u32le(v: u32): Writer {
    return this.u16le(<i32>(v & 0xffff)).u16le(<i32>(v >> 16));
  }
  zeros(n: i32): Writer {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }
  ascii(s: string): Writer {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  bytes(b: Uint8Array): Writer {
    for (let i = 0; i < b.length; i++) this.buf.push(b[i]);
    return this;
  }
  get length(): i32 {
    return this.buf.length;
  }
  finish(): Uint8Array {
    const b = new Uint8Array(this.buf.length);
    for (let i = 0; i < this.buf.length; i++) b[i] = this.buf[i];
    return b;
  }
}

/** Direct TCP / NetBIOS session message framing: 0x00 then the 24-bit big-endian length. */
function framed(msg: Uint8Array): Uint8Array {
  const n = msg.length;
  return new Writer().u8(0).u8((n >> 16) & 0xff).u8((n >> 8) & 0xff).u8(n & 0xff).bytes(msg).finish();
}

/** The 64-byte SMB2 sync header of a request ([MS-SMB2] 2.2.1.2): command, credits asked, message id; the rest zero. */
function smb2Header(w: Writer, command: i32, messageId: i32): void {
  w.u8(0xfe).ascii("SMB").u16le(64).u16le(0).u32le(0).u16le(command).u16le(1).u32le(0).u32le(0);
  w.u32le(<u32>messageId).u32le(0).u32le(0).u32le(0).zeros(8).zeros(16);
}

/** Dialects offered: SMB 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
export const DIALECTS: i32[] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
const CLIENT_GUID: string = "pentora-smb2-gid";
const PREAUTH_SALT: string = "pentora-preauth-salt-32-bytes!!!";

/**
 * SMB2 NEGOTIATE request ([MS-SMB2] 2.2.3): StructureSize 36, the dialects,
 * SecurityMode SIGNING_ENABLED, a client GUID, and — since 3.1.1 is offered —
 * negotiate contexts at an 8-aligned offset: PREAUTH_INTEGRITY (SHA-512 and a
 * 32-byte salt, required by 3.1.1 servers) and ENCRYPTION (AES-128-GCM,
 * AES-128-CCM), 2.2.3.1.1 and 2.2.3.1.2.
 */
export function negotiateRequest(): Uint8Array {
  const w = new Writer();
  smb2Header(w, 0, 0);
  w.u16le(36).u16le(DIALECTS.length).u16le(1).u16le(0).u32le(0).ascii(CLIENT_GUID);
  w.u32le(112).u16le(2).u16le(0); // NegotiateContextOffset, NegotiateContextCount, Reserved2
  for (let i = 0; i < DIALECTS.length; i++) w.u16le(DIALECTS[i]);
  w.zeros(112 - w.length);
  w.u16le(1).u16le(38).u32le(0).u16le(1).u16le(32).u16le(1).ascii(PREAUTH_SALT);
  while (w.length % 8 != 0) w.u8(0);
  w.u16le(2).u16le(6).u32le(0).u16le(2).u16le(2).u16le(1);
  return framed(w.finish());
}

/**
 * SMB2 SESSION_SETUP request ([MS-SMB2] 2.2.5), message id 1, carrying a
 * SPNEGO negTokenInit (RFC 4178) that offers NTLMSSP with an NTLM
 * NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1): flags UNICODE, REQUEST_TARGET, NTLM,
 * ALWAYS_SIGN, EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, 128, 56 —
 * so the CHALLENGE_MESSAGE names the server and its OS version. No
 * credentials are ever sent: the conversation stops at the challenge.
 */
export function sessionSetupRequest(): Uint8Array {
  const ntlm = new Writer().ascii("NTLMSSP").u8(0).u32le(1).u32le(0xa2888205).zeros(16).zeros(8).finish();
  const blob = spnegoInit(ntlm);
  const w = new Writer();
  smb2Header(w, 1, 1);
  w.u16le(25).u8(0).u8(1).u32le(0).u32le(0).u16le(64 + 24).u16le(blob.length).zeros(8).bytes(blob);
  return framed(w.finish());
}

/** DER length octets for lengths under 64 KiB. */
function derLen(w: Writer, n: i32): void {
  if (n < 0x80) w.u8(n);
  else if (n < 0x100) w.u8(0x81).u8(n);
  else w.u8(0x82).u8(n >> 8).u8(n & 0xff);
}

function der(tag: i32, content: Uint8Array): Uint8Array {
  const w = new Writer().u8(tag);
  derLen(w, content.length);
  return w.bytes(content).finish();
}

function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return new Writer().bytes(a).bytes(b).finish();
}

/** GSS-API InitialContextToken (RFC 2743 §3.1) with the SPNEGO OID 1.3.6.1.5.5.2 and NegTokenInit { mechTypes [NTLMSSP], mechToken }. */
function spnegoInit(token: Uint8Array): Uint8Array {
  const spnegoOid = new Writer().u8(0x06).u8(0x06).u8(0x2b).u8(0x06).u8(0x01).u8(0x05).u8(0x05).u8(0x02).finish();
  const ntlmOid = new Writer().u8(0x06).u8(0x0a).u8(0x2b).u8(0x06).u8(0x01).u8(0x04).u8(0x01).u8(0x82).u8(0x37).u8(0x02).u8(0x02).u8(0x0a).finish();
  const init = der(0x30, cat(der(0xa0, der(0x30, ntlmOid)), der(0xa2, der(0x04, token))));
  return der(0x60, cat(spnegoOid, der(0xa0, init)));
}

/** SMB1 NEGOTIATE ([MS-CIFS] 2.2.4.52.1) offering only "NT LM 0.12", flags2 Unicode, NT status, extended security. */
export function smb1NegotiateRequest(): Uint8Array {
  const w = new Writer().u8(0xff).ascii("SMB").u8(0x72).u32le(0).u8(0x18).u16le(0xc853).zeros(12).u16le(0).u16le(0xfeff).u16le(0).u16le(0);
  w.u8(0).u16le(12).u8(0x02).ascii("NT LM 0.12").u8(0);
  return framed(w.finish());
}

/** First-level encoding of a NetBIOS name (RFC 1001 §14.1): 15 chars space-padded plus a suffix byte, each half-byte + 'A'. */
function netbiosName(w: Writer, name: string, suffix: i32): void {
  w.u8(32);
  for (let i = 0; i < 16; i++) {
    const c = i < 15 ? (i < name.length ? name.charCodeAt(i) : 0x20) : suffix;
    w.u8(0x41 + (c >> 4)).u8(0x41 + (c & 0x0f));
  }
  w.u8(0);
}

/** NetBIOS SESSION REQUEST (RFC 1002 §4.3.2) to "*SMBSERVER" (the name any SMB server answers) from "PENTORA". */
export function sessionRequest(): Uint8Array {
  const w = new Writer().u8(0x81).u8(0).u8(0).u8(68);
  netbiosName(w, "*SMBSERVER", 0x20);
  netbiosName(w, "PENTORA", 0x00);
  return w.finish();
}

// ---- Replies ----

export const SIGNING_ENABLED: i32 = 1;
export const SIGNING_REQUIRED: i32 = 2;

const CAP_NAMES: string[] = ["dfs", "leasing", "large_mtu", "multi_channel", "persistent_handles", "directory_leasing", "encryption", "notifications"];

export class SmbReply {
  /** NetBIOS session response on 139: 0x82 positive, 0x83 negative (with `netbiosError`); 0 when none. */
  netbiosResponse: i32 = 0;
  netbiosError: i32 = -1;
  smb2: bool = false;
  smb1: bool = false;
  status: u32 = 0;
  dialect: i32 = 0;
  securityMode: i32 = 0;
  serverGuid: string = "";
  /** The NetBIOS-name-shaped GUID Samba uses ("" otherwise). */
  guidName: string = "";
  capabilities: u32 = 0;
  maxTransact: u32 = 0;
  maxRead: u32 = 0;
  maxWrite: u32 = 0;
  systemTime: string = "";
  startTime: string = "";
  mechs: string[] = [];
  negHint: string = "";
  /** Selected in 3.1.1 negotiate contexts: hash algorithm and cipher ids; -1 when absent. */
  preauthHash: i32 = -1;
  cipher: i32 = -1;
  /** SMB1: the chosen dialect index (0xffff: none) and the domain/server names of a non-extended reply. */
  smb1DialectIndex: i32 = -1;
  smb1Domain: string = "";
  smb1Server: string = "";
  ntlm: NtlmChallenge | null = null;
  partial: bool = false;

  dialectName(): string {
    return dialectName(this.dialect);
  }

  capabilityNames(): string[] {
    const out: string[] = [];
    for (let i = 0; i < CAP_NAMES.length; i++) if ((this.capabilities & (<u32>1 << i)) != 0) out.push(CAP_NAMES[i]);
    return out;
  }
}

export function dialectName(d: i32): string {
  if (d == 0x0202) return "2.0.2";
  if (d == 0x0210) return "2.1";
  if (d == 0x0300) return "3.0";
  if (d == 0x0302) return "3.0.2";
  if (d == 0x0311) return "3.1.1";
  if (d == 0x02ff) return "2.???";
  return hexOf(<u32>d, 4);
}

const MAX_MESSAGES: i32 = 8;

/**
 * The SMB conversation in `b` (all steps' bytes in order), or null when the
 * first message is neither a NetBIOS session response nor SMB.
 */
export function parseSmb(b: Uint8Array): SmbReply | null {
  const r = new SmbReply();
  let p = 0;
  let seen = 0;
  for (let n = 0; n < MAX_MESSAGES && p + 4 <= b.length; n++) {
    const type = <i32>b[p];
    if (type == 0x82 || type == 0x83) {
      // RFC 1002 §4.3.3-4.3.4: flags 0, length 0 (positive) or 1 (the error code).
      if (b[p + 1] != 0 || b[p + 2] != 0) break;
      const len = <i32>b[p + 3];
      if ((type == 0x82 && len != 0) || (type == 0x83 && len != 1)) break;
      r.netbiosResponse = type;
      if (type == 0x83) {
        if (p + 5 > b.length) break;
        r.netbiosError = <i32>b[p + 4];
      }
      p += 4 + len;
      seen++;
      continue;
    }
    if (type == 0x85 && b[p + 1] == 0 && u16be(b, p + 2) == 0) {
      p += 4; // keep-alive
      continue;
    }
    if (type != 0) break;
    const len = (<i32>b[p + 1] << 16) | u16be(b, p + 2);
    const start = p + 4;
    if (len < 4 || start + 4 > b.length) break;
    const end = min(start + len, b.length);
    if (start + len > b.length) r.partial = true;
    const msg = b.subarray(start, end);
    if (msg[0] == 0xfe && msg[1] == 0x53 && msg[2] == 0x4d && msg[3] == 0x42) {
      if (!readSmb2(msg, r)) break;
    } else if (msg[0] == 0xff && msg[1] == 0x53 && msg[2] == 0x4d && msg[3] == 0x42) {
      if (!readSmb1(msg, r)) break;
    } else break;
    seen++;
    p = start + len;
  }
  if (seen == 0) return null;
  if (!r.smb2 && !r.smb1 && r.netbiosResponse == 0) return null;
  return r;
}

/** An SMB2 response: NEGOTIATE fills the server's parameters, SESSION_SETUP the NTLM challenge. False: not a response. */
function readSmb2(m: Uint8Array, r: SmbReply): bool {
  if (m.length < 64 || u16le(m, 4) != 64) return false;
  if ((u32le(m, 16) & 1) == 0) return false; // SMB2_FLAGS_SERVER_TO_REDIR
  const status = u32le(m, 8);
  const command = u16le(m, 12);
  if (command == 0) {
    r.smb2 = true;
    r.status = status;
    if (m.length < 64 + 64 || u16le(m, 64) != 65) {
      r.partial = r.partial || status == 0;
      return true;
    }
    r.securityMode = u16le(m, 66);
    r.dialect = u16le(m, 68);
    r.serverGuid = guidAt(m, 72);
    r.guidName = guidAsName(m, 72);
    r.capabilities = u32le(m, 88);
    r.maxTransact = u32le(m, 92);
    r.maxRead = u32le(m, 96);
    r.maxWrite = u32le(m, 100);
    r.systemTime = filetimeIso(u64le(m, 104));
    r.startTime = filetimeIso(u64le(m, 112));
    const secOff = u16le(m, 120);
    const secLen = u16le(m, 122);
    if (secOff >= 128 && secOff + secLen <= m.length) {
      const blob = m.subarray(secOff, secOff + secLen);
      r.mechs = spnegoMechs(blob);
      r.negHint = spnegoHint(blob);
    } else if (secLen > 0) r.partial = true;
    if (r.dialect == 0x0311) readContexts(m, <i32>u32le(m, 124), u16le(m, 70), r);
  } else if (command == 1) {
    r.smb2 = true;
    // STATUS_MORE_PROCESSING_REQUIRED (0xC0000016) carries the challenge; other statuses carry nothing useful.
    if (m.length >= 72) {
      const off = u16le(m, 68);
      const len = u16le(m, 70);
      if (off >= 72 && off + len <= m.length) r.ntlm = findChallenge(m.subarray(off, off + len));
    }
  }
  return true;
}

/** Negotiate contexts ([MS-SMB2] 2.2.4.1): 8-aligned {type, length, reserved, data}; at most 16. */
function readContexts(m: Uint8Array, offset: i32, count: i32, r: SmbReply): void {
  let p = offset;
  for (let i = 0; i < min(count, 16); i++) {
    if (p < 128 || p + 8 > m.length) return;
    const type = u16le(m, p);
    const len = u16le(m, p + 2);
    const d = p + 8;
    if (d + len > m.length) return;
    if (type == 1 && len >= 6) r.preauthHash = u16le(m, d + 4);
    else if (type == 2 && len >= 4 && u16le(m, d) >= 1) r.cipher = u16le(m, d + 2);
    p = d + len;
    p = (p + 7) & ~7;
  }
}

/** An SMB1 NEGOTIATE response ([MS-CIFS] 2.2.4.52.2, NT LM 0.12 form with 17 parameter words). */
function readSmb1(m: Uint8Array, r: SmbReply): bool {
  if (m.length < 35 || m[4] != 0x72) return false;
  if ((m[9] & 0x80) == 0) return false; // SMB_FLAGS_REPLY
  r.smb1 = true;
  r.status = u32le(m, 5);
  const flags2 = u16le(m, 10);
  const words = <i32>m[32];
  if (words >= 1 && m.length >= 35) r.smb1DialectIndex = u16le(m, 33);
  if (words != 17 || m.length < 33 + 34 + 2) return true;
  const w = 33;
  r.securityMode = <i32>m[w + 2];
  r.capabilities = u32le(m, w + 19);
  r.systemTime = filetimeIso(u64le(m, w + 23));
  const challengeLen = <i32>m[w + 33];
  const byteCount = u16le(m, w + 34);
  const data = w + 36;
  const end = min(data + byteCount, m.length);
  if ((r.capabilities & 0x80000000) != 0) {
    // CAP_EXTENDED_SECURITY: ServerGUID then a SPNEGO blob.
    if (data + 16 <= end) {
      r.serverGuid = guidAt(m, data);
      r.guidName = guidAsName(m, data);
      const blob = m.subarray(data + 16, end);
      r.mechs = spnegoMechs(blob);
      r.negHint = spnegoHint(blob);
    }
  } else if ((flags2 & 0x8000) != 0) {
    // Challenge, then DomainName and ServerName in UTF-16 (Unicode flag), each NUL-terminated.
    let p = data + challengeLen;
    if ((p & 1) != 0) p++;
    const domain = utf16(m, p, end - p, 64);
    r.smb1Domain = domain;
    p += (domain.length + 1) * 2;
    if (p < end) r.smb1Server = utf16(m, p, end - p, 64);
  }
  return true;
}
