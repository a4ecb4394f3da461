/**
 * pentora/ssh-parser: reads `banners`, finds RFC 4253 §4.2 identification
 * lines, and asks the server for its SSH_MSG_KEXINIT (probe `ssh-kexinit`:
 * our identification line on connect, then the server's line and first
 * binary packet) to list its algorithms and compute HASSHServer. Writes
 * `parsed_services` and `service_fingerprints`; other protocols produce nothing.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, register, JsonValue, RuleSet, latin1Bytes, md5Hex } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseIdent } from "./parse";
import { parseKexInit, KexInit } from "./kexinit";
import { identify } from "./match";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

/** The identification line plus a KEXINIT of up to RFC 4253's 35000-byte packet. */
const DECODE_BYTES: i32 = 40960;
/**
 * What the probe reads: OpenSSH 9's KEXINIT is about 1.1 KiB, the longest
 * seen a few KiB. Smaller reads also mean bigger probe batches (ServiceModule
 * sizes them by read budget).
 */
const PROBE_READ_BYTES: i32 = 16384;
/** Our identification line (RFC 4253 §4.2); the server answers with its own and its KEXINIT. */
const CLIENT_IDENT: string = "SSH-2.0-pentora_0.1\r\n";
const HINT_PORTS: i32[] = [22, 2222];
/** Prefix of the OpenSSH strict-KEX marker (CVE-2023-48795 "Terrapin" countermeasure). */
const STRICT_KEX_SERVER: string = "kex-strict-s-v00@openssh.com";

function names(list: string[]): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < list.length; i++) a.push(JsonValue.str(unchecked(list[i])));
  return a;
}

/** The KEXINIT's lists (server-to-client where the directions differ) and HASSHServer when all four of its lists arrived. */
export function addKexFields(fields: JsonValue, k: KexInit): void {
  fields.set("kex_algorithms", names(k.kex));
  if (k.lists >= 2) fields.set("host_key_algorithms", names(k.hostKey));
  if (k.lists >= 4) fields.set("encryption_algorithms", names(k.encS2c));
  if (k.lists >= 6) fields.set("mac_algorithms", names(k.macS2c));
  if (k.lists >= 8) fields.set("compression_algorithms", names(k.compS2c));
  fields.setBool("strict_kex", k.kex.includes(STRICT_KEX_SERVER));
  if (k.hasHasshLists()) fields.setStr("hassh_server", md5Hex(latin1Bytes(k.hasshInput())));
  if (k.lists < 10) fields.setBool("kexinit_incomplete", true);
}

class SshParser extends ServiceModule {
  probes(): ServiceProbe[] {
    const hello = latin1Bytes(CLIENT_IDENT);
    return [
      // A follow-up where the passive read showed SSH, and the same probe for silent
      // ports 22 and 2222 (a server that waits for the client's line first). Same name:
      // an endpoint gets it once.
      ServiceProbe.tcp("ssh-kexinit", HINT_PORTS).send(hello).read(PROBE_READ_BYTES, 2500, 400).afterParse(["ssh"]),
      ServiceProbe.tcp("ssh-kexinit", HINT_PORTS).send(hello).read(PROBE_READ_BYTES, 2500, 400),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    const ident = parseIdent(b.text);
    if (ident === null) return null;

    const fields = JsonValue.obj()
      .setStr("proto_version", ident.protoVersion)
      .setStr("software", ident.software)
      .setStr("comments", ident.comments);
    if (ident.preBannerLines > 0) fields.setInt("pre_banner_lines", ident.preBannerLines);
    const kex = parseKexInit(b.data);
    if (kex !== null) addKexFields(fields, kex);

    const m = identify(RULES, ident);
    return new ParsedBanner("ssh", fields).add(b.print("ssh", m, ident.line));
  }
}

register(new SshParser("pentora/ssh-parser", "0.1.0", DECODE_BYTES));
