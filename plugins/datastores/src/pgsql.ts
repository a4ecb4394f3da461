/**
 * What a PostgreSQL server answers (PostgreSQL docs, "Frontend/Backend
 * Protocol", protocol 3.0):
 *
 * - to an SSLRequest (length 8, code 80877103): one byte, `S` (go on with TLS) or `N`;
 * - to a StartupMessage: backend messages `type u8, length u32be (itself included), body`:
 *   `R` authentication request (u32be type: 0 ok, 3 cleartext, 5 md5 + 4-byte salt,
 *   10 SASL + NUL-terminated mechanism names), `E` ErrorResponse (fields `code u8, text NUL`,
 *   ended by a 0: S severity, V non-localised severity, C SQLSTATE, M message, F source file,
 *   L line, R routine), `S` ParameterStatus (name NUL value NUL: server_version …),
 *   `K` BackendKeyData, `Z` ReadyForQuery, `N` NoticeResponse, `v` NegotiateProtocolVersion.
 *
 * A pre-7.4 server answers a 3.0 startup with a protocol-2 error: `E` and a NUL-terminated text.
 * The version is never guessed: only a ParameterStatus `server_version` tells it.
 */

import { latin1, latin1Bytes, printable } from "../../../sdk/assemblyscript/index";
import { ByteReader } from "../../../sdk/assemblyscript/index";
import { allPrintable } from "./ascii";

/** SSLRequest: int32 length 8, int32 80877103 (1234 << 16 | 5679). */
export function sslRequest(): Uint8Array {
  const out = new Uint8Array(8);
  out[3] = 8;
  out[4] = 0x04;
  out[5] = 0xd2;
  out[6] = 0x16;
  out[7] = 0x2f;
  return out;
}

/**
 * StartupMessage, protocol 3.0 (int32 length, int32 196608, then name NUL value NUL pairs and a
 * final NUL). With a user no server has, the server says why it refuses: an auth request or an error.
 */
export function startupMessage(user: string, database: string): Uint8Array {
  const b = latin1Bytes("\x00\x03\x00\x00user\x00" + user + "\x00database\x00" + database + "\x00application_name\x00pentora\x00\x00");
  const n = b.length + 4;
  const out = new Uint8Array(n);
  out[0] = <u8>(n >> 24);
  out[1] = <u8>(n >> 16);
  out[2] = <u8>(n >> 8);
  out[3] = <u8>n;
  out.set(b, 4);
  return out;
}

const MAX_MESSAGES: i32 = 32;
const MAX_MESSAGE_LEN: u32 = 1 << 20;
const MAX_TEXT: i32 = 256;
const MAX_PARAMS: i32 = 16;
const MAX_MECHS: i32 = 8;

export class PgReply {
  /** The SSLRequest answer: "S", "N" or "" when none came. */
  ssl: string = "";
  /** Authentication request types seen (0 ok, 3 cleartext, 5 md5, 10 SASL, ...). */
  authTypes: i32[] = [];
  saslMechanisms: string[] = [];
  /** ErrorResponse fields (the first error). */
  hasError: bool = false;
  severity: string = "";
  code: string = "";
  message: string = "";
  file: string = "";
  line: string = "";
  routine: string = "";
  /** ParameterStatus pairs, when the server got that far. */
  paramNames: string[] = [];
  paramValues: string[] = [];
  /** Protocol 2 error text (pre-7.4 servers). */
  v2Error: string = "";
  /** Message types in order, e.g. "RE". */
  types: string = "";

  param(name: string): string {
    for (let i = 0; i < this.paramNames.length; i++) if (this.paramNames[i] == name) return this.paramValues[i];
    return "";
  }

  /** Whether the messages alone (not a lone S/N byte) say PostgreSQL protocol. */
  messages(): bool {
    return this.types.length > 0 || this.v2Error.length > 0;
  }

  authName(): string {
    if (this.authTypes.length == 0) return "";
    return authTypeName(this.authTypes[this.authTypes.length - 1]);
  }

  /**
   * What the rules read (`pgsql.reply`): "ssl=N", "auth=sasl mechanisms=SCRAM-SHA-256",
   * "error code=28000 severity=FATAL file=auth.c routine=ClientAuthentication", joined by "; ".
   */
  summary(): string {
    const parts: string[] = [];
    if (this.ssl.length > 0) parts.push("ssl=" + this.ssl);
    if (this.authTypes.length > 0) {
      let s = "auth=" + this.authName();
      if (this.saslMechanisms.length > 0) s += " mechanisms=" + this.saslMechanisms.join(",");
      parts.push(s);
    }
    if (this.hasError) parts.push("error code=" + this.code + " severity=" + this.severity + " file=" + this.file + " routine=" + this.routine);
    if (this.v2Error.length > 0) parts.push("error-v2 " + this.v2Error);
    return parts.join("; ");
  }
}

