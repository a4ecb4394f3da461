/**
 * Which hosts answered: any SYN-ACK or RST (or, for connect probes, an
 * accepted or refused connection) proves a host is up, whatever the port's
 * state. Kept apart from the I/O so it can be tested with plain results.
 */

import { JsonValue } from "../../../sdk/assemblyscript/index";

/** The first answer seen from one host. */
class Answer {
  reason: string;
  rttMs: f64;
  constructor(reason: string, rttMs: f64) {
    this.reason = reason;
    this.rttMs = rttMs;
  }
}

export class Liveness {
  private answers: Map<string, Answer> = new Map<string, Answer>();

  /**
   * Notes one probe's answer: state "open" or "closed" (anything else is
   * silence). `how` names what came back, e.g. "syn-ack" or "rst".
   */
  note(host: string, port: i32, state: string, how: string, rttMs: f64): void {
    if (state != "open" && state != "closed") return;
    if (this.answers.has(host)) return;
    this.answers.set(host, new Answer(how + " on " + port.toString() + "/tcp", rttMs));
  }

  isUp(host: string): bool {
    return this.answers.has(host);
  }

  /** The `discovered_hosts` record of `host`: alive with the first answer, or not alive. */
  record(host: string, method: string): JsonValue {
    const rec = JsonValue.obj().setStr("host", host).setStr("method", method);
    if (!this.answers.has(host)) return rec.setBool("alive", false).setStr("reason", "no-response");
    const a = this.answers.get(host);
    rec.setBool("alive", true).setStr("reason", a.reason);
    if (a.rttMs > 0) rec.setNum("rtt_ms", Math.round(a.rttMs * 1000) / 1000);
    return rec;
  }
}

/** What a connect result says about the peer: "connect" (accepted) or "refused" (an RST to the SYN). */
export function connectHow(state: string, reason: string): string {
  if (state == "open") return "connect";
  return reason == "self-connect" ? "self-connect" : "refused";
}
