/**
 * The pure parts of http-parser: MurmurHash3 and the favicon hash (against
 * outputs of the reference Python `mmh3` 5.3.0 and `base64.encodebytes`),
 * auth challenges, cookie names, request bytes, Content-Length. Compiled and
 * run by ../../test/unit.test.ts (not part of the plugin build).
 */

import { check, expectStr, expectInt, expectBool, report } from "../../../../sdk/assemblyscript/unit";
import { latin1, latin1Bytes } from "../../../../sdk/assemblyscript/index";
import { mmh3x86_32 } from "../mmh3";
import { mimeBase64, faviconMmh3 } from "../favicon";
import { authScheme, authRealm, cookieNames, bodyExcerpt } from "../fields";
import { httpGet, hostHeader } from "../request";
import { contentLength } from "../favicon-reply";

/** The test pattern: byte i is (i*131 + 7) mod 256. */
function pattern(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = <u8>((i * 131 + 7) & 255);
  return b;
}

/** [length, mmh3 seed 0, mmh3 seed 0x9747b28c, Shodan hash] from Python mmh3 5.3.0. */
const VECTORS: i32[][] = [
  [0, 0, -340344280, 0], [1, 1753412482, -1348383476, 1615126829], [2, -836746954, 1675728851, -1363622574],
  [3, 1687500886, -420827347, 843700337], [4, 1724896241, -1702328166, -17449627], [5, -432260963, 654268345, -1952928005],
  [7, -784431369, -661488337, 1874584672], [8, 1801261727, 1873986415, 1977871347], [9, 527647052, -761780873, 102164314],
  [15, 109300962, -1778239677, 973481308], [16, 1506454987, 2026844850, -245515882], [17, -2084939796, -941846983, 1295489726],
  [57, -339658840, -2142786905, -1645475644], [58, -443713787, -494857841, -1163514741], [76, -170030515, 132965556, 1180704525],
  [100, 603762422, -72776429, -492143710], [255, -1541540753, -1174977536, -1562052886],
];

export function run(): i32 {
  // Text vectors (mmh3.hash(s)).
  expectInt("mmh3 'hello'", mmh3x86_32(latin1Bytes("hello")), 613153351);
  expectInt("mmh3 'abc'", mmh3x86_32(latin1Bytes("abc")), -1277324294);
  expectInt("mmh3 fox", mmh3x86_32(latin1Bytes("The quick brown fox jumps over the lazy dog")), 776992547);
  expectInt("mmh3 fox seed", mmh3x86_32(latin1Bytes("The quick brown fox jumps over the lazy dog"), 0x9747b28c), 799549133);
  expectInt("mmh3 ff x7", mmh3x86_32(latin1Bytes("\xff\xff\xff\xff\xff\xff\xff")), 18685351);
  for (let i = 0; i < VECTORS.length; i++) {
    const v = VECTORS[i];
    const data = pattern(v[0]);
    expectInt("mmh3 pattern " + v[0].toString(), mmh3x86_32(data), v[1]);
    expectInt("mmh3 pattern " + v[0].toString() + " seeded", mmh3x86_32(data, 0x9747b28c), v[2]);
    expectInt("favicon hash pattern " + v[0].toString(), faviconMmh3(data), v[3]);
  }
  // base64.encodebytes: 76-char lines, each ended by "\n"; nothing for nothing.
  expectStr("mime base64 of 58 bytes", latin1(mimeBase64(pattern(58))), "B4oNkBOWGZwfoiWoK64xtDe6PcBDxknMT9JV2FveYeRn6m3wc/Z5/H8ChQiLDpEUlxqdIKMmqSyv\nMg==\n");
  expectInt("mime base64 of 57 bytes is one line", mimeBase64(pattern(57)).length, 77);
  expectInt("mime base64 of nothing", mimeBase64(new Uint8Array(0)).length, 0);

  // WWW-Authenticate (RFC 9110 §11.6.1).
  expectStr("realm quoted", authRealm('Basic realm="Pentora Staff Area"'), "Pentora Staff Area");
  expectStr("realm with quoted-pair and charset", authRealm('Basic realm="Staff \\"only\\"", charset="UTF-8"'), 'Staff "only"');
  expectStr("realm as token, case-insensitive name", authRealm("Digest REALM=intranet, nonce=\"abc\""), "intranet");
  expectStr("realm BWS", authRealm('Basic realm = "x"'), "x");
  expectStr("no realm in NTLM", authRealm("NTLM"), "");
  expectStr("'myrealm' param is not realm", authRealm('Bearer myrealm="no"'), "");
  expectStr("unterminated quoted realm", authRealm('Basic realm="cut'), "cut");
  expectStr("realm of control bytes is printable", authRealm('Basic realm="a\x01b"'), "a.b");
  expectStr("scheme", authScheme("  Negotiate"), "Negotiate");
  expectStr("scheme before params", authScheme('Basic realm="x"'), "Basic");

  // Set-Cookie names, one cookie per line (parse.ts combines with "\n").
  const names = cookieNames("PHPSESSID=abc; path=/\nlaravel_session=x; HttpOnly\nPHPSESSID=def\n=novalue\nbroken", 16);
  expectStr("cookie names", names.join(","), "PHPSESSID,laravel_session");
  expectInt("cookie names capped", cookieNames("a=1\nb=2\nc=3", 2).length, 2);
  expectInt("no cookies", cookieNames("", 16).length, 0);

  expectStr("body excerpt collapses whitespace", bodyExcerpt("  <html>\r\n  <b>hi</b>\x00", 64), "<html> <b>hi</b>.");
  expectInt("body excerpt capped", bodyExcerpt("x".repeat(1000), 256).length, 256);

  // Requests: Host is the authority of the target URI (RFC 9110 §7.2).
  expectStr("GET / on 80", httpGet("192.0.2.1", 80, "/"), "GET / HTTP/1.0\r\nHost: 192.0.2.1\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n");
  expectStr("favicon on 8080", httpGet("192.0.2.1", 8080, "/favicon.ico").substring(0, 52), "GET /favicon.ico HTTP/1.0\r\nHost: 192.0.2.1:8080\r\nUse");
  expectStr("IPv6 with zone", hostHeader("fe80::1%eth0", 8080), "[fe80::1%25eth0]:8080");

  expectInt("content-length", contentLength(" 22486 "), 22486);
  expectInt("content-length list is not a length", contentLength("10, 10"), -1);
  expectInt("content-length huge", contentLength("9999999999999999999"), -1);
  expectBool("content-length empty", contentLength("") == -1, true);
  check("ran", true);
  report();
  return 0;
}
