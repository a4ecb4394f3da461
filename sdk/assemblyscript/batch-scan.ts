/**
 * The loop shared by the port scanners and the discovery modules: one host
 * call per batch of a `BatchPlan`, a scope refusal of a multi-host batch
 * retried host by host (so one name that resolved outside the scan's targets
 * does not cost its neighbours), a refused single host skipped with a
 * warning and counted, any other failure ending the scan.
 *
 * @example
 *   class Pinger extends BatchScanModule {
 *     execute(ctx: ExecuteContext): string | null {
 *       const plan = new BatchPlan(scanHosts(false).hosts, [0], 4096);
 *       const err = this.runBatches(plan, false);
 *       if (err !== null) return err;
 *       this.writeOutOfScope(ctx.summary);
 *       return null;
 *     }
 *     callBatch(hosts: string[], ports: i32[]): BatchFailure | null {
 *       const b = icmpEcho(hosts, new ScanOptions());
 *       if (!b.ok) return new BatchFailure(b.code, "net.icmp.echo failed: " + b.error, b.error);
 *       return appendRecords("discovered_hosts", records);
 *     }
 *   }
 */

import { PluginModule } from "./plugin";
import { JsonValue } from "./json";
import { contextSet, logWarn } from "./host";
import { SCOPE_ERROR } from "./host-raw";
import { BatchPlan } from "./batches";
import { ScanHosts } from "./scan-hosts";

/** Why one host call failed. */
export class BatchFailure {
  /** The host's error code (SCOPE_ERROR makes the batch retried or skipped); "" for a local failure. */
  code: string;
  /** What the scan ends with when the failure is not a scope refusal. */
  message: string;
  /** What the warning says after "skipping <host>: " when it is. */
  detail: string;

  constructor(code: string, message: string, detail: string) {
    this.code = code;
    this.message = message;
    this.detail = detail;
  }

  /** A failure that always ends the scan (a context write, a retry round). */
  static fatal(message: string): BatchFailure {
    return new BatchFailure("", message, message);
  }
}

export abstract class BatchScanModule extends PluginModule {
  /** Hosts skipped because the host refused them as out of scope. */
  protected outOfScope: i32 = 0;

  /** One host call for hosts x ports, its records written; null when it went through. */
  protected abstract callBatch(hosts: string[], ports: i32[]): BatchFailure | null;

  /** True once no further batch (nor host-by-host retry) should run. */
  protected stopped(): bool {
    return false;
  }

  /**
   * Runs every batch of `plan` (resetting the out-of-scope count first);
   * null, or the first failure, prefixed "batch i of n: " when `numbered`.
   */
  protected runBatches(plan: BatchPlan, numbered: bool): string | null {
    this.outOfScope = 0;
    const batches = plan.count();
    for (let i = 0; i < batches && !this.stopped(); i++) {
      const err = this.runBatch(plan.hostsAt(i), plan.portsAt(i));
      if (err !== null) return numbered ? "batch " + (i + 1).toString() + " of " + batches.toString() + ": " + err : err;
    }
    return null;
  }

  /** One batch with the scope handling above. */
  protected runBatch(hosts: string[], ports: i32[]): string | null {
    const f = this.callBatch(hosts, ports);
    if (f === null) return null;
    if (f.code != SCOPE_ERROR) return f.message;
    if (hosts.length > 1) {
      for (let h = 0; h < hosts.length && !this.stopped(); h++) {
        const err = this.runBatch([unchecked(hosts[h])], ports);
        if (err !== null) return err;
      }
      return null;
    }
    this.outOfScope++;
    logWarn("skipping " + hosts[0] + ": " + f.detail);
    return null;
  }

  /** `hosts_out_of_scope` in the summary, when any host was skipped. */
  protected writeOutOfScope(summary: JsonValue): void {
    if (this.outOfScope > 0) summary.setInt("hosts_out_of_scope", this.outOfScope);
  }
}

/**
 * Appends `records` (an array) to the context under `key` after a batch, so
 * stages downstream start on the first results; nothing when it is empty.
 */
export function appendRecords(key: string, records: JsonValue): BatchFailure | null {
  if (records.len() == 0) return null;
  const w = contextSet(key, records, true);
  return w.ok ? null : BatchFailure.fatal("writing " + key + " failed: " + w.code + ": " + w.message);
}

/** A port scanner's plan in its summary: `hosts`, `hosts_down` (when any), `ports`, `batches`. */
export function writePlanSummary(summary: JsonValue, targets: ScanHosts, plan: BatchPlan): void {
  summary.setInt("hosts", plan.hosts.length);
  if (targets.down > 0) summary.setInt("hosts_down", targets.down);
  summary.setInt("ports", plan.ports.length).setInt("batches", plan.count());
}

/** The error for a malformed `ports` spec. */
export function portsSpecError(spec: string): string {
  return "invalid ports spec \"" + spec + "\" (expected e.g. \"22,80,8000-8100\" or \"-\")";
}
