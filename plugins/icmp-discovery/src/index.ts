/**
 * pentora/icmp-discovery: pings every target (ICMP echo, matched by the host
 * on identifier and sequence) and writes one `discovered_hosts` record per
 * target, alive or not. Scanners downstream skip the hosts found down.
 *
 * ICMP needs a raw socket. When the host has none it answers
 * PENTORA_E_RAW_UNAVAILABLE: this module then writes nothing, so no host is
 * taken for down on that account, warns, and puts the reason in its
 * summary; other discovery (tcp-probe-discovery) still runs.
 */

import {
  BatchScanModule,
  BatchFailure,
  ExecuteContext,
  register,
  appendRecords,
  logWarn,
  scanHosts,
  icmpEcho,
  BatchPlan,
  JsonValue,
  ScanOptions,
  RAW_UNAVAILABLE,
} from "../../../sdk/assemblyscript/index";
import { hostRecord, METHOD } from "./records";

export * from "../../../sdk/assemblyscript/exports";

class IcmpDiscovery extends BatchScanModule {
  private options: ScanOptions = new ScanOptions();
  private up: i32 = 0;
  private down: i32 = 0;
  private unavailable: string = "";

  execute(ctx: ExecuteContext): string | null {
    this.options = new ScanOptions();
    this.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.options.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.up = 0;
    this.down = 0;
    this.unavailable = "";
    const hosts = scanHosts(false).hosts;
    // One "port" per host: a batch is batch_size hosts, the ports are not sent.
    const plan = new BatchPlan(hosts, [0], <i32>ctx.config.getInt("batch_size", 4096));
    const err = this.runBatches(plan, false);
    if (err !== null) return err;

    ctx.summary.setStr("method", METHOD).setInt("hosts", hosts.length);
    if (this.unavailable.length > 0) {
      ctx.summary.setStr("unavailable", this.unavailable);
      return null;
    }
    ctx.summary.setInt("up", this.up).setInt("down", this.down);
    this.writeOutOfScope(ctx.summary);
    return null;
  }

  /** No raw sockets: nothing more to try. */
  protected stopped(): bool {
    return this.unavailable.length > 0;
  }

  /** One host call; records appended. */
  protected callBatch(hosts: string[], ports: i32[]): BatchFailure | null {
    const b = icmpEcho(hosts, this.options);
    if (!b.ok) {
      if (b.code == RAW_UNAVAILABLE) {
        this.unavailable = b.error;
        logWarn("ICMP discovery skipped: " + b.error);
        return null;
      }
      return new BatchFailure(b.code, "net.icmp.echo failed: " + b.error, b.error);
    }
    const records = JsonValue.arr();
    for (let i = 0; i < b.results.length; i++) {
      const r = unchecked(b.results[i]);
      if (r.alive) this.up++;
      else this.down++;
      records.push(hostRecord(r));
    }
    return appendRecords("discovered_hosts", records);
  }
}

register(new IcmpDiscovery("pentora/icmp-discovery", "0.1.0"));
