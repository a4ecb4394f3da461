/**
 * Folds the DataContext's records into one report document
 * (format "pentora-report/1", described in ../README.md). Pure: it sees only
 * JsonValue records, so tests need no host.
 */

import { JsonValue, base64Decode, latin1 } from "../../../sdk/assemblyscript/index";
import { hostSortKey, sortHosts } from "./hosts";

export const REPORT_FORMAT = "pentora-report/1";
const SEVERITIES: string[] = ["critical", "high", "medium", "low", "info"];

/** critical=4 … info=0; unknown -1. */
export function severityRank(s: string): i32 {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? -1 : 4 - i;
}

/** open beats open|filtered beats filtered beats closed: a port that answered anywhere is open. */
function stateRank(s: string): i32 {
  if (s == "open") return 3;
  if (s == "open|filtered") return 2;
  if (s == "filtered") return 1;
  return 0;
}

/** A copy of object `rec` without the members named in `skip`. */
function without(rec: JsonValue, skip: string[]): JsonValue {
  const out = JsonValue.obj();
  const keys = rec.keys();
  for (let i = 0; i < keys.length; i++) {
    if (!skip.includes(keys[i])) out.set(keys[i], rec.get(keys[i])!);
  }
  return out;
}

const LOCATION: string[] = ["host", "port", "protocol"];
/** Bytes of a banner quoted in the report: enough to read a greeting, not a page of HTML. */
export const BANNER_PREVIEW_BYTES: i32 = 256;

class PortEntry {
  port: i32;
  protocol: string;
  state: string = "open";
  rttMs: f64 = -1;
  reason: string = "";
  services: JsonValue[] = [];
  parsed: JsonValue[] = [];
  /** The preview's probe name; null until a banner is seen. */
  bannerProbe: string | null = null;
  banner: string = "";

  constructor(port: i32, protocol: string) {
    this.port = port;
    this.protocol = protocol;
  }
}

class HostEntry {
  host: string;
  /** -1 unknown, 0 down, 1 up. */
  alive: i32 = -1;
  /** Anything besides a "down" discovery record was seen. */
  findings: bool = false;
  profile: JsonValue | null = null;
  ports: Map<string, PortEntry> = new Map();

  constructor(host: string) {
    this.host = host;
  }
}

