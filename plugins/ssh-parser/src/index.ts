/**
 * pentora/ssh-parser: reads `banners`, finds RFC 4253 §4.2 identification
 * lines, and writes `parsed_services` and `service_fingerprints`. Banners of
 * other protocols produce nothing.
 */

import { BannerParserModule, Banner, ParsedBanner, register, JsonValue } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseIdent } from "./parse";
import { identify } from "./match";

/** Only the first bytes can hold an identification line worth reading (parse.ts caps its search too). */
const DECODE_BYTES: i32 = 16384;

class SshParser extends BannerParserModule {
  private withVersion: i32 = 0;

  parse(b: Banner): ParsedBanner | null {
    const ident = parseIdent(b.text);
    if (ident === null) return null;

    const fields = JsonValue.obj()
      .setStr("proto_version", ident.protoVersion)
      .setStr("software", ident.software)
      .setStr("comments", ident.comments);
    if (ident.preBannerLines > 0) fields.setInt("pre_banner_lines", ident.preBannerLines);

    const m = identify(ident);
    if (m.version.length > 0) this.withVersion++;
    return new ParsedBanner("ssh", fields).add(b.print("ssh", m, ident.line));
  }

  summarize(summary: JsonValue): void {
    summary.setInt("with_version", this.withVersion);
  }
}

register(new SshParser("pentora/ssh-parser", "0.1.0", DECODE_BYTES));
