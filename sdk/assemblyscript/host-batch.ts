/**
 * What the batch host calls (net.tcp.probe in host-tcp.ts; net.syn.scan,
 * net.icmp.echo and net.udp.probe in host-raw.ts) share. Each sends one
 * request for many probes and gets back {"results": [...], ...} (request and
 * response JSON in host/hostcalls/types.ts); a refused call fails the whole
 * batch with one code, so a batch carries `ok`/`error`/`code` once rather
 * than per result.
 */

import { JsonValue } from "./json";
import { hostCall } from "./host";

/** The outcome of a batch call as a whole; each call's batch class adds its results. */
export class BatchStatus {
  ok: bool = false;
  /** "CODE: message" when the whole call failed (capability, scope, limit). */
  error: string = "";
  /** The failure's code alone (PENTORA_E_SCOPE, PENTORA_E_CAPABILITY, ...); "" on success. */
  code: string = "";
}

/** One item of a reply's "results", read into a typed result. */
export abstract class BatchResult {
  abstract read(item: JsonValue): void;
}

/** A probe of one host:port: what the TCP, SYN and UDP results have in common. */
export class PortResult extends BatchResult {
  host: string = "";
  port: i32 = 0;
  state: string = "";
  rttMs: f64 = 0;
  reason: string = "";

  read(item: JsonValue): void {
    this.host = item.getStr("host");
    this.port = <i32>item.getInt("port");
    this.state = item.getStr("state");
    this.rttMs = item.getNum("rtt_ms");
    this.reason = item.getStr("reason");
  }
}

/**
 * Makes the host call and records its outcome in `batch`. The reply's value
 * on success; on failure JSON null, with `batch.code` and `batch.error` set.
 */
export function batchCall(op: i32, req: JsonValue, batch: BatchStatus): JsonValue {
  const r = hostCall(op, req);
  if (!r.ok) {
    batch.code = r.code;
    batch.error = r.code + ": " + r.message;
    return JsonValue.null();
  }
  batch.ok = true;
  return r.value;
}

/** Appends a `T` read from each item of `value.results` to `out`, in reply order. */
export function readResults<T extends BatchResult>(value: JsonValue, out: T[]): void {
  const items = value.getArr("results");
  for (let i = 0; i < items.length; i++) {
    const t = instantiate<T>();
    t.read(unchecked(items[i]));
    out.push(t);
  }
}

/** `targets` as a request's JSON array. */
export function jsonStrings(items: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < items.length; i++) a.push(JsonValue.str(unchecked(items[i])));
  return a;
}

/** `ports` as a request's JSON array. */
export function jsonPorts(ports: i32[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < ports.length; i++) a.push(JsonValue.int(unchecked(ports[i])));
  return a;
}
