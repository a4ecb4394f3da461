/**
 * pentora/ssh-parser: reads `banners`, finds RFC 4253 §4.2 identification
 * lines, and writes `parsed_services` and `service_fingerprints`. Banners of
 * other protocols produce nothing.
 */

import {
  PluginModule,
  ExecuteContext,
  register,
  JsonValue,
  ContextRecords,
  contextSet,
  base64Decode,
  latin1,
  cpe23,
  fingerprint,
} from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseIdent } from "./parse";
import { identify } from "./match";

/** Records per context.set call: keeps each host-call request small while streaming results on. */
const FLUSH_AT: i32 = 256;
/** Only the first bytes can hold an identification line worth reading (parse.ts caps its search too). */
const DECODE_BYTES: i32 = 16384;

class SshParser extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const banners = new ContextRecords("banners");
    let services = JsonValue.arr();
    let prints = JsonValue.arr();
    const done = new Set<string>();
    let undecodable = 0;
    let identified = 0;
    let withVersion = 0;

    for (let b = banners.next(); b !== null; b = banners.next()) {
      if (!b.isObj()) continue;
      const host = b.getStr("host");
      const port = b.getInt("port", -1);
      const protocol = b.getStr("protocol", "tcp");
      if (host.length == 0 || port < 0) continue;
      // One result per endpoint: a second banner of the same port adds nothing.
      const key = host + "|" + port.toString() + "|" + protocol;
      if (done.has(key)) continue;
      const raw = base64Decode(b.getStr("data_b64"));
      if (raw === null) {
        undecodable++;
        continue;
      }
      const ident = parseIdent(latin1(raw.length > DECODE_BYTES ? raw.subarray(0, DECODE_BYTES) : raw));
      if (ident === null) continue;
      done.add(key);
      identified++;

      const fields = JsonValue.obj()
        .setStr("proto_version", ident.protoVersion)
        .setStr("software", ident.software)
        .setStr("comments", ident.comments);
      if (ident.preBannerLines > 0) fields.setInt("pre_banner_lines", ident.preBannerLines);
      services.push(
        JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", protocol).setStr("service", "ssh").set("fields", fields),
      );

      const m = identify(ident);
      let cpe = "";
      if (m.cpeVendor.length > 0) cpe = cpe23(m.cpePart, m.cpeVendor, m.cpeProduct, m.cpeVersioned ? m.version : "");
      if (m.version.length > 0) withVersion++;
      const fp = fingerprint(host, <i32>port, protocol, "ssh", m.product, m.version, cpe, m.confidence, "banner");
      if (m.osHint.length > 0) fp.setStr("os_hint", m.osHint);
      fp.setStr("evidence", ident.line);
      prints.push(fp);

      if (services.len() >= FLUSH_AT) {
        const err = flush(services, prints);
        if (err !== null) return err;
        services = JsonValue.arr();
        prints = JsonValue.arr();
      }
    }
    const err = flush(services, prints);
    if (err !== null) return err;

    ctx.summary.setInt("banners", banners.seen).setInt("identified", identified).setInt("with_version", withVersion);
    if (undecodable > 0) ctx.summary.setInt("undecodable", undecodable);
    return null;
  }
}

/** Appends both record lists; the error text names the key the host refused. */
function flush(services: JsonValue, prints: JsonValue): string | null {
  if (services.len() == 0) return null;
  let r = contextSet("parsed_services", services, true);
  if (!r.ok) return "context.set parsed_services: " + r.code + ": " + r.message;
  r = contextSet("service_fingerprints", prints, true);
  if (!r.ok) return "context.set service_fingerprints: " + r.code + ": " + r.message;
  return null;
}

register(new SshParser("pentora/ssh-parser", "0.1.0"));
