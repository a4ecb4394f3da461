/**
 * pentora/remote-access: Telnet (RFC 854 option negotiation and login
 * banner), VNC (RFC 6143 ProtocolVersion, and the security types after our
 * own version: probe `vnc-security`) and the rsync daemon (its "@RSYNCD:"
 * greeting, and the module list after "#list": probe `rsync-list`).
 * Telnet is read passively only: nothing is ever typed at a login prompt.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, ProductMatch, latin1Bytes, printable, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseTelnet, hasLoginPrompt, TelnetReading } from "./telnet";
import { parseRfb, RfbReading } from "./rfb";
import { parseRsync, RsyncReading } from "./rsync";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

const DECODE_BYTES: i32 = 16384;
const EVIDENCE_MAX: i32 = 300;
const VNC_PROBE: string = "vnc-security";
const RSYNC_PROBE: string = "rsync-list";
const TELNET_PORT: i32 = 23;
const TELNET_PROBE: string = "telnet-read";
const VNC_PORTS: i32[] = [5900, 5901, 5902, 5903, 5904, 5905, 5906, 5907, 5908, 5909, 5910];
const RSYNC_PORT: i32 = 873;

/** Rule fields copied into the record's fields (non-empty values only). */
function addRuleFields(fields: JsonValue, m: RuleMatch): void {
  const keys = m.fields.keys();
  for (let i = 0; i < keys.length; i++) {
    const v = m.fields.get(unchecked(keys[i]));
    if (v.length > 0) fields.setStr(unchecked(keys[i]), printable(v, 128));
  }
}

/** IAC followed by a command byte (240..254): the server opened with Telnet negotiation. */
function startsWithIac(b: Uint8Array): bool {
  return b.length >= 2 && b[0] == 255 && b[1] >= 240 && b[1] != 255;
}

function telnetParsed(b: Banner, r: TelnetReading, negotiated: bool): ParsedBanner {
  const fields = JsonValue.obj().set("options", JsonValue.strs(r.options)).set("banner", JsonValue.strs(r.lines)).setBool("login_prompt", hasLoginPrompt(r));
  let m: ProductMatch | null = null;
  let evidence = "";
  for (let i = 0; i < r.lines.length && m === null; i++) {
    const rm = RULES.first("telnet.line", unchecked(r.lines[i]));
    if (rm !== null) {
      addRuleFields(fields, rm);
      m = rm;
      evidence = unchecked(r.lines[i]);
    }
  }
  let found: ProductMatch;
  if (m !== null) found = m;
  else {
    found = new ProductMatch();
    // Negotiation is Telnet's own; a login prompt on port 23 is Telnet by its words.
    found.confidence = negotiated ? 70 : 50;
  }
  if (found.osHint.length == 0) {
    for (let i = 0; i < r.lines.length; i++) {
      const os = RULES.first("telnet.os", unchecked(r.lines[i]));
      if (os === null) continue;
      found.osHint = os.osHint;
      addRuleFields(fields, os);
      if (evidence.length == 0) evidence = unchecked(r.lines[i]);
      break;
    }
  }
  if (evidence.length == 0) evidence = r.options.length > 0 ? "IAC " + r.options.join(", ") : (r.lines.length > 0 ? unchecked(r.lines[0]) : "");
  return new ParsedBanner("telnet", fields).add(b.print("telnet", found, printable(evidence, EVIDENCE_MAX)));
}

function rfbParsed(b: Banner, r: RfbReading): ParsedBanner {
  const fields = JsonValue.obj().setStr("protocol_version", r.major.toString() + "." + r.minor.toString());
  if (r.answered) {
    fields.set("security_types", JsonValue.strs(r.security));
    const codes = JsonValue.arr();
    for (let i = 0; i < r.securityCodes.length; i++) codes.push(JsonValue.int(unchecked(r.securityCodes[i])));
    fields.set("security_type_codes", codes);
    // RFC 6143 §7.2.1: type 1 lets anyone connect without a password.
    fields.setBool("no_auth", r.securityCodes.includes(1));
    if (r.failure.length > 0) fields.setStr("failure", r.failure);
  }
  let m: ProductMatch;
  const rm = RULES.first("rfb.version", r.version);
  if (rm !== null) m = rm;
  else {
    m = new ProductMatch();
    m.confidence = 80;
  }
  return new ParsedBanner("vnc", fields).add(b.print("vnc", m, "RFB " + r.version));
}

function rsyncParsed(b: Banner, r: RsyncReading, line: string): ParsedBanner {
  const fields = JsonValue.obj().setStr("protocol", r.protocol).set("digests", JsonValue.strs(r.digests));
  if (r.motd.length > 0) fields.set("motd", JsonValue.strs(r.motd));
  if (r.listed || r.modules.length > 0) {
    const mods = JsonValue.arr();
    for (let i = 0; i < r.modules.length; i++) {
      const mod = unchecked(r.modules[i]);
      mods.push(JsonValue.obj().setStr("name", mod.name).setStr("comment", mod.comment));
    }
    fields.set("modules", mods);
  }
  if (r.error.length > 0) fields.setStr("error", r.error);
  let m: ProductMatch;
  const rm = RULES.first("rsync.greeting", line);
  if (rm !== null) m = rm;
  else {
    m = new ProductMatch();
    m.confidence = 80;
  }
  return new ParsedBanner("rsync", fields).add(b.print("rsync", m, printable(line, EVIDENCE_MAX)));
}

class RemoteAccess extends ServiceModule {
  probes(): ServiceProbe[] {
    return [
      // Telnet on port 23 that said nothing on connect gets a second, longer read: some
      // servers negotiate late. Nothing is sent.
      ServiceProbe.tcp(TELNET_PROBE, [TELNET_PORT]).greet(4096, 3000, 300),
      // Our ProtocolVersion (RFC 6143 §7.1.1: a client may answer any server version with 3.8's
      // bytes, a 3.3 server treats it as 3.3), then the security types. Nothing more: no
      // authentication is attempted.
      ServiceProbe.tcp(VNC_PROBE, VNC_PORTS).greet(64, 2000, 200).send(latin1Bytes("RFB 003.008\n")).read(1024, 2000, 200).afterParse(["vnc"]),
      // The client's version line, then "#list": what `rsync host::` does.
      ServiceProbe.tcp(RSYNC_PROBE, [RSYNC_PORT])
        .greet(4096, 2000, 200)
        .send(latin1Bytes("@RSYNCD: 31.0\n#list\n"))
        .read(16384, 2500, 300)
        .until(latin1Bytes("@RSYNCD: EXIT\n"))
        .afterParse(["rsync"]),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    const d = b.data;
    const rfb = parseRfb(d);
    if (rfb !== null) return rfbParsed(b, rfb);
    if (b.text.startsWith("@RSYNCD: ")) {
      const rs = parseRsync(b.text);
      if (rs === null) return null;
      const nl = b.text.indexOf("\n");
      return rsyncParsed(b, rs, nl < 0 ? b.text : b.text.substring(0, nl));
    }
    const negotiated = startsWithIac(d);
    if (!negotiated && b.port != TELNET_PORT) return null;
    const t = parseTelnet(d);
    if (t === null) return null;
    if (!negotiated && !hasLoginPrompt(t)) return null;
    return telnetParsed(b, t, negotiated);
  }

  /** A reply that reads as another protocol (a server that changed under us) keeps what the passive read said. */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    const next = this.parse(reply);
    return next !== null && next.service == previous.service ? next : previous;
  }
}

register(new RemoteAccess("pentora/remote-access", "0.1.0", DECODE_BYTES));
