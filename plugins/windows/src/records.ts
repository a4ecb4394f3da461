/**
 * From a parsed SMB or RDP reply to the `parsed_services` fields and the
 * fingerprint, the product named by rules.yaml (the `on` texts listed there).
 */

import { Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, printable } from "../../../sdk/assemblyscript/index";
import { RULES_JSON } from "./rules.generated";
import { SmbReply, SIGNING_ENABLED, SIGNING_REQUIRED } from "./smb";
import { RdpReply, protocolName, failureName, flagNames } from "./rdp";
import { hexOf } from "./wire";

const RULES = RuleSet.parse(RULES_JSON);

/** Confidence of a print that proves the protocol but names no product. */
const PROTOCOL_ONLY: i32 = 70;

function printOf(b: Banner, service: string, m: RuleMatch | null, evidence: string): JsonValue {
  if (m === null) return b.fingerprint(service, "", "", "", PROTOCOL_ONLY).setStr("evidence", evidence);
  return b.print(service, m, evidence);
}

/** "microsoft-ds" on 445 (and elsewhere), "netbios-ssn" on 139, as nmap names them. */
export function smbService(port: i32): string {
  return port == 139 ? "netbios-ssn" : "microsoft-ds";
}

export function smbRecord(b: Banner, r: SmbReply): ParsedBanner {
  const service = smbService(b.port);
  const f = JsonValue.obj();
  if (r.netbiosResponse == 0x83) f.setStr("netbios_session", "negative").setStr("netbios_error", hexOf(<u32>r.netbiosError, 2));
  else if (r.netbiosResponse == 0x82) f.setStr("netbios_session", "positive");
  if (r.smb2) {
    f.setStr("dialect", r.dialectName());
    if (r.status != 0) f.setStr("status", hexOf(r.status, 8));
  }
  if (r.smb1) {
    f.setBool("smb1", true);
    if (r.smb1DialectIndex >= 0) f.setInt("smb1_dialect_index", r.smb1DialectIndex);
    if (r.smb1Domain.length > 0) f.setStr("smb1_domain", printable(r.smb1Domain, 64));
    if (r.smb1Server.length > 0) f.setStr("smb1_server", printable(r.smb1Server, 64));
  }
  if (r.smb2 || r.smb1) {
    const signingRequired = r.smb2 ? (r.securityMode & SIGNING_REQUIRED) != 0 : (r.securityMode & 0x08) != 0;
    const signingEnabled = r.smb2 ? (r.securityMode & SIGNING_ENABLED) != 0 : (r.securityMode & 0x04) != 0;
    if (r.serverGuid.length > 0) {
      f.setBool("signing_enabled", signingEnabled).setBool("signing_required", signingRequired);
      f.setStr("security_mode", hexOf(<u32>r.securityMode, 2)).setStr("server_guid", r.serverGuid);
      f.setStr("capabilities", hexOf(r.capabilities, 8));
      if (r.smb2) f.set("capability_names", JsonValue.strs(r.capabilityNames()));
    }
    if (r.maxRead > 0) f.setInt("max_read", r.maxRead).setInt("max_write", r.maxWrite).setInt("max_transact", r.maxTransact);
    if (r.systemTime.length > 0) f.setStr("system_time", r.systemTime);
    if (r.startTime.length > 0) f.setStr("server_start_time", r.startTime);
    if (r.preauthHash >= 0) f.setInt("preauth_hash", r.preauthHash);
    if (r.cipher >= 0) f.setInt("cipher", r.cipher);
    if (r.mechs.length > 0) f.set("security_mechanisms", JsonValue.strs(r.mechs));
    if (r.negHint.length > 0) f.setStr("spnego_hint", printable(r.negHint, 128));
  }
  const c = r.ntlm;
  if (c !== null) {
    if (c.osVersion.length > 0) f.setStr("ntlm_os_version", c.osVersion).setInt("ntlm_revision", c.ntlmRevision);
    if (c.targetName.length > 0) f.setStr("ntlm_target_name", printable(c.targetName, 128));
    if (c.nbComputer.length > 0) f.setStr("netbios_computer", printable(c.nbComputer, 64));
    if (c.nbDomain.length > 0) f.setStr("netbios_domain", printable(c.nbDomain, 64));
    if (c.dnsComputer.length > 0) f.setStr("dns_computer", printable(c.dnsComputer, 128));
    if (c.dnsDomain.length > 0) f.setStr("dns_domain", printable(c.dnsDomain, 128));
    if (c.dnsTree.length > 0) f.setStr("dns_tree", printable(c.dnsTree, 128));
    if (c.timestamp.length > 0) f.setStr("ntlm_timestamp", c.timestamp);
  }
  if (r.partial) f.setBool("partial", true);

  let m: RuleMatch | null = null;
  let evidence = "";
  if (c !== null && c.osVersion.length > 0) {
    m = RULES.first("smb.ntlm_version", c.osVersion);
    evidence = "NTLM version " + c.osVersion + (c.nbComputer.length > 0 ? ", computer " + printable(c.nbComputer, 64) : "");
  }
  if (m === null && r.guidName.length > 0) {
    m = RULES.first("smb.guid_name", r.guidName);
    if (m !== null) evidence = "server GUID holds the name \"" + printable(r.guidName, 16) + "\"";
  }
  if (m !== null) {
    const keys = m.fields.keys();
    for (let i = 0; i < keys.length; i++) if (m.fields.get(keys[i]).length > 0) f.setStr(keys[i], printable(m.fields.get(keys[i]), 64));
  }
  if (evidence.length == 0) {
    if (r.smb2) evidence = "SMB2 NEGOTIATE dialect " + r.dialectName();
    else if (r.smb1) evidence = "SMB1 NEGOTIATE response";
    else evidence = "NetBIOS session response " + hexOf(<u32>r.netbiosResponse, 2);
  }
  if (r.smb2 || r.smb1) evidence += (r.smb1 ? "; SMB1" : "") + (r.serverGuid.length > 0 ? "; signing " + ((r.smb2 ? (r.securityMode & SIGNING_REQUIRED) != 0 : (r.securityMode & 0x08) != 0) ? "required" : "not required") : "");
  return new ParsedBanner(service, f).add(printOf(b, service, m, evidence));
}

export function rdpRecord(b: Banner, r: RdpReply): ParsedBanner {
  const service = "ms-wbt-server";
  const f = JsonValue.obj().setStr("negotiation", r.kind).setStr("x224_src_ref", hexOf(<u32>r.srcRef, 4));
  if (r.kind == "response") {
    f.setStr("selected_protocol", protocolName(r.selected)).setStr("flags", hexOf(<u32>r.flags, 2)).set("flag_names", JsonValue.strs(flagNames(r.flags)));
    f.setBool("nla", r.selected == 2 || r.selected == 8);
  } else if (r.kind == "failure") f.setStr("failure", failureName(r.failureCode));
  const text = r.summary();
  const m = RULES.first("rdp.negotiation", text);
  return new ParsedBanner(service, f).add(printOf(b, service, m, "X.224 Connection Confirm: " + text));
}
