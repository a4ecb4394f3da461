/** `discovered_hosts` records (host/engine/keys.ts) from echo results. */

import { IcmpResult, JsonValue } from "../../../sdk/assemblyscript/index";

export const METHOD = "icmp-echo";

/**
 * `{host, alive, method, reason, rtt_ms?}`. A host that answered with an
 * ICMP error instead (say, a router's host unreachable) is down, and the
 * reason names who said so.
 */
export function hostRecord(r: IcmpResult): JsonValue {
  const rec = JsonValue.obj().setStr("host", r.host).setBool("alive", r.alive).setStr("method", METHOD);
  let reason = r.reason.length > 0 ? r.reason : r.alive ? "echo-reply" : "no-response";
  if (!r.alive && r.from.length > 0) reason += " from " + r.from;
  rec.setStr("reason", reason.length > 200 ? reason.substring(0, 200) : reason);
  if (r.alive && r.rttMs > 0) rec.setNum("rtt_ms", Math.round(r.rttMs * 1000) / 1000);
  return rec;
}
