/**
 * pentora/smtp-parser: reads `banners`, parses SMTP greetings (RFC 5321 §4.2
 * reply lines, multi-line "220-" continuations included), and asks what the
 * server offers (probe `smtp-ehlo`: after the greeting, EHLO (§4.1.1.1),
 * then QUIT). Writes `parsed_services` and `service_fingerprints`; FTP
 * greetings and other protocols produce nothing.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, RuleSet, latin1Bytes, printable, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { identify, GREETING_TEXT_MAX } from "./match";
import { parseConversation, parseEhlo, Ehlo } from "./parse";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

const DECODE_BYTES: i32 = 32768;
/** Characters of the greeting kept in `fields.greeting`. */
const GREETING_MAX: i32 = 1024;
/** Characters of the fingerprint's evidence. */
const EVIDENCE_MAX: i32 = 300;
/** SMTP (25), submission (587, RFC 6409); 465 is implicit TLS (another plugin's handshake). */
const HINT_PORTS: i32[] = [25, 587];
/** RFC 2606 reserves .invalid: the EHLO domain names no real host. */
const EHLO: string = "EHLO pentora.invalid\r\n";

/** The EHLO reply's fields: `ehlo` (accepted), `extensions`, `starttls`, `auth_mechanisms`, `size_limit`. */
function addEhloFields(fields: JsonValue, e: Ehlo): void {
  fields.setBool("ehlo", e.ok);
  if (!e.ok) return;
  fields.setStr("ehlo_greeting", e.greeting);
  fields.set("extensions", JsonValue.strs(e.extensions));
  fields.setBool("starttls", e.starttls);
  if (e.auth.length > 0) fields.set("auth_mechanisms", JsonValue.strs(e.auth));
  if (e.size >= 0) fields.setInt("size_limit", e.size);
}

class SmtpParser extends ServiceModule {
  /** Endpoints whose greeting named a product (a set: the passive read and the probe reply parse the same endpoint). */
  private named: Set<string> = new Set<string>();

  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("smtp-ehlo", HINT_PORTS)
        .greet(4096, 2000, 250)
        .send(latin1Bytes(EHLO))
        .read(8192, 2000, 250)
        .send(latin1Bytes("QUIT\r\n"))
        .afterParse(["smtp"]), // not "smtps": a TLS port gets no cleartext command
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    const conv = parseConversation(b.text);
    if (conv === null) return null;
    const greeting = conv.greeting;
    const g = identify(RULES, greeting);
    if (g === null) return null;
    // Implicit TLS submission (RFC 8314 §3.3: port 465) arrives as a TLS banner.
    const service = b.tls ? "smtps" : "smtp";
    const text = greeting.text(GREETING_TEXT_MAX);

    const fields = JsonValue.obj().setInt("code", greeting.code).setStr("greeting", printable(text, GREETING_MAX)).setInt("lines", greeting.lines.length);
    if (g.hostname.length > 0) fields.setStr("hostname", g.hostname);
    fields.setBool("esmtp", g.esmtp);
    if (!greeting.complete) fields.setBool("incomplete", true);

    let m = g.match;
    const ehloReply = conv.ehlo;
    let ehlo: Ehlo | null = null;
    if (ehloReply !== null) {
      ehlo = parseEhlo(ehloReply);
      addEhloFields(fields, ehlo);
      // The EHLO line names the MTA when the greeting did not (Sendmail's "pleased to meet you").
      if (g.generic && ehlo.ok) {
        const byEhlo = RULES.first("smtp.ehlo", ehlo.greeting);
        if (byEhlo !== null) m = byEhlo;
      }
    }
    if (m.product.length > 0) this.named.add(b.host + "|" + b.port.toString());

    const parsed = new ParsedBanner(service, fields).add(b.print(service, m, printable(greeting.code.toString() + " " + text, EVIDENCE_MAX)));
    // Extensions only one product offers add that product's print (Exchange behind "Microsoft ESMTP MAIL Service").
    if (ehlo !== null) {
      const seen: string[] = [];
      for (let i = 0; i < ehlo.keywords.length; i++) {
        const k = RULES.first("smtp.keyword", unchecked(ehlo.keywords[i]));
        if (k === null || seen.includes(k.id) || k.product == m.product) continue;
        seen.push(k.id);
        parsed.add(b.print(service, k, printable("EHLO " + unchecked(ehlo.keywords[i]), EVIDENCE_MAX)));
      }
    }
    return parsed;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("named", this.named.size);
  }
}

register(new SmtpParser("pentora/smtp-parser", "0.1.0", DECODE_BYTES));
