/**
 * Typed host calls (host/hostcalls/types.ts) over the three `pentora`
 * imports of the ABI (host/sandbox/abi.ts). Each call sends one UTF-8 JSON
 * request and receives {"ok":true,"value":...} or
 * {"ok":false,"error":{"code","message"}}; the guest is suspended (JSPI)
 * while the host does the I/O. This file holds the call itself and the
 * DataContext, log and clock calls; the batch network calls build on it in
 * host-tcp.ts and host-raw.ts (shared shapes in host-batch.ts).
 */

import { JsonValue, parseJson } from "./json";
import { utf8DecodeUnsafe } from "./bytes";

// @ts-ignore: decorator
@external("pentora", "call")
declare function pentora_call(op: i32, ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("pentora", "take")
declare function pentora_take(dst: usize): void;
// @ts-ignore: decorator
@external("pentora", "output")
declare function pentora_output(ptr: usize, len: i32): void;

// Op codes, mirroring OpCode in host/sandbox/abi.ts.
export const OP_CONTEXT_GET: i32 = 1;
export const OP_CONTEXT_SET: i32 = 2;
export const OP_LOG: i32 = 3;
export const OP_CLOCK_NOW: i32 = 4;
export const OP_NET_TCP_PROBE: i32 = 16;
export const OP_NET_UDP_PROBE: i32 = 17;
export const OP_NET_ICMP_ECHO: i32 = 18;
export const OP_NET_SYN_SCAN: i32 = 19;

/** The outcome of one host call. On failure `value` is JSON null and `code`/`message` say why. */
export class HostReply {
  ok: bool = false;
  value: JsonValue = JsonValue.null();
  code: string = "";
  message: string = "";

  static failure(code: string, message: string): HostReply {
    const r = new HostReply();
    r.code = code;
    r.message = message;
    return r;
  }
}

/** Appends raw bytes to the current entry point's output (the exports use this; plugins rarely need it). */
export function writeOutput(bytes: ArrayBuffer): void {
  pentora_output(changetype<usize>(bytes), bytes.byteLength);
}

/** Low-level host call: `op` is one of the OP_* constants, `req` the request object. */
export function hostCall(op: i32, req: JsonValue): HostReply {
  const body = String.UTF8.encode(req.toString());
  const len = pentora_call(op, changetype<usize>(body), body.byteLength);
  if (len <= 0) return HostReply.failure("PENTORA_E_HOSTCALL", "host returned an empty reply");
  const buf = new ArrayBuffer(len);
  pentora_take(changetype<usize>(buf));
  const doc = parseJson(utf8DecodeUnsafe(changetype<usize>(buf), len));
  if (doc === null || !doc.isObj()) return HostReply.failure("PENTORA_E_HOSTCALL", "host reply is not a JSON object");
  const r = new HostReply();
  if (doc.getBool("ok")) {
    r.ok = true;
    const v = doc.get("value");
    if (v !== null) r.value = v;
    return r;
  }
  const err = doc.get("error");
  r.code = err !== null ? err.getStr("code", "PENTORA_E_HOSTCALL") : "PENTORA_E_HOSTCALL";
  r.message = err !== null ? err.getStr("message") : "host call failed";
  return r;
}

/**
 * The merged value of a DataContext key: always an array of records. Nothing
 * written yet gives an empty array; so does a host error (say, a key the
 * manifest does not `require`), which is logged rather than trapping. The
 * whole list sits in memory at once: read long lists (banners, open ports)
 * with ContextRecords / ContextPages instead.
 */
export function contextGet(key: string): JsonValue {
  const r = hostCall(OP_CONTEXT_GET, JsonValue.obj().setStr("key", key));
  if (!r.ok) {
    logError("context.get " + key + " failed: " + r.code + ": " + r.message);
    return JsonValue.arr();
  }
  return r.value.isArr() ? r.value : JsonValue.arr();
}

/** Records one page may hold: the host's cap (MAX_CONTEXT_PAGE in host/hostcalls/types.ts). */
export const MAX_CONTEXT_PAGE: i32 = 10000;

/**
 * Records [offset, offset + limit) of a DataContext key's merged list, an
 * array, cut short once their JSON passes `maxBytes` (when > 0; a page always
 * holds one record at least). Empty past the end, and only there (`limit` is
 * clamped to 1..MAX_CONTEXT_PAGE). A host error gives an empty array and is
 * logged, as for `contextGet`. ContextPages / ContextRecords page for you.
 */
export function contextGetPage(key: string, offset: i32, limit: i32, maxBytes: i32 = 0): JsonValue {
  const req = JsonValue.obj()
    .setStr("key", key)
    .setInt("offset", max(offset, 0))
    .setInt("limit", min(max(limit, 1), MAX_CONTEXT_PAGE));
  if (maxBytes > 0) req.setInt("max_bytes", maxBytes);
  const r = hostCall(OP_CONTEXT_GET, req);
  if (!r.ok) {
    logError("context.get " + key + " failed: " + r.code + ": " + r.message);
    return JsonValue.arr();
  }
  return r.value.isArr() ? r.value : JsonValue.arr();
}

/** How many records a DataContext key holds (0 when none, or on a host error, which is logged). */
export function contextCount(key: string): i32 {
  const r = hostCall(OP_CONTEXT_GET, JsonValue.obj().setStr("key", key).setBool("count_only", true));
  if (!r.ok) {
    logError("context.get " + key + " (count) failed: " + r.code + ": " + r.message);
    return 0;
  }
  return <i32>r.value.asInt();
}

/** Writes `value` (an array of records) to `key`; `append` streams more records after earlier writes. */
export function contextSet(key: string, value: JsonValue, append: bool = false): HostReply {
  const req = JsonValue.obj().setStr("key", key).set("value", value);
  if (append) req.setBool("append", true);
  return hostCall(OP_CONTEXT_SET, req);
}

/** Logs through the host (level: trace, debug, info, warn, error). Failures are ignored: logging must never fail a plugin. */
export function log(level: string, msg: string): void {
  hostCall(OP_LOG, JsonValue.obj().setStr("level", level).setStr("msg", msg));
}
export function logDebug(msg: string): void { log("debug", msg); }
export function logInfo(msg: string): void { log("info", msg); }
export function logWarn(msg: string): void { log("warn", msg); }
export function logError(msg: string): void { log("error", msg); }

/** Wall clock in milliseconds since the Unix epoch (the only clock a plugin has); 0 if the host refuses. */
export function clockNow(): f64 {
  const r = hostCall(OP_CLOCK_NOW, JsonValue.obj());
  return r.ok ? r.value.getNum("ms") : 0;
}

/** Monotonic milliseconds since the scan started; 0 if the host refuses. */
export function clockMonoMs(): f64 {
  const r = hostCall(OP_CLOCK_NOW, JsonValue.obj());
  return r.ok ? r.value.getNum("mono_ms") : 0;
}
