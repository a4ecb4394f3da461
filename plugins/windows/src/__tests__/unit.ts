/**
 * The pure helpers of pentora/windows the fixture tables do not pin down:
 * FILETIME dates ([MS-DTYP] 2.3.3), GUID text (2.3.4.3), Samba's name-shaped
 * GUID, dialect names, and the RDP request bytes. Run by ../../test/unit.test.ts.
 */

import { check, expectStr, report } from "../../../../sdk/assemblyscript/unit";
import { filetimeIso, guidAt, guidAsName } from "../wire";
import { dialectName, parseSmb } from "../smb";
import { connectionRequest, parseRdp } from "../rdp";

function bytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = <u8>I32.parseInt(hex.substring(i * 2, i * 2 + 2), 16);
  return b;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

export function run(): i32 {
  // 1970-01-01 is 116444736000000000; 2000-02-29T23:59:59Z (a leap day) is 125963423990000000.
  expectStr("filetime epoch is refused (zero time)", filetimeIso(116444736000000000), "");
  expectStr("filetime leap day", filetimeIso(125963423990000000), "2000-02-29T23:59:59Z");
  expectStr("filetime 2026-11-21", filetimeIso(<u64>(1795262400 + 11644473600) * 10000000), "2026-11-21T12:00:00Z");
  expectStr("filetime past 9999 refused", filetimeIso(0xffffffffffffffff), "");

  const g = bytes("33221100554477668899aabbccddeeff");
  expectStr("guid mixed-endian text", guidAt(g, 0), "00112233-4455-6677-8899-aabbccddeeff");
  expectStr("samba guid name", guidAsName(bytes("70656e746f72612d736d620000000000"), 0), "pentora-smb");
  expectStr("random guid is no name", guidAsName(g, 0), "");
  expectStr("name then garbage is no name", guidAsName(bytes("61620000000000000000000000000001"), 0), "");

  expectStr("dialect 3.1.1", dialectName(0x0311), "3.1.1");
  expectStr("dialect wildcard", dialectName(0x02ff), "2.???");
  expectStr("dialect unknown", dialectName(0x0400), "0x0400");

  expectStr("rdp request bytes", hex(connectionRequest()), "030000130ee000000000000100080003000000");
  check("rdp: TPKT length past the bytes", parseRdp(bytes("030000ff0ed000001234000201080001000000")) === null);
  check("rdp: negotiation length not 8", parseRdp(bytes("030000130ed000001234000201090001000000")) === null);
  check("smb: keep-alive alone is nothing", parseSmb(bytes("85000000")) === null);
  check("smb: 0x82 with a length is not a session response", parseSmb(bytes("82000001ff")) === null);
  report();
  return 0;
}
