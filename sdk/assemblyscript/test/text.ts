/**
 * Table-driven tests of the SDK's text helpers (text.ts) and numeric reply
 * lines (lines.ts), compiled and run by test/sdk/text.test.ts.
 */

import {
  quoteJson,
  splitLines,
  versionAt,
  findWord,
  afterWord,
  startsWithLower,
  printable,
  isAlnum,
  parseNumericReply,
  replyCode,
} from "../index";
import { check, expectStr, expectInt, expectBool, report } from "../unit";

/** [text, max lines, lines joined by "|"] */
const SPLIT: string[][] = [
  ["a\r\nb\nc", "10", "a|b|c"],
  ["a\r\n\r\nb\r\n", "10", "a||b"],
  ["one\r", "10", "one"], // a lone trailing CR is a line ending cut short
  ["x\ny\nz\n", "2", "x|y"],
  ["", "10", ""],
];

/** [text, start, version] */
const VERSIONS: string[][] = [
  ["OpenSSH_9.2p1 Debian", "8", "9.2p1"],
  ["ProFTPD 1.3.5e Server", "8", "1.3.5e"],
  ["v. 3.0.", "3", "3.0"], // trailing dots dropped
  ["Exim x4", "5", ""], // no digit at start: nothing guessed
  ["abc", "-1", ""],
];

/** [lower text, word, index] */
const WORDS: string[][] = [
  ["220 esmtp exim 4.96", "exim", "10"],
  ["220 exim.example.org esmtp", "exim", "-1"], // part of a host name, not a word
  ["postfix-like postfix", "postfix", "13"],
  ["x_sendmail", "sendmail", "-1"],
  ["sendmail", "sendmail", "0"],
];

/** [text, reply code, lines joined by "|", complete] */
const REPLIES: string[][] = [
  ["220 (vsFTPd 3.0.3)\r\n", "220", "(vsFTPd 3.0.3)", "true"],
  ["220\r\n", "220", "", "true"],
  ["220-Welcome\r\n220-to the\r\n220 server\r\n", "220", "Welcome|to the|server", "true"],
  ["220-first\r\nfree text 123\r\n220 last\r\n", "220", "first|free text 123|last", "true"], // RFC 959 free lines
  ["220-cut short\r\n220-by the read", "220", "cut short|by the read", "false"],
  ["421 busy\r\n", "421", "busy", "true"],
  ["382 second digit 8 (NNTP style)\r\n", "382", "second digit 8 (NNTP style)", "true"],
  ["SSH-2.0-OpenSSH\r\n", "-1", "", "false"],
  ["HTTP/1.1 200 OK\r\n", "-1", "", "false"],
  ["620 not a reply\r\n", "-1", "", "false"],
  ["2200 too many digits\r\n", "-1", "", "false"],
  ["", "-1", "", "false"],
];

export function run(): i32 {
  for (let i = 0; i < SPLIT.length; i++) {
    const t = SPLIT[i];
    expectStr("splitLines " + quoteJson(t[0]), splitLines(t[0], I32.parseInt(t[1])).join("|"), t[2]);
  }
  for (let i = 0; i < VERSIONS.length; i++) {
    const t = VERSIONS[i];
    expectStr("versionAt " + quoteJson(t[0]) + " " + t[1], versionAt(t[0], I32.parseInt(t[1])), t[2]);
  }
  expectInt("versionAt stops at 64 characters", versionAt("1" + "2".repeat(100), 0).length, 64);
  for (let i = 0; i < WORDS.length; i++) {
    const t = WORDS[i];
    expectInt("findWord " + quoteJson(t[1]) + " in " + quoteJson(t[0]), findWord(t[0], t[1]), I32.parseInt(t[2]));
  }
  expectInt("afterWord skips the spaces after the word", afterWord("(vsftpd   3.0.3)", "vsftpd"), 10);
  expectInt("afterWord of a missing word", afterWord("proftpd", "vsftpd"), -1);
  expectBool("startsWithLower ignores ASCII case", startsWithLower("SSH-2.0-ROSSSH", "ssh-2.0-ross"), true);
  expectBool("startsWithLower of a longer prefix", startsWithLower("ssh", "ssh-"), false);
  expectStr("printable keeps clean text as is", printable("OpenSSH 9.2", 100), "OpenSSH 9.2");
  expectStr("printable: tab to space, control and high bytes to dots", printable("a\tb\r\n\u00ff", 100), "a b...");
  expectStr("printable cuts to max", printable("abcdef", 3), "abc");
  check("isAlnum", isAlnum(0x61) && isAlnum(0x39) && !isAlnum(0x2e));

  for (let i = 0; i < REPLIES.length; i++) {
    const t = REPLIES[i];
    const r = parseNumericReply(t[0]);
    const name = "parseNumericReply " + quoteJson(t[0]);
    if (t[1] == "-1") {
      check(name + " is null", r === null);
      continue;
    }
    if (r === null) {
      check(name, false, "got null");
      continue;
    }
    expectInt(name + " code", r.code, I32.parseInt(t[1]));
    expectStr(name + " lines", r.lines.join("|"), t[2]);
    expectBool(name + " complete", r.complete, t[3] == "true");
  }
  const many = parseNumericReply("220-x\r\n".repeat(100) + "220 end\r\n", 10);
  check("parseNumericReply stops at maxLines", many !== null && many.lines.length == 10 && !many.complete);
  const far = parseNumericReply("220-" + "a".repeat(100) + "\r\n220 end\r\n", 64, 50);
  check("parseNumericReply reads only scanChars", far !== null && !far.complete);
  const joined = parseNumericReply("220-  Welcome\r\n220 ready  \r\n");
  expectStr("NumericReply.text joins, trims and cuts", joined !== null ? joined.text(10) : "<null>", "Welcome re");
  expectInt("replyCode of a code alone", replyCode("554"), 554);
  expectInt("replyCode needs a space or dash after the code", replyCode("220x"), -1);
  report();
  return 0;
}
