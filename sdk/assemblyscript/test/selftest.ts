/**
 * Self-test of the SDK's pure code, run by test/sdk/assemblyscript.test.ts
 * (`run`), plus a registered module for the entry-point tests and
 * `roundTrip`, which the driver uses to compare the parser with JSON.parse.
 */

import {
  JsonValue,
  parseJson,
  quoteJson,
  base64Encode,
  base64Decode,
  latin1,
  latin1Bytes,
  utf8Bytes,
  utf8String,
  utf8DecodeUnsafe,
  parsePortSpec,
  formatPortSpec,
  cpe23,
  fingerprint,
  contextGet,
  contextGetPage,
  contextCount,
  ContextPages,
  ContextRecords,
  contextSet,
  clockNow,
  tcpScan,
  tcpProbe,
  TcpProbe,
  PluginModule,
  ExecuteContext,
  register,
  MAX_JSON_DEPTH,
} from "../index";
import { writeOutput } from "../host";
import { check, expectStr, expectInt, expectNum, expectBool, report } from "../unit";

export * from "../exports";

// ---- JSON -------------------------------------------------------------------

/** [input, canonical serialisation] */
const ROUND_TRIPS: string[][] = [
  ["null", "null"],
  ["true", "true"],
  [" false ", "false"],
  ["0", "0"],
  ["-0", "0"],
  ["123", "123"],
  ["-42", "-42"],
  ["1.5", "1.5"],
  ["1e3", "1000"],
  ["1E-2", "0.01"],
  ["2.5e+3", "2500"],
  ["-0.000001", "-0.000001"],
  ["1e21", "1e+21"],
  ["1.7976931348623157e308", "1.7976931348623157e+308"],
  ["5e-324", "5e-324"],
  ["1e400", "null"], // overflows to Infinity, which JSON cannot carry
  ["9007199254740993", "9007199254740993"], // kept exact as i64, unlike a double
  ["-9223372036854775807", "-9223372036854776000"], // 19 digits: parsed as a double, printed as JS prints it
  ['"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '"a\\"b\\\\c/d\\b\\f\\n\\r\\t"'],
  ['"\\u00e9\\u00E9"', '"\u00e9\u00e9"'],
  ['"\\ud83d\\ude00"', '"\ud83d\ude00"'], // surrogate pair -> one astral character
  ['"\\ud800x"', '"\\ud800x"'], // a lone surrogate survives, escaped on the way out
  ['"\\u0000\\u001f"', '"\\u0000\\u001f"'],
  ['"\u00e9\u4e2d"', '"\u00e9\u4e2d"'],
  ["[]", "[]"],
  ["{}", "{}"],
  ["[1,[2,[3]],{}]", "[1,[2,[3]],{}]"],
  [' { "a" : 1 ,\n\t"b" : [ true , null ] , "c":{"d":"e"} } ', '{"a":1,"b":[true,null],"c":{"d":"e"}}'],
  ['{"a":1,"b":2,"a":3}', '{"a":3,"b":2}'], // as JSON.parse: first position, last value
];

/** Each must parse to null. */
const HOSTILE: string[] = [
  "", " ", "nul", "tru", "falsey", "[", "]", "{", "}", "[1,]", "[,1]", "[1 2]", "{,}", '{"a" 1}', '{"a":}',
  "{'a':1}", '{"a":1,}', '{"a":1}}', "{a:1}", "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN",
  "Infinity", "-Infinity", '"abc', '"\\x"', '"\\u12G4"', '"\\u12"', '"\\', '"\n"', '"\t"', '"\u0001"', "1 2",
  "[1] x", "// c", "\u00a0 1", "\ufeff1", "[\"a\"", '{"a":[1,2}',
];

function nest(open: string, close: string, depth: i32, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function testJson(): void {
  for (let i = 0; i < ROUND_TRIPS.length; i++) {
    const input = ROUND_TRIPS[i][0];
    const v = parseJson(input);
    expectStr("json round trip " + quoteJson(input), v === null ? "<null>" : v.toString(), ROUND_TRIPS[i][1]);
  }
  for (let i = 0; i < HOSTILE.length; i++) {
    check("json refuses " + quoteJson(HOSTILE[i]), parseJson(HOSTILE[i]) === null);
  }
  // Depth: MAX_JSON_DEPTH levels parse, one more does not, for arrays, objects and a mix.
  check("json depth 64 arrays parse", parseJson(nest("[", "]", MAX_JSON_DEPTH, "1")) !== null);
  check("json depth 65 arrays refused", parseJson(nest("[", "]", MAX_JSON_DEPTH + 1, "1")) === null);
  check("json depth 64 objects parse", parseJson(nest('{"k":', "}", MAX_JSON_DEPTH, "1")) !== null);
  check("json depth 65 objects refused", parseJson(nest('{"k":', "}", MAX_JSON_DEPTH + 1, "1")) === null);
  check("json depth 65 mixed refused", parseJson(nest('[{"k":', "}]", 33, "1")) === null);
  check("json 100k-deep input refused without overflow", parseJson("[".repeat(100000)) === null);

  const doc = parseJson('{"s":"x","i":7,"f":2.9,"big":1e300,"b":true,"a":[1,"two"],"o":{"k":null}}')!;
  expectStr("getStr", doc.getStr("s"), "x");
  expectStr("getStr default on wrong kind", doc.getStr("i", "d"), "d");
  expectStr("getStr default when missing", doc.getStr("nope", "d"), "d");
  expectInt("getInt", doc.getInt("i"), 7);
  expectInt("getInt truncates a float", doc.getInt("f"), 2);
  expectInt("asInt of 1e300 is 0, not a trap", doc.getInt("big", 5), 0);
  expectInt("getInt default on string", doc.getInt("s", -1), -1);
  expectNum("getNum of an int", doc.getNum("i"), 7.0);
  expectBool("getBool", doc.getBool("b"), true);
  expectBool("getBool default", doc.getBool("s", true), true);
  expectInt("getArr", doc.getArr("a").length, 2);
  expectInt("getArr missing is empty", doc.getArr("zz").length, 0);
  expectInt("getArr on non-array is empty", doc.getArr("s").length, 0);
  expectStr("at", doc.get("a")!.at(1).asStr(), "two");
  check("at out of range is JSON null", doc.get("a")!.at(5).isNull() && doc.get("a")!.at(-1).isNull());
  check("get missing is null", doc.get("zz") === null && doc.get("o")!.get("k")!.isNull());
  check("has", doc.has("o") && !doc.has("O"));
  expectStr("keys keep order", doc.keys().join(","), "s,i,f,big,b,a,o");
  expectInt("len of object", doc.len(), 7);
  check("kinds", doc.isObj() && doc.get("a")!.isArr() && doc.get("i")!.isNum() && doc.get("i")!.isInt() && !doc.get("f")!.isInt());

  const o = JsonValue.obj().setStr("a", "1").setInt("b", 2).setNum("c", 0.5).setBool("d", false).set("e", JsonValue.null());
  o.setStr("a", "replaced");
  expectStr("set replaces in place", o.toString(), '{"a":"replaced","b":2,"c":0.5,"d":false,"e":null}');
  expectStr("int64 extremes", JsonValue.arr().push(JsonValue.int(I64.MAX_VALUE)).push(JsonValue.int(I64.MIN_VALUE)).toString(), "[9223372036854775807,-9223372036854775808]");
  expectStr("NaN and Infinity serialise as null", JsonValue.arr().push(JsonValue.num(NaN)).push(JsonValue.num(-Infinity)).toString(), "[null,null]");
  expectStr("control characters escaped", JsonValue.str("\u0001\u001f\u007f\u2028").toString(), '"\\u0001\\u001f\u007f\u2028"');
  expectStr("setters are no-ops on the wrong kind", JsonValue.arr().setStr("a", "b").toString() + JsonValue.obj().push(JsonValue.int(1)).toString(), "[]{}");

  // Past the index threshold, lookups go through the hash index; it must track later sets.
  const wide = JsonValue.obj();
  for (let i = 0; i < 40; i++) wide.setInt("k" + i.toString(), i);
  wide.setInt("k39", 390).setInt("k40", 40);
  check("wide object lookups", wide.getInt("k0") == 0 && wide.getInt("k17") == 17 && wide.getInt("k39") == 390 && wide.getInt("k40") == 40 && wide.len() == 41);
  const wideParsed = parseJson(wide.toString())!;
  expectStr("wide object round trip", wideParsed.toString(), wide.toString());

  expectStr(
    "toPretty matches JSON.stringify(v, null, 2)",
    parseJson('{"a":[1,{"b":[]}],"c":{},"d":"x"}')!.toPretty(2),
    '{\n  "a": [\n    1,\n    {\n      "b": []\n    }\n  ],\n  "c": {},\n  "d": "x"\n}',
  );
  expectStr("toPretty(0) is compact", parseJson('{"a":[1,2]}')!.toPretty(0), '{"a":[1,2]}');
  testJsonFuzz();
}

let seed: u32 = 0x9e3779b9;
function rnd(n: i32): i32 {
  // xorshift32: deterministic, and no Math.random (which would import env.seed).
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return <i32>(seed % <u32>n);
}

/** Mutated documents must never trap, and whatever parses must re-serialise to a fixed point. */
function testJsonFuzz(): void {
  const base = '{"host":"10.0.0.1","ports":[22,80,443],"x":{"y":[true,false,null,-1.5e-3,"\\u00e9\\n"]}}';
  const alphabet = '{}[]":,\\/ u0123456789abcdefeEtrnl-+.';
  let parsed = 0;
  let unstable = 0;
  for (let round = 0; round < 4000; round++) {
    let s = base;
    const edits = 1 + rnd(4);
    for (let e = 0; e < edits; e++) {
      const at = rnd(s.length + 1);
      const op = rnd(3);
      const c = alphabet.charAt(rnd(alphabet.length));
      if (op == 0) s = s.substring(0, at) + c + s.substring(at);
      else if (op == 1) s = s.substring(0, at) + s.substring(at + 1);
      else s = s.substring(0, at) + c + s.substring(at + 1);
    }
    const v = parseJson(s);
    if (v === null) continue;
    parsed++;
    const once = v.toString();
    const again = parseJson(once);
    if (again === null || again.toString() != once) unstable++;
  }
  check("fuzz: 4000 mutated documents, no trap", true, parsed.toString() + " still parsed");
  expectInt("fuzz: parsed documents re-serialise to a fixed point", unstable, 0);
}

// ---- bytes ------------------------------------------------------------------

/** RFC 4648 §10 test vectors. */
const B64_VECTORS: string[][] = [
  ["", ""],
  ["f", "Zg=="],
  ["fo", "Zm8="],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg=="],
  ["fooba", "Zm9vYmE="],
  ["foobar", "Zm9vYmFy"],
];
const B64_BAD: string[] = ["Z", "Zg=", "Zg===", "Zm9v!", "Zm9=v", "Zg==Zg==", "Zm 9v", "=", "Zm9vY", "\u00e9AAA"];

/** Malformed UTF-8 and the WHATWG decoding of each (one U+FFFD per maximal subpart). */
const UTF8_BAD: i32[][] = [
  [0xc3, 0x22], // truncated 2-byte sequence before a quote: the quote survives
  [0xff, 0x41],
  [0xc0, 0xaf], // overlong "/"
  [0xe0, 0x80, 0xaf], // overlong
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xe2, 0x82], // truncated at the end
  [0xf0, 0x9f, 0x98, 0x80, 0x80], // U+1F600 then a stray continuation byte
];
const UTF8_BAD_WANT: string[] = [
  "\ufffd\"",
  "\ufffdA",
  "\ufffd\ufffd",
  "\ufffd\ufffd\ufffd",
  "\ufffd\ufffd\ufffd",
  "\ufffd\ufffd\ufffd\ufffd",
  "\ufffd",
  "\ud83d\ude00\ufffd",
];

function testBytes(): void {
  for (let i = 0; i < B64_VECTORS.length; i++) {
    const plain = B64_VECTORS[i][0];
    const enc = B64_VECTORS[i][1];
    expectStr("base64 encode " + quoteJson(plain), base64Encode(latin1Bytes(plain)), enc);
    const dec = base64Decode(enc);
    expectStr("base64 decode " + quoteJson(enc), dec === null ? "<null>" : latin1(dec), plain);
  }
  for (let i = 0; i < B64_BAD.length; i++) check("base64 refuses " + quoteJson(B64_BAD[i]), base64Decode(B64_BAD[i]) === null);
  const unpadded = base64Decode("Zm8");
  expectStr("base64 accepts missing padding", unpadded === null ? "<null>" : latin1(unpadded), "fo");
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = <u8>i;
  const back = base64Decode(base64Encode(all));
  let same = back !== null && back.length == 256;
  if (back !== null) for (let i = 0; i < back.length && same; i++) same = back[i] == <u8>i;
  check("base64 round-trips all 256 byte values", same);
  expectStr("base64 uses + and /", base64Encode(latin1Bytes("\u00fb\u00ff\u00bf")), "+/+/");

  const raw = latin1(latin1Bytes("SSH-2.0-x\r\n\u0000\u00ff"));
  check("latin1 keeps every byte", raw.length == 13 && raw.charCodeAt(11) == 0 && raw.charCodeAt(12) == 0xff);
  const e = utf8Bytes("\u00e9");
  check("utf8Bytes", e.length == 2 && e[0] == 0xc3 && e[1] == 0xa9);
  const lone = utf8Bytes("\ud800");
  check("utf8Bytes replaces a lone surrogate with U+FFFD", lone.length == 3 && lone[0] == 0xef && lone[1] == 0xbf && lone[2] == 0xbd);
  expectStr("utf8String", utf8String(utf8Bytes("h\u00e9\ud83d\ude00")), "h\u00e9\ud83d\ude00");
  for (let i = 0; i < UTF8_BAD.length; i++) {
    const bytes = new Uint8Array(UTF8_BAD[i].length);
    for (let k = 0; k < bytes.length; k++) bytes[k] = <u8>UTF8_BAD[i][k];
    expectStr("utf8String malformed case " + i.toString(), utf8String(bytes), UTF8_BAD_WANT[i]);
  }
}

// ---- ports, CPE, fingerprints -------------------------------------------------

/** [spec, formatted result or "<null>", count] */
const PORT_SPECS: string[][] = [
  ["22", "22", "1"],
  ["80,22,443", "22,80,443", "3"],
  ["1-1024", "1-1024", "1024"],
  ["22, 80 ,8000-8002", "22,80,8000-8002", "5"],
  ["8000-8002,8001,22", "22,8000-8002", "4"],
  ["-", "1-65535", "65535"],
  ["-1024", "1-1024", "1024"],
  ["65530-", "65530-65535", "6"],
  ["65535", "65535", "1"],
  ["", "<null>", "0"],
  ["0", "<null>", "0"],
  ["65536", "<null>", "0"],
  ["100-1", "<null>", "0"],
  ["22,,80", "<null>", "0"],
  ["22,", "<null>", "0"],
  ["http", "<null>", "0"],
  ["1-2-3", "<null>", "0"],
  ["000022", "<null>", "0"],
  ["T:22", "<null>", "0"],
];

/** [part, vendor, product, version, expected] */
const CPES: string[][] = [
  ["a", "OpenBSD", "OpenSSH", "8.9p1", "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"],
  ["a", "microsoft", "Internet Information Services", "10.0", "cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*"],
  ["a", "nginx", "nginx", "", "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*"],
  ["o", "linux", "linux_kernel", "-", "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"],
  ["a", "x", "a:b*c?", "1.0+r1", "cpe:2.3:a:x:a\\:b\\*c\\?:1.0\\+r1:*:*:*:*:*:*:*"],
  ["a", "v", "p", "1\u00e9\t2", "cpe:2.3:a:v:p:12:*:*:*:*:*:*:*"],
  ["q", "v", "p", "1", "cpe:2.3:*:v:p:1:*:*:*:*:*:*:*"],
];

function testHelpers(): void {
  for (let i = 0; i < PORT_SPECS.length; i++) {
    const r = parsePortSpec(PORT_SPECS[i][0]);
    expectStr("ports " + quoteJson(PORT_SPECS[i][0]), r === null ? "<null>" : formatPortSpec(r), PORT_SPECS[i][1]);
    if (r !== null) expectInt("ports count " + quoteJson(PORT_SPECS[i][0]), r.length, I32.parseInt(PORT_SPECS[i][2]));
  }
  for (let i = 0; i < CPES.length; i++) {
    const c = CPES[i];
    expectStr("cpe23 " + c[2] + " " + quoteJson(c[3]), cpe23(c[0], c[1], c[2], c[3]), c[4]);
  }
  expectStr(
    "fingerprint record",
    fingerprint("10.0.0.5", 22, "tcp", "ssh", "OpenSSH", "", "", 150, "pentora/ssh-parser").toString(),
    '{"host":"10.0.0.5","port":22,"protocol":"tcp","service":"ssh","product":"OpenSSH","confidence":100,"source":"pentora/ssh-parser"}',
  );
}

// ---- host calls (the driver's stub host answers) -------------------------------

function testHostCalls(): void {
  const t = contextGet("targets");
  check("contextGet returns the array", t.isArr() && t.len() == 2 && t.at(1).getStr("host") == "10.0.0.2");
  const denied = contextGet("denied");
  check("contextGet on a host error is an empty array", denied.isArr() && denied.len() == 0);
  const empty = contextGet("unwritten");
  check("contextGet of an unwritten key is an empty array", empty.isArr() && empty.len() == 0);
  testPaging();
  const w = contextSet("open_ports", JsonValue.arr().push(JsonValue.obj().setStr("host", "h")), true);
  check("contextSet reply", w.ok && w.value.getInt("count") == 1);
  expectNum("clockNow", clockNow(), 1700000000123.0);

  const scan = tcpScan(["10.0.0.1"], [22, 80], 250);
  check("tcpScan ok", scan.ok && scan.results.length == 2);
  if (scan.results.length == 2) {
    const r = scan.results[0];
    check("tcpScan result fields", r.host == "10.0.0.1" && r.port == 22 && r.state == "open" && r.rttMs == 1.5);
    expectStr("tcpScan dataB64 is the host's base64, as sent", r.dataB64, "U1NILTIuMC14DQo=");
    check("tcpScan data decoded", latin1(r.data) == "SSH-2.0-x\r\n" && scan.results[1].data.length == 0 && scan.results[1].reason == "ECONNREFUSED");
    check("tcpScan: no data, no base64", scan.results[1].dataB64 == "");
  }
  const p = new TcpProbe("10.0.0.9", 25);
  p.payload = latin1Bytes("EHLO x\r\n");
  p.readMaxBytes = 512;
  p.readTimeoutMs = 900;
  p.readIdleMs = 250;
  const denied2 = tcpProbe([p], 100);
  check("tcpProbe failure carries code and message", !denied2.ok && denied2.error == "PENTORA_E_SCOPE: 10.0.0.9 is outside the scan scope");
}

/** The stub host holds five records {"id": 0..4} under "pages" and honours offset/limit. */
function testPaging(): void {
  const page = contextGetPage("pages", 1, 2);
  check("contextGetPage returns the slice", page.len() == 2 && page.at(0).getInt("id") == 1 && page.at(1).getInt("id") == 2);
  expectInt("contextCount", contextCount("pages"), 5);

  const pages = new ContextPages("pages", 2);
  let sizes = "";
  for (let pg = pages.next(); pg.len() > 0; pg = pages.next()) sizes += pg.len().toString();
  expectStr("ContextPages pages until an empty page", sizes, "221");
  expectInt("ContextPages.seen", pages.seen, 5);
  expectInt("ContextPages after the end", pages.next().len(), 0);

  const records = new ContextRecords("pages", 2);
  let ids = "";
  for (let r = records.next(); r !== null; r = records.next()) ids += r.getInt("id").toString();
  expectStr("ContextRecords yields every record in order", ids, "01234");
  expectInt("ContextRecords.seen", records.seen, 5);
  check("ContextRecords on a host error ends at once", new ContextRecords("denied").next() === null);
}

export function run(): i32 {
  testJson();
  testBytes();
  testHelpers();
  testHostCalls();
  report();
  return 0;
}

/** Parses the UTF-8 text at [ptr, ptr+len) and writes its serialisation, or "!" when it does not parse. */
export function roundTrip(ptr: usize, len: i32): void {
  const v = parseJson(utf8DecodeUnsafe(ptr, len));
  writeOutput(String.UTF8.encode(v === null ? "!" : v.toString()));
}

// ---- a registered module for the entry-point tests ---------------------------

class SelfTestModule extends PluginModule {
  configured: string = "";

  configure(config: JsonValue): string | null {
    if (config.has("reject")) return "rejected: " + config.getStr("reject");
    this.configured = config.toString();
    return null;
  }

  execute(ctx: ExecuteContext): string | null {
    const mode = ctx.config.getStr("mode");
    if (mode == "fail") return "asked to fail \"" + ctx.scanId + "\"";
    if (mode == "trap") {
      const a = new Array<i32>(1);
      ctx.summary.setInt("x", a[ctx.config.getInt("index") as i32]); // an out-of-bounds read: AssemblyScript aborts
    }
    ctx.summary.setStr("scan", ctx.scanId).setStr("instance", ctx.instanceId).setStr("module", ctx.module).setStr("configured", this.configured);
    ctx.addArtifact("out.txt", "text/plain", "line\n\u00e9");
    return null;
  }
}

register(new SelfTestModule("pentora/selftest", "1.2.3"));
