/**
 * Test entry (not part of the plugin): `run()` checks the BSON codec and the
 * probe builders; `identifyBytes` runs src/identify.ts over one fixture
 * ({probe, data_b64} in, {service, fields, prints} or null out) so
 * test/datastores.test.ts drives the parsers table-driven over captured bytes.
 */

import { JsonValue, parseJson, base64Decode, utf8DecodeUnsafe, Banner, latin1Bytes } from "../../../../sdk/assemblyscript/index";
import { writeOutput } from "../../../../sdk/assemblyscript/host";
import { check, expectInt, expectStr, expectBool, report } from "../../../../sdk/assemblyscript/unit";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

import { identify } from "../identify";
import { BsonWriter, decodeBson, MAX_DEPTH } from "../bson";
import { opMsg, helloProbe, parseMongo, OP_MSG } from "../mongodb";
import { parsePg } from "../pgsql";
import { parseMysql } from "../mysql";
import { parseRedis } from "../redis";

export function identifyBytes(ptr: usize, len: i32): i32 {
  const req = parseJson(utf8DecodeUnsafe(ptr, len));
  let out = JsonValue.null();
  if (req !== null) {
    const raw = base64Decode(req.getStr("data_b64"));
    if (raw !== null) {
      const record = JsonValue.obj().setStr("probe", req.getStr("probe", "passive"));
      const b = new Banner("192.0.2.20", <i32>req.getInt("port", 1), "tcp", false, raw, record);
      const p = identify(b);
      if (p !== null) {
        const prints = JsonValue.arr();
        for (let i = 0; i < p.prints.length; i++) prints.push(p.prints[i]);
        out = JsonValue.obj().setStr("service", p.service).set("fields", p.fields).set("prints", prints);
      }
    }
  }
  writeOutput(String.UTF8.encode(out.toString()));
  return 0;
}

function bytes(list: i32[]): Uint8Array {
  const b = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) b[i] = <u8>list[i];
  return b;
}

/** A document nested `depth` deep: {a: {a: ... {} }}. */
function nested(depth: i32): Uint8Array {
  let inner = new BsonWriter().finish();
  for (let i = 0; i < depth; i++) inner = new BsonWriter().document("a", inner).finish();
  return inner;
}

