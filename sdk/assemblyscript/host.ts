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

/** One TCP probe: connect, optionally send `payload`, optionally read up to `readMaxBytes`. */
export class TcpProbe {
  host: string;
  port: i32;
  payload: Uint8Array | null = null;
  /** 0 = do not read. */
  readMaxBytes: i32 = 0;
  readTimeoutMs: i32 = 0;
  /** End the read this long after the last byte, once one has come (reason "idle"); 0 = off. */
  readIdleMs: i32 = 0;

  constructor(host: string, port: i32) {
    this.host = host;
    this.port = port;
  }

  toJson(): JsonValue {
    const o = JsonValue.obj().setStr("host", this.host).setInt("port", this.port);
    const p = this.payload;
    if (p !== null && p.length > 0) o.setStr("payload_b64", base64Encode(p));
    if (this.readMaxBytes > 0) {
      const read = JsonValue.obj().setInt("max_bytes", this.readMaxBytes).setInt("timeout_ms", this.readTimeoutMs);
      if (this.readIdleMs > 0) read.setInt("idle_ms", this.readIdleMs);
      o.set("read", read);
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
  /**
   * The bytes read after connect, as the host sent them: standard padded
   * base64, "" when none. A plugin that stores the bytes (a `banners`
   * record's `data_b64`) copies this as is, with no decode and re-encode.
   */
  dataB64: string = "";
  /** Why a read ended (eof, max_bytes, idle, timeout, reset) or a connect failed (ECONNREFUSED, timeout, ...). */
  reason: string = "";
  private decoded: Uint8Array | null = null;

  /** The bytes read after connect (empty when none), decoded from dataB64 on first use. */
  get data(): Uint8Array {
    const cached = this.decoded;
    if (cached !== null) return cached;
    const b = this.dataB64.length > 0 ? base64Decode(this.dataB64) : null;
    const d = b !== null ? b : new Uint8Array(0);
    this.decoded = d;
    return d;
  }
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
    t.dataB64 = it.getStr("data_b64");
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

// ---- raw-socket and UDP scanning (net.syn.scan, net.icmp.echo, net.udp.probe) ----

/** The error code of a raw call the host cannot serve (no CAP_NET_RAW, or no raw-socket addon): fall back to connect scanning. */
export const RAW_UNAVAILABLE: string = "PENTORA_E_RAW_UNAVAILABLE";
/** The error code of a call naming a target outside the scan's scope. */
export const SCOPE_ERROR: string = "PENTORA_E_SCOPE";

/**
 * Tuning shared by the three calls; a field left at its default is not sent,
 * so the host's default applies. Fields a call does not take are ignored.
 */
export class ScanOptions {
  /** Extra rounds for unanswered probes (-1: host default, 1; the host caps it at 5). */
  retries: i32 = -1;
  /** Wait for replies after each round, ms (0: host default, 1000; capped at 10000). */
  timeoutMs: i32 = 0;
  /** Only results in these states are listed (empty: all); `counts` always covers every probe. syn/udp only. */
  states: string[] = [];
  /** Reply bytes kept per UDP result (0: host default, 1500). udp only. */
  maxBytes: i32 = 0;
  /** Echo data bytes (-1: host default, 16). icmp only. */
  payloadSize: i32 = -1;

  /** Options listing only open ports (scanners read closed/filtered from `counts`). */
  static openOnly(): ScanOptions {
    const o = new ScanOptions();
    o.states = ["open"];
    return o;
  }

  apply(req: JsonValue, op: i32): JsonValue {
    if (this.retries >= 0) req.setInt("retries", this.retries);
    if (this.timeoutMs > 0) req.setInt("timeout_ms", this.timeoutMs);
    if (op != OP_NET_ICMP_ECHO && this.states.length > 0) {
      const s = JsonValue.arr();
      for (let i = 0; i < this.states.length; i++) s.push(JsonValue.str(unchecked(this.states[i])));
      req.set("states", s);
    }
    if (op == OP_NET_UDP_PROBE && this.maxBytes > 0) req.setInt("max_bytes", this.maxBytes);
    if (op == OP_NET_ICMP_ECHO && this.payloadSize >= 0) req.setInt("payload_size", this.payloadSize);
    return req;
  }
}

/** What a raw call did: packets sent (retries included), replies matched, time taken. */
export class RawStats {
  sent: i64 = 0;
  received: i64 = 0;
  durationMs: f64 = 0;
}

/** Every probe of a call counted by state, whatever `states` listed. */
export class StateCounts {
  open: i64 = 0;
  closed: i64 = 0;
  filtered: i64 = 0;
  /** UDP only: no reply and no ICMP error. */
  openFiltered: i64 = 0;

  total(): i64 {
    return this.open + this.closed + this.filtered + this.openFiltered;
  }
}

function readStats(v: JsonValue): RawStats {
  const s = new RawStats();
  const o = v.get("stats");
  if (o === null) return s;
  s.sent = o.getInt("sent");
  s.received = o.getInt("received");
  s.durationMs = o.getNum("duration_ms");
  return s;
}

function readCounts(v: JsonValue): StateCounts {
  const c = new StateCounts();
  const o = v.get("counts");
  if (o === null) return c;
  c.open = o.getInt("open");
  c.closed = o.getInt("closed");
  c.filtered = o.getInt("filtered");
  c.openFiltered = o.getInt("open|filtered");
  return c;
}

function jsonStrings(items: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < items.length; i++) a.push(JsonValue.str(unchecked(items[i])));
  return a;
}

function jsonPorts(ports: i32[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < ports.length; i++) a.push(JsonValue.int(unchecked(ports[i])));
  return a;
}

/** One net.syn.scan result: syn-ack -> open, rst -> closed, silence or an ICMP error -> filtered. */
export class SynResult {
  host: string = "";
  port: i32 = 0;
  state: string = "";
  rttMs: f64 = 0;
  /** syn-ack | rst | no-response | icmp-unreachable ... */
  reason: string = "";
  /** TTL of the reply (0 when none). */
  ttl: i32 = 0;
}

export class SynBatch {
  ok: bool = false;
  /** "CODE: message" when the whole call failed. */
  error: string = "";
  /** The failure's code: RAW_UNAVAILABLE, SCOPE_ERROR, PENTORA_E_CAPABILITY, ...; "" on success. */
  code: string = "";
  results: SynResult[] = [];
  counts: StateCounts = new StateCounts();
  stats: RawStats = new RawStats();
}

/**
 * Stateless SYN scan of every target x port (needs `capabilities.net.syn`
 * and a host with CAP_NET_RAW; otherwise `code` is RAW_UNAVAILABLE).
 *
 * @example
 *   const b = synScan(["10.0.0.2"], parsePortSpec("-")!, ScanOptions.openOnly());
 *   if (!b.ok && b.code == RAW_UNAVAILABLE) { ... tcpScan(...) ... }
 */
export function synScan(targets: string[], ports: i32[], opts: ScanOptions | null = null): SynBatch {
  const req = JsonValue.obj().set("targets", jsonStrings(targets)).set("ports", jsonPorts(ports));
  if (opts !== null) opts.apply(req, OP_NET_SYN_SCAN);
  const r = hostCall(OP_NET_SYN_SCAN, req);
  const batch = new SynBatch();
  if (!r.ok) {
    batch.code = r.code;
    batch.error = r.code + ": " + r.message;
    return batch;
  }
  batch.ok = true;
  const items = r.value.getArr("results");
  for (let i = 0; i < items.length; i++) {
    const it = unchecked(items[i]);
    const s = new SynResult();
    s.host = it.getStr("host");
    s.port = <i32>it.getInt("port");
    s.state = it.getStr("state");
    s.rttMs = it.getNum("rtt_ms");
    s.reason = it.getStr("reason");
    s.ttl = <i32>it.getInt("ttl");
    batch.results.push(s);
  }
  batch.counts = readCounts(r.value);
  batch.stats = readStats(r.value);
  return batch;
}

/** One net.icmp.echo result per target. */
export class IcmpResult {
  host: string = "";
  alive: bool = false;
  rttMs: f64 = 0;
  ttl: i32 = 0;
  /** echo-reply | no-response | unreachable ... */
  reason: string = "";
  /** Who sent an ICMP error instead of a reply ("" when none). */
  from: string = "";
}

export class IcmpBatch {
  ok: bool = false;
  error: string = "";
  code: string = "";
  /** One per target, in request order. */
  results: IcmpResult[] = [];
  stats: RawStats = new RawStats();
}

/** ICMP echo (ping) to each target (needs `capabilities.net.icmp` and CAP_NET_RAW). */
export function icmpEcho(targets: string[], opts: ScanOptions | null = null): IcmpBatch {
  const req = JsonValue.obj().set("targets", jsonStrings(targets));
  if (opts !== null) opts.apply(req, OP_NET_ICMP_ECHO);
  const r = hostCall(OP_NET_ICMP_ECHO, req);
  const batch = new IcmpBatch();
  if (!r.ok) {
    batch.code = r.code;
    batch.error = r.code + ": " + r.message;
    return batch;
  }
  batch.ok = true;
  const items = r.value.getArr("results");
  for (let i = 0; i < items.length; i++) {
    const it = unchecked(items[i]);
    const e = new IcmpResult();
    e.host = it.getStr("host");
    e.alive = it.getBool("alive");
    e.rttMs = it.getNum("rtt_ms");
    e.ttl = <i32>it.getInt("ttl");
    e.reason = it.getStr("reason");
    e.from = it.getStr("from");
    batch.results.push(e);
  }
  batch.stats = readStats(r.value);
  return batch;
}

/** One UDP datagram to send (an empty payload when null). */
export class UdpProbe {
  host: string;
  port: i32;
  payload: Uint8Array | null = null;

  constructor(host: string, port: i32, payload: Uint8Array | null = null) {
    this.host = host;
    this.port = port;
    this.payload = payload;
  }

  toJson(): JsonValue {
    const o = JsonValue.obj().setStr("host", this.host).setInt("port", this.port);
    const p = this.payload;
    if (p !== null && p.length > 0) o.setStr("payload_b64", base64Encode(p));
    return o;
  }
}

/** A reply -> open; ICMP port unreachable -> closed; another unreachable -> filtered; silence -> open|filtered. */
export class UdpResult {
  host: string = "";
  port: i32 = 0;
  state: string = "";
  rttMs: f64 = 0;
  /** udp-response | port-unreachable | icmp-unreachable ... | no-response */
  reason: string = "";
  /** The first reply datagram (empty when none). */
  data: Uint8Array = new Uint8Array(0);
}

export class UdpBatch {
  ok: bool = false;
  error: string = "";
  code: string = "";
  results: UdpResult[] = [];
  counts: StateCounts = new StateCounts();
  stats: RawStats = new RawStats();
}

function udpCall(req: JsonValue, opts: ScanOptions | null): UdpBatch {
  if (opts !== null) opts.apply(req, OP_NET_UDP_PROBE);
  const r = hostCall(OP_NET_UDP_PROBE, req);
  const batch = new UdpBatch();
  if (!r.ok) {
    batch.code = r.code;
    batch.error = r.code + ": " + r.message;
    return batch;
  }
  batch.ok = true;
  const items = r.value.getArr("results");
  for (let i = 0; i < items.length; i++) {
    const it = unchecked(items[i]);
    const u = new UdpResult();
    u.host = it.getStr("host");
    u.port = <i32>it.getInt("port");
    u.state = it.getStr("state");
    u.rttMs = it.getNum("rtt_ms");
    u.reason = it.getStr("reason");
    const b64 = it.getStr("data_b64");
    if (b64.length > 0) {
      const d = base64Decode(b64);
      if (d !== null) u.data = d;
    }
    batch.results.push(u);
  }
  batch.counts = readCounts(r.value);
  batch.stats = readStats(r.value);
  return batch;
}

/** Sends each probe's datagram (needs `capabilities.net.udp`); results in probe order. */
export function udpProbe(probes: UdpProbe[], opts: ScanOptions | null = null): UdpBatch {
  const list = JsonValue.arr();
  for (let i = 0; i < probes.length; i++) list.push(unchecked(probes[i]).toJson());
  return udpCall(JsonValue.obj().set("probes", list), opts);
}

/** One datagram (`payload`, empty when null) to every target x port. */
export function udpScan(targets: string[], ports: i32[], payload: Uint8Array | null = null, opts: ScanOptions | null = null): UdpBatch {
  const req = JsonValue.obj().set("targets", jsonStrings(targets)).set("ports", jsonPorts(ports));
  if (payload !== null && payload.length > 0) req.setStr("payload_b64", base64Encode(payload));
  return udpCall(req, opts);
}
