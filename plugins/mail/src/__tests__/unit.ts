/**
 * The IMAP and POP3 readers (src/imap.ts, src/pop3.ts) over bytes the test
 * hands in: each entry writes what it read as JSON (null when the bytes are
 * not that protocol), for test/parse.test.ts's tables.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { writeOutput } from "../../../../sdk/assemblyscript/host";
import { latin1 } from "../../../../sdk/assemblyscript/bytes";
import { parseImap, authMechanisms } from "../imap";
import { parsePop3 } from "../pop3";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

function strings(list: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < list.length; i++) a.push(JsonValue.str(list[i]));
  return a;
}

function input(ptr: usize, len: i32): string {
  const data = new Uint8Array(len);
  memory.copy(data.dataStart, ptr, <usize>len);
  return latin1(data);
}

export function imap(ptr: usize, len: i32): i32 {
  const r = parseImap(input(ptr, len));
  let out = JsonValue.null();
  if (r !== null) {
    out = JsonValue.obj()
      .setStr("status", r.status)
      .setStr("text", r.text)
      .set("capabilities", strings(r.capabilities))
      .setBool("from_response", r.fromResponse)
      .set("auth", strings(authMechanisms(r.capabilities)));
  }
  writeOutput(String.UTF8.encode(out.toString()));
  return 0;
}

export function pop3(ptr: usize, len: i32): i32 {
  const r = parsePop3(input(ptr, len));
  let out = JsonValue.null();
  if (r !== null) {
    out = JsonValue.obj()
      .setStr("text", r.text)
      .setBool("apop", r.apop)
      .setBool("capa_answered", r.capaAnswered)
      .setBool("capa_ok", r.capaOk)
      .set("capabilities", strings(r.capabilities))
      .setStr("implementation", r.implementation)
      .set("sasl", strings(r.sasl))
      .setBool("complete", r.complete);
  }
  writeOutput(String.UTF8.encode(out.toString()));
  return 0;
}
