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

  /** Counts `results` and returns the open ones as records, in result order. */
  add(results: TcpResult[]): JsonValue {
    const records = JsonValue.arr();
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      this.probed++;
      if (r.state == "open") {
        this.open++;
        records.push(openPortRecord(r.host, r.port, r.rttMs));
      } else if (r.state == "closed") this.closed++;
      else if (r.state == "filtered") this.filtered++;
      else this.other++;
    }
    return records;
  }

  writeSummary(summary: JsonValue): void {
    summary.setInt("probed", this.probed).setInt("open", this.open).setInt("closed", this.closed).setInt("filtered", this.filtered);
    if (this.other > 0) summary.setInt("unknown_state", this.other);
  }
}

/** `{host, port, protocol:"tcp", state:"open", rtt_ms}`; rtt rounded to microseconds, never negative. */
export function openPortRecord(host: string, port: i32, rttMs: f64): JsonValue {
  const rtt = rttMs > 0 ? Math.round(rttMs * 1000) / 1000 : 0;
  return JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", "tcp").setStr("state", "open").setNum("rtt_ms", rtt);
}
