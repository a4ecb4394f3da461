/**
 * From a parsed reply to what the plugin writes: the `parsed_services`
 * fields (bounded: strings through `printable`, lists by count) and the
 * fingerprint, its product named by rules.yaml through the `on` texts listed
 * there. One function per protocol; pure apart from the rule set.
 */

import { Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, printable } from "../../../sdk/assemblyscript/index";
import { RULES_JSON } from "./rules.generated";
import { DnsReply } from "./dns";
import { SnmpMessage, pduName } from "./snmp";
import { NtpReply } from "./ntp";
import { LdapReply, CAP_ACTIVE_DIRECTORY, resultName } from "./ldap";

const RULES = RuleSet.parse(RULES_JSON);

/** Confidence of a print that proves the protocol but names no product. */
const PROTOCOL_ONLY: i32 = 60;
const MAX_LIST: i32 = 16;

/** A print of what `m` names, or of the protocol alone when `m` is null. */
function printOf(b: Banner, service: string, m: RuleMatch | null, evidence: string): JsonValue {
  if (m === null) return b.fingerprint(service, "", "", "", PROTOCOL_ONLY).setStr("evidence", evidence);
  return b.print(service, m, evidence);
}

/** A rule's extra fields, copied into the record's fields when they are not empty. */
function addRuleFields(fields: JsonValue, m: RuleMatch | null): void {
  if (m === null) return;
  const keys = m.fields.keys();
  for (let i = 0; i < keys.length; i++) {
    const v = m.fields.get(keys[i]);
    if (v.length > 0) fields.setStr(keys[i], printable(v, 128));
  }
}

function list(values: string[], maxItems: i32, maxChars: i32): JsonValue {
  const a = JsonValue.arr();
  for (let i = 0; i < values.length && i < maxItems; i++) a.push(JsonValue.str(printable(values[i], maxChars)));
  return a;
}

/** DNS (service "domain", or "mdns" for multicast DNS on 5353 / a .local question). */
export function dnsRecord(b: Banner, r: DnsReply): ParsedBanner {
  const service = b.port == 5353 || r.qname.endsWith(".local") ? "mdns" : "domain";
  const fields = JsonValue.obj()
    .setInt("id", r.id)
    .setInt("opcode", r.opcode)
    .setStr("rcode", r.rcodeName())
    .setStr("flags", r.flags())
    .setStr("qname", printable(r.qname, 255))
    .setInt("qtype", r.qtype)
    .setInt("qclass", r.qclass)
    .setInt("answers", r.answers)
    .setInt("authority", r.authority)
    .setInt("additional", r.additional);
  const version = printable(r.version, 256);
  if (version.length > 0) fields.setStr("version", version);
  if (r.partial) fields.setBool("partial", true);
  const m = version.length > 0 ? RULES.first("dns.version", r.version) : null;
  addRuleFields(fields, m);
  let evidence = "rcode " + r.rcodeName();
  if (version.length > 0) evidence = r.qname + " TXT \"" + printable(version, 120) + "\"; " + evidence;
  return new ParsedBanner(service, fields).add(printOf(b, service, m, evidence));
}

/** SNMP: the product from sysDescr, else from the enterprise number; the OS hint from either. */
export function snmpRecord(b: Banner, s: SnmpMessage): ParsedBanner {
  const fields = JsonValue.obj().setStr("snmp_version", s.versionName()).setStr("pdu", pduName(s.pdu));
  if (s.version != 3) fields.setStr("community", printable(s.community, 64));
  if (s.errorStatus > 0) fields.setInt("error_status", s.errorStatus);
  if (s.sysDescr.length > 0) fields.setStr("sysdescr", printable(s.sysDescr, 512));
  if (s.sysObjectId.length > 0) fields.setStr("sysobjectid", s.sysObjectId);
  if (s.sysName.length > 0) fields.setStr("sysname", printable(s.sysName, 128));
  if (s.enterprise >= 0) fields.setInt("enterprise", s.enterprise);
  if (s.engineId.length > 0) fields.setStr("engine_id", s.engineId);
  if (s.engineBoots >= 0) fields.setInt("engine_boots", s.engineBoots);
  if (s.engineTime >= 0) fields.setInt("engine_time", s.engineTime);
  if (s.pdu == 0xa8 && s.firstOid.length > 0) fields.setStr("report_oid", s.firstOid);
  if (s.encrypted) fields.setBool("encrypted", true);
  if (s.partial) fields.setBool("partial", true);

  const byDescr = s.sysDescr.length > 0 ? RULES.first("snmp.sysdescr", s.sysDescr) : null;
  const byEnterprise = s.enterprise >= 0 ? RULES.first("snmp.enterprise", s.enterprise.toString()) : null;
  let m = byDescr;
  if (m === null || m.product.length == 0) m = byEnterprise;
  else if (m.osHint.length == 0 && byEnterprise !== null) m.osHint = byEnterprise.osHint;
  addRuleFields(fields, byDescr);

  let evidence = "SNMPv" + s.versionName() + " " + pduName(s.pdu);
  if (s.sysDescr.length > 0) evidence += "; sysDescr: " + printable(s.sysDescr, 200);
  if (s.enterprise >= 0) evidence += "; enterprise " + s.enterprise.toString();
  return new ParsedBanner("snmp", fields).add(printOf(b, "snmp", m, evidence));
}

