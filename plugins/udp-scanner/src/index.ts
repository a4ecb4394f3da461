/**
 * pentora/udp-scanner: a UDP port scan (nmap -sU). Per batch of
 * targets x ports, one host call carries an empty datagram to every port
 * without a known service (the host lists only the open ones back and
 * counts the rest) and a protocol request (src/payloads.ts) to every port
 * with one. Ports a request left silent get the port's next request, if it
 * has one (SNMP v1 after v2c, a root NS query after version.bind).
 *
 * States come from the host: a reply -> open, ICMP port unreachable ->
 * closed, another ICMP unreachable -> filtered, silence -> open|filtered.
 * Open ports go to open_ports and their replies to banners (protocol "udp",
 * `probe` naming the request), for parsers downstream.
 */

import {
  PluginModule,
  ExecuteContext,
  register,
  contextSet,
  clockNow,
  logDebug,
  logWarn,
  selectPorts,
  scanHosts,
  udpProbe,
  udpScan,
  base64Encode,
  BatchPlan,
  JsonValue,
  ScanOptions,
  StateCounts,
  UdpProbe,
  UdpResult,
  SCOPE_ERROR,
} from "../../../sdk/assemblyscript/index";
import { buildPayload, payloadsFor } from "./payloads";

export * from "../../../sdk/assemblyscript/exports";

/** A request still waiting for an answer: which payload of its port it was. */
class Pending {
  host: string;
  port: i32;
  payload: i32;
  constructor(host: string, port: i32, payload: i32) {
    this.host = host;
    this.port = port;
    this.payload = payload;
  }
}

class Settings {
  payloads: bool = true;
  reportOpenFiltered: bool = true;
  options: ScanOptions = new ScanOptions();
}

