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
  PluginModule,
  ExecuteContext,
  register,
  contextSet,
  logWarn,
  scanHosts,
  icmpEcho,
  JsonValue,
  ScanOptions,
  RAW_UNAVAILABLE,
  SCOPE_ERROR,
} from "../../../sdk/assemblyscript/index";
import { hostRecord, METHOD } from "./records";

export * from "../../../sdk/assemblyscript/exports";

class IcmpDiscovery extends PluginModule {
  private options: ScanOptions = new ScanOptions();
  private up: i32 = 0;
  private down: i32 = 0;
  private outOfScope: i32 = 0;
  private unavailable: string = "";

  execute(ctx: ExecuteContext): string | null {
    this.options = new ScanOptions();
    this.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.options.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.up = 0;
    this.down = 0;
    this.outOfScope = 0;
    this.unavailable = "";
    const hosts = scanHosts(false).hosts;
    const size = max(<i32>ctx.config.getInt("batch_size", 4096), 1);

    for (let start = 0; start < hosts.length && this.unavailable.length == 0; start += size) {
      const err = this.ping(hosts.slice(start, min(start + size, hosts.length)));
      if (err !== null) return err;
    }

    ctx.summary.setStr("method", METHOD).setInt("hosts", hosts.length);
    if (this.unavailable.length > 0) {
      ctx.summary.setStr("unavailable", this.unavailable);
      return null;
    }
    ctx.summary.setInt("up", this.up).setInt("down", this.down);
    if (this.outOfScope > 0) ctx.summary.setInt("hosts_out_of_scope", this.outOfScope);
    return null;
  }

  /** One host call; records appended. A scope refusal of a batch is retried host by host. */
  private ping(hosts: string[]): string | null {
    const b = icmpEcho(hosts, this.options);
    if (!b.ok) {
      if (b.code == RAW_UNAVAILABLE) {
        this.unavailable = b.error;
        logWarn("ICMP discovery skipped: " + b.error);
        return null;
      }
      if (b.code != SCOPE_ERROR) return "net.icmp.echo failed: " + b.error;
      if (hosts.length > 1) {
        for (let i = 0; i < hosts.length && this.unavailable.length == 0; i++) {
          const err = this.ping([hosts[i]]);
          if (err !== null) return err;
        }
        return null;
      }
      this.outOfScope++;
      logWarn("skipping " + hosts[0] + ": " + b.error);
      return null;
    }
    const records = JsonValue.arr();
    for (let i = 0; i < b.results.length; i++) {
      const r = unchecked(b.results[i]);
      if (r.alive) this.up++;
      else this.down++;
      records.push(hostRecord(r));
    }
    if (records.len() == 0) return null;
    const w = contextSet("discovered_hosts", records, true);
    return w.ok ? null : "writing discovered_hosts failed: " + w.code + ": " + w.message;
  }
}

register(new IcmpDiscovery("pentora/icmp-discovery", "0.1.0"));
