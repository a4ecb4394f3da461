/**
 * net.tcp.probe: connect, optionally send, optionally read, for a batch of
 * host:port pairs (host/hostcalls/types.ts). Hand `tcpProbe` a list, never
 * one probe per call.
 */

import { JsonValue } from "./json";
import { base64Decode, base64Encode } from "./bytes";
import { OP_NET_TCP_PROBE } from "./host";
import { BatchStatus, PortResult, batchCall, readResults, jsonStrings, jsonPorts } from "./host-batch";

/**
 * One step of a conversation probe: send `send` (if any), then read up to
 * `readMaxBytes` (if above 0). The read ends by idle, timeout, max_bytes or,
 * with `until`, as soon as this step's bytes contain it (1..64 bytes); eof,
 * reset or an error end the conversation.
 *
 * @example
 *   const greet = new TcpStep(); greet.read(4096, 1500, 200).until = latin1Bytes("\r\n");
 *   const ehlo = new TcpStep(); ehlo.send = latin1Bytes("EHLO pentora.invalid\r\n"); ehlo.read(4096, 1500, 200);
 *   const p = new TcpProbe(host, 25); p.steps = [greet, ehlo];
 */
export class TcpStep {
  send: Uint8Array | null = null;
  /** 0 = do not read. */
  readMaxBytes: i32 = 0;
  readTimeoutMs: i32 = 0;
  /** 0 = off. */
  readIdleMs: i32 = 0;
  until: Uint8Array | null = null;

  /** Sets the read (chainable). */
  read(maxBytes: i32, timeoutMs: i32, idleMs: i32 = 0): TcpStep {
    this.readMaxBytes = maxBytes;
    this.readTimeoutMs = timeoutMs;
    this.readIdleMs = idleMs;
    return this;
  }

  toJson(): JsonValue {
    const o = JsonValue.obj();
    const s = this.send;
    if (s !== null && s.length > 0) o.setStr("send_b64", base64Encode(s));
    if (this.readMaxBytes > 0) {
      const read = readJson(this.readMaxBytes, this.readTimeoutMs, this.readIdleMs);
      const u = this.until;
      if (u !== null && u.length > 0) read.setStr("until_b64", base64Encode(u));
      o.set("read", read);
    }
    return o;
  }
}

/** A request's `read` object: `max_bytes`, `timeout_ms`, and `idle_ms` when on. */
function readJson(maxBytes: i32, timeoutMs: i32, idleMs: i32): JsonValue {
  const read = JsonValue.obj().setInt("max_bytes", maxBytes).setInt("timeout_ms", timeoutMs);
  if (idleMs > 0) read.setInt("idle_ms", idleMs);
  return read;
}

/** The bytes of a result's `data_b64` (empty when none or undecodable). */
function decodeData(b64: string): Uint8Array {
  const b = b64.length > 0 ? base64Decode(b64) : null;
  return b !== null ? b : new Uint8Array(0);
}

/** What one step got: its bytes and why its read ended (`sent` for a step without read). */
export class TcpStepResult {
  /** Standard padded base64 as the host sent it, "" when none. */
  dataB64: string = "";
  reason: string = "";
  private decoded: Uint8Array | null = null;

  /** The step's bytes (empty when none), decoded on first use. */
  get data(): Uint8Array {
    if (this.decoded === null) this.decoded = decodeData(this.dataB64);
    return this.decoded!;
  }
}

/**
 * One TCP probe: connect, optionally send `payload`, optionally read up to
 * `readMaxBytes`; or, with `steps` (non-empty), a conversation of up to 8
 * steps instead (payload and read are then not sent).
 */
export class TcpProbe {
  host: string;
  port: i32;
  payload: Uint8Array | null = null;
  /** 0 = do not read. */
  readMaxBytes: i32 = 0;
  readTimeoutMs: i32 = 0;
  /** End the read this long after the last byte, once one has come (reason "idle"); 0 = off. */
  readIdleMs: i32 = 0;
  /** A conversation instead of payload/read, when not empty. */
  steps: TcpStep[] = [];

  constructor(host: string, port: i32) {
    this.host = host;
    this.port = port;
  }

  toJson(): JsonValue {
    const o = JsonValue.obj().setStr("host", this.host).setInt("port", this.port);
    if (this.steps.length > 0) {
      const list = JsonValue.arr();
      for (let i = 0; i < this.steps.length; i++) list.push(unchecked(this.steps[i]).toJson());
      return o.set("steps", list);
    }
    const p = this.payload;
    if (p !== null && p.length > 0) o.setStr("payload_b64", base64Encode(p));
    if (this.readMaxBytes > 0) o.set("read", readJson(this.readMaxBytes, this.readTimeoutMs, this.readIdleMs));
    return o;
  }
}

/**
 * One probe's outcome: `state` open | closed | filtered; `reason` why a read
 * ended (eof, max_bytes, idle, timeout, reset) or a connect failed
 * (ECONNREFUSED, timeout, ...).
 */
export class TcpResult extends PortResult {
  /**
   * The bytes read after connect, as the host sent them: standard padded
   * base64, "" when none. A plugin that stores the bytes (a `banners`
   * record's `data_b64`) copies this as is, with no decode and re-encode.
   */
  dataB64: string = "";
  /** A conversation probe's steps, one per step run (empty for the single form). */
  steps: TcpStepResult[] = [];
  private decoded: Uint8Array | null = null;

  /** The bytes read after connect (empty when none), decoded from dataB64 on first use. */
  get data(): Uint8Array {
    if (this.decoded === null) this.decoded = decodeData(this.dataB64);
    return this.decoded!;
  }

  read(item: JsonValue): void {
    super.read(item);
    this.dataB64 = item.getStr("data_b64");
    const steps = item.getArr("steps");
    for (let i = 0; i < steps.length; i++) {
      const st = unchecked(steps[i]);
      const r = new TcpStepResult();
      r.dataB64 = st.getStr("data_b64");
      r.reason = st.getStr("reason");
      this.steps.push(r);
    }
  }
}

/** `ok`, `error` ("CODE: message") and `code` as BatchStatus says, and one result per probe. */
export class TcpBatch extends BatchStatus {
  results: TcpResult[] = [];
}

function tcpCall(req: JsonValue): TcpBatch {
  const batch = new TcpBatch();
  const value = batchCall(OP_NET_TCP_PROBE, req, batch);
  if (batch.ok) readResults<TcpResult>(value, batch.results);
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
  return tcpCall(JsonValue.obj().set("targets", jsonStrings(targets)).set("ports", jsonPorts(ports)).setInt("connect_timeout_ms", connectTimeoutMs));
}
