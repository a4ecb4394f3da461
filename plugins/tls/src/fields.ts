/**
 * The `parsed_services.fields` of a TLS endpoint, the texts the rules read,
 * and the service name a port implies. Pure; every string and list capped.
 */

import { JsonValue, printable } from "../../../sdk/assemblyscript/index";
import { TlsReply } from "./parse";
import { CertInfo, DName } from "./x509";
import { versionName, suiteName, alertName, hex4 } from "./names";

const MAX_FIELD_CHARS: i32 = 256;
const MAX_DN_FIELD_CHARS: i32 = 1024;

/** The nmap service name of implicit TLS on `port` (RFC 8314, RFC 4513, RFC 5630 ports); "tls" elsewhere. */
export function serviceForPort(port: i32): string {
  switch (port) {
    case 443:
    case 8443:
    case 9443:
      return "https";
    case 465:
      return "smtps";
    case 636:
      return "ldaps";
    case 990:
      return "ftps";
    case 993:
      return "imaps";
    case 995:
      return "pop3s";
    case 5061:
      return "sips";
  }
  return "tls";
}

function nameJson(n: DName): JsonValue {
  const o = JsonValue.obj();
  if (n.cn.length > 0) o.setStr("cn", printable(n.cn, MAX_FIELD_CHARS));
  if (n.o.length > 0) o.setStr("o", printable(n.o, MAX_FIELD_CHARS));
  if (n.ou.length > 0) o.setStr("ou", printable(n.ou, MAX_FIELD_CHARS));
  if (n.c.length > 0) o.setStr("c", printable(n.c, MAX_FIELD_CHARS));
  return o;
}

/** The leaf certificate's summary. */
export function certJson(c: CertInfo): JsonValue {
  const o = JsonValue.obj();
  o.set("subject", nameJson(c.subject)).setStr("subject_dn", printable(c.subject.text, MAX_DN_FIELD_CHARS));
  o.set("issuer", nameJson(c.issuer)).setStr("issuer_dn", printable(c.issuer.text, MAX_DN_FIELD_CHARS));
  if (c.sanDns.length > 0) o.set("san_dns", JsonValue.strs(c.sanDns.map<string>((s: string): string => printable(s, MAX_FIELD_CHARS))));
  if (c.sanIp.length > 0) o.set("san_ip", JsonValue.strs(c.sanIp.map<string>((s: string): string => printable(s, MAX_FIELD_CHARS))));
  if (c.notBefore.length > 0) o.setStr("not_before", c.notBefore);
  if (c.notAfter.length > 0) o.setStr("not_after", c.notAfter);
  if (c.keyType.length > 0) o.setStr("key_type", printable(c.keyType, 64));
  if (c.keyBits > 0) o.setInt("key_bits", c.keyBits);
  if (c.curve.length > 0) o.setStr("key_curve", printable(c.curve, 64));
  if (c.sigAlg.length > 0) o.setStr("signature_algorithm", printable(c.sigAlg, 64));
  if (c.serial.length > 0) o.setStr("serial", c.serial);
  o.setInt("version", c.version);
  o.setBool("self_signed", c.selfSigned);
  o.setStr("sha256", c.sha256);
  o.setInt("size", c.size);
  if (!c.complete) o.setBool("malformed", true);
  return o;
}

/** All fields of one TLS reply. */
export function tlsFields(r: TlsReply): JsonValue {
  const o = JsonValue.obj();
  o.setStr("record_version", versionName(r.recordVersion));
  const h = r.hello;
  if (h !== null) {
    o.setStr("version", versionName(h.version));
    o.setStr("cipher", suiteName(h.cipher));
    o.setStr("cipher_id", "0x" + hex4(h.cipher));
    o.setInt("compression", h.compression);
    const exts = JsonValue.arr();
    for (let i = 0; i < h.extensions.length; i++) exts.push(JsonValue.int(h.extensions[i]));
    o.set("extensions", exts);
    o.setStr("ja3s", h.ja3s());
    o.setStr("ja3s_string", h.ja3sString());
  }
  if (r.alertLevel >= 0) {
    o.setStr("alert", alertName(r.alertDescription));
    o.setStr("alert_level", r.alertLevel == 2 ? "fatal" : r.alertLevel == 1 ? "warning" : r.alertLevel.toString());
  }
  if (r.chainLength > 0) o.setInt("chain_length", r.chainLength);
  const leaf = r.leaf;
  if (leaf !== null) o.set("certificate", certJson(leaf));
  if (r.certTruncated) o.setBool("certificate_truncated", true);
  if (r.keyExchange) o.setBool("server_key_exchange", true);
  if (r.certRequest) o.setBool("client_certificate_requested", true);
  o.setBool("hello_done", r.helloDone);
  if (r.truncated) o.setBool("truncated", true);
  return o;
}

/** Evidence text: "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; CN=host" or the alert. */
export function evidenceOf(r: TlsReply): string {
  const parts: string[] = [];
  const h = r.hello;
  if (h !== null) parts.push(versionName(h.version) + " " + suiteName(h.cipher));
  if (r.alertLevel >= 0) parts.push("alert " + alertName(r.alertDescription));
  const leaf = r.leaf;
  if (leaf !== null && leaf.subject.text.length > 0) parts.push("subject " + leaf.subject.text);
  return printable(parts.join("; "), 200);
}
