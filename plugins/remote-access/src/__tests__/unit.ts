/**
 * The Telnet, RFB and rsync readers (src/telnet.ts, src/rfb.ts, src/rsync.ts)
 * over bytes the test hands in: each entry writes what it read as JSON (null
 * when the bytes are not that protocol), for test/parse.test.ts's tables.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { latin1 } from "../../../../sdk/assemblyscript/bytes";
import { parseTelnet, hasLoginPrompt } from "../telnet";
import { parseRfb } from "../rfb";
import { parseRsync } from "../rsync";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

function emit(v: JsonValue): i32 {
  writeJson(v);
  return 0;
}

export function telnet(ptr: usize, len: i32): i32 {
  const r = parseTelnet(inputBytes(ptr, len));
  if (r === null) return emit(JsonValue.null());
  return emit(JsonValue.obj().set("options", JsonValue.strs(r.options)).setInt("commands", r.commands).set("lines", JsonValue.strs(r.lines)).setBool("login_prompt", hasLoginPrompt(r)));
}

export function rfb(ptr: usize, len: i32): i32 {
  const r = parseRfb(inputBytes(ptr, len));
  if (r === null) return emit(JsonValue.null());
  const codes = JsonValue.arr();
  for (let i = 0; i < r.securityCodes.length; i++) codes.push(JsonValue.int(r.securityCodes[i]));
  return emit(
    JsonValue.obj()
      .setStr("version", r.version)
      .setInt("major", r.major)
      .setInt("minor", r.minor)
      .setBool("answered", r.answered)
      .set("security", JsonValue.strs(r.security))
      .set("codes", codes)
      .setStr("failure", r.failure),
  );
}

export function rsync(ptr: usize, len: i32): i32 {
  const r = parseRsync(latin1(inputBytes(ptr, len)));
  if (r === null) return emit(JsonValue.null());
  const mods = JsonValue.arr();
  for (let i = 0; i < r.modules.length; i++) mods.push(JsonValue.obj().setStr("name", r.modules[i].name).setStr("comment", r.modules[i].comment));
  return emit(
    JsonValue.obj()
      .setStr("protocol", r.protocol)
      .setInt("major", r.major)
      .set("digests", JsonValue.strs(r.digests))
      .set("motd", JsonValue.strs(r.motd))
      .set("modules", mods)
      .setBool("listed", r.listed)
      .setStr("error", r.error),
  );
}
