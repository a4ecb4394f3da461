/**
 * pentora/tls: says hello to silent ports that may speak TLS (probe
 * `tls-client-hello`: a TLS 1.2 ClientHello, so the server's Certificate comes
 * back in the clear), parses the first flight (ServerHello, Certificate,
 * ServerHelloDone, or an alert) and writes `parsed_services` (version,
 * cipher, JA3S, the leaf certificate's summary, chain length) and a
 * `service_fingerprints` record per product the certificate names (rules.yaml),
 * or one without a product when none does.
 */

import { ServiceModule, ServiceProbe } from "../../../sdk/assemblyscript/service";
import { Banner, ParsedBanner, JsonValue, RuleSet, RuleMatch, clockNow, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseTls, TlsReply } from "./parse";
import { tlsFields, serviceForPort, evidenceOf } from "./fields";
import { clientHello, sniName, helloRandom } from "./hello";
import { RULES_JSON } from "./rules.generated";

const RULES = RuleSet.parse(RULES_JSON);

/** Implicit-TLS ports (IANA): https, nntps, ldaps, DNS over TLS, ftps, telnets, imaps, ircs, pop3s, sips, WinRM, IRC, alt https. */
const HINT_PORTS: i32[] = [443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 5986, 6697, 8443, 9443];
/** A first flight with a long chain fits; the read ends earlier on the server's idle pause or close. */
const READ_BYTES: i32 = 32768;
const READ_TIMEOUT_MS: i32 = 3000;
const READ_IDLE_MS: i32 = 250;
/** Certificate SANs handed to the rules. */
const MAX_SAN_RULES: i32 = 16;
/** Confidence that an endpoint is TLS: a ServerHello is unambiguous, a lone alert less so. */
const HELLO_CONFIDENCE: i32 = 90;
const ALERT_CONFIDENCE: i32 = 70;

class TlsModule extends ServiceModule {
  private seed: u64 = 0;
  private named: i32 = 0;
  private alerts: i32 = 0;

  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("tls-client-hello", HINT_PORTS)
        .send(clientHello("", helloRandom(1)))
        .read(READ_BYTES, READ_TIMEOUT_MS, READ_IDLE_MS)
        .fallback(),
    ];
  }

  /** The ClientHello for this endpoint: server_name when the target is a name, a fresh Random. */
  payloadFor(probe: ServiceProbe, host: string, port: i32): Uint8Array | null {
    if (this.seed == 0) this.seed = <u64>clockNow() | 1;
    this.seed = mix(this.seed, host, port);
    return clientHello(sniName(host), helloRandom(this.seed));
  }

  parse(b: Banner): ParsedBanner | null {
    const r = parseTls(b.data);
    if (r === null) return null;
    if (r.hello === null) this.alerts++;
    const service = serviceForPort(b.port);
    const fields = tlsFields(r);
    const evidence = evidenceOf(r);
    const out = new ParsedBanner(service, fields);
    const matches = productsOf(r);
    for (let i = 0; i < matches.length; i++) {
      const m = matches[i];
      out.add(b.print(m.service.length > 0 ? m.service : service, m, evidence).set("extra", JsonValue.obj().setStr("rule", m.id)));
    }
    if (matches.length > 0) this.named++;
    else out.add(b.fingerprint(service, "", "", "", r.hello !== null ? HELLO_CONFIDENCE : ALERT_CONFIDENCE).setStr("evidence", evidence));
    return out;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("named", this.named).setInt("alerts", this.alerts);
  }
}

/** What the leaf certificate names: rules over the subject, then the issuer, then the SANs; one match per product. */
function productsOf(r: TlsReply): RuleMatch[] {
  const out: RuleMatch[] = [];
  const leaf = r.leaf;
  if (leaf === null) return out;
  addAll(out, RULES.all("tls.subject", leaf.subject.text));
  addAll(out, RULES.all("tls.issuer", leaf.issuer.text));
  const n = min(leaf.sanDns.length, MAX_SAN_RULES);
  for (let i = 0; i < n; i++) addAll(out, RULES.all("tls.san", leaf.sanDns[i]));
  return out;
}

function addAll(out: RuleMatch[], list: RuleMatch[]): void {
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    let seen = false;
    for (let j = 0; j < out.length; j++) if (out[j].product == m.product) seen = true;
    if (!seen) out.push(m);
  }
}

/** FNV-1a of the endpoint folded into the seed, so each connection's Random differs. */
function mix(seed: u64, host: string, port: i32): u64 {
  let h: u64 = seed ^ 0xcbf29ce484222325;
  for (let i = 0; i < host.length; i++) {
    h ^= <u64>host.charCodeAt(i);
    h *= 0x100000001b3;
  }
  h ^= <u64>port;
  h *= 0x100000001b3;
  return h;
}

register(new TlsModule("pentora/tls", "0.1.0"));
