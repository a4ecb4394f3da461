/**
 * One HTTP response read into what the plugin writes: the `parsed_services`
 * fields and a fingerprint per product. Pure (no host calls).
 */

import { Banner, ParsedBanner, JsonValue, HttpMessage, printable } from "../../../sdk/assemblyscript/index";
import { extractTitle } from "./title";
import { authScheme, authRealm, cookieNames, bodyExcerpt } from "./fields";
import { Found, matchInto, serverInto } from "./products";

/** Characters of each header value copied into the fields. */
const FIELD_VALUE_MAX: i32 = 512;
/** Characters of the body excerpt. */
const EXCERPT_MAX: i32 = 256;
/** Body characters the `http.body` rules read: bounds each rule's work whatever the page. */
export const BODY_RULES_MAX: i32 = 8192;
/** Cookie names read from Set-Cookie. */
const MAX_COOKIES: i32 = 16;
/** HTTP without any product: the protocol alone. */
const BARE_HTTP_CONFIDENCE: i32 = 50;

function clip(s: string, n: i32): string {
  return s.length > n ? s.substring(0, n) : s;
}

/** The `parsed_services` fields of a response. */
export function fieldsOf(r: HttpMessage, title: string, cookies: string[]): JsonValue {
  const headers = JsonValue.obj();
  for (let i = 0; i < r.fields.length; i++) {
    const h = unchecked(r.fields[i]);
    headers.setStr(h.name, clip(h.value, FIELD_VALUE_MAX));
  }
  const f = JsonValue.obj().setStr("http_version", r.version).setInt("status", r.status).setStr("reason", r.reason);
  const server = r.get("server");
  if (server.length > 0) f.setStr("server", clip(server, FIELD_VALUE_MAX));
  const xpb = r.get("x-powered-by");
  if (xpb.length > 0) f.setStr("powered_by", clip(xpb, FIELD_VALUE_MAX));
  if (title.length > 0) f.setStr("title", title);
  const location = r.get("location");
  if (location.length > 0) f.setStr("location", printable(location, FIELD_VALUE_MAX));
  const auth = r.get("www-authenticate");
  if (auth.length > 0) {
    f.setStr("auth_scheme", authScheme(auth));
    const realm = authRealm(auth);
    if (realm.length > 0) f.setStr("auth_realm", realm);
  }
  if (cookies.length > 0) {
    const names = JsonValue.arr();
    for (let i = 0; i < cookies.length; i++) names.push(JsonValue.str(unchecked(cookies[i])));
    f.set("cookies", names);
  }
  const excerpt = bodyExcerpt(r.body, EXCERPT_MAX);
  if (excerpt.length > 0) f.setStr("body_excerpt", excerpt);
  f.set("headers", headers).setInt("header_count", r.fieldLines);
  if (r.truncated) f.setBool("headers_truncated", true);
  if (!r.complete) f.setBool("incomplete", true);
  return f;
}

/** The products a response names: Server, X-Powered-By, cookie names, title, body, in that order. */
export function productsOf(r: HttpMessage, title: string, cookies: string[]): Found[] {
  const found: Found[] = [];
  serverInto(found, r.get("server"));
  matchInto(found, "http.x-powered-by", r.get("x-powered-by"), "X-Powered-By: ");
  for (let i = 0; i < cookies.length; i++) matchInto(found, "http.cookie-name", unchecked(cookies[i]), "Set-Cookie: ");
  matchInto(found, "http.title", title, "title: ");
  matchInto(found, "http.body", clip(r.body, BODY_RULES_MAX), "body: ");
  return found;
}

/** A fingerprint of `f` on the endpoint of `b`. */
export function printOf(b: Banner, service: string, f: Found): JsonValue {
  const fp = b.fingerprint(service, f.product, f.version, f.cpe, f.confidence);
  if (f.osHint.length > 0) fp.setStr("os_hint", f.osHint);
  fp.setStr("evidence", f.evidence);
  return fp;
}

/** The reading of a `GET /` response (or any HTTP response a banner holds). */
export function readResponse(b: Banner, r: HttpMessage): ParsedBanner {
  const service = b.tls ? "https" : "http";
  const title = extractTitle(r.body);
  const cookies = cookieNames(r.get("set-cookie"), MAX_COOKIES);
  const out = new ParsedBanner(service, fieldsOf(r, title, cookies));
  const found = productsOf(r, title, cookies);
  if (found.length == 0) {
    const fp = b.fingerprint(service, "", "", "", BARE_HTTP_CONFIDENCE);
    fp.setStr("evidence", "HTTP/" + r.version + " " + r.status.toString() + " " + printable(r.reason, 128));
    out.add(fp);
  }
  for (let k = 0; k < found.length; k++) out.add(printOf(b, service, unchecked(found[k])));
  return out;
}
