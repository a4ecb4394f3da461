/**
 * Self-test of the SDK's scanning helpers: the port rankings (top-ports.ts),
 * the batch plan and the raw-socket / UDP host-call wrappers, whose replies
 * come from the stub in test/sdk/net.test.ts. The requests the wrappers send
 * are checked there, against host/hostcalls/types.ts.
 */

import {
  parsePortSpec,
  topPorts,
  rankPorts,
  rankedPortCount,
  selectPorts,
  synScan,
  icmpEcho,
  udpProbe,
  udpScan,
  ScanOptions,
  UdpProbe,
  RAW_UNAVAILABLE,
  BatchPlan,
  utf8Bytes,
  latin1,
} from "../index";
import { check, expectStr, expectInt, expectNum, expectBool, report } from "../unit";

export * from "../exports";

function joined(a: i32[]): string {
  const parts = new Array<string>();
  for (let i = 0; i < a.length; i++) parts.push(a[i].toString());
  return parts.join(",");
}

export function run(): i32 {
  // ---- rankings ----
  const all = parsePortSpec("-")!;
  expectStr("top 5 TCP", joined(topPorts(all, 5, "tcp")), "80,443,22,445,3389");
  expectStr("top 5 UDP", joined(topPorts(all, 5, "udp")), "53,123,161,137,67");
  expectInt("the TCP ranking lists over 700 ports", <i64>(rankedPortCount("tcp") > 700 ? 1 : 0), 1);
  const top1000 = topPorts(all, 1000, "tcp");
  expectInt("top 1000 has 1000 ports", top1000.length, 1000);
  const seen = new Set<i32>();
  for (let i = 0; i < top1000.length; i++) seen.add(top1000[i]);
  expectInt("top 1000 are distinct", seen.size, 1000);
  // Past the ranking, the rest in ascending order: the first unranked TCP port is 2.
  expectInt("the first port after the ranking", top1000[rankedPortCount("tcp")], 2);
  expectInt("rankPorts of everything keeps all 65535", rankPorts(all, "tcp").length, 65535);
  expectStr("ranked within a set, unranked ones ascending", joined(rankPorts([65000, 3, 443, 60001, 22], "tcp")), "443,22,3,60001,65000");
  expectStr("topPorts of a set", joined(topPorts([8080, 22, 5, 80], 3, "tcp")), "80,22,8080");
  expectInt("n <= 0 selects nothing", topPorts(all, 0, "tcp").length, 0);
  expectStr("an unknown protocol ranks nothing", joined(topPorts([9, 3, 7], 2, "sctp")), "3,7");
  expectStr("out-of-range and duplicate ports are dropped", joined(rankPorts([0, 80, 80, 70000, -1], "tcp")), "80");
  expectStr("selectPorts: top N of a spec", joined(selectPorts("20-25", 2, "tcp")!), "22,21");
  expectStr("selectPorts: top 0 is the spec, ascending", joined(selectPorts("25,20-22", 0, "tcp")!), "20,21,22,25");
  check("selectPorts: a malformed spec is null", selectPorts("22,x", 5, "tcp") === null);

  // ---- batch plan ----
  const plan = new BatchPlan(["a", "b", "c"], [1, 2, 3, 4, 5], 4);
  expectInt("a port list longer than a batch is sliced per host", plan.count(), 6);
  expectStr("slice 2 of host a", joined(plan.portsAt(1)), "5");
  expectStr("host of batch 3", plan.hostsAt(2)[0], "b");

  // ---- net.syn.scan ----
  const opts = ScanOptions.openOnly();
  opts.retries = 2;
  opts.timeoutMs = 300;
  const syn = synScan(["10.0.0.2"], [22, 80, 443], opts);
  expectBool("syn ok", syn.ok, true);
  expectInt("syn results", syn.results.length, 1);
  expectStr("syn result", syn.results[0].host + ":" + syn.results[0].port.toString() + " " + syn.results[0].state + " " + syn.results[0].reason, "10.0.0.2:22 open syn-ack");
  expectNum("syn rtt", syn.results[0].rttMs, 0.21);
  expectInt("syn ttl", syn.results[0].ttl, 64);
  expectInt("syn counts", syn.counts.open * 100 + syn.counts.closed * 10 + syn.counts.filtered, 121);
  expectInt("syn total", syn.counts.total(), 4);
  expectInt("syn stats sent", syn.stats.sent, 5);
  expectNum("syn stats duration", syn.stats.durationMs, 4.5);
  const refused = synScan(["10.0.0.9"], [22]);
  expectBool("refused syn", refused.ok, false);
  expectStr("refused syn code", refused.code, RAW_UNAVAILABLE);
  check("refused syn error names the code", refused.error.startsWith(RAW_UNAVAILABLE + ": no CAP_NET_RAW"));

  // ---- net.icmp.echo ----
  const ping = icmpEcho(["10.0.0.2", "10.0.0.3"]);
  expectInt("icmp results", ping.results.length, 2);
  expectBool("icmp alive", ping.results[0].alive, true);
  expectInt("icmp ttl", ping.results[0].ttl, 63);
  expectBool("icmp down", ping.results[1].alive, false);
  expectStr("icmp from", ping.results[1].from, "10.0.0.1");
  expectInt("icmp stats received", ping.stats.received, 1);

  // ---- net.udp.probe ----
  const probes = [new UdpProbe("10.0.0.2", 53, utf8Bytes("q")), new UdpProbe("10.0.0.2", 9)];
  const u = udpProbe(probes);
  expectInt("udp results", u.results.length, 2);
  expectStr("udp reply", latin1(u.results[0].data), "answer");
  expectStr("udp state", u.results[1].state, "open|filtered");
  expectInt("udp counts open|filtered", u.counts.openFiltered, 1);
  const uo = new ScanOptions();
  uo.states = ["open"];
  uo.maxBytes = 512;
  const u2 = udpScan(["10.0.0.2"], [161, 162], null, uo);
  expectBool("udp scan ok", u2.ok, true);
  report();
  return 0;
}
