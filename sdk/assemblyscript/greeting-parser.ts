/**
 * A banner parser for the protocols that greet with a numeric reply (lines.ts:
 * FTP, SMTP, NNTP and their kin). The banner's first reply is the greeting;
 * the plugin says whether it is its protocol and what it names (`match`), and
 * may add fields. Which codes and words mean what stays in the plugin.
 *
 * What it writes: `parsed_services` fields `code`, `greeting` (the reply's
 * text, printable, at most 1024 chars), `lines`, then what `addFields` adds,
 * then `incomplete: true` when the reply was cut before its last line; one
 * fingerprint whose evidence is "code text" (printable, at most 300 chars).
 * The summary adds `named`: greetings that named a product.
 *
 * @example
 *   class FtpParser extends GreetingParserModule<FtpMatch> {
 *     match(reply: NumericReply): FtpMatch | null { return identify(reply); }
 *   }
 *   register(new FtpParser("pentora/ftp-parser", "0.1.0", "ftp", "ftps"));
 */

import { JsonValue } from "./json";
import { NumericReply, parseNumericReply, REPLY_SCAN_CHARS } from "./lines";
import { printable } from "./text";
import { ProductMatch } from "./product-match";
import { Banner, BannerParserModule, ParsedBanner } from "./banner-parser";

/** Characters of the greeting kept in `fields.greeting`. */
const GREETING_MAX: i32 = 1024;
/** Characters of the fingerprint's evidence. */
const EVIDENCE_MAX: i32 = 300;

/** What a greeting names, and its text (the reply's lines without their code prefixes) for fields and evidence. */
export class GreetingMatch extends ProductMatch {
  text: string = "";
}

export abstract class GreetingParserModule<M extends GreetingMatch> extends BannerParserModule {
  /** The service a plain banner names ("ftp"). */
  readonly service: string;
  /** The service a banner read over TLS names (implicit TLS: "ftps"). */
  readonly tlsService: string;
  private named: i32 = 0;

  /** Greetings are short: only the bytes parseNumericReply searches are decoded. */
  constructor(name: string, version: string, service: string, tlsService: string) {
    super(name, version, REPLY_SCAN_CHARS);
    this.service = service;
    this.tlsService = tlsService;
  }

  /** What the greeting names, or null when it is not this protocol's greeting. */
  abstract match(reply: NumericReply): M | null;

  /** Adds the protocol's own fields after `code`, `greeting` and `lines`. */
  addFields(fields: JsonValue, m: M): void {}

  parse(b: Banner): ParsedBanner | null {
    const reply = parseNumericReply(b.text);
    if (reply === null) return null;
    const m = this.match(reply);
    if (m === null) return null;
    const service = b.tls ? this.tlsService : this.service;

    const fields = JsonValue.obj().setInt("code", reply.code).setStr("greeting", printable(m.text, GREETING_MAX)).setInt("lines", reply.lines.length);
    this.addFields(fields, m);
    if (!reply.complete) fields.setBool("incomplete", true);

    if (m.product.length > 0) this.named++;
    return new ParsedBanner(service, fields).add(b.print(service, m, printable(reply.code.toString() + " " + m.text, EVIDENCE_MAX)));
  }

  summarize(summary: JsonValue): void {
    summary.setInt("named", this.named);
  }
}