class UdpScanner extends PluginModule {
  private s: Settings = new Settings();
  private counts: StateCounts = new StateCounts();
  private requests: i64 = 0;
  private replies: i64 = 0;
  private outOfScope: i32 = 0;
  private clockMs: f64 = 0;

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "-");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "udp");
    if (ports === null) return "invalid ports spec \"" + spec + "\" (expected e.g. \"53,161,1-1024\" or \"-\")";
    this.s = new Settings();
    this.s.payloads = ctx.config.getBool("payloads", true);
    this.s.reportOpenFiltered = ctx.config.getBool("report_open_filtered", true);
    this.s.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.s.options.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.s.options.maxBytes = <i32>ctx.config.getInt("max_bytes", 1500);
    this.counts = new StateCounts();
    this.requests = 0;
    this.replies = 0;
    this.outOfScope = 0;
    this.clockMs = clockNow();

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, <i32>ctx.config.getInt("batch_size", 65536));
    const batches = plan.count();
    logDebug("UDP scan of " + plan.hosts.length.toString() + " host(s) x " + ports.length.toString() + " port(s) in " + batches.toString() + " batch(es)");
    for (let i = 0; i < batches; i++) {
      const err = this.scan(plan.hostsAt(i), plan.portsAt(i));
      if (err !== null) return "batch " + (i + 1).toString() + " of " + batches.toString() + ": " + err;
    }

    ctx.summary.setInt("hosts", plan.hosts.length);
    if (targets.down > 0) ctx.summary.setInt("hosts_down", targets.down);
    ctx.summary
      .setInt("ports", ports.length)
      .setInt("batches", batches)
      .setInt("probed", this.counts.total())
      .setInt("open", this.counts.open)
      .setInt("closed", this.counts.closed)
      .setInt("filtered", this.counts.filtered)
      .setInt("open_filtered", this.counts.openFiltered)
      .setInt("protocol_requests", this.requests)
      .setInt("replies", this.replies);
    if (this.outOfScope > 0) ctx.summary.setInt("hosts_out_of_scope", this.outOfScope);
    return null;
  }

  /**
   * One batch: the first round covers every host x port; later rounds send
   * the next request of ports whose request went unanswered. A scope
   * refusal of a multi-host batch is retried host by host.
   */
  private scan(hosts: string[], ports: i32[]): string | null {
    const plain = new Array<i32>();
    let pending = new Array<Pending>();
    for (let p = 0; p < ports.length; p++) {
      const port = unchecked(ports[p]);
      if (this.s.payloads && payloadsFor(port).length > 0) {
        for (let h = 0; h < hosts.length; h++) pending.push(new Pending(unchecked(hosts[h]), port, 0));
      } else plain.push(port);
    }
    const records = JsonValue.arr();
    const banners = JsonValue.arr();

    // Round one: empty datagrams to `plain` (only open ones listed back) plus the first request of every other port.
    const first = this.send(hosts, plain, pending);
    if (first.error.length > 0) return this.refused(first, hosts, ports);
    this.countAll(first.counts);
    pending = this.settle(first.results, pending, records, banners);

    // Further requests for ports the previous one left silent; each round's
    // answers replace the silence counted before.
    while (pending.length > 0) {
      const next = new Array<Pending>();
      for (let i = 0; i < pending.length; i++) {
        const q = unchecked(pending[i]);
        if (q.payload + 1 < payloadsFor(q.port).length) next.push(new Pending(q.host, q.port, q.payload + 1));
        else if (this.s.reportOpenFiltered) records.push(portRecord(q.host, q.port, "open|filtered", "no-response", 0));
      }
      if (next.length == 0) break;
      const again = this.send([], [], next);
      if (again.error.length > 0) return "net.udp.probe failed: " + again.error;
      this.counts.openFiltered -= next.length;
      this.countAll(again.counts);
      pending = this.settle(again.results, next, records, banners);
    }
    return this.write(records, banners);
  }

  /** A refused first round: skip an out-of-scope host (retrying its batch-mates alone), fail on anything else. */
  private refused(b: Sent, hosts: string[], ports: i32[]): string | null {
    if (b.code != SCOPE_ERROR) return "net.udp.probe failed: " + b.error;
    if (hosts.length == 1) {
      this.outOfScope++;
      logWarn("skipping " + hosts[0] + ": " + b.error);
      return null;
    }
    for (let h = 0; h < hosts.length; h++) {
      const err = this.scan([hosts[h]], ports);
      if (err !== null) return err;
    }
    return null;
  }

  private countAll(c: StateCounts): void {
    this.counts.open += c.open;
    this.counts.closed += c.closed;
    this.counts.filtered += c.filtered;
    this.counts.openFiltered += c.openFiltered;
  }

  /** One host call: `hosts` x `plain` with an empty datagram, then one probe per pending request. */
  private send(hosts: string[], plain: i32[], requests: Pending[]): Sent {
    const probes = new Array<UdpProbe>();
    for (let i = 0; i < requests.length; i++) {
      const q = unchecked(requests[i]);
      const name = payloadsFor(q.port)[q.payload];
      probes.push(new UdpProbe(q.host, q.port, buildPayload(name, q.host, this.clockMs)));
    }
    this.requests += requests.length;
    const out = new Sent();
    // Plain ports may be all 65535: list only the open ones back, count the rest.
    // Requests are few: list all their states, to know which stayed silent.
    if (hosts.length > 0 && plain.length > 0) {
      const o = new ScanOptions();
      o.retries = this.s.options.retries;
      o.timeoutMs = this.s.options.timeoutMs;
      o.maxBytes = this.s.options.maxBytes;
      o.states = ["open"];
      const b = udpScan(hosts, plain, null, o);
      if (!b.ok) return out.fail(b.code, b.error);
      out.add(b.results, b.counts);
    }
    if (probes.length > 0) {
      const b = udpProbe(probes, this.s.options);
      if (!b.ok) return out.fail(b.code, b.error);
      out.add(b.results, b.counts);
    }
    return out;
  }

  /**
   * Writes open answers as records and banners; returns the requests that
   * met silence (open|filtered), in `requests` order, for another try.
   */
  private settle(results: UdpResult[], requests: Pending[], records: JsonValue, banners: JsonValue): Pending[] {
    const sentTo = new Map<string, i32>();
    for (let i = 0; i < requests.length; i++) sentTo.set(key(unchecked(requests[i]).host, unchecked(requests[i]).port), i);
    const silent = new Set<string>();
    for (let i = 0; i < results.length; i++) {
      const r = unchecked(results[i]);
      if (r.state == "open") {
        records.push(portRecord(r.host, r.port, "open", "udp-response", r.rttMs));
        if (r.data.length > 0) {
          this.replies++;
          const k = key(r.host, r.port);
          const probe: string = sentTo.has(k) ? payloadsFor(r.port)[unchecked(requests[sentTo.get(k)]).payload] : "empty";
          banners.push(bannerRecord(r, probe));
        }
      } else if (r.state == "open|filtered") silent.add(key(r.host, r.port));
    }
    const again = new Array<Pending>();
    for (let i = 0; i < requests.length; i++) {
      const q = unchecked(requests[i]);
      if (silent.has(key(q.host, q.port))) again.push(q);
    }
    return again;
  }

  private write(records: JsonValue, banners: JsonValue): string | null {
    if (records.len() > 0) {
      const w = contextSet("open_ports", records, true);
      if (!w.ok) return "writing open_ports failed: " + w.code + ": " + w.message;
    }
    if (banners.len() > 0) {
      const w = contextSet("banners", banners, true);
      if (!w.ok) return "writing banners failed: " + w.code + ": " + w.message;
    }
    return null;
  }
}

/** The results of one round, possibly from two host calls. */
class Sent {
  results: UdpResult[] = [];
  counts: StateCounts = new StateCounts();
  code: string = "";
  error: string = "";

  add(results: UdpResult[], c: StateCounts): void {
    for (let i = 0; i < results.length; i++) this.results.push(unchecked(results[i]));
    this.counts.open += c.open;
    this.counts.closed += c.closed;
    this.counts.filtered += c.filtered;
    this.counts.openFiltered += c.openFiltered;
  }

  fail(code: string, error: string): Sent {
    this.code = code;
    this.error = error;
    return this;
  }
}


function key(host: string, port: i32): string {
  return host + " " + port.toString();
}

function portRecord(host: string, port: i32, state: string, reason: string, rttMs: f64): JsonValue {
  const rec = JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", "udp").setStr("state", state).setStr("reason", reason);
  if (rttMs > 0) rec.setNum("rtt_ms", Math.round(rttMs * 1000) / 1000);
  return rec;
}

function bannerRecord(r: UdpResult, probe: string): JsonValue {
  return JsonValue.obj()
    .setStr("host", r.host)
    .setInt("port", r.port)
    .setStr("protocol", "udp")
    .setStr("probe", probe)
    .setStr("data_b64", base64Encode(r.data))
    .setNum("rtt_ms", r.rttMs > 0 ? Math.round(r.rttMs * 1000) / 1000 : 0);
}

register(new UdpScanner("pentora/udp-scanner", "0.1.0"));
