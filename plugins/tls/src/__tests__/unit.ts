/**
 * Entry points over the plugin's pure functions for test/tls.test.ts (via
 * sdk/testing/as-unit.ts): `summary` parses a reply and writes the fields the
 * plugin would; `hello` writes the ClientHello for a host name with a fixed Random.
 */

import { JsonValue, latin1, base64Encode } from "../../../../sdk/assemblyscript/index";
import { writeOutput } from "../../../../sdk/assemblyscript/host";
import { inputBytes, writeJson } from "../../../../sdk/assemblyscript/unit-io";
import { parseTls } from "../parse";
import { tlsFields } from "../fields";
import { clientHello, sniName, helloRandom } from "../hello";
export { alloc, dealloc } from "../../../../sdk/assemblyscript/exports";

/** The fields of a reply, or `null` when it is not TLS. */
export function summary(ptr: usize, len: i32): i32 {
  const r = parseTls(inputBytes(ptr, len));
  const doc = r === null ? JsonValue.null() : tlsFields(r);
  writeJson(doc);
  return 0;
}

/** base64 of the ClientHello for the host name in the input (Random from seed 1). */
export function hello(ptr: usize, len: i32): i32 {
  const host = latin1(inputBytes(ptr, len));
  writeOutput(String.UTF8.encode(base64Encode(clientHello(sniName(host), helloRandom(1)))));
  return 0;
}
