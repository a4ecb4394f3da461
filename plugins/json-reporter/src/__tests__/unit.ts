/**
 * Table-driven unit tests of the reporter's pure functions, compiled and run
 * by ../../test/unit.test.ts (not part of the plugin build).
 */

import { parseJson } from "../../../../sdk/assemblyscript/index";
import { check, expectStr, report } from "../../../../sdk/assemblyscript/unit";
import { isoTime } from "../time";
import { hostSortKey, parseIPv6, sortHosts } from "../hosts";
import { ReportBuilder, severityRank } from "../report";

/** [epoch ms as decimal text, ISO 8601] */
const TIMES: string[][] = [
  ["0", "1970-01-01T00:00:00.000Z"],
  ["1700000000123", "2023-11-14T22:13:20.123Z"],
  ["951782400000", "2000-02-29T00:00:00.000Z"], // leap day of a year divisible by 400
  ["4107542400000", "2100-03-01T00:00:00.000Z"], // 2100 is not a leap year
  ["-1", "1969-12-31T23:59:59.999Z"],
  ["-86400000", "1969-12-31T00:00:00.000Z"],
  ["253402300799999", "9999-12-31T23:59:59.999Z"],
  ["1e20", "9999-12-31T23:59:59.999Z"], // clamped, not garbage
  ["-1e20", "0000-01-01T00:00:00.000Z"],
];

/** [text, eight groups as hex or "<null>"] */
const V6: string[][] = [
  ["::1", "0:0:0:0:0:0:0:1"],
  ["::", "0:0:0:0:0:0:0:0"],
  ["2001:db8::8a2e:370:7334", "2001:db8:0:0:0:8a2e:370:7334"],
  ["2001:DB8:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:1"],
  ["fe80::1%eth0", "fe80:0:0:0:0:0:0:1"],
  ["::ffff:192.0.2.1", "0:0:0:0:0:ffff:c000:201"],
  ["1::2::3", "<null>"],
  ["12345::", "<null>"],
  ["1:2:3:4:5:6:7", "<null>"],
  ["1:2:3:4:5:6:7:8:9", "<null>"],
  ["::ffff:300.0.0.1", "<null>"],
  ["g::1", "<null>"],
  ["example.com", "<null>"],
];

function groupsText(g: i32[] | null): string {
  if (g === null) return "<null>";
  const parts = new Array<string>();
  for (let i = 0; i < g.length; i++) parts.push(g[i].toString(16));
  return parts.join(":");
}

export function run(): i32 {
  for (let i = 0; i < TIMES.length; i++) expectStr("isoTime " + TIMES[i][0], isoTime(parseFloat(TIMES[i][0])), TIMES[i][1]);
  expectStr("isoTime of NaN is the epoch", isoTime(NaN), "1970-01-01T00:00:00.000Z");
  for (let i = 0; i < V6.length; i++) expectStr("parseIPv6 " + V6[i][0], groupsText(parseIPv6(V6[i][0])), V6[i][1]);

  expectStr(
    "sortHosts: IPv4 numerically, then IPv6, then names",
    sortHosts(["web.example", "10.0.0.10", "::1", "10.0.0.9", "2001:db8::1", "10.0.0.9", "9.255.255.255", "Alpha.example", "192.168.1.1"]).join(" "),
    "9.255.255.255 10.0.0.9 10.0.0.10 192.168.1.1 ::1 2001:db8::1 Alpha.example web.example",
  );
  check("two spellings of one address stay distinct", hostSortKey("010.0.0.1") != hostSortKey("10.0.0.1"));
  check("severity order", severityRank("critical") > severityRank("high") && severityRank("low") > severityRank("info") && severityRank("bogus") < 0);

  // The builder: merge rules that the end-to-end test cannot isolate.
  const b = new ReportBuilder();
  b.addOpenPorts(parseJson('[{"host":"h","port":80,"protocol":"tcp","state":"filtered","rtt_ms":9},{"host":"h","port":80,"protocol":"tcp","state":"open","rtt_ms":3},{"host":"h","port":80,"protocol":"tcp","state":"closed"},{"host":"","port":1},{"host":"h","port":70000}]')!.values());
  b.addFingerprints(parseJson('[{"host":"h","port":80,"protocol":"tcp","service":"http","confidence":40,"source":"b"},{"host":"h","port":80,"protocol":"tcp","service":"http","product":"nginx","confidence":90,"source":"a"}]')!.values());
  b.addBanners(parseJson('[{"host":"h","port":80,"protocol":"tcp","probe":"zz","data_b64":"eg=="},{"host":"h","port":80,"protocol":"tcp","probe":"get","data_b64":"SFRUUC8xLjEgMjAwDQo="},{"host":"h","port":80,"protocol":"tcp","probe":"bad","data_b64":"!!"}]')!.values());
  const doc = b.build("s", "t", "g");
  const port = doc.getArr("hosts")[0].getArr("ports");
  check("records with no host or an impossible port are dropped", port.length == 1);
  expectStr("open wins over filtered and closed; the lowest rtt is kept", port[0].getStr("state") + " " + port[0].getNum("rtt_ms").toString(), "open 3.0");
  expectStr("services by confidence", port[0].getArr("services")[0].getStr("product") + " " + port[0].getStr("service"), "nginx http");
  expectStr("banner preview: first probe by name, undecodable ones skipped", port[0].getStr("banner"), "HTTP/1.1 200\r\n");
  check("nested services drop host/port/protocol", !port[0].getArr("services")[0].has("host") && !port[0].getArr("services")[0].has("port"));
  check("summary", doc.get("summary")!.getInt("open_ports") == 1 && doc.get("summary")!.getInt("services") == 1);
  report();
  return 0;
}
