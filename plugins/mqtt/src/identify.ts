/**
 * From the broker's packets to a `parsed_services` record and a fingerprint:
 * a well-formed CONNACK proves MQTT whatever its return code (a broker that
 * refuses anonymous clients still answers "not authorized"); the retained
 * $SYS/broker/version message, when the broker publishes one, names the
 * product through rules.yaml (`mqtt.broker-version`). Pure.
 */

import { Banner, ParsedBanner, JsonValue, ProductMatch, RuleSet, RuleMatch, printable } from "../../../sdk/assemblyscript/index";
import { RULES_JSON } from "./rules.generated";
import { parseMqtt, returnCodeName } from "./packets";

const RULES = RuleSet.parse(RULES_JSON);

export function identify(b: Banner): ParsedBanner | null {
  const r = parseMqtt(b.data);
  if (r === null) return null;
  const fields = JsonValue.obj()
    .setInt("connack_code", r.returnCode)
    .setStr("connack", returnCodeName(r.returnCode))
    .setBool("session_present", r.sessionPresent);
  if (r.v5) fields.setInt("protocol_level", 5);
  if (r.subackCodes.length > 0) {
    const codes = JsonValue.arr();
    for (let i = 0; i < r.subackCodes.length; i++) codes.push(JsonValue.int(r.subackCodes[i]));
    fields.set("suback_codes", codes);
  }
  let m: ProductMatch;
  let evidence = "CONNACK " + r.returnCode.toString() + " (" + returnCodeName(r.returnCode) + ")";
  if (r.brokerVersion.length > 0) {
    fields.setStr("broker_version", r.brokerVersion);
    evidence += "; $SYS/broker/version " + r.brokerVersion;
    const rm: RuleMatch | null = RULES.first("mqtt.broker-version", r.brokerVersion);
    if (rm !== null) m = rm;
    else m = unnamed(85);
  } else {
    m = unnamed(r.returnCode == 0 ? 85 : 80);
  }
  return new ParsedBanner("mqtt", fields).add(b.print("mqtt", m, printable(evidence, 300)));
}

function unnamed(confidence: i32): ProductMatch {
  const m = new ProductMatch();
  m.confidence = confidence;
  return m;
}
