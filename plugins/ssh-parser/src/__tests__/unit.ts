/**
 * The KEXINIT reader (src/kexinit.ts) over bytes the test hands in: `kexinit`
 * writes what it read as JSON (null when nothing), so test/kexinit.test.ts can
 * run captured and hostile conversations through it table-driven.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { md5Hex } from "../../../../sdk/assemblyscript/hash";
import { latin1Bytes } from "../../../../sdk/assemblyscript/bytes";
import { parseKexInit } from "../kexinit";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

export function kexinit(ptr: usize, len: i32): i32 {
  const k = parseKexInit(inputBytes(ptr, len));
  let out = JsonValue.null();
  if (k !== null) {
    out = JsonValue.obj()
      .setInt("lists", k.lists)
      .set("kex", JsonValue.strs(k.kex))
      .set("host_key", JsonValue.strs(k.hostKey))
      .set("enc_c2s", JsonValue.strs(k.encC2s))
      .set("enc_s2c", JsonValue.strs(k.encS2c))
      .set("mac_c2s", JsonValue.strs(k.macC2s))
      .set("mac_s2c", JsonValue.strs(k.macS2c))
      .set("comp_c2s", JsonValue.strs(k.compC2s))
      .set("comp_s2c", JsonValue.strs(k.compS2c));
    if (k.hasHasshLists()) out.setStr("hassh_server", md5Hex(latin1Bytes(k.hasshInput())));
  }
  writeJson(out);
  return 0;
}