/** NTP: the daemon from a mode 6 `version`, the OS hint from `system`; mode 4 proves NTP only. */
export function ntpRecord(b: Banner, r: NtpReply): ParsedBanner {
  const fields = JsonValue.obj().setInt("mode", r.mode).setInt("ntp_version", r.version);
  if (r.mode == 6) {
    fields.setInt("opcode", r.opcode);
    if (r.error) fields.setBool("error", true);
  } else {
    fields.setInt("leap", r.leap).setInt("stratum", r.stratum).setInt("poll", r.poll).setInt("precision", r.precision).setStr("refid", printable(r.refid, 16));
  }
  if (r.daemon.length > 0) fields.setStr("daemon", printable(r.daemon, 256));
  if (r.system.length > 0) fields.setStr("system", printable(r.system, 128));
  if (r.processor.length > 0) fields.setStr("processor", printable(r.processor, 64));

  let m = r.daemon.length > 0 ? RULES.first("ntp.version", r.daemon) : null;
  const os = r.system.length > 0 ? RULES.first("ntp.system", r.system) : null;
  if (m !== null && m.osHint.length == 0 && os !== null) m.osHint = os.osHint;
  let evidence: string;
  if (r.mode == 6) evidence = "mode 6 readvar" + (r.daemon.length > 0 ? ": version=\"" + printable(r.daemon, 160) + "\"" : "");
  else evidence = "mode " + r.mode.toString() + " v" + r.version.toString() + " stratum " + r.stratum.toString() + " refid " + printable(r.refid, 16);
  const print = printOf(b, "ntp", m, evidence);
  if (m === null && os !== null && os.osHint.length > 0) print.setStr("os_hint", os.osHint);
  return new ParsedBanner("ntp", fields).add(print);
}

/** LDAP: vendorName/vendorVersion first, then an objectClass that names the server, then the Active Directory markers. */
export function ldapRecord(b: Banner, r: LdapReply): ParsedBanner {
  const service = b.tls ? "ldaps" : "ldap";
  const fields = JsonValue.obj();
  if (r.resultCode >= 0) fields.setInt("result_code", r.resultCode).setStr("result", resultName(r.resultCode));
  if (r.diagnostic.length > 0) fields.setStr("diagnostic", printable(r.diagnostic, 256));
  if (r.notice.length > 0) fields.setStr("notice", printable(r.notice, 64));
  fields.setInt("entries", r.entries);
  const naming = r.values("namingContexts");
  if (naming.length > 0) fields.set("naming_contexts", list(naming, 8, 256));
  const versions = r.values("supportedLDAPVersion");
  if (versions.length > 0) fields.set("ldap_versions", list(versions, 4, 8));
  const vendorName = r.first("vendorName");
  const vendorVersion = r.first("vendorVersion");
  if (vendorName.length > 0) fields.setStr("vendor_name", printable(vendorName, 128));
  if (vendorVersion.length > 0) fields.setStr("vendor_version", printable(vendorVersion, 128));
  const sasl = r.values("supportedSASLMechanisms");
  if (sasl.length > 0) fields.set("sasl_mechanisms", list(sasl, MAX_LIST, 64));
  const classes = r.values("objectClass");
  if (classes.length > 0) fields.set("object_classes", list(classes, MAX_LIST, 64));
  const dnsHost = r.first("dnsHostName");
  if (dnsHost.length > 0) fields.setStr("dns_host_name", printable(dnsHost, 255));
  const defaultNc = r.first("defaultNamingContext");
  if (defaultNc.length > 0) fields.setStr("default_naming_context", printable(defaultNc, 256));
  const domainLevel = r.first("domainFunctionality");
  const forestLevel = r.first("forestFunctionality");
  const dcLevel = r.first("domainControllerFunctionality");
  if (domainLevel.length > 0) fields.setStr("domain_functionality", printable(domainLevel, 8));
  if (forestLevel.length > 0) fields.setStr("forest_functionality", printable(forestLevel, 8));
  if (dcLevel.length > 0) fields.setStr("dc_functionality", printable(dcLevel, 8));
  const ad = r.has("supportedCapabilities", CAP_ACTIVE_DIRECTORY) || dcLevel.length > 0;
  if (ad) fields.setBool("active_directory", true);
  if (r.partial) fields.setBool("partial", true);

  let m: RuleMatch | null = null;
  let evidence = "";
  if (vendorName.length > 0 || vendorVersion.length > 0) {
    m = RULES.first("ldap.vendor", vendorName + "|" + vendorVersion);
    evidence = "vendorName \"" + printable(vendorName, 80) + "\", vendorVersion \"" + printable(vendorVersion, 80) + "\"";
  }
  for (let i = 0; m === null && i < classes.length && i < MAX_LIST; i++) {
    m = RULES.first("ldap.objectclass", classes[i]);
    if (m !== null) evidence = "objectClass " + printable(classes[i], 64);
  }
  if (m === null && ad) {
    m = RULES.first("ldap.ad", "dcFunctionality=" + dcLevel);
    evidence = "Active Directory root DSE" + (dcLevel.length > 0 ? ", domainControllerFunctionality " + printable(dcLevel, 8) : "") + (dnsHost.length > 0 ? ", dnsHostName " + printable(dnsHost, 80) : "");
  }
  if (evidence.length == 0) evidence = r.entries > 0 ? "root DSE entry" : "LDAP result " + resultName(r.resultCode);
  return new ParsedBanner(service, fields).add(printOf(b, service, m, evidence));
}
