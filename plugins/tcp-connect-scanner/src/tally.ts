/**
 * Turns probe results into `open_ports` records (host/engine/keys.ts) and
 * keeps the per-state counts for the summary.
 */

import { JsonValue, TcpResult } from "../../../sdk/assemblyscript/index";

export class Tally {
  probed: i64 = 0;
  open: i64 = 0;
  closed: i64 = 0;
  filtered: i64 = 0;
  /** Results whose state the host reported as something else (counted, never written). */
  other: i64 = 0;
  /** Probes sent again because their first answer was silence. */
  retried: i64 = 0;

  /**
   * Counts the final answer for one probe; returns its record when open.
   * A result that will be retried must not be counted yet.
   */
  count(r: TcpResult): JsonValue | null {
    this.probed++;
    if (r.state == "open") {
      this.open++;
      return openPortRecord(r.host, r.port, r.rttMs);
    }
    if (r.state == "closed") this.closed++;
    else if (r.state == "filtered") this.filtered++;
    else this.other++;
    return null;
  }

  /** Counts `results` as final answers and returns the open ones as records, in result order. */
  add(results: TcpResult[]): JsonValue {
    const records = JsonValue.arr();
    for (let i = 0; i < results.length; i++) {
      const rec = this.count(results[i]);
      if (rec !== null) records.push(rec);
    }
    return records;
  }

  writeSummary(summary: JsonValue): void {
    summary.setInt("probed", this.probed).setInt("open", this.open).setInt("closed", this.closed).setInt("filtered", this.filtered);
    if (this.retried > 0) summary.setInt("retried", this.retried);
    if (this.other > 0) summary.setInt("unknown_state", this.other);
  }
}

/** `{host, port, protocol:"tcp", state:"open", rtt_ms}`; rtt rounded to microseconds, never negative. */
export function openPortRecord(host: string, port: i32, rttMs: f64): JsonValue {
  const rtt = rttMs > 0 ? Math.round(rttMs * 1000) / 1000 : 0;
  return JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", "tcp").setStr("state", "open").setNum("rtt_ms", rtt);
}
