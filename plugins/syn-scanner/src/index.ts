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
  PluginModule,
  ExecuteContext,
  register,
  contextSet,
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
  SCOPE_ERROR,
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

class SynScanner extends PluginModule {
  private tally: Tally = new Tally();
  private options: ScanOptions = ScanOptions.openOnly();
  private timeoutMs: i32 = 1000;
  /** "syn" until the host says raw sockets are unavailable, then "connect". */
  private method: string = "syn";
  private fallback: string = "";
  private outOfScope: i32 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "-");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "tcp");
    if (ports === null) return "invalid ports spec \"" + spec + "\" (expected e.g. \"22,80,8000-8100\" or \"-\")";
    this.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.options = ScanOptions.openOnly();
    this.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.options.timeoutMs = this.timeoutMs;
    this.tally = new Tally();
    this.method = "syn";
    this.fallback = "";
    this.outOfScope = 0;

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, <i32>ctx.config.getInt("batch_size", 65536));
    const batches = plan.count();
    logDebug("SYN scan of " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");

    for (let i = 0; i < batches; i++) {
      const err = this.scan(plan.hostsAt(i), plan.portsAt(i));
      if (err !== null) return "batch " + (i + 1).toString() + " of " + batches.toString() + ": " + err;
    }

    ctx.summary.setStr("method", this.method);
    if (this.fallback.length > 0) ctx.summary.setStr("fallback", this.fallback);
    ctx.summary.setInt("hosts", plan.hosts.length);
    if (targets.down > 0) ctx.summary.setInt("hosts_down", targets.down);
    ctx.summary.setInt("ports", ports.length).setInt("batches", batches);
    this.tally.writeSummary(ctx.summary);
    if (this.outOfScope > 0) ctx.summary.setInt("hosts_out_of_scope", this.outOfScope);
    return null;
  }

  /**
   * Scans one batch and appends its open ports. A scope refusal skips the
   * named host (a multi-host batch is retried host by host); any other
   * failure but RAW_UNAVAILABLE ends the scan with that error.
   */
  private scan(hosts: string[], ports: i32[]): string | null {
    let out = this.probe(hosts, ports);
    if (!out.ok && out.code == RAW_UNAVAILABLE && this.method == "syn") {
      this.method = "connect";
      this.fallback = out.error;
      logWarn("raw sockets unavailable, falling back to connect scanning: " + out.error);
      out = this.probe(hosts, ports);
    }
    if (!out.ok) {
      if (out.code != SCOPE_ERROR) {
        const op: string = this.method == "syn" ? "net.syn.scan" : "net.tcp.probe";
        return op + " failed: " + out.error;
      }
      if (hosts.length > 1) {
        for (let h = 0; h < hosts.length; h++) {
          const err = this.scan([hosts[h]], ports);
          if (err !== null) return err;
        }
        return null;
      }
      this.outOfScope++;
      logWarn("skipping " + hosts[0] + ": " + out.error);
      return null;
    }
    // Append after every batch so grabbers downstream start on the first open ports.
    if (out.open.len() > 0) {
      const w = contextSet("open_ports", out.open, true);
      if (!w.ok) return "writing open_ports failed: " + w.code + ": " + w.message;
    }
    return null;
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
