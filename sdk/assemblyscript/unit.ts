/**
 * A tiny assertion recorder for AssemblyScript unit tests of pure plugin
 * code (parsers, matchers). A test module exports `run(): i32`, records
 * checks with these functions, and ends with `report()`, which writes the
 * results as JSON through `pentora.output`; sdk/testing/as-unit.ts compiles
 * and runs it and turns each check into a vitest case. Not part of a plugin
 * build: only test entries import it.
 */

import { JsonValue, quoteJson } from "./json";
import { writeOutput } from "./host";

let results = JsonValue.arr();

export function check(name: string, ok: bool, detail: string = ""): void {
  results.push(JsonValue.obj().setStr("name", name).setBool("ok", ok).setStr("detail", detail));
}

export function expectStr(name: string, got: string, want: string): void {
  check(name, got == want, "got " + quoteJson(got) + ", want " + quoteJson(want));
}

export function expectInt(name: string, got: i64, want: i64): void {
  check(name, got == want, "got " + got.toString() + ", want " + want.toString());
}

export function expectNum(name: string, got: f64, want: f64): void {
  check(name, got == want || (isNaN(got) && isNaN(want)), "got " + got.toString() + ", want " + want.toString());
}

export function expectBool(name: string, got: bool, want: bool): void {
  check(name, got == want, "got " + (got ? "true" : "false") + ", want " + (want ? "true" : "false"));
}

/** Writes the recorded checks ([{name, ok, detail}]) and starts a fresh list. */
export function report(): void {
  writeOutput(String.UTF8.encode(results.toString()));
  results = JsonValue.arr();
}
