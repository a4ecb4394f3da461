/**
 * pentora/udp-scanner: a UDP port scan (nmap -sU). Per batch of
 * targets x ports, one host call carries an empty datagram to every port
 * without a known service (the host lists only the open ones back and
 * counts the rest) and another the protocol requests (src/payloads.ts) of
 * every port with one. A port's requests come in rounds: round one sends
 * its first set (usually one request; NTP gets a control READVAR and a
 * client request at once, since each reply tells something the other does
 * not); ports the whole set left silent get the next set, if there is one
 * (SNMP v1 after v2c, a root NS query after version.bind).
 *
 * States come from the host: a reply -> open, ICMP port unreachable ->
 * closed, another ICMP unreachable -> filtered, silence -> open|filtered;
 * a port sent several requests takes the most telling of their states and
 * is counted once. Open ports go to open_ports and every reply to banners
 * (protocol "udp", `probe` naming the request), for parsers downstream.
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
import { buildPayload, requestsFor } from "./payloads";

export * from "../../../sdk/assemblyscript/exports";

/** A port of a host in a round of requests: which set of its port's requests (requestsFor) it gets. */
class Pending {
  host: string;
  port: i32;
  round: i32;
  constructor(host: string, port: i32, round: i32) {
    this.host = host;
    this.port = port;
    this.round = round;
  }
}

/** One datagram of a round: the index of its Pending and the request's name. */
class Request {
  owner: i32;
  name: string;
  constructor(owner: i32, name: string) {
    this.owner = owner;
    this.name = name;
  }
}

class Settings {
  payloads: bool = true;
  reportOpenFiltered: bool = true;
  batchSize: i32 = 65536;
  options: ScanOptions = new ScanOptions();
}

/** States by how much they tell: a reply beats an ICMP error, which beats silence. */
function rank(state: string): i32 {
  if (state == "open") return 3;
  if (state == "closed") return 2;
  if (state == "filtered") return 1;
  return 0;
}

class UdpScanner extends PluginModule {
  private s: Settings = new Settings();
  private counts: StateCounts = new StateCounts();
  private requests: i64 = 0;
  private replies: i64 = 0;
  private outOfScope: i32 = 0;
  private clockMs: f64 = 0;
  /** requestsFor, once per port. */
  private sets: Map<i32, string[][]> = new Map<i32, string[][]>();

