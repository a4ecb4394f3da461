/**
 * pentora/tcp-connect-scanner: connect() scan of targets x ports. The host
 * owns the sockets, the rate limit and the scope check; this module decides
 * what to probe, in what batches, and what the answers mean.
 */

import {
  PluginModule,
  ExecuteContext,
  register,
  contextGet,
  contextSet,
  logDebug,
  logWarn,
  parsePortSpec,
  tcpScan,
  TcpBatch,
} from "../../../sdk/assemblyscript/index";
import { BatchPlan, uniqueHosts } from "./batches";
import { Tally } from "./tally";

export * from "../../../sdk/assemblyscript/exports";

const SCOPE_ERROR = "PENTORA_E_SCOPE";

class TcpConnectScanner extends PluginModule {
  private tally: Tally = new Tally();
  private outOfScope: i32 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "");
    const ports = parsePortSpec(spec);
    if (ports === null) return "invalid ports spec \"" + spec + "\" (expected e.g. \"22,80,8000-8100\" or \"-\")";
    const timeout = <i32>ctx.config.getInt("connect_timeout_ms", 1000);
    const batchSize = <i32>ctx.config.getInt("batch_size", 4096);

    const targets = contextGet("targets").values();
    const names = new Array<string>();
    for (let i = 0; i < targets.length; i++) names.push(targets[i].getStr("host"));
    const plan = new BatchPlan(uniqueHosts(names), ports, batchSize);
    this.tally = new Tally();
    this.outOfScope = 0;
    const batches = plan.count();
    logDebug("scanning " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");

    for (let i = 0; i < batches; i++) {
      const hosts = plan.hostsAt(i);
      const err = this.scan(hosts, plan.portsAt(i), timeout);
      if (err !== null) return "batch " + (i + 1).toString() + " of " + batches.toString() + ": " + err;
    }

    ctx.summary.setInt("hosts", plan.hosts.length).setInt("ports", ports.length).setInt("batches", batches);
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
  private scan(hosts: string[], ports: i32[], timeout: i32): string | null {
    const batch: TcpBatch = tcpScan(hosts, ports, timeout);
    if (!batch.ok) {
      if (batch.code != SCOPE_ERROR) return "net.tcp.probe failed: " + batch.error;
      if (hosts.length > 1) {
        for (let h = 0; h < hosts.length; h++) {
          const err = this.scan([hosts[h]], ports, timeout);
          if (err !== null) return err;
        }
        return null;
      }
      this.outOfScope++;
      logWarn("skipping " + hosts[0] + ": " + batch.error);
      return null;
    }
    const open = this.tally.add(batch.results);
    // Append after every batch so grabbers downstream start on the first open ports.
    if (open.len() > 0) {
      const w = contextSet("open_ports", open, true);
      if (!w.ok) return "writing open_ports failed: " + w.code + ": " + w.message;
    }
    return null;
  }
}

register(new TcpConnectScanner("pentora/tcp-connect-scanner", "0.1.0"));
