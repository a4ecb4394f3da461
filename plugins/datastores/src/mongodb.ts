/**
 * MongoDB wire protocol (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/):
 *
 *   MsgHeader ::= int32le messageLength, int32le requestID, int32le responseTo, int32le opCode
 *   OP_MSG (2013) ::= MsgHeader, uint32le flagBits, sections: kind 0 (one BSON body) |
 *                     kind 1 (int32le size, cstring identifier, BSON documents), [uint32 checksum]
 *   OP_REPLY (1)  ::= MsgHeader, int32le responseFlags, int64le cursorID, int32le startingFrom,
 *                     int32le numberReturned, BSON documents
 *
 * The probe sends two OP_MSGs at once: `isMaster` (every server since 3.6
 * answers it; `hello` needs 4.4.2) and `buildInfo`, both on `admin`, which
 * servers answer without authentication. The replies carry the wire versions
 * and, from buildInfo, the version string.
 */

import { JsonValue, printable } from "../../../sdk/assemblyscript/index";
import { ByteReader } from "../../../sdk/assemblyscript/index";
import { BsonWriter, decodeBson } from "./bson";

export const OP_REPLY: i32 = 1;
export const OP_MSG: i32 = 2013;
export const HELLO_REQUEST_ID: i32 = 0x70656e01; // "pen\x01"
export const BUILDINFO_REQUEST_ID: i32 = 0x70656e02;
/** Messages read from one reply (two are expected). */
const MAX_MESSAGES: i32 = 8;
const MAX_FIELD: i32 = 128;

/** One OP_MSG with a kind-0 body `{<command>: 1, $db: "admin"}`. */
export function opMsg(requestId: i32, command: string): Uint8Array {
  const doc = new BsonWriter().int32(command, 1).string("$db", "admin").finish();
  const len = 16 + 4 + 1 + doc.length;
  const out = new Uint8Array(len);
  le32(out, 0, len);
  le32(out, 4, requestId);
  le32(out, 8, 0);
  le32(out, 12, OP_MSG);
  le32(out, 16, 0); // flagBits
  out[20] = 0; // section kind 0
  out.set(doc, 21);
  return out;
}

/** The probe's bytes: isMaster then buildInfo. */
export function helloProbe(): Uint8Array {
  const a = opMsg(HELLO_REQUEST_ID, "isMaster");
  const b = opMsg(BUILDINFO_REQUEST_ID, "buildInfo");
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function le32(b: Uint8Array, at: i32, v: i32): void {
  b[at] = <u8>(v & 0xff);
  b[at + 1] = <u8>((v >> 8) & 0xff);
  b[at + 2] = <u8>((v >> 16) & 0xff);
  b[at + 3] = <u8>((v >> 24) & 0xff);
}

export class MongoReply {
  /** The isMaster/hello reply document, and buildInfo's, when they came. */
  hello: JsonValue | null = null;
  buildInfo: JsonValue | null = null;
  /** An error document ({ok: 0, errmsg, code, codeName}) answering either. */
  errmsg: string = "";
  errorCode: i64 = 0;
  codeName: string = "";
  /** Opcodes of the messages read, e.g. [2013, 2013]. */
  opcodes: i32[] = [];

  maxWireVersion(): i64 {
    const h = this.hello;
    return h !== null ? h.getInt("maxWireVersion", -1) : -1;
  }

  minWireVersion(): i64 {
    const h = this.hello;
    return h !== null ? h.getInt("minWireVersion", -1) : -1;
  }

  /** buildInfo's version, printable ("" when buildInfo did not answer). */
  version(): string {
    const b = this.buildInfo;
    return b !== null ? printable(b.getStr("version"), 64) : "";
  }

  /** A string under buildInfo.buildEnvironment ("distmod", "target_os", ...). */
  buildEnv(key: string): string {
    const b = this.buildInfo;
    if (b === null) return "";
    const env = b.get("buildEnvironment");
    return env !== null && env.isObj() ? printable(env.getStr(key), MAX_FIELD) : "";
  }
}

/** The replies in `data`, or null when no MongoDB message with a command reply is there. */
export function parseMongo(data: Uint8Array): MongoReply | null {
  const out = new MongoReply();
  const r = new ByteReader(data);
  let found = false;
  for (let n = 0; n < MAX_MESSAGES && r.left() >= 16; n++) {
    const start = r.pos;
    const len = r.i32le();
    r.i32le(); // requestID
    const responseTo = r.i32le();
    const op = r.i32le();
    if (!r.ok || len < 21 || len > 48000000) break;
    if (op != OP_MSG && op != OP_REPLY) break;
    const end = min(data.length, start + len);
    const body = new ByteReader(data.subarray(0, end), r.pos);
    let doc: JsonValue | null = null;
    if (op == OP_MSG) {
      body.u32le(); // flagBits
      const kind = body.u8();
      if (body.ok && kind == 0) doc = decodeBson(body.data.subarray(body.pos));
    } else {
      body.skip(4 + 8 + 4);
      const count = body.i32le();
      if (body.ok && count >= 1) doc = decodeBson(body.data.subarray(body.pos));
    }
    out.opcodes.push(op);
    if (doc !== null && doc.isObj() && doc.has("ok")) {
      found = true;
      file(out, doc, responseTo);
    }
    if (end < start + len) break; // cut by the read
    r.pos = end;
  }
  return found ? out : null;
}

/** Files a reply document as isMaster's, buildInfo's, or an error, by what it holds and what it answers. */
function file(out: MongoReply, doc: JsonValue, responseTo: i32): void {
  const okv = doc.get("ok");
  const ok = okv !== null && (okv.asNum() == 1.0 || okv.asInt() == 1 || okv.asBool());
  if (!ok) {
    if (out.errmsg.length == 0) {
      out.errmsg = printable(doc.getStr("errmsg"), 256);
      out.errorCode = doc.getInt("code", 0);
      out.codeName = printable(doc.getStr("codeName"), 64);
    }
    return;
  }
  if (doc.has("maxWireVersion") || doc.has("ismaster") || doc.has("isWritablePrimary") || responseTo == HELLO_REQUEST_ID) {
    if (out.hello === null) out.hello = doc;
  } else if (doc.has("version") || responseTo == BUILDINFO_REQUEST_ID) {
    if (out.buildInfo === null) out.buildInfo = doc;
  }
}
