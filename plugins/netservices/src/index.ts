/**
 * pentora/netservices: DNS, SNMP, NTP and LDAP. UDP replies arrive as
 * `banners` from pentora/udp-scanner (version.bind CH TXT, SNMP GetRequest
 * for sysDescr.0, an NTP client request); over TCP the plugin asks DNS
 * servers for version.bind (`dns-version-bind`, port 53) and LDAP servers
 * for their root DSE (`ldap-rootdse`, ports 389 and 3268). Each reply is
 * parsed by a pure function (dns.ts, snmp.ts, ntp.ts, ldap.ts) and named by
 * rules.yaml (records.ts).
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseDnsTcp, parseDnsUdp, versionBindQueryTcp } from "./dns";
import { parseSnmp } from "./snmp";
import { parseNtp } from "./ntp";
import { parseLdap, rootDseRequest } from "./ldap";
import { dnsRecord, snmpRecord, ntpRecord, ldapRecord } from "./records";

/** Replies longer than this carry nothing the parsers read (a root DSE is a few KiB; a UDP reply at most 1500 bytes by default). */
const DECODE_BYTES: i32 = 65536;

class NetServices extends ServiceModule {
  private dns: i32 = 0;
  private snmp: i32 = 0;
  private ntp: i32 = 0;
  private ldap: i32 = 0;

  probes(): ServiceProbe[] {
    return [
      // RFC 7766: DNS over TCP, the query with a two-byte length prefix.
      ServiceProbe.tcp("dns-version-bind", [53]).send(versionBindQueryTcp()).read(4096, 2000, 200),
      // RFC 4511 §4.5.1: a root DSE search; the reply is an entry and a SearchResultDone.
      ServiceProbe.tcp("ldap-rootdse", [389, 3268]).send(rootDseRequest()).read(16384, 2000, 300),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    if (b.data.length == 0) return null;
    if (b.protocol == "udp") return this.parseUdp(b);
    if (b.protocol != "tcp") return null;
    // An LDAPMessage is a SEQUENCE (0x30); a DNS message over TCP starts with its length.
    if (b.data[0] == 0x30) {
      const l = parseLdap(b.data);
      if (l !== null) {
        this.ldap++;
        return ldapRecord(b, l);
      }
    }
    const d = parseDnsTcp(b.data);
    if (d !== null) {
      this.dns++;
      return dnsRecord(b, d);
    }
    return null;
  }

  private parseUdp(b: Banner): ParsedBanner | null {
    if (b.data[0] == 0x30) {
      const s = parseSnmp(b.data);
      if (s !== null) {
        this.snmp++;
        return snmpRecord(b, s);
      }
    }
    const d = parseDnsUdp(b.data);
    if (d !== null) {
      this.dns++;
      return dnsRecord(b, d);
    }
    // An NTP header has little redundancy: only where NTP was asked for.
    if (b.port == 123 || b.probe.startsWith("ntp")) {
      const n = parseNtp(b.data);
      if (n !== null) {
        this.ntp++;
        return ntpRecord(b, n);
      }
    }
    return null;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("dns", this.dns).setInt("snmp", this.snmp).setInt("ntp", this.ntp).setInt("ldap", this.ldap);
  }
}

register(new NetServices("pentora/netservices", "0.1.0", DECODE_BYTES));
