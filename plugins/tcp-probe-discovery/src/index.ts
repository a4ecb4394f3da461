/**
 * pentora/tcp-probe-discovery: TCP host discovery (nmap -PS). A SYN to a few
 * common ports of every target; a SYN-ACK or an RST from any of them proves
 * the host is up, which finds hosts that drop ICMP echo. Without raw sockets
 * (PENTORA_E_RAW_UNAVAILABLE) it connects instead: accepted and refused
 * connections prove the host up the same way.
 *
 * One `discovered_hosts` record per target, alive or not, after each batch.
 */

import {
  BatchScanModule,
  BatchFailure,
  ExecuteContext,
  register,
  appendRecords,
  logInfo,
  parsePortSpec,
  scanHosts,
  synScan,
  tcpScan,
  BatchPlan,
  JsonValue,
  ScanOptions,
  RAW_UNAVAILABLE,
} from "../../../sdk/assemblyscript/index";
import { Liveness, connectHow } from "./liveness";

export * from "../../../sdk/assemblyscript/exports";

class TcpProbeDiscovery extends BatchScanModule {
  private method: string = "auto";
  private options: ScanOptions = new ScanOptions();
  private timeoutMs: i32 = 1000;
  private fallback: string = "";
  private up: i32 = 0;
  private down: i32 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("probe_ports", "443,80,22,445,3389");
    const ports = parsePortSpec(spec);
    if (ports === null) return "invalid probe_ports spec \"" + spec + "\"";
    this.method = ctx.config.getStr("method", "auto");
    this.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.options = new ScanOptions();
    this.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.options.timeoutMs = this.timeoutMs;
    // Both answers prove a host up; filtered ones are read from the counts.
    this.options.states = ["open", "closed"];
    this.fallback = "";
    this.up = 0;
    this.down = 0;

    const hosts = scanHosts(false).hosts;
    const plan = new BatchPlan(hosts, ports, <i32>ctx.config.getInt("batch_size", 16384));
    const err = this.runBatches(plan, false);
    if (err !== null) return err;

    ctx.summary.setStr("method", this.method == "connect" ? "tcp-connect" : "tcp-syn");
    if (this.fallback.length > 0) ctx.summary.setStr("fallback", this.fallback);
    ctx.summary.setInt("hosts", hosts.length).setInt("ports", ports.length).setInt("up", this.up).setInt("down", this.down);
    this.writeOutOfScope(ctx.summary);
    return null;
  }

  /**
   * Probes one batch and writes a record per host in it. A host whose ports
   * span batches (a port list longer than batch_size) gets a record per
   * batch; any alive record makes it up.
   */
  protected callBatch(hosts: string[], ports: i32[]): BatchFailure | null {
    const live = new Liveness();
    let code = "";
    let error = "";
    if (this.method != "connect") {
      const b = synScan(hosts, ports, this.options);
      if (b.ok) {
        for (let i = 0; i < b.results.length; i++) {
          const r = unchecked(b.results[i]);
          live.note(r.host, r.port, r.state, r.state == "open" ? "syn-ack" : "rst", r.rttMs);
        }
      } else if (b.code == RAW_UNAVAILABLE && this.method == "auto") {
        this.method = "connect";
        this.fallback = b.error;
        // Connect discovery is the unprivileged norm (nmap does the same): noted, not warned.
        logInfo("raw sockets unavailable, discovering hosts by TCP connect instead: " + b.error);
      } else {
        code = b.code;
        error = "net.syn.scan failed: " + b.error;
      }
    }
    if (this.method == "connect") {
      const b = tcpScan(hosts, ports, this.timeoutMs);
      if (b.ok) {
        for (let i = 0; i < b.results.length; i++) {
          const r = unchecked(b.results[i]);
          live.note(r.host, r.port, r.state, connectHow(r.state, r.reason), r.rttMs);
        }
      } else {
        code = b.code;
        error = "net.tcp.probe failed: " + b.error;
      }
    }
    if (code.length > 0) return new BatchFailure(code, error, error);
    const method: string = this.method == "connect" ? "tcp-connect" : "tcp-syn";
    const records = JsonValue.arr();
    for (let i = 0; i < hosts.length; i++) {
      const h = unchecked(hosts[i]);
      if (live.isUp(h)) this.up++;
      else this.down++;
      records.push(live.record(h, method));
    }
    return appendRecords("discovered_hosts", records);
  }
}

register(new TcpProbeDiscovery("pentora/tcp-probe-discovery", "0.1.0"));
