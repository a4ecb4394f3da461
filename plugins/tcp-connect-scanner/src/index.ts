/**
 * pentora/tcp-connect-scanner: connect() scan of targets x ports. The host
 * owns the sockets, the rate limit and the scope check; this module decides
 * what to probe, in what batches, and what the answers mean.
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
  tcpScan,
  tcpProbe,
  BatchPlan,
  JsonValue,
  TcpBatch,
  TcpProbe,
  TcpResult,
  SCOPE_ERROR,
} from "../../../sdk/assemblyscript/index";
import { Tally } from "./tally";

export * from "../../../sdk/assemblyscript/exports";

class TcpConnectScanner extends PluginModule {
  private tally: Tally = new Tally();
  private outOfScope: i32 = 0;
  private timeout: i32 = 1000;
  private retries: i32 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "tcp");
    if (ports === null) return "invalid ports spec \"" + spec + "\" (expected e.g. \"22,80,8000-8100\" or \"-\")";
    this.timeout = <i32>ctx.config.getInt("connect_timeout_ms", 1000);
    this.retries = <i32>ctx.config.getInt("retries", 0);
    const batchSize = <i32>ctx.config.getInt("batch_size", 4096);

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, batchSize);
    this.tally = new Tally();
    this.outOfScope = 0;
    const batches = plan.count();
    logDebug("scanning " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");

    for (let i = 0; i < batches; i++) {
      const err = this.scan(plan.hostsAt(i), plan.portsAt(i));
      if (err !== null) return "batch " + (i + 1).toString() + " of " + batches.toString() + ": " + err;
    }

    ctx.summary.setInt("hosts", plan.hosts.length);
    if (targets.down > 0) ctx.summary.setInt("hosts_down", targets.down);
    ctx.summary.setInt("ports", ports.length).setInt("batches", batches);
    this.tally.writeSummary(ctx.summary);
    if (this.outOfScope > 0) ctx.summary.setInt("hosts_out_of_scope", this.outOfScope);
    return null;
  }

  /**
   * One host call, its open ports appended to the context. A scope refusal
   * (a name that resolved outside the scan's targets) skips that host and
   * goes on; a refusal of a multi-host batch is retried host by host so one
   * bad name does not cost its neighbours. Any other failure (no grant, a
   * limit) ends the scan with that error.
   */
  private scan(hosts: string[], ports: i32[]): string | null {
    const batch: TcpBatch = tcpScan(hosts, ports, this.timeout);
    if (!batch.ok) {
      if (batch.code != SCOPE_ERROR) return "net.tcp.probe failed: " + batch.error;
      if (hosts.length > 1) {
        for (let h = 0; h < hosts.length; h++) {
          const err = this.scan([hosts[h]], ports);
          if (err !== null) return err;
        }
        return null;
      }
      this.outOfScope++;
      logWarn("skipping " + hosts[0] + ": " + batch.error);
      return null;
    }
    const open = JsonValue.arr();
    const silent = this.settle(batch.results, open, this.retries > 0);
    const err = this.retry(silent, open);
    if (err !== null) return err;
    // Append after every batch so grabbers downstream start on the first open ports.
    if (open.len() > 0) {
      const w = contextSet("open_ports", open, true);
      if (!w.ok) return "writing open_ports failed: " + w.code + ": " + w.message;
    }
    return null;
  }

  /** Counts final answers into the tally (open ones into `open`); returns the filtered ones when they get another try. */
  private settle(results: TcpResult[], open: JsonValue, holdFiltered: bool): TcpResult[] {
    const silent = new Array<TcpResult>();
    for (let i = 0; i < results.length; i++) {
      const r = unchecked(results[i]);
      if (holdFiltered && r.state == "filtered") {
        silent.push(r);
        continue;
      }
      const rec = this.tally.count(r);
      if (rec !== null) open.push(rec);
    }
    return silent;
  }

  /**
   * Probes ports that stayed silent again, up to `retries` more times: a
   * lost SYN or SYN-ACK looks like a filtering firewall on the first try.
   */
  private retry(silent: TcpResult[], open: JsonValue): string | null {
    for (let round = 1; round <= this.retries && silent.length > 0; round++) {
      const probes = new Array<TcpProbe>();
      for (let i = 0; i < silent.length; i++) probes.push(new TcpProbe(unchecked(silent[i]).host, unchecked(silent[i]).port));
      this.tally.retried += probes.length;
      const again = tcpProbe(probes, this.timeout);
      if (!again.ok) return "net.tcp.probe (retry " + round.toString() + ") failed: " + again.error;
      silent = this.settle(again.results, open, round < this.retries);
    }
    for (let i = 0; i < silent.length; i++) this.tally.count(unchecked(silent[i]));
    return null;
  }
}

register(new TcpConnectScanner("pentora/tcp-connect-scanner", "0.1.0"));
