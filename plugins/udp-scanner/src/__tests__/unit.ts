/**
 * The payloads byte for byte against layouts worked out by hand from their
 * specifications (cited in src/payloads.ts), plus the BER helpers. Compiled
 * and run by ../../test/unit.test.ts (not part of the plugin build).
 */

import { check, expectStr, expectInt, report } from "../../../../sdk/assemblyscript/unit";
import { latin1 } from "../../../../sdk/assemblyscript/index";
import { berOid, buildPayload, requestsFor, snmpGetSysDescr, ntpClient, MAX_REQUESTS_PER_PORT } from "../payloads";
import { berTlv, berUint } from "../../../../sdk/assemblyscript/index";

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

function asciiHex(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16);
  return out;
}

/** [payload name, host, expected hex] */
const FIXED: string[][] = [
  // RFC 1035: ID 7065, flags 0, QD 1; "version" "bind"; TXT (0x10) CH (3).
  ["dns-version-bind", "127.0.0.1", "706500000001000000000000" + "07" + asciiHex("version") + "04" + asciiHex("bind") + "00" + "0010" + "0003"],
  // The root name is the zero byte; NS (2) IN (1).
  ["dns-root-ns", "127.0.0.1", "706500000001000000000000" + "00" + "0002" + "0001"],
  // RFC 6763 §9 service enumeration, PTR (0x0c) IN.
  ["mdns-services", "127.0.0.1", "706500000001000000000000" + "09" + asciiHex("_services") + "07" + asciiHex("_dns-sd") + "04" + asciiHex("_udp") + "05" + asciiHex("local") + "00" + "000c" + "0001"],
  // RFC 1157 / RFC 1901: v2c (1), "public", GetRequest (a0), id 70656e74, sysDescr.0, NULL.
  ["snmp-v2c-sysdescr", "127.0.0.1", "302902010104067075626c6963" + "a01c020470656e74020100020100300e300c06082b060102010101000500"],
  ["snmp-v1-sysdescr", "127.0.0.1", "302902010004067075626c6963" + "a01c020470656e74020100020100300e300c06082b060102010101000500"],
  // RFC 1002 §4.2.17: "*" first-level encoded = "CK" + "AA" x 15; NBSTAT (0x21), IN.
  ["netbios-nbstat", "127.0.0.1", "706500000001000000000000" + "20" + "434b" + "41".repeat(30) + "00" + "0021" + "0001"],
  // memcached frame header: request 7065, seq 0, total 1, reserved 0; "stats\r\n".
  ["memcached-stats", "127.0.0.1", "7065000000010000" + asciiHex("stats") + "0d0a"],
  // RFC 5531: xid, CALL, rpcvers 2, prog 100000 (0x186a0), vers 2, proc 0, AUTH_NONE x 2.
  ["rpc-null", "127.0.0.1", "70656e74" + "00000000" + "00000002" + "000186a0" + "00000002" + "00000000" + "0000000000000000" + "0000000000000000"],
  // RFC 8489: Binding request, length 0, magic cookie, 12-byte transaction ID.
  ["stun-binding", "127.0.0.1", "00010000" + "2112a442" + asciiHex("pentora-stun")],
  // RFC 7252: 0x40 CON, GET, MID 7065, Uri-Path ".well-known" (0xbb), "core" (0x04).
  ["coap-well-known-core", "127.0.0.1", "40017065" + "bb" + asciiHex(".well-known") + "04" + asciiHex("core")],
  // DSP0136: RMCP v6, seq ff, class ASF; IANA 4542, Presence Ping (0x80), tag 0x70, len 0.
  ["rmcp-presence-ping", "127.0.0.1", "0600ff06" + "000011be" + "80" + "70" + "00" + "00"],
  // RFC 9327 §2: LI 0 VN 2 mode 6 (0x16), READVAR (2), sequence 1, status 0, association 0, offset 0, count 0.
  ["ntp-readvar", "127.0.0.1", "1602" + "0001" + "0000" + "0000" + "0000" + "0000"],
  // RFC 6886: version 0, opcode 0.
  ["nat-pmp-external", "127.0.0.1", "0000"],
  ["no-such-payload", "127.0.0.1", ""],
];

