/**
 * pentora/http-parser: reads `banners`, parses HTTP/1.x responses, and writes
 * `parsed_services` (status, headers, title) and `service_fingerprints` (one
 * per product: the web server, and what it reveals behind it, such as PHP or
 * OpenSSL). Banners of other protocols produce nothing.
 */

import { BannerParserModule, Banner, ParsedBanner, register, JsonValue, printable, cpe23 } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseResponse, HttpResponse } from "./parse";
import { extractTitle } from "./title";
import { Product, serverProducts, poweredByProducts, titleProduct, mergeProduct } from "./products";

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

/** The products a response names: its Server, X-Powered-By and title, merged. */
function productsOf(r: HttpResponse, title: string): Product[] {
  const found: Product[] = [];
  const server = serverProducts(r.get("server"));
  for (let k = 0; k < server.length; k++) mergeProduct(found, unchecked(server[k]));
  const powered = poweredByProducts(r.get("x-powered-by"));
  for (let k = 0; k < powered.length; k++) mergeProduct(found, unchecked(powered[k]));
  const fromTitle = titleProduct(title);
  if (fromTitle !== null) mergeProduct(found, fromTitle);
  return found;
}

class HttpParser extends BannerParserModule {
  private products: i32 = 0;

  parse(b: Banner): ParsedBanner | null {
    const resp = parseResponse(b.text);
    if (resp === null) return null;
    const service = b.tls ? "https" : "http";
    const title = extractTitle(resp.body);
    const out = new ParsedBanner(service, fieldsOf(resp, title));

    const found = productsOf(resp, title);
    if (found.length == 0) {
      // HTTP without a product: the protocol alone.
      const fp = b.fingerprint(service, "", "", "", 50);
      fp.setStr("evidence", "HTTP/" + resp.version + " " + resp.status.toString() + " " + resp.reason);
      out.add(fp);
    }
    for (let k = 0; k < found.length; k++) {
      const p = unchecked(found[k]);
      const cpe = p.vendor.length > 0 ? cpe23("a", p.vendor, p.cpeProduct, p.cpeVersion) : "";
      const fp = b.fingerprint(service, p.name, p.version, cpe, confidenceOf(p));
      if (p.osHint.length > 0) fp.setStr("os_hint", p.osHint);
      fp.setStr("evidence", printable(p.evidence, 600));
      out.add(fp);
      this.products++;
    }
    return out;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("products", this.products);
  }
}

register(new HttpParser("pentora/http-parser", "0.1.0"));