  execute(ctx: ExecuteContext): string | null {
    const spec = ctx.config.getStr("ports", "-");
    const ports = selectPorts(spec, <i32>ctx.config.getInt("top_ports", 0), "udp");
    if (ports === null) return "invalid ports spec \"" + spec + "\" (expected e.g. \"53,161,1-1024\" or \"-\")";
    this.s = new Settings();
    this.s.payloads = ctx.config.getBool("payloads", true);
    this.s.reportOpenFiltered = ctx.config.getBool("report_open_filtered", true);
    this.s.batchSize = max(<i32>ctx.config.getInt("batch_size", 65536), 1);
    this.s.options.retries = <i32>ctx.config.getInt("retries", 1);
    this.s.options.timeoutMs = <i32>ctx.config.getInt("timeout_ms", 1000);
    this.s.options.maxBytes = <i32>ctx.config.getInt("max_bytes", 1500);
    this.sets = new Map<i32, string[][]>();
    this.counts = new StateCounts();
    this.requests = 0;
    this.replies = 0;
    this.outOfScope = 0;
    this.clockMs = clockNow();

    const targets = scanHosts(true);
    const plan = new BatchPlan(targets.hosts, ports, this.s.batchSize);
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

  private setsOf(port: i32): string[][] {
    if (!this.sets.has(port)) this.sets.set(port, this.s.payloads ? requestsFor(port) : []);
    return this.sets.get(port);
  }

  /**
   * One batch: the first round covers every host x port; later rounds send
   * the next set of requests to ports the previous set left silent. A scope
   * refusal of a multi-host batch is retried host by host.
   */
  private scan(hosts: string[], ports: i32[]): string | null {
    const plain = new Array<i32>();
    let pending = new Array<Pending>();
    for (let p = 0; p < ports.length; p++) {
      const port = unchecked(ports[p]);
      if (this.setsOf(port).length > 0) {
        for (let h = 0; h < hosts.length; h++) pending.push(new Pending(unchecked(hosts[h]), port, 0));
      } else plain.push(port);
    }
    const records = JsonValue.arr();
    const banners = JsonValue.arr();

    // Round one: empty datagrams to `plain` (only open ones listed back) plus the first set of every other port.
    const first = this.send(hosts, plain, pending);
    if (first.error.length > 0) return this.refused(first, hosts, ports);
    pending = this.settle(first, pending, records, banners);

    // The next set for ports the previous one left silent; each round's
    // answers replace the silence counted before.
    while (pending.length > 0) {
      const next = new Array<Pending>();
      for (let i = 0; i < pending.length; i++) {
        const q = unchecked(pending[i]);
        if (q.round + 1 < this.setsOf(q.port).length) next.push(new Pending(q.host, q.port, q.round + 1));
        else if (this.s.reportOpenFiltered) records.push(portRecord(q.host, q.port, "open|filtered", "no-response", 0));
      }
      if (next.length == 0) break;
      const again = this.send([], [], next);
      if (again.error.length > 0) return "net.udp.probe failed: " + again.error;
      this.counts.openFiltered -= next.length;
      pending = this.settle(again, next, records, banners);
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

  /**
   * One round: `hosts` x `plain` with an empty datagram in one host call,
   * then every request of each pending port's current set, in calls of at
   * most batch_size datagrams (a set of two doubles a port's share).
   */
  private send(hosts: string[], plain: i32[], pending: Pending[]): Sent {
    const out = new Sent();
    // Plain ports may be all 65535: list only the open ones back, count the rest.
    if (hosts.length > 0 && plain.length > 0) {
      const o = new ScanOptions();
      o.retries = this.s.options.retries;
      o.timeoutMs = this.s.options.timeoutMs;
      o.maxBytes = this.s.options.maxBytes;
      o.states = ["open"];
      const b = udpScan(hosts, plain, null, o);
      if (!b.ok) return out.fail(b.code, b.error);
      out.plain = b.results;
      out.plainCounts = b.counts;
    }
    // Requests are few: list all their states (in probe order), to know which stayed silent.
    let probes = new Array<UdpProbe>();
    for (let i = 0; i < pending.length; i++) {
      const q = unchecked(pending[i]);
      const names = this.setsOf(q.port)[q.round];
      for (let j = 0; j < names.length; j++) {
        const name = unchecked(names[j]);
        out.requests.push(new Request(i, name));
        probes.push(new UdpProbe(q.host, q.port, buildPayload(name, q.host, this.clockMs)));
        if (probes.length >= this.s.batchSize) {
          const err = this.call(probes, out);
          if (err !== null) return err;
          probes = new Array<UdpProbe>();
        }
      }
    }
    if (probes.length > 0) {
      const err = this.call(probes, out);
      if (err !== null) return err;
    }
    return out;
  }

  /** One net.udp.probe call of requests; its results are appended to `out.results`, one per probe. */
  private call(probes: UdpProbe[], out: Sent): Sent | null {
    this.requests += probes.length;
    const b = udpProbe(probes, this.s.options);
    if (!b.ok) return out.fail(b.code, b.error);
    if (b.results.length != probes.length) {
      return out.fail("", "the host answered " + b.results.length.toString() + " result(s) for " + probes.length.toString() + " probe(s)");
    }
    for (let i = 0; i < b.results.length; i++) out.results.push(unchecked(b.results[i]));
    return null;
  }

  /**
   * Counts the round and writes its open answers as records (one per port)
   * and banners (one per reply, in request order); returns the pending
   * ports every request of whose set met silence (open|filtered), in order.
   */
  private settle(sent: Sent, pending: Pending[], records: JsonValue, banners: JsonValue): Pending[] {
    this.countAll(sent.plainCounts);
    for (let i = 0; i < sent.plain.length; i++) {
      const r = unchecked(sent.plain[i]);
      if (r.state != "open") continue;
      records.push(portRecord(r.host, r.port, "open", "udp-response", r.rttMs));
      if (r.data.length > 0) {
        this.replies++;
        banners.push(bannerRecord(r, "empty"));
      }
    }

    const again = new Array<Pending>();
    let at = 0;
    for (let i = 0; i < pending.length; i++) {
      const q = unchecked(pending[i]);
      // The requests of one pending port are consecutive (send() lists them so).
      const from = at;
      while (at < sent.requests.length && unchecked(sent.requests[at]).owner == i) at++;
      let best = -1;
      let rtt: f64 = 0;
      for (let j = from; j < at; j++) {
        const r = unchecked(sent.results[j]);
        const k = rank(r.state);
        if (k > best) {
          best = k;
          rtt = r.rttMs;
        }
      }
      if (best == 3) {
        this.counts.open++;
        records.push(portRecord(q.host, q.port, "open", "udp-response", rtt));
        for (let j = from; j < at; j++) {
          const r = unchecked(sent.results[j]);
          if (r.state != "open" || r.data.length == 0) continue;
          this.replies++;
          banners.push(bannerRecord(r, unchecked(sent.requests[j]).name));
        }
      } else if (best == 2) this.counts.closed++;
      else if (best == 1) this.counts.filtered++;
      else {
        this.counts.openFiltered++;
        again.push(q);
      }
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

/** A round's results: the plain ports' open ones and counts, and one result per request, in request order. */
class Sent {
  plain: UdpResult[] = [];
  plainCounts: StateCounts = new StateCounts();
  requests: Request[] = [];
  results: UdpResult[] = [];
  code: string = "";
  error: string = "";

  fail(code: string, error: string): Sent {
    this.code = code;
    this.error = error;
    return this;
  }
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
