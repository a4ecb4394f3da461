/**
 * pentora/mqtt: identifies MQTT brokers. Silent ports (1883 by hint, any as a
 * fallback) get one conversation: CONNECT (v3.1.1, clean session, a random
 * client id so no live client's session is taken over) and SUBSCRIBE to
 * $SYS/broker/version in one send, a read of CONNACK, SUBACK and the retained
 * version message, then DISCONNECT. src/identify.ts reads the answer.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, register, clockNow, clockMonoMs } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { connectAndSubscribe, disconnect } from "./packets";
import { identify } from "./identify";

export const PROBE_CONNECT = "mqtt-connect";
const DECODE_BYTES: i32 = 8192;

const HEX = "0123456789abcdef";

/** "pentora-" + 8 hex digits from FNV-1a over the endpoint and the clocks (plugins have no Math.random). */
export function clientId(host: string, port: i32, salt: f64): string {
  let h: u32 = 0x811c9dc5;
  const s = host + ":" + port.toString() + ":" + salt.toString();
  for (let i = 0; i < s.length; i++) {
    h ^= <u32>s.charCodeAt(i);
    h *= 0x01000193;
  }
  let out = "pentora-";
  for (let i = 7; i >= 0; i--) out += HEX.charAt(<i32>((h >> (<u32>i * 4)) & 0xf));
  return out;
}

class Mqtt extends ServiceModule {
  private seq: i32 = 0;

  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp(PROBE_CONNECT, [1883])
        .send(connectAndSubscribe("pentora-00000000"))
        .read(4096, 1500, 300)
        .send(disconnect())
        .fallback(),
    ];
  }

  payloadFor(probe: ServiceProbe, host: string, port: i32): Uint8Array | null {
    this.seq++;
    return connectAndSubscribe(clientId(host, port, clockNow() + clockMonoMs() + <f64>this.seq));
  }

  parse(b: Banner): ParsedBanner | null {
    return identify(b);
  }
}

register(new Mqtt("pentora/mqtt", "0.1.0", DECODE_BYTES));
