/**
 * The KEXINIT reader (src/kexinit.ts) over bytes the test hands in: `kexinit`
 * writes what it read as JSON (null when nothing), so test/kexinit.test.ts can
 * run captured and hostile conversations through it table-driven.
 */

import { JsonValue } from "../../../../sdk/assemblyscript/json";
import { writeOutput } from "../../../../sdk/assemblyscript/host";
import { md5Hex } from "../../../../sdk/assemblyscript/hash";
import { latin1Bytes } from "../../../../sdk/assemblyscript/bytes";
import { parseKexInit } from "../kexinit";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

function names(list: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < list.length; i++) a.push(JsonValue.str(list[i]));
  return a;
}

export function kexinit(ptr: usize, len: i32): i32 {
  const data = new Uint8Array(len);
  memory.copy(data.dataStart, ptr, <usize>len);
  const k = parseKexInit(data);
  let out = JsonValue.null();
  if (k !== null) {
    out = JsonValue.obj()
      .setInt("lists", k.lists)
      .set("kex", names(k.kex))
      .set("host_key", names(k.hostKey))
      .set("enc_c2s", names(k.encC2s))
      .set("enc_s2c", names(k.encS2c))
      .set("mac_c2s", names(k.macC2s))
      .set("mac_s2c", names(k.macS2c))
      .set("comp_c2s", names(k.compC2s))
      .set("comp_s2c", names(k.compS2c));
    if (k.hasHasshLists()) out.setStr("hassh_server", md5Hex(latin1Bytes(k.hasshInput())));
  }
  writeOutput(String.UTF8.encode(out.toString()));
  return 0;
}
