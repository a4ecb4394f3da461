/**
 * pentora/ftp-parser: reads `banners`, parses FTP greetings (RFC 959 §4.2
 * reply lines, multi-line "220-" continuations included), and writes
 * `parsed_services` and `service_fingerprints`. SMTP greetings and other
 * protocols produce nothing.
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
  parseNumericReply,
  printable,
  cpe23,
  fingerprint,
} from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { identify } from "./match";

/** Records per context.set call: keeps each host-call request small while streaming results on. */
const FLUSH_AT: i32 = 256;
/** Greetings are short; parseNumericReply searches no further than this either. */
const DECODE_BYTES: i32 = 16384;

class FtpParser extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const banners = new ContextRecords("banners");
    let services = JsonValue.arr();
    let prints = JsonValue.arr();
    const done = new Set<string>();
    let undecodable = 0;
    let identified = 0;
    let named = 0;

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
      const reply = parseNumericReply(latin1(raw.length > DECODE_BYTES ? raw.subarray(0, DECODE_BYTES) : raw));
      if (reply === null) continue;
      const m = identify(reply);
      if (m === null) continue;
      done.add(key);
      identified++;
      // Implicit FTPS (port 990; RFC 4217 only defines explicit AUTH TLS) arrives as a TLS banner.
      const service = b.getBool("tls") ? "ftps" : "ftp";
      const text = printable(m.text, 1024);

      const fields = JsonValue.obj().setInt("code", reply.code).setStr("greeting", text).setInt("lines", reply.lines.length);
      if (!reply.complete) fields.setBool("incomplete", true);
      services.push(
        JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", protocol).setStr("service", service).set("fields", fields),
      );

      const cpe = m.vendor.length > 0 ? cpe23("a", m.vendor, m.cpeProduct, m.version) : "";
      if (m.product.length > 0) named++;
      const fp = fingerprint(host, <i32>port, protocol, service, m.product, m.version, cpe, m.confidence, "banner");
      if (m.osHint.length > 0) fp.setStr("os_hint", m.osHint);
      fp.setStr("evidence", printable(reply.code.toString() + " " + m.text, 300));
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

    ctx.summary.setInt("banners", banners.seen).setInt("identified", identified).setInt("named", named);
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

register(new FtpParser("pentora/ftp-parser", "0.1.0"));
