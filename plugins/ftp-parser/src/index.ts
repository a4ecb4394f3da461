/**
 * pentora/ftp-parser: reads `banners`, parses FTP greetings (RFC 959 §4.2
 * reply lines, multi-line "220-" continuations included), and asks what the
 * server supports (probe `ftp-feat`: after the greeting, FEAT (RFC 2389),
 * SYST (RFC 959 §4.1.3), QUIT). Writes `parsed_services` and
 * `service_fingerprints`; SMTP greetings and other protocols produce nothing.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, RuleSet, latin1Bytes, printable, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { identify, GREETING_TEXT_MAX } from "./match";
import { parseConversation, featSupported, featureList, systemType } from "./parse";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

/** The greeting, FEAT's list and SYST's line: a few KiB. */
const DECODE_BYTES: i32 = 32768;
/** Characters of the greeting kept in `fields.greeting`. */
const GREETING_MAX: i32 = 1024;
/** Characters of the fingerprint's evidence. */
const EVIDENCE_MAX: i32 = 300;
const HINT_PORTS: i32[] = [21];

class FtpParser extends ServiceModule {
  /** Endpoints whose greeting named a product (a set: the passive read and the probe reply parse the same endpoint). */
  private named: Set<string> = new Set<string>();

  probes(): ServiceProbe[] {
    return [
      // Reads end by idle wait: a multi-line reply may arrive in several segments.
      ServiceProbe.tcp("ftp-feat", HINT_PORTS)
        .greet(4096, 2000, 250)
        .send(latin1Bytes("FEAT\r\n"))
        .read(8192, 2000, 250)
        .send(latin1Bytes("SYST\r\n"))
        .read(1024, 1500, 150)
        .send(latin1Bytes("QUIT\r\n"))
        .afterParse(["ftp"]), // not "ftps": a TLS port gets no cleartext command
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    const conv = parseConversation(b.text);
    if (conv === null) return null;
    const greeting = conv.greeting;
    const syst = conv.syst;
    const system = syst !== null ? systemType(syst) : "";
    const m = identify(RULES, greeting, system);
    if (m === null) return null;
    // Implicit FTPS (port 990; RFC 4217 only defines explicit AUTH TLS) arrives as a TLS banner.
    const service = b.tls ? "ftps" : "ftp";
    const text = greeting.text(GREETING_TEXT_MAX);
    if (m.product.length > 0) this.named.add(b.host + "|" + b.port.toString());

    const fields = JsonValue.obj().setInt("code", greeting.code).setStr("greeting", printable(text, GREETING_MAX)).setInt("lines", greeting.lines.length);
    if (!greeting.complete) fields.setBool("incomplete", true);
    const feat = conv.feat;
    if (feat !== null) {
      fields.setBool("feat", featSupported(feat));
      const list = featureList(feat);
      const a = JsonValue.arr();
      for (let i = 0; i < list.length; i++) a.push(JsonValue.str(unchecked(list[i])));
      fields.set("features", a);
      fields.setBool("auth_tls", offersTls(list));
    }
    if (system.length > 0) fields.setStr("system", system);
    return new ParsedBanner(service, fields).add(b.print(service, m, printable(greeting.code.toString() + " " + text, EVIDENCE_MAX)));
  }

  summarize(summary: JsonValue): void {
    summary.setInt("named", this.named.size);
  }
}

/** RFC 4217 §6: the AUTH feature lists the mechanisms ("AUTH TLS", "AUTH SSL;TLS"). */
function offersTls(list: string[]): bool {
  for (let i = 0; i < list.length; i++) {
    const f = unchecked(list[i]).toUpperCase();
    if (f.startsWith("AUTH ") && (f.includes("TLS") || f.includes("SSL"))) return true;
  }
  return false;
}

register(new FtpParser("pentora/ftp-parser", "0.1.0", DECODE_BYTES));
