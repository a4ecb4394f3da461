/**
 * The ABI's exports (host/sandbox/abi.ts), dispatching to the module the
 * plugin `register`ed. A plugin re-exports this file from its entry:
 *
 *   export * from "../../../sdk/assemblyscript/exports";
 *
 * Inputs arrive in buffers the host got from `alloc` and frees with
 * `dealloc` after the call returns; an entry point never frees its input.
 * Results go out through `pentora.output` as one UTF-8 JSON document.
 */

import "./abort"; // keeps pentoraAbort in the program so the build's `--use abort=` resolves
import { JsonValue, parseJson } from "./json";
import { registeredModule } from "./plugin";
import { ExecuteContext } from "./plugin";
import { writeOutput } from "./host";
import { utf8DecodeUnsafe } from "./bytes";

const ABI_VERSION: i32 = 1;

/**
 * A buffer for the host to write input into. `heap.alloc` memory is outside
 * the garbage collector's reach, so it neither moves nor is freed under the
 * host's feet until `dealloc`.
 */
export function alloc(len: i32): usize {
  return heap.alloc(<usize>max(len, 1));
}

export function dealloc(ptr: usize, len: i32): void {
  if (ptr != 0) heap.free(ptr);
}

function emit(doc: JsonValue): void {
  writeOutput(String.UTF8.encode(doc.toString()));
}

function fail(message: string): i32 {
  emit(JsonValue.obj().setStr("error", message));
  return 1;
}

function readJson(ptr: usize, len: i32): JsonValue | null {
  if (len < 0 || (ptr == 0 && len > 0)) return null;
  return parseJson(utf8DecodeUnsafe(ptr, len));
}

/** Writes {"name","version","abi"}. */
export function describe(): i32 {
  const m = registeredModule();
  if (m === null) return fail("plugin did not call register()");
  emit(JsonValue.obj().setStr("name", m.name).setStr("version", m.version).setInt("abi", ABI_VERSION));
  return 0;
}

/** Config JSON in; 0 when accepted, else 1 with {"error"}. */
export function configure(ptr: usize, len: i32): i32 {
  const m = registeredModule();
  if (m === null) return fail("plugin did not call register()");
  const cfg = readJson(ptr, len);
  if (cfg === null || !cfg.isObj()) return fail("configure: config is not a JSON object");
  const err = m.configure(cfg);
  return err === null ? 0 : fail(err);
}

/** ExecuteInput JSON in; ExecuteOutput JSON out (0), or {"error"} (1). */
export function execute(ptr: usize, len: i32): i32 {
  const m = registeredModule();
  if (m === null) return fail("plugin did not call register()");
  const input = readJson(ptr, len);
  if (input === null || !input.isObj()) return fail("execute: input is not a JSON object");
  const ctx = new ExecuteContext();
  ctx.scanId = input.getStr("scan_id");
  ctx.instanceId = input.getStr("instance_id");
  ctx.module = input.getStr("module");
  ctx.network = input.getBool("network", true);
  const cfg = input.get("config");
  if (cfg !== null && cfg.isObj()) ctx.config = cfg;
  const err = m.execute(ctx);
  if (err !== null) return fail(err);
  const arts = JsonValue.arr();
  for (let i = 0; i < ctx.artifacts.length; i++) {
    const a = unchecked(ctx.artifacts[i]);
    arts.push(JsonValue.obj().setStr("name", a.name).setStr("media_type", a.mediaType).setStr("text", a.text));
  }
  emit(JsonValue.obj().set("summary", ctx.summary).set("artifacts", arts));
  return 0;
}

export function cleanup(): i32 {
  const m = registeredModule();
  if (m !== null) m.cleanup();
  return 0;
}
