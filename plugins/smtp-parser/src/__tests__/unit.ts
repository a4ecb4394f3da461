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

export function conversation(ptr: usize, len: i32): i32 {
  const c = parseConversation(latin1(inputBytes(ptr, len)));
  let out = JsonValue.null();
  if (c !== null) {
    out = JsonValue.obj().setInt("code", c.greeting.code).set("greeting", JsonValue.strs(c.greeting.lines));
    const r = c.ehlo;
    if (r !== null) {
      const e = parseEhlo(r);
      out.set(
        "ehlo",
        JsonValue.obj()
          .setInt("code", r.code)
          .setBool("ok", e.ok)
          .setStr("greeting", e.greeting)
          .set("extensions", JsonValue.strs(e.extensions))
          .set("keywords", JsonValue.strs(e.keywords))
          .set("auth", JsonValue.strs(e.auth))
          .setInt("size", e.size)
          .setBool("starttls", e.starttls),
      );
    }
  }
  writeJson(out);
  return 0;
}
