/**
 * pentora/syn-scanner: a stateless SYN scan (nmap -sS). The host crafts and
 * sends the packets over a raw socket, matches SYN-ACK / RST replies by the
 * cookie in the sequence number and enforces scope and rate; this module
 * decides what to probe, in what batches, and writes the open ports.
 *
 * Without raw sockets (no CAP_NET_RAW, or the addon is not built) the host
 * answers PENTORA_E_RAW_UNAVAILABLE; the scan then goes on as a connect scan
 * through net.tcp.probe, with a warning and `method: "connect"` and the
 * host's reason in the summary, so the fallback is never silent.
 */

import {
  BatchScanModule,
  BatchFailure,
  ExecuteContext,
  register,
  appendRecords,
  writePlanSummary,
  portsSpecError,
  logDebug,
  logWarn,
  selectPorts,
  scanHosts,
  synScan,
  tcpScan,
  BatchPlan,
  JsonValue,
  ScanOptions,
  RAW_UNAVAILABLE,
} from "../../../sdk/assemblyscript/index";
import { Tally } from "./tally";

export * from "../../../sdk/assemblyscript/exports";

/** One batch's outcome: its open ports as records, or why the call failed. */
class BatchOutcome {
  open: JsonValue = JsonValue.arr();
  ok: bool = true;
  code: string = "";
  error: string = "";
}

class SynScanner extends BatchScanModule {
  private tally: Tally = new Tally();
  private options: ScanOptions = ScanOptions.openOnly();
  private timeoutMs: i32 = 1000;
  /** "syn" until the host says raw sockets are unavailable, then "connect". */
  private method: string = "syn";
  private fallback: string = "";

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "-");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "tcp");
    if (ports === null) return portsSpecError(spec);
    this.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.options = ScanOptions.openOnly();
    this.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.options.timeoutMs = this.timeoutMs;
    this.tally = new Tally();
    this.method = "syn";
    this.fallback = "";

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, <i32>ctx.config.getInt("batch_size", 65536));
    const batches = plan.count();
    logDebug("SYN scan of " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");

    const err = this.runBatches(plan, true);
    if (err !== null) return err;

    ctx.summary.setStr("method", this.method);
    if (this.fallback.length > 0) ctx.summary.setStr("fallback", this.fallback);
    writePlanSummary(ctx.summary, targets, plan);
    this.tally.writeSummary(ctx.summary);
    this.writeOutOfScope(ctx.summary);
    return null;
  }

  /**
   * Scans one batch and appends its open ports. RAW_UNAVAILABLE switches
   * the scan to connect() and retries the batch that way.
   */
  protected callBatch(hosts: string[], ports: i32[]): BatchFailure | null {
    let out = this.probe(hosts, ports);
    if (!out.ok && out.code == RAW_UNAVAILABLE && this.method == "syn") {
      this.method = "connect";
      this.fallback = out.error;
      logWarn("raw sockets unavailable, falling back to connect scanning: " + out.error);
      out = this.probe(hosts, ports);
    }
    if (!out.ok) {
      const op: string = this.method == "syn" ? "net.syn.scan" : "net.tcp.probe";
      return new BatchFailure(out.code, op + " failed: " + out.error, out.error);
    }
    return appendRecords("open_ports", out.open);
  }

  /** One host call by the current method. */
  private probe(hosts: string[], ports: i32[]): BatchOutcome {
    const out = new BatchOutcome();
    if (this.method == "syn") {
      const b = synScan(hosts, ports, this.options);
      if (b.ok) out.open = this.tally.addSyn(b);
      else {
        out.ok = false;
        out.code = b.code;
        out.error = b.error;
      }
      return out;
    }
    const b = tcpScan(hosts, ports, this.timeoutMs);
    if (b.ok) out.open = this.tally.addConnect(b.results);
    else {
      out.ok = false;
      out.code = b.code;
      out.error = b.error;
    }
    return out;
  }
}

register(new SynScanner("pentora/syn-scanner", "0.1.0"));
