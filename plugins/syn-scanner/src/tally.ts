/**
 * Per-state counts for the summary and the `open_ports` records
 * (host/engine/keys.ts), from SYN results or, after a fallback, from
 * connect results.
 */

import { JsonValue, SynBatch, TcpResult } from "../../../sdk/assemblyscript/index";

export class Tally {
  probed: i64 = 0;
  open: i64 = 0;
  closed: i64 = 0;
  filtered: i64 = 0;
  /** Raw packets sent, retries included (SYN batches only). */
  packets: i64 = 0;
  /** Replies matched to a SYN (SYN-ACK or RST). */
  replies: i64 = 0;

  /** Counts a SYN batch (every probe, from `counts`) and returns its open ports as records. */
  addSyn(batch: SynBatch): JsonValue {
    const c = batch.counts;
    this.probed += c.total();
    this.open += c.open;
    this.closed += c.closed;
    this.filtered += c.filtered;
    this.packets += batch.stats.sent;
    this.replies += batch.stats.received;
    const records = JsonValue.arr();
    for (let i = 0; i < batch.results.length; i++) {
      const r = unchecked(batch.results[i]);
      if (r.state == "open") records.push(openPortRecord(r.host, r.port, "syn-ack", r.rttMs));
    }
    return records;
  }

  /** Counts connect results (the fallback) and returns the open ones as records. */
  addConnect(results: TcpResult[]): JsonValue {
    const records = JsonValue.arr();
    for (let i = 0; i < results.length; i++) {
      const r = unchecked(results[i]);
      this.probed++;
      if (r.state == "open") {
        this.open++;
        records.push(openPortRecord(r.host, r.port, "connect", r.rttMs));
      } else if (r.state == "closed") this.closed++;
      else this.filtered++;
    }
    return records;
  }

  writeSummary(summary: JsonValue): void {
    summary.setInt("probed", this.probed).setInt("open", this.open).setInt("closed", this.closed).setInt("filtered", this.filtered);
    if (this.packets > 0) summary.setInt("packets_sent", this.packets).setInt("replies", this.replies);
  }
}

/** `{host, port, protocol:"tcp", state:"open", reason, rtt_ms}`; rtt rounded to microseconds, never negative. */
export function openPortRecord(host: string, port: i32, reason: string, rttMs: f64): JsonValue {
  const rtt = rttMs > 0 ? Math.round(rttMs * 1000) / 1000 : 0;
  return JsonValue.obj()
    .setStr("host", host)
    .setInt("port", port)
    .setStr("protocol", "tcp")
    .setStr("state", "open")
    .setStr("reason", reason)
    .setNum("rtt_ms", rtt);
}
