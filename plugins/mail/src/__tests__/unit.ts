/**
 * The IMAP and POP3 readers (src/imap.ts, src/pop3.ts) over bytes the test
 * hands in: each entry writes what it read as JSON (null when the bytes are
 * not that protocol), for test/parse.test.ts's tables.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { latin1 } from "../../../../sdk/assemblyscript/bytes";
import { parseImap, authMechanisms } from "../imap";
import { parsePop3 } from "../pop3";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

export function imap(ptr: usize, len: i32): i32 {
  const r = parseImap(latin1(inputBytes(ptr, len)));
  let out = JsonValue.null();
  if (r !== null) {
    out = JsonValue.obj()
      .setStr("status", r.status)
      .setStr("text", r.text)
      .set("capabilities", JsonValue.strs(r.capabilities))
      .setBool("from_response", r.fromResponse)
      .set("auth", JsonValue.strs(authMechanisms(r.capabilities)));
  }
  writeJson(out);
  return 0;
}

export function pop3(ptr: usize, len: i32): i32 {
  const r = parsePop3(latin1(inputBytes(ptr, len)));
  let out = JsonValue.null();
  if (r !== null) {
    out = JsonValue.obj()
      .setStr("text", r.text)
      .setBool("apop", r.apop)
      .setBool("capa_answered", r.capaAnswered)
      .setBool("capa_ok", r.capaOk)
      .set("capabilities", JsonValue.strs(r.capabilities))
      .setStr("implementation", r.implementation)
      .set("sasl", JsonValue.strs(r.sasl))
      .setBool("complete", r.complete);
  }
  writeJson(out);
  return 0;
}
