/**
 * The SMTP conversation reader (src/parse.ts; splitReplies of sdk/assemblyscript/lines.ts) over bytes the
 * test hands in: `conversation` writes what it read as JSON (null when the
 * bytes are not replies), for test/parse.test.ts's tables.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { latin1 } from "../../../../sdk/assemblyscript/bytes";
import { parseConversation, parseEhlo } from "../parse";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

function strings(list: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < list.length; i++) a.push(JsonValue.str(list[i]));
  return a;
}

export function conversation(ptr: usize, len: i32): i32 {
  const c = parseConversation(latin1(inputBytes(ptr, len)));
  let out = JsonValue.null();
  if (c !== null) {
    out = JsonValue.obj().setInt("code", c.greeting.code).set("greeting", strings(c.greeting.lines));
    const r = c.ehlo;
    if (r !== null) {
      const e = parseEhlo(r);
      out.set(
        "ehlo",
        JsonValue.obj()
          .setInt("code", r.code)
          .setBool("ok", e.ok)
          .setStr("greeting", e.greeting)
          .set("extensions", strings(e.extensions))
          .set("keywords", strings(e.keywords))
          .set("auth", strings(e.auth))
          .setInt("size", e.size)
          .setBool("starttls", e.starttls),
      );
    }
  }
  writeJson(out);
  return 0;
}