function comparePorts(a: PortEntry, b: PortEntry): i32 {
  if (a.port != b.port) return a.port - b.port;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

function strCmp(a: string, b: string): i32 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Highest confidence first, then by service, product, version and source, so ties are stable. */
function compareServices(a: JsonValue, b: JsonValue): i32 {
  const c = <i32>(b.getInt("confidence") - a.getInt("confidence"));
  if (c != 0) return c;
  let d = strCmp(a.getStr("service"), b.getStr("service"));
  if (d == 0) d = strCmp(a.getStr("product"), b.getStr("product"));
  if (d == 0) d = strCmp(a.getStr("version"), b.getStr("version"));
  if (d == 0) d = strCmp(a.getStr("source"), b.getStr("source"));
  return d;
}

function compareParsed(a: JsonValue, b: JsonValue): i32 {
  const d = strCmp(a.getStr("service"), b.getStr("service"));
  return d != 0 ? d : strCmp(a.getStr("plugin"), b.getStr("plugin"));
}

/** Most severe first, then host order, port, id. */
function compareFindings(a: JsonValue, b: JsonValue): i32 {
  const s = severityRank(b.getStr("severity")) - severityRank(a.getStr("severity"));
  if (s != 0) return s;
  let d = strCmp(hostSortKey(a.getStr("host")), hostSortKey(b.getStr("host")));
  if (d == 0) d = <i32>(a.getInt("port", -1) - b.getInt("port", -1));
  if (d == 0) d = strCmp(a.getStr("id"), b.getStr("id"));
  if (d == 0) d = strCmp(a.getStr("plugin"), b.getStr("plugin"));
  return d;
}

export class ReportBuilder {
  private hosts: Map<string, HostEntry> = new Map();
  private vulns: JsonValue[] = [];
  private violations: JsonValue[] = [];

  private entry(host: string): HostEntry {
    if (this.hosts.has(host)) return this.hosts.get(host);
    const e = new HostEntry(host);
    this.hosts.set(host, e);
    return e;
  }

  /** The port entry of a located record; null when the record has no host or port. */
  private portOf(rec: JsonValue): PortEntry | null {
    const host = rec.getStr("host");
    const port = <i32>rec.getInt("port", -1);
    if (host.length == 0 || port < 0 || port > 65535) return null;
    const protocol = rec.getStr("protocol", "tcp");
    const h = this.entry(host);
    h.findings = true;
    const key = protocol + "/" + port.toString();
    if (h.ports.has(key)) return h.ports.get(key);
    const p = new PortEntry(port, protocol);
    h.ports.set(key, p);
    return p;
  }

  addDiscovered(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const host = items[i].getStr("host");
      if (host.length == 0) continue;
      const e = this.entry(host);
      if (items[i].getBool("alive")) e.alive = 1;
      else if (e.alive < 0) e.alive = 0;
    }
  }

  addOpenPorts(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const rec = items[i];
      const isNew = !this.hasPort(rec);
      const p = this.portOf(rec);
      if (p === null) continue;
      const state = rec.getStr("state", "open");
      if (isNew || stateRank(state) > stateRank(p.state)) {
        p.state = state;
        p.reason = rec.getStr("reason");
      }
      const rtt = rec.getNum("rtt_ms", -1);
      if (rtt >= 0 && (p.rttMs < 0 || rtt < p.rttMs)) p.rttMs = rtt;
    }
  }

  private hasPort(rec: JsonValue): bool {
    const host = rec.getStr("host");
    if (!this.hosts.has(host)) return false;
    return this.hosts.get(host).ports.has(rec.getStr("protocol", "tcp") + "/" + rec.getInt("port", -1).toString());
  }

  /**
   * Keeps one banner preview per port (latin1, so every byte survives and
   * JSON escaping shows control bytes). With several probes the one whose
   * name sorts first wins, so the choice does not depend on arrival order.
   */
  addBanners(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const p = this.portOf(items[i]);
      if (p === null) continue;
      const probe = items[i].getStr("probe");
      const prev = p.bannerProbe;
      if (prev !== null && prev <= probe) continue;
      const raw = base64Decode(items[i].getStr("data_b64"));
      if (raw === null) continue;
      p.bannerProbe = probe;
      p.banner = latin1(raw.length > BANNER_PREVIEW_BYTES ? raw.subarray(0, BANNER_PREVIEW_BYTES) : raw);
    }
  }

  addParsedServices(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const p = this.portOf(items[i]);
      if (p !== null) p.parsed.push(without(items[i], LOCATION));
    }
  }

  addFingerprints(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const p = this.portOf(items[i]);
      if (p !== null) p.services.push(without(items[i], LOCATION));
    }
  }

  addProfiles(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      const host = items[i].getStr("host");
      if (host.length == 0) continue;
      const e = this.entry(host);
      e.findings = true;
      // Several profilers: the first record wins whole, later ones fill only what it lacks.
      const prev = e.profile;
      if (prev === null) e.profile = without(items[i], ["host"]);
      else {
        const keys = items[i].keys();
        for (let k = 0; k < keys.length; k++) if (keys[k] != "host" && !prev.has(keys[k])) prev.set(keys[k], items[i].get(keys[k])!);
      }
    }
  }

  addVulnerabilities(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      if (items[i].getStr("host").length == 0) continue;
      this.entry(items[i].getStr("host")).findings = true;
      this.vulns.push(items[i]);
    }
  }

  addComplianceViolations(items: JsonValue[]): void {
    for (let i = 0; i < items.length; i++) {
      if (items[i].getStr("host").length == 0) continue;
      this.entry(items[i].getStr("host")).findings = true;
      this.violations.push(items[i]);
    }
  }

  /** The report. Hosts known only as down are counted in the summary, not listed. */
  build(scanId: string, generatedAt: string, generator: string): JsonValue {
    const names = sortHosts(this.hosts.keys());
    const hosts = JsonValue.arr();
    let down = 0;
    let openPorts = 0;
    let identified = 0;
    for (let i = 0; i < names.length; i++) {
      const h = this.hosts.get(names[i]);
      if (!h.findings && h.alive != 1) {
        if (h.alive == 0) down++;
        continue;
      }
      const ho = JsonValue.obj().setStr("host", h.host);
      if (h.alive >= 0) ho.setBool("alive", h.alive == 1);
      const prof = h.profile;
      if (prof !== null) {
        const keys = prof.keys();
        for (let k = 0; k < keys.length; k++) if (keys[k] != "plugin") ho.set(keys[k], prof.get(keys[k])!);
      }
      const ports = h.ports.values();
      ports.sort(comparePorts);
      const pa = JsonValue.arr();
      for (let k = 0; k < ports.length; k++) {
        const p = ports[k];
        if (p.state == "open") openPorts++;
        p.services.sort(compareServices);
        p.parsed.sort(compareParsed);
        const po = JsonValue.obj().setInt("port", p.port).setStr("protocol", p.protocol).setStr("state", p.state);
        // The best guess first: the most confident fingerprint, else what a parser named it.
        if (p.services.length > 0) {
          identified++;
          po.setStr("service", p.services[0].getStr("service"));
        } else if (p.parsed.length > 0) po.setStr("service", p.parsed[0].getStr("service"));
        if (p.reason.length > 0) po.setStr("reason", p.reason);
        if (p.rttMs >= 0) po.setNum("rtt_ms", p.rttMs);
        if (p.bannerProbe !== null) po.setStr("banner", p.banner);
        const sv = JsonValue.arr();
        for (let s = 0; s < p.services.length; s++) sv.push(p.services[s]);
        po.set("services", sv);
        if (p.parsed.length > 0) {
          const pp = JsonValue.arr();
          for (let s = 0; s < p.parsed.length; s++) pp.push(p.parsed[s]);
          po.set("parsed", pp);
        }
        pa.push(po);
      }
      ho.set("ports", pa);
      hosts.push(ho);
    }

    this.vulns.sort(compareFindings);
    this.violations.sort(compareFindings);
    const vulns = JsonValue.arr();
    const bySeverity = JsonValue.obj();
    for (let s = 0; s < SEVERITIES.length; s++) bySeverity.setInt(SEVERITIES[s], 0);
    for (let i = 0; i < this.vulns.length; i++) {
      vulns.push(this.vulns[i]);
      const sev = this.vulns[i].getStr("severity");
      if (bySeverity.has(sev)) bySeverity.setInt(sev, bySeverity.getInt(sev) + 1);
    }
    const violations = JsonValue.arr();
    for (let i = 0; i < this.violations.length; i++) violations.push(this.violations[i]);

    const summary = JsonValue.obj()
      .setInt("hosts", hosts.len())
      .setInt("hosts_down", down)
      .setInt("open_ports", openPorts)
      .setInt("services", identified)
      .setInt("vulnerabilities", vulns.len())
      .set("vulnerabilities_by_severity", bySeverity)
      .setInt("compliance_violations", violations.len());

    return JsonValue.obj()
      .setStr("format", REPORT_FORMAT)
      .setStr("scan_id", scanId)
      .setStr("generated_at", generatedAt)
      .setStr("generator", generator)
      .set("hosts", hosts)
      .set("vulnerabilities", vulns)
      .set("compliance_violations", violations)
      .set("summary", summary);
  }
}
