/**
 * Raw-socket and UDP scanning: net.syn.scan, net.icmp.echo and net.udp.probe
 * (request and response JSON in host/hostcalls/types.ts). Each takes a whole
 * targets x ports batch; the host paces, retries and matches replies.
 */

import { JsonValue } from "./json";
import { base64Decode, base64Encode } from "./bytes";
import { OP_NET_SYN_SCAN, OP_NET_ICMP_ECHO, OP_NET_UDP_PROBE } from "./host";
import { BatchStatus, BatchResult, PortResult, batchCall, readResults, jsonStrings, jsonPorts } from "./host-batch";

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
    if (op != OP_NET_ICMP_ECHO && this.states.length > 0) req.set("states", jsonStrings(this.states));
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

/** Sends a raw call's request with its options; the reply's value (JSON null when the call failed). */
function rawCall(op: i32, req: JsonValue, opts: ScanOptions | null, batch: BatchStatus): JsonValue {
  if (opts !== null) opts.apply(req, op);
  return batchCall(op, req, batch);
}

/** One net.syn.scan result: syn-ack -> open, rst -> closed, silence or an ICMP error -> filtered. */
export class SynResult extends PortResult {
  // reason: syn-ack | rst | no-response | icmp-unreachable ...
  /** TTL of the reply (0 when none). */
  ttl: i32 = 0;

  read(item: JsonValue): void {
    super.read(item);
    this.ttl = <i32>item.getInt("ttl");
  }
}

/** `code`: RAW_UNAVAILABLE, SCOPE_ERROR, PENTORA_E_CAPABILITY, ...; "" on success. */
export class SynBatch extends BatchStatus {
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
  const batch = new SynBatch();
  const value = rawCall(OP_NET_SYN_SCAN, JsonValue.obj().set("targets", jsonStrings(targets)).set("ports", jsonPorts(ports)), opts, batch);
  if (!batch.ok) return batch;
  readResults<SynResult>(value, batch.results);
  batch.counts = readCounts(value);
  batch.stats = readStats(value);
  return batch;
}

/** One net.icmp.echo result per target. */
export class IcmpResult extends BatchResult {
  host: string = "";
  alive: bool = false;
  rttMs: f64 = 0;
  ttl: i32 = 0;
  /** echo-reply | no-response | unreachable ... */
  reason: string = "";
  /** Who sent an ICMP error instead of a reply ("" when none). */
  from: string = "";

  read(item: JsonValue): void {
    this.host = item.getStr("host");
    this.alive = item.getBool("alive");
    this.rttMs = item.getNum("rtt_ms");
    this.ttl = <i32>item.getInt("ttl");
    this.reason = item.getStr("reason");
    this.from = item.getStr("from");
  }
}

export class IcmpBatch extends BatchStatus {
  /** One per target, in request order. */
  results: IcmpResult[] = [];
  stats: RawStats = new RawStats();
}

/** ICMP echo (ping) to each target (needs `capabilities.net.icmp` and CAP_NET_RAW). */
export function icmpEcho(targets: string[], opts: ScanOptions | null = null): IcmpBatch {
  const batch = new IcmpBatch();
  const value = rawCall(OP_NET_ICMP_ECHO, JsonValue.obj().set("targets", jsonStrings(targets)), opts, batch);
  if (!batch.ok) return batch;
  readResults<IcmpResult>(value, batch.results);
  batch.stats = readStats(value);
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

/**
 * A reply -> open; ICMP port unreachable -> closed; another unreachable ->
 * filtered; silence -> open|filtered. `reason`: udp-response |
 * port-unreachable | icmp-unreachable ... | no-response.
 */
export class UdpResult extends PortResult {
  /** The first reply datagram (empty when none). */
  data: Uint8Array = new Uint8Array(0);

  read(item: JsonValue): void {
    super.read(item);
    const b64 = item.getStr("data_b64");
    if (b64.length > 0) {
      const d = base64Decode(b64);
      if (d !== null) this.data = d;
    }
  }
}

export class UdpBatch extends BatchStatus {
  results: UdpResult[] = [];
  counts: StateCounts = new StateCounts();
  stats: RawStats = new RawStats();
}

function udpCall(req: JsonValue, opts: ScanOptions | null): UdpBatch {
  const batch = new UdpBatch();
  const value = rawCall(OP_NET_UDP_PROBE, req, opts, batch);
  if (!batch.ok) return batch;
  readResults<UdpResult>(value, batch.results);
  batch.counts = readCounts(value);
  batch.stats = readStats(value);
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
