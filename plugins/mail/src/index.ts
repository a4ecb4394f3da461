/**
 * pentora/mail: IMAP (RFC 9051 / RFC 3501) and POP3 (RFC 1939, RFC 2449)
 * from their greetings, with follow-ups that ask for the capability lists
 * (`imap-capability`: "a1 CAPABILITY" then "a2 LOGOUT"; `pop3-capa`: "CAPA"
 * then "QUIT"). Cleartext ports only (143, 110): implicit TLS (993, 995) is
 * another plugin's handshake, though a TLS banner that reads as IMAP or POP3
 * is named imaps / pop3s here.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, ProductMatch, latin1Bytes, printable, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseImap, authMechanisms, ImapReading } from "./imap";
import { parsePop3, Pop3Reading } from "./pop3";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

const DECODE_BYTES: i32 = 16384;
const EVIDENCE_MAX: i32 = 300;
const IMAP_PROBE: string = "imap-capability";
const POP3_PROBE: string = "pop3-capa";
/** A greeting no rule names is IMAP or POP3 by its shape alone. */
const SHAPE_CONFIDENCE: i32 = 60;

/** The product a greeting names (first `on` rule), its OS hint from `mail.os` when the rule gave none; a bare match when no rule names it. */
function productOf(on: string, text: string): ProductMatch {
  const r: RuleMatch | null = RULES.first(on, text);
  let m: ProductMatch;
  if (r !== null) m = r;
  else {
    m = new ProductMatch();
    m.confidence = SHAPE_CONFIDENCE;
  }
  if (m.osHint.length == 0) {
    const os = RULES.first("mail.os", text);
    if (os !== null) m.osHint = os.osHint;
  }
  return m;
}

/** Rule fields (`build` of Exchange 2003) copied into the record's fields. */
function addRuleFields(fields: JsonValue, m: ProductMatch): void {
  if (!(m instanceof RuleMatch)) return;
  const keys = (<RuleMatch>m).fields.keys();
  for (let i = 0; i < keys.length; i++) {
    const v = (<RuleMatch>m).fields.get(unchecked(keys[i]));
    if (v.length > 0) fields.setStr(unchecked(keys[i]), printable(v, 128));
  }
}

function imapParsed(b: Banner, r: ImapReading): ParsedBanner {
  const service = b.tls ? "imaps" : "imap";
  const fields = JsonValue.obj().setStr("status", r.status).setStr("greeting", r.text);
  if (r.capabilities.length > 0) {
    fields.set("capabilities", JsonValue.strs(r.capabilities));
    fields.setBool("starttls", r.capabilities.includes("STARTTLS"));
    fields.setBool("login_disabled", r.capabilities.includes("LOGINDISABLED"));
    const auth = authMechanisms(r.capabilities);
    if (auth.length > 0) fields.set("auth_mechanisms", JsonValue.strs(auth));
  }
  const m = productOf("imap.greeting", r.text);
  addRuleFields(fields, m);
  return new ParsedBanner(service, fields).add(b.print(service, m, printable("* " + r.status + " " + r.text, EVIDENCE_MAX)));
}

function pop3Parsed(b: Banner, r: Pop3Reading): ParsedBanner {
  const service = b.tls ? "pop3s" : "pop3";
  const fields = JsonValue.obj().setStr("greeting", r.text).setBool("apop", r.apop);
  if (r.capaAnswered) {
    fields.setBool("capa", r.capaOk);
    if (r.capaOk) {
      fields.set("capabilities", JsonValue.strs(r.capabilities));
      let stls = false;
      let user = false;
      for (let i = 0; i < r.capabilities.length; i++) {
        const c = unchecked(r.capabilities[i]);
        if (c == "STLS") stls = true;
        else if (c == "USER") user = true;
      }
      fields.setBool("starttls", stls);
      fields.setBool("user_login", user);
      if (r.sasl.length > 0) fields.set("auth_mechanisms", JsonValue.strs(r.sasl));
      if (r.implementation.length > 0) fields.setStr("implementation", r.implementation);
    }
  }
  let m = productOf("pop3.greeting", r.text);
  if (m.product.length == 0 && r.implementation.length > 0) {
    const byImpl = RULES.first("pop3.implementation", r.implementation);
    if (byImpl !== null) m = byImpl;
  }
  addRuleFields(fields, m);
  return new ParsedBanner(service, fields).add(b.print(service, m, printable("+OK " + r.text, EVIDENCE_MAX)));
}

function parseMail(b: Banner): ParsedBanner | null {
  const imap = parseImap(b.text);
  if (imap !== null) return imapParsed(b, imap);
  const pop3 = parsePop3(b.text);
  if (pop3 !== null) return pop3Parsed(b, pop3);
  return null;
}

class MailModule extends ServiceModule {
  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp(IMAP_PROBE, [143])
        .greet(4096, 2000, 250)
        .send(latin1Bytes("a1 CAPABILITY\r\n"))
        .read(4096, 2000, 250)
        .send(latin1Bytes("a2 LOGOUT\r\n"))
        .read(1024, 1000, 100)
        .afterParse(["imap"]),
      ServiceProbe.tcp(POP3_PROBE, [110])
        .greet(4096, 2000, 250)
        .send(latin1Bytes("CAPA\r\n"))
        .read(4096, 2000, 250)
        .until(latin1Bytes("\r\n.\r\n"))
        .send(latin1Bytes("QUIT\r\n"))
        .read(1024, 1000, 100)
        .afterParse(["pop3"]),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    return parseMail(b);
  }

  /** A reply that reads as the other protocol (a server that changed under us) keeps what the greeting said. */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    const next = parseMail(reply);
    return next !== null && next.service == previous.service ? next : previous;
  }
}

register(new MailModule("pentora/mail", "0.1.0", DECODE_BYTES));