export function run(): i32 {
  for (let i = 0; i < FIXED.length; i++) {
    expectStr("payload " + FIXED[i][0], hex(buildPayload(FIXED[i][0], FIXED[i][1], 0)), FIXED[i][2]);
  }
  expectInt("snmp v2c message length (RFC 1157 framing: 2 + 41)", snmpGetSysDescr(1, "public", 0x70656e74).length, 43);
  expectInt("netbios node status request is 50 bytes", buildPayload("netbios-nbstat", "", 0).length, 50);

  // NTP (RFC 5905): 0x23 then zeros; transmit timestamp = Unix time + 2208988800 s (0x83aa7e80), 32-bit fraction.
  const ntp0 = ntpClient(0);
  expectInt("ntp length", ntp0.length, 48);
  expectStr("ntp at the Unix epoch", hex(ntp0), "23" + "00".repeat(39) + "83aa7e80" + "00000000");
  expectStr("ntp 1.5 s later: one more second, half a fraction", hex(ntpClient(1500)).substring(80), "83aa7e81" + "80000000");
  const ntpNow = ntpClient(1700000000000);
  expectStr("ntp 2023-11-14T22:13:20Z", hex(ntpNow).substring(80), "e8fe6f8000000000");

  // SSDP / SIP name the target; IPv6 literals are bracketed.
  const ssdp = latin1(buildPayload("ssdp-msearch", "127.0.0.1", 0));
  expectStr("ssdp m-search", ssdp, "M-SEARCH * HTTP/1.1\r\nHOST: 127.0.0.1:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n");
  check("ssdp v6 host header", latin1(buildPayload("ssdp-msearch", "fe80::1", 0)).includes("HOST: [fe80::1]:1900\r\n"));
  const sip = latin1(buildPayload("sip-options", "192.0.2.7", 0));
  check("sip request line", sip.startsWith("OPTIONS sip:192.0.2.7 SIP/2.0\r\n"));
  const required = ["\r\nVia: SIP/2.0/UDP ", ";rport\r\n", "\r\nMax-Forwards: 70\r\n", "\r\nFrom: <sip:", ";tag=", "\r\nTo: <sip:192.0.2.7>\r\n", "\r\nCall-ID: ", "\r\nCSeq: 1 OPTIONS\r\n", "\r\nContent-Length: 0\r\n\r\n"];
  for (let i = 0; i < required.length; i++) check("sip has " + required[i].trim(), sip.includes(required[i]));
  check("sip ends the header block once", sip.endsWith("\r\n\r\n") && sip.indexOf("\r\n\r\n") == sip.length - 4);

  // BER helpers (X.690).
  expectStr("berUint 0", hex(berUint(0)), "00");
  expectStr("berUint 127", hex(berUint(127)), "7f");
  expectStr("berUint 128 gets a sign byte", hex(berUint(128)), "0080");
  expectStr("berUint 0x8000", hex(berUint(0x8000)), "008000");
  expectStr("berUint 0xffffffff", hex(berUint(0xffffffff)), "00ffffffff");
  expectStr("OID sysDescr.0", hex(berOid("1.3.6.1.2.1.1.1.0")), "2b06010201010100");
  expectStr("OID with a multi-byte arc (4542)", hex(berOid("1.3.6.1.4.1.4542")), "2b06010401a33e");
  expectStr("tlv short length", hex(berTlv(0x04, new Uint8Array(3))), "0403000000");
  expectStr("tlv long length (200)", hex(berTlv(0x04, new Uint8Array(200))).substring(0, 6), "0481c8");
  expectStr("tlv long length (300)", hex(berTlv(0x04, new Uint8Array(300))).substring(0, 8), "0482012c");

  // The catalogue: every named payload builds, every port lists distinct ones.
  const ports: i32[] = [53, 111, 123, 137, 161, 623, 1900, 3478, 5060, 5351, 5353, 5683, 11211];
  for (let i = 0; i < ports.length; i++) {
    const sets = requestsFor(ports[i]);
    check("port " + ports[i].toString() + " has a request", sets.length > 0 && sets[0].length > 0);
    const seen = new Set<string>();
    for (let r = 0; r < sets.length; r++) {
      check("port " + ports[i].toString() + " round " + (r + 1).toString() + " is not empty", sets[r].length > 0);
      for (let j = 0; j < sets[r].length; j++) {
        const name = sets[r][j];
        check(name + " is not empty", buildPayload(name, "127.0.0.1", 1).length > 0);
        check(name + " is listed once for port " + ports[i].toString(), !seen.has(name));
        seen.add(name);
      }
    }
  }
  check("an unlisted port has none", requestsFor(9).length == 0);
  // NTP: the control READVAR and the client request in the same round, READVAR first (its reply names the daemon).
  const ntp = requestsFor(123);
  check("ntp: one round of two requests", ntp.length == 1 && ntp[0].length == 2 && ntp[0][0] == "ntp-readvar" && ntp[0][1] == "ntp-client");
  // The bound the README documents, over every port.
  let most = 0;
  for (let port = 1; port <= 65535; port++) {
    const sets = requestsFor(port);
    let n = 0;
    for (let r = 0; r < sets.length; r++) n += sets[r].length;
    if (n > most) most = n;
  }
  expectInt("no port gets more than MAX_REQUESTS_PER_PORT requests", most <= MAX_REQUESTS_PER_PORT ? 1 : 0, 1);
  expectInt("MAX_REQUESTS_PER_PORT", MAX_REQUESTS_PER_PORT, 2);
  report();
  return 0;
}
