/**
 * Typed host calls (host/hostcalls/types.ts) over the three `pentora`
 * imports of the ABI (host/sandbox/abi.ts). Each call sends one UTF-8 JSON
 * request and receives {"ok":true,"value":...} or
 * {"ok":false,"error":{"code","message"}}; the guest is suspended (JSPI)
 * while the host does the I/O. Host calls are batch-first: hand `tcpProbe`
 * a list, never one probe per call.
 */

import { JsonValue, parseJson } from "./json";
import { base64Decode, base64Encode, utf8DecodeUnsafe } from "./bytes";

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
 * manifest does not `require`), which is logged rather than trapping.
 */
export function contextGet(key: string): JsonValue {
  const r = hostCall(OP_CONTEXT_GET, JsonValue.obj().setStr("key", key));
  if (!r.ok) {
    logError("context.get " + key + " failed: " + r.code + ": " + r.message);
    return JsonValue.arr();
  }
  return r.value.isArr() ? r.value : JsonValue.arr();
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

/** One TCP probe: connect, optionally send `payload`, optionally read up to `readMaxBytes`. */
export class TcpProbe {
  host: string;
  port: i32;
  payload: Uint8Array | null = null;
  /** 0 = do not read. */
  readMaxBytes: i32 = 0;
  readTimeoutMs: i32 = 0;

  constructor(host: string, port: i32) {
    this.host = host;
    this.port = port;
  }

  toJson(): JsonValue {
    const o = JsonValue.obj().setStr("host", this.host).setInt("port", this.port);
    const p = this.payload;
    if (p !== null && p.length > 0) o.setStr("payload_b64", base64Encode(p));
    if (this.readMaxBytes > 0) {
      o.set("read", JsonValue.obj().setInt("max_bytes", this.readMaxBytes).setInt("timeout_ms", this.readTimeoutMs));
    }
    return o;
  }
}

export class TcpResult {
  host: string = "";
  port: i32 = 0;
  /** open | closed | filtered */
  state: string = "";
  rttMs: f64 = 0;
  /** Bytes read after connect (empty when none). */
  data: Uint8Array = new Uint8Array(0);
  /** Why a read ended early or a connect failed (ECONNREFUSED, timeout, ...). */
  reason: string = "";
}

export class TcpBatch {
  ok: bool = false;
  /** "CODE: message" when the whole call failed (capability, scope, limit). */
  error: string = "";
  /** The failure's code alone (PENTORA_E_SCOPE, PENTORA_E_CAPABILITY, ...); "" on success. */
  code: string = "";
  results: TcpResult[] = [];
}

function tcpCall(req: JsonValue): TcpBatch {
  const r = hostCall(OP_NET_TCP_PROBE, req);
  const batch = new TcpBatch();
  if (!r.ok) {
    batch.code = r.code;
    batch.error = r.code + ": " + r.message;
    return batch;
  }
  batch.ok = true;
  const items = r.value.getArr("results");
  for (let i = 0; i < items.length; i++) {
    const it = unchecked(items[i]);
    const t = new TcpResult();
    t.host = it.getStr("host");
    t.port = <i32>it.getInt("port");
    t.state = it.getStr("state");
    t.rttMs = it.getNum("rtt_ms");
    t.reason = it.getStr("reason");
    const b64 = it.getStr("data_b64");
    if (b64.length > 0) {
      const d = base64Decode(b64);
      if (d !== null) t.data = d;
    }
    batch.results.push(t);
  }
  return batch;
}

/** Runs `probes` concurrently under the host's rate limits. */
export function tcpProbe(probes: TcpProbe[], connectTimeoutMs: i32): TcpBatch {
  const list = JsonValue.arr();
  for (let i = 0; i < probes.length; i++) list.push(unchecked(probes[i]).toJson());
  return tcpCall(JsonValue.obj().set("probes", list).setInt("connect_timeout_ms", connectTimeoutMs));
}

/** Connect scan of every target x port (no payload, no read): the batch form the host expands itself. */
export function tcpScan(targets: string[], ports: i32[], connectTimeoutMs: i32): TcpBatch {
  const t = JsonValue.arr();
  for (let i = 0; i < targets.length; i++) t.push(JsonValue.str(unchecked(targets[i])));
  const p = JsonValue.arr();
  for (let i = 0; i < ports.length; i++) p.push(JsonValue.int(unchecked(ports[i])));
  return tcpCall(JsonValue.obj().set("targets", t).set("ports", p).setInt("connect_timeout_ms", connectTimeoutMs));
}
