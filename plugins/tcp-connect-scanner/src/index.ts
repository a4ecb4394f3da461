/**
 * pentora/tcp-connect-scanner: connect() scan of targets x ports. The host
 * owns the sockets, the rate limit and the scope check; this module decides
 * what to probe, in what batches, and what the answers mean.
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
  selectPorts,
  scanHosts,
  tcpScan,
  tcpProbe,
  BatchPlan,
  JsonValue,
  TcpBatch,
  TcpProbe,
  TcpResult,
} from "../../../sdk/assemblyscript/index";
import { Tally } from "./tally";

export * from "../../../sdk/assemblyscript/exports";

class TcpConnectScanner extends BatchScanModule {
  private tally: Tally = new Tally();
  private timeout: i32 = 1000;
  private retries: i32 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "tcp");
    if (ports === null) return portsSpecError(spec);
    this.timeout = <i32>ctx.config.getInt("connect_timeout_ms", 1000);
    this.retries = <i32>ctx.config.getInt("retries", 0);
    const batchSize = <i32>ctx.config.getInt("batch_size", 4096);

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, batchSize);
    this.tally = new Tally();
    const batches = plan.count();
    logDebug("scanning " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");

    const err = this.runBatches(plan, true);
    if (err !== null) return err;

    writePlanSummary(ctx.summary, targets, plan);
    this.tally.writeSummary(ctx.summary);
    this.writeOutOfScope(ctx.summary);
    return null;
  }

  /** One host call, filtered ports retried, its open ports appended to the context. */
  protected callBatch(hosts: string[], ports: i32[]): BatchFailure | null {
    const batch: TcpBatch = tcpScan(hosts, ports, this.timeout);
    if (!batch.ok) return new BatchFailure(batch.code, "net.tcp.probe failed: " + batch.error, batch.error);
    const open = JsonValue.arr();
    const silent = this.settle(batch.results, open, this.retries > 0);
    const err = this.retry(silent, open);
    if (err !== null) return BatchFailure.fatal(err);
    return appendRecords("open_ports", open);
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
