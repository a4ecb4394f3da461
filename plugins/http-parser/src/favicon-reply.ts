/**
 * The `GET /favicon.ico` follow-up: its hashes go into the `GET /` record's
 * fields (`favicon`), and what the `http.favicon-mmh3` rules name joins its
 * prints. Only a whole icon is hashed: a cut or chunked body, or an HTML page
 * served for every path (single-page apps), would give a hash of nothing.
 */

import { Banner, ParsedBanner, JsonValue, printable } from "../../../sdk/assemblyscript/index";
import { parseResponse } from "./parse";
import { faviconMd5, faviconMmh3 } from "./favicon";
import { Found, matchInto } from "./products";
import { printOf } from "./response";

/** The declared Content-Length, or -1 when absent or not a plain decimal (RFC 9110 §8.6). */
export function contentLength(value: string): i64 {
  const v = value.trim();
  if (v.length == 0 || v.length > 15) return -1;
  let n: i64 = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function hasProduct(prints: JsonValue[], product: string): bool {
  for (let i = 0; i < prints.length; i++) if (unchecked(prints[i]).getStr("product") == product) return true;
  return false;
}

/**
 * Adds what `reply` (the favicon probe's bytes) says to `previous`; true when
 * an icon was hashed. `readMax` is the probe's read size: a reply that filled
 * it without a Content-Length may have been cut.
 */
export function readFavicon(previous: ParsedBanner, reply: Banner, readMax: i32): bool {
  const r = parseResponse(reply.text);
  if (r === null || !previous.fields.isObj()) return false;
  const icon = JsonValue.obj().setInt("status", r.status);
  previous.fields.set("favicon", icon);
  if (r.status != 200 || !r.complete) return false;
  const type = r.get("content-type");
  if (type.length > 0) icon.setStr("content_type", printable(type, 128));
  const body = reply.data.subarray(min(r.bodyStart, reply.data.length));
  const declared = contentLength(r.get("content-length"));
  const chunked = r.get("transfer-encoding").toLowerCase().includes("chunked");
  const cut = chunked || (declared >= 0 ? declared != <i64>body.length : reply.data.length >= readMax);
  icon.setInt("size", body.length);
  if (cut) {
    icon.setBool("cut", true);
    return false;
  }
  if (body.length == 0 || type.toLowerCase().startsWith("text/html")) return false;
  const hash = faviconMmh3(body);
  icon.setInt("mmh3", hash).setStr("md5", faviconMd5(body));

  const found: Found[] = [];
  matchInto(found, "http.favicon-mmh3", hash.toString(), "favicon mmh3: ");
  for (let i = 0; i < found.length; i++) {
    const f = unchecked(found[i]);
    if (!hasProduct(previous.prints, f.product)) previous.add(printOf(reply, previous.service, f));
  }
  return true;
}
