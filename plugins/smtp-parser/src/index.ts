/**
 * pentora/smtp-parser: reads `banners`, parses SMTP greetings (RFC 5321 §4.2
 * reply lines, multi-line "220-" continuations included), and writes
 * `parsed_services` and `service_fingerprints`. FTP greetings and other
 * protocols produce nothing.
 */

import { GreetingParserModule, NumericReply, JsonValue, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { SmtpMatch, identify } from "./match";

class SmtpParser extends GreetingParserModule<SmtpMatch> {
  match(reply: NumericReply): SmtpMatch | null {
    return identify(reply);
  }

  /** The greeting's domain (RFC 5321 §4.2) and whether it says ESMTP. */
  addFields(fields: JsonValue, m: SmtpMatch): void {
    if (m.hostname.length > 0) fields.setStr("hostname", m.hostname);
    fields.setBool("esmtp", m.esmtp);
  }
}

// Implicit TLS submission (RFC 8314 §3.3: port 465) arrives as a TLS banner.
register(new SmtpParser("pentora/smtp-parser", "0.1.0", "smtp", "smtps"));