export function run(): i32 {
  // BSON round trip of a command document.
  const doc = new BsonWriter().int32("isMaster", 1).string("$db", "admin").finish();
  expectInt("bson: length prefix is the document size", doc.length, 34); // 4 + (1+9+4) + (1+4+4+6) + 1
  const back = decodeBson(doc);
  check("bson: decodes what it encodes", back !== null);
  if (back !== null) {
    expectInt("bson: int32 value", back.getInt("isMaster"), 1);
    expectStr("bson: string value", back.getStr("$db"), "admin");
  }
  // Hostile lengths and shapes: null, never a trap.
  check("bson: empty input", decodeBson(new Uint8Array(0)) === null);
  check("bson: length 4 (below the minimum 5)", decodeBson(bytes([4, 0, 0, 0, 0])) === null);
  check("bson: length past the data", decodeBson(bytes([0xff, 0xff, 0xff, 0x7f, 0])) === null);
  check("bson: negative length", decodeBson(bytes([0, 0, 0, 0x80, 0])) === null);
  check("bson: no terminator", decodeBson(bytes([5, 0, 0, 0, 1])) === null);
  check("bson: unknown element type", decodeBson(bytes([8, 0, 0, 0, 0x42, 0x61, 0, 0])) === null);
  // {s: string of declared length 0x7fffffff}
  check("bson: string length past the document", decodeBson(bytes([13, 0, 0, 0, 2, 0x73, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0])) === null);
  // {s: string of length 0} (must be >= 1 for the NUL)
  check("bson: string length 0", decodeBson(bytes([13, 0, 0, 0, 2, 0x73, 0, 0, 0, 0, 0, 0, 0])) === null);
  // {s: "ab" without its NUL}
  check("bson: string without its NUL", decodeBson(bytes([14, 0, 0, 0, 2, 0x73, 0, 2, 0, 0, 0, 0x61, 0x62, 0])) === null);
  // {b: 2} as a boolean
  check("bson: boolean other than 0/1", decodeBson(bytes([9, 0, 0, 0, 8, 0x62, 0, 2, 0])) === null);
  // {d: {length 200}} inside a 20-byte document
  check("bson: inner document longer than the outer", decodeBson(bytes([20, 0, 0, 0, 3, 0x64, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) === null);
  check("bson: nesting at the limit decodes", decodeBson(nested(MAX_DEPTH)) !== null);
  check("bson: nesting past the limit is refused", decodeBson(nested(MAX_DEPTH + 1)) === null);
  check("bson: 200 levels is refused without deep recursion", decodeBson(nested(200)) === null);

  // The probe: two OP_MSGs, isMaster then buildInfo, on admin.
  const probe = helloProbe();
  const first = opMsg(0x70656e01, "isMaster");
  expectInt("mongodb: probe is two messages", probe.length, first.length + opMsg(0x70656e02, "buildInfo").length);
  expectInt("mongodb: header length", <i64>(<i32>first[0] | (<i32>first[1] << 8)), first.length);
  expectInt("mongodb: opcode 2013", <i64>(<i32>first[12] | (<i32>first[13] << 8)), OP_MSG);
  check("mongodb: our own request is not a reply", parseMongo(probe) === null);

  // Garbage and edge shapes for the other parsers.
  check("pgsql: empty", parsePg(new Uint8Array(0)) === null);
  check("pgsql: 'X' is not a backend message", parsePg(bytes([0x58, 0, 0, 0, 4])) === null);
  const ssl = parsePg(bytes([0x4e]));
  check("pgsql: lone N is an SSL answer", ssl !== null && ssl.ssl == "N" && !ssl.messages());
  const both = parsePg(bytes([0x4e, 0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
  check("pgsql: N then AuthenticationOk", both !== null && both.ssl == "N" && both.types == "R");
  const notice = parsePg(bytes([0x4e, 0, 0, 0, 4]));
  check("pgsql: an empty NoticeResponse is a message, not an SSL answer", notice !== null && notice.ssl == "" && notice.types == "N");
  check("mysql: 3 bytes", parseMysql(bytes([1, 0, 0])) === null);
  check("mysql: sequence id 1", parseMysql(bytes([5, 0, 0, 1, 10, 0x38, 0, 0, 0])) === null);
  check("mysql: ERR with a client error code", parseMysql(bytes([8, 0, 0, 0, 0xff, 0x01, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65])) === null);
  const cut = parseMysql(bytes([0x64, 0, 0, 0, 10, 0x38, 0x2e, 0x30, 0, 1, 0, 0, 0]));
  check("mysql: a handshake cut after the thread id is not one", cut === null);
  check("redis: '+OK' is not INFO", parseRedis(bytes([0x2b, 0x4f, 0x4b, 0x0d, 0x0a])) === null);
  check("redis: POP3-style -ERR", parseRedis(bytes([0x2d, 0x45, 0x52, 0x52, 0x20, 0x62, 0x61, 0x64, 0x0d, 0x0a])) === null);
  const renamed = parseRedis(latin1Bytes("-ERR unknown command 'INFO', with args beginning with: 'server' \r\n"));
  check("redis: INFO renamed away still says Redis", renamed !== null && renamed.errorCode == "ERR");
  const renamed6 = parseRedis(latin1Bytes("-ERR unknown command `INFO`, with args beginning with: `server`, \r\n"));
  check("redis 6: INFO renamed away (backquotes)", renamed6 !== null && renamed6.errorCode == "ERR");
  check("redis: another command's ERR is not Redis's", parseRedis(latin1Bytes("-ERR unknown command 'version'\r\n")) === null);
  expectBool("redis: protected mode DENIED", parseRedis(latin1Bytes("-DENIED Redis is running in protected mode\r\n")) !== null, true);
  report();
  return 0;
}
