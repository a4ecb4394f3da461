/**
 * pentora/http-parser: reads `banners`, parses HTTP/1.x responses, and writes
 * `parsed_services` (status, headers, title) and `service_fingerprints` (one
 * per product: the web server, and what it reveals behind it, such as PHP or
 * OpenSSL). Banners of other protocols produce nothing.
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
  printable,
  cpe23,
  fingerprint,
} from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseResponse, HttpResponse } from "./parse";
import { extractTitle } from "./title";
import { Product, serverProducts, poweredByProducts, titleProduct, mergeProduct } from "./products";

const FLUSH_AT: i32 = 256;
/** Characters of each header value copied into parsed_services fields. */
const FIELD_VALUE_MAX: i32 = 512;

/** Banner + named product + version: the headers can be edited by the operator, so not higher. */
function confidenceOf(p: Product): i32 {
  if (!p.known) return 60;
  return p.version.length > 0 ? 90 : 80;
}

function fieldsOf(r: HttpResponse, title: string): JsonValue {
  const headers = JsonValue.obj();
  for (let i = 0; i < r.headers.length; i++) {
    const h = unchecked(r.headers[i]);
    headers.setStr(h.name, h.value.length > FIELD_VALUE_MAX ? h.value.substring(0, FIELD_VALUE_MAX) : h.value);
  }
  const f = JsonValue.obj().setStr("http_version", r.version).setInt("status", r.status).setStr("reason", r.reason);
  const server = r.get("server");
  if (server.length > 0) f.setStr("server", server.length > FIELD_VALUE_MAX ? server.substring(0, FIELD_VALUE_MAX) : server);
  const xpb = r.get("x-powered-by");
  if (xpb.length > 0) f.setStr("powered_by", xpb.length > FIELD_VALUE_MAX ? xpb.substring(0, FIELD_VALUE_MAX) : xpb);
  if (title.length > 0) f.setStr("title", title);
  f.set("headers", headers).setInt("header_count", r.fieldLines);
  if (r.truncated) f.setBool("headers_truncated", true);
  if (!r.complete) f.setBool("incomplete", true);
  return f;
}

class HttpParser extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const banners = new ContextRecords("banners");
    let services = JsonValue.arr();
    let prints = JsonValue.arr();
    const done = new Set<string>();
    let undecodable = 0;
    let identified = 0;
    let products = 0;

    for (let b = banners.next(); b !== null; b = banners.next()) {
      if (!b.isObj()) continue;
      const host = b.getStr("host");
      const port = b.getInt("port", -1);
      const protocol = b.getStr("protocol", "tcp");
      if (host.length == 0 || port < 0) continue;
      const key = host + "|" + port.toString() + "|" + protocol;
      if (done.has(key)) continue;
      const raw = base64Decode(b.getStr("data_b64"));
      if (raw === null) {
        undecodable++;
        continue;
      }
      const resp = parseResponse(latin1(raw));
      if (resp === null) continue;
      done.add(key);
      identified++;
      const service = b.getBool("tls") ? "https" : "http";
      const title = extractTitle(resp.body);

      services.push(
        JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", protocol).setStr("service", service).set("fields", fieldsOf(resp, title)),
      );

      const found: Product[] = [];
      const server = serverProducts(resp.get("server"));
      for (let k = 0; k < server.length; k++) mergeProduct(found, unchecked(server[k]));
      const powered = poweredByProducts(resp.get("x-powered-by"));
      for (let k = 0; k < powered.length; k++) mergeProduct(found, unchecked(powered[k]));
      const fromTitle = titleProduct(title);
      if (fromTitle !== null) mergeProduct(found, fromTitle);

      if (found.length == 0) {
        // HTTP without a product: the protocol alone.
        const fp = fingerprint(host, <i32>port, protocol, service, "", "", "", 50, "banner");
        fp.setStr("evidence", "HTTP/" + resp.version + " " + resp.status.toString() + " " + resp.reason);
        prints.push(fp);
      }
      for (let k = 0; k < found.length; k++) {
        const p = unchecked(found[k]);
        const cpe = p.vendor.length > 0 ? cpe23("a", p.vendor, p.cpeProduct, p.cpeVersion) : "";
        const fp = fingerprint(host, <i32>port, protocol, service, p.name, p.version, cpe, confidenceOf(p), "banner");
        if (p.osHint.length > 0) fp.setStr("os_hint", p.osHint);
        fp.setStr("evidence", printable(p.evidence, 600));
        prints.push(fp);
        products++;
      }

      if (services.len() >= FLUSH_AT) {
        const err = flush(services, prints);
        if (err !== null) return err;
        services = JsonValue.arr();
        prints = JsonValue.arr();
      }
    }
    const err = flush(services, prints);
    if (err !== null) return err;

    ctx.summary.setInt("banners", banners.seen).setInt("identified", identified).setInt("products", products);
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

register(new HttpParser("pentora/http-parser", "0.1.0"));
