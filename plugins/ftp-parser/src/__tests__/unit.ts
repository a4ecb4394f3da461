/**
 * The FTP conversation reader (src/parse.ts; splitReplies of sdk/assemblyscript/lines.ts) over bytes the
 * test hands in: `conversation` writes what it read as JSON (null when the
 * bytes are not replies), for test/parse.test.ts's tables.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { latin1 } from "../../../../sdk/assemblyscript/bytes";
import { NumericReply } from "../../../../sdk/assemblyscript/lines";
import { parseConversation, featSupported, featureList, systemType } from "../parse";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

function reply(r: NumericReply): JsonValue {
  const lines = JsonValue.arr();
  for (let i = 0; i < r.lines.length; i++) lines.push(JsonValue.str(r.lines[i]));
  return JsonValue.obj().setInt("code", r.code).set("lines", lines).setBool("complete", r.complete);
}

export function conversation(ptr: usize, len: i32): i32 {
  const c = parseConversation(latin1(inputBytes(ptr, len)));
  let out = JsonValue.null();
  if (c !== null) {
    out = JsonValue.obj().set("greeting", reply(c.greeting));
    const feat = c.feat;
    if (feat !== null) {
      const list = featureList(feat);
      const a = JsonValue.arr();
      for (let i = 0; i < list.length; i++) a.push(JsonValue.str(list[i]));
      out.set("feat", reply(feat)).setBool("feat_supported", featSupported(feat)).set("features", a);
    }
    const syst = c.syst;
    if (syst !== null) out.set("syst", reply(syst)).setStr("system", systemType(syst));
  }
  writeJson(out);
  return 0;
}
