/**
 * An RTSP or SIP response read into what the plugin writes: the
 * `parsed_services` fields and a fingerprint per product its Server (or, in
 * SIP, User-Agent) names. Pure (no host calls).
 */

import { Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, HttpMessage, printable } from "../../../sdk/assemblyscript/index";
import { methodList } from "./message";
import { RULES_JSON } from "./rules.generated";

export const RULES = RuleSet.parse(RULES_JSON);

/** Characters of each header value copied into the fields. */
const FIELD_VALUE_MAX: i32 = 256;
/** Methods and option tags listed. */
const MAX_LIST: i32 = 32;
/** The protocol alone, when nothing names a product: the status line is unambiguous. */
const BARE_CONFIDENCE: i32 = 60;
/** Taken off a rule's confidence when the match has no version. */
const UNVERSIONED_PENALTY: i32 = 10;

/** The service name: nmap's `rtsp` and `sip` (`sip-tls` over TLS, RFC 3261 §26.2; RTSP over TLS is `rtsps`). */
export function serviceOf(m: HttpMessage, tls: bool): string {
  if (m.protocol == "RTSP") return tls ? "rtsps" : "rtsp";
  return tls ? "sip-tls" : "sip";
}

export function fieldsOf(m: HttpMessage): JsonValue {
  const f = JsonValue.obj().setStr("version", m.version).setInt("status", m.status).setStr("reason", printable(m.reason, 128));
  const server = m.get("server");
  if (server.length > 0) f.setStr("server", printable(server, FIELD_VALUE_MAX));
  const ua = m.get("user-agent");
  if (ua.length > 0) f.setStr("user_agent", printable(ua, FIELD_VALUE_MAX));
  // RTSP lists its methods in Public (RFC 2326 §12.28), SIP in Allow (RFC 3261 §20.5).
  const methods = methodList(m.protocol == "RTSP" ? m.get("public") : m.get("allow"), MAX_LIST);
  if (methods.length > 0) f.set("methods", JsonValue.strs(methods.map<string>((s: string): string => printable(s, 64))));
  const supported = methodList(m.get("supported"), MAX_LIST);
  if (supported.length > 0) f.set("supported", JsonValue.strs(supported.map<string>((s: string): string => printable(s, 64))));
  const headers = JsonValue.obj();
  for (let i = 0; i < m.fields.length; i++) {
    const h = unchecked(m.fields[i]);
    headers.setStr(h.name, printable(h.value, FIELD_VALUE_MAX));
  }
  f.set("headers", headers).setInt("header_count", m.fieldLines);
  if (m.truncated) f.setBool("headers_truncated", true);
  if (!m.complete) f.setBool("incomplete", true);
  return f;
}

/** The rules' matches of `text`, one per product (the first rule naming it wins; a later version fills a missing one). */
export function productsOf(on: string, text: string): RuleMatch[] {
  const out: RuleMatch[] = [];
  if (text.length == 0) return out;
  const all = RULES.all(on, text);
  for (let i = 0; i < all.length; i++) {
    const m = unchecked(all[i]);
    let dup = false;
    for (let k = 0; k < out.length; k++) {
      const q = unchecked(out[k]);
      if (q.product != m.product) continue;
      dup = true;
      if (q.version.length == 0 && m.version.length > 0) out[k] = m;
    }
    if (!dup) out.push(m);
  }
  return out;
}

/** The reading of one response. */
export function readMessage(b: Banner, m: HttpMessage): ParsedBanner {
  const service = serviceOf(m, b.tls);
  const out = new ParsedBanner(service, fieldsOf(m));
  // A SIP server says Server; a phone answering may say User-Agent instead (RFC 3261 §20.35, §20.41).
  let label = "Server: ";
  let text = m.get("server");
  if (text.length == 0 && m.protocol == "SIP") {
    label = "User-Agent: ";
    text = m.get("user-agent");
  }
  const on = m.protocol == "RTSP" ? "rtsp.server" : "sip.server";
  const found = productsOf(on, text);
  const head = m.protocol + "/" + m.version + " " + m.status.toString() + " " + printable(m.reason, 64);
  if (found.length == 0) {
    const fp = b.fingerprint(service, "", "", "", BARE_CONFIDENCE);
    fp.setStr("evidence", text.length > 0 ? head + "; " + label + printable(text, 200) : head);
    out.add(fp);
    return out;
  }
  for (let i = 0; i < found.length; i++) {
    const p = unchecked(found[i]);
    // What a rule captured besides the product (a phone's model) joins the service's fields.
    const keys = p.fields.keys();
    for (let k = 0; k < keys.length; k++) {
      const v = p.fields.get(unchecked(keys[k]));
      if (v.length > 0 && out.fields.get(unchecked(keys[k])) === null) out.fields.setStr(unchecked(keys[k]), printable(v, 64));
    }
    if (p.version.length == 0) p.confidence = max(p.confidence - UNVERSIONED_PENALTY, 0);
    out.add(b.print(service, p, head + "; " + label + printable(text, 200)));
  }
  return out;
}
