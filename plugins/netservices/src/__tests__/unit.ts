/**
 * Edge cases of the pure helpers that the fixture tables do not reach:
 * BER lengths and OIDs (X.690 §8.1.3, §8.19), READVAR variables, the DNS
 * TCP length check. Compiled and run by ../../test/unit.test.ts.
 */

import { check, expectStr, expectInt, report } from "../../../../sdk/assemblyscript/unit";
import { readTlv, oidOf, uintOf } from "../ber";
import { variable } from "../ntp";
import { parseDnsTcp } from "../dns";
import { engineEnterprise } from "../snmp";

function bytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = <u8>I32.parseInt(hex.substring(i * 2, i * 2 + 2), 16);
  return b;
}

function oid(hex: string): string {
  const b = bytes(hex);
  const t = readTlv(b, 0, b.length);
  return t === null ? "<null>" : oidOf(b, t);
}

export function run(): i32 {
  // OIDs: the first subidentifier packs two arcs; 2.x arcs may exceed 39 (2.999 = 0x88 0x37).
  expectStr("oid sysDescr.0", oid("06082b06010201010100"), "1.3.6.1.2.1.1.1.0");
  expectStr("oid net-snmp 8072 (two-byte arc)", oid("060a2b06010401bf0803020a"), "1.3.6.1.4.1.8072.3.2.10");
  expectStr("oid 2.999", oid("06028837"), "2.999");
  expectStr("oid unfinished arc", oid("06022b86"), "");
  expectStr("oid arc past 2^53 is refused", oid("060b2bffffffffffffffffff7f"), "");

  // Lengths: long form up to 4 octets, never past the buffer; indefinite refused.
  check("tlv long form", readTlv(bytes("048103000000"), 0, 6) !== null);
  check("tlv length past the end", readTlv(bytes("048104aabb"), 0, 5) === null);
  check("tlv 5 length octets refused", readTlv(bytes("04850000000001aa"), 0, 8) === null);
  check("tlv indefinite refused", readTlv(bytes("30800000"), 0, 4) === null);
  check("tlv high tag number refused", readTlv(bytes("1f0100"), 0, 3) === null);
  const neg = bytes("0201ff");
  expectInt("negative INTEGER reads as -1", uintOf(neg, readTlv(neg, 0, 3)!), -1);

  // READVAR text: quoted and bare values, whole names only.
  const rv = 'leap=0, stratum=2,\r\nprocessor="x86_64", system="Linux/6.1.0", version="ntpd 4.2.8p15@1.3728-o"';
  expectStr("readvar version", variable(rv, "version"), "ntpd 4.2.8p15@1.3728-o");
  expectStr("readvar bare value", variable(rv, "stratum"), "2");
  expectStr("readvar whole name (no 'sion=')", variable("xversion=1, sion=2", "version"), "");
  expectStr("readvar unterminated quote", variable('version="ntpd', "version"), "ntpd");

  // DNS over TCP: the prefix must cover a header and fit what was read.
  check("dns tcp: prefix past the bytes", parseDnsTcp(bytes("00ff7065840000010000000000000000")) === null);
  check("dns tcp: prefix shorter than a header", parseDnsTcp(bytes("000b706584000001000000000000")) === null);

  // SnmpEngineID (RFC 3411 §5): enterprise in the first four octets, top bit cleared.
  expectInt("engine id enterprise", engineEnterprise(bytes("80001f8880b5397565")), 8072);
  expectInt("engine id too short", engineEnterprise(bytes("8000")), -1);
  report();
  return 0;
}
