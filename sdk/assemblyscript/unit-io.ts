/**
 * The input and output of AssemblyScript unit-test entries that the test
 * drives with bytes (sdk/testing/as-unit.ts calls an export `(ptr, len)` with
 * a fixture copied into the module's memory, then reads what it wrote). Not
 * part of a plugin build: only test entries import it.
 *
 * @example
 *   export function conversation(ptr: usize, len: i32): i32 {
 *     const c = parseConversation(latin1(inputBytes(ptr, len)));
 *     writeJson(c !== null ? toJson(c) : JsonValue.null());
 *     return 0;
 *   }
 */

import { JsonValue } from "./json";
import { writeOutput } from "./host";

/** A copy of the `len` bytes the test placed at `ptr`. */
export function inputBytes(ptr: usize, len: i32): Uint8Array {
  const data = new Uint8Array(len);
  memory.copy(data.dataStart, ptr, <usize>len);
  return data;
}

/** Writes `v` as the entry's output (UTF-8 JSON). */
export function writeJson(v: JsonValue): void {
  writeOutput(String.UTF8.encode(v.toString()));
}