export function authTypeName(t: i32): string {
  if (t == 0) return "ok";
  if (t == 2) return "kerberos5";
  if (t == 3) return "cleartext";
  if (t == 5) return "md5";
  if (t == 7) return "gss";
  if (t == 9) return "sspi";
  if (t == 10) return "sasl";
  return "type-" + t.toString();
}

/**
 * The server's answer(s) in `data` (a conversation's steps concatenated is
 * fine: an SSL answer byte may come first), or null when it is not PostgreSQL.
 */
export function parsePg(data: Uint8Array): PgReply | null {
  const out = new PgReply();
  let pos = 0;
  if (data.length == 0) return null;
  const c0 = data[0];
  // An SSL answer byte: alone, or followed by something that is not a message length.
  if ((c0 == 0x53 || c0 == 0x4e) && (data.length == 1 || !plausibleMessage(data, 0))) {
    out.ssl = c0 == 0x53 ? "S" : "N";
    pos = 1;
    if (data.length == 1) return out;
  }
  const r = new ByteReader(data, pos);
  let count = 0;
  while (r.left() > 0 && count < MAX_MESSAGES) {
    const start = r.pos;
    const type = r.u8();
    if (type == 0x45 && !plausibleMessage(data, start)) {
      // Protocol 2 ErrorResponse: "E" then text NUL.
      const t = latin1(data.subarray(start + 1, min(data.length, start + 1 + MAX_TEXT * 2)));
      const nul = t.indexOf("\0");
      const text = nul >= 0 ? t.substring(0, nul) : t;
      if (count > 0 || (!text.startsWith("FATAL") && !text.startsWith("ERROR"))) break;
      out.v2Error = printable(text, MAX_TEXT);
      return out;
    }
    const len = r.u32be();
    if (!r.ok || len < 4 || len > MAX_MESSAGE_LEN || !isBackendType(type)) break;
    const bodyLen = <i32>len - 4;
    const body = new ByteReader(data.subarray(r.pos, min(data.length, r.pos + bodyLen)));
    if (!readMessage(out, type, body, bodyLen)) break;
    out.types += String.fromCharCode(type);
    count++;
    r.pos = min(data.length, r.pos + bodyLen);
  }
  return out.messages() || out.ssl.length > 0 ? out : null;
}

/** A backend message type this parser knows. */
function isBackendType(t: i32): bool {
  return t == 0x52 || t == 0x45 || t == 0x53 || t == 0x4b || t == 0x5a || t == 0x4e || t == 0x76;
}

/** Whether a message header of sane length (5 bytes at least, < 1 MiB) starts at `at`. */
function plausibleMessage(data: Uint8Array, at: i32): bool {
  if (data.length < at + 5) return false;
  const r = new ByteReader(data, at + 1);
  const len = r.u32be();
  return len >= 4 && len <= MAX_MESSAGE_LEN;
}

/** Reads one message's body into `out`; false when it does not make sense (stop parsing). */
function readMessage(out: PgReply, type: i32, body: ByteReader, bodyLen: i32): bool {
  if (type == 0x52) {
    // R: u32be auth type, then type-specific data
    if (bodyLen < 4) return false;
    const t = <i32>body.u32be();
    if (!body.ok || t < 0 || t > 12) return false;
    if (out.authTypes.length < 8) out.authTypes.push(t);
    if (t == 10) {
      while (body.left() > 1 && out.saslMechanisms.length < MAX_MECHS) {
        const m = body.cstring(64);
        if (!body.ok || m.length == 0) break;
        if (allPrintable(m)) out.saslMechanisms.push(m);
      }
    }
    return true;
  }
  if (type == 0x45 || type == 0x4e) {
    // E / N: fields until a 0 code
    const error = type == 0x45 && !out.hasError;
    let fields = 0;
    while (body.left() > 0 && fields < 32) {
      const code = body.u8();
      if (code == 0) break;
      const text = body.cstring(4096);
      if (!body.ok) break; // cut by the read: keep the fields so far
      fields++;
      if (!error) continue;
      const v = printable(text, MAX_TEXT);
      if (code == 0x53) out.severity = out.severity.length > 0 ? out.severity : v;
      else if (code == 0x56) out.severity = v; // V: never localised
      else if (code == 0x43) out.code = v;
      else if (code == 0x4d) out.message = v;
      else if (code == 0x46) out.file = v;
      else if (code == 0x4c) out.line = v;
      else if (code == 0x52) out.routine = v;
    }
    if (error) {
      if (fields == 0) return false;
      out.hasError = true;
    }
    return true;
  }
  if (type == 0x53) {
    // S: ParameterStatus name NUL value NUL
    const name = body.cstring(64);
    const value = body.cstring(MAX_TEXT);
    if (!body.ok || !allPrintable(name)) return false;
    if (out.paramNames.length < MAX_PARAMS) {
      out.paramNames.push(name);
      out.paramValues.push(printable(value, MAX_TEXT));
    }
    return true;
  }
  return true; // K, Z, v: their bodies are not needed
}
