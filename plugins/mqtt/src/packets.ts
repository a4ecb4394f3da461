/**
 * MQTT 3.1.1 control packets (OASIS MQTT Version 3.1.1, §2-3; v5.0 §3.2 for
 * CONNACK properties):
 *
 *   fixed header  byte 1: type << 4 | flags;  remaining length: 1-4 bytes, 7 bits each, LSB first
 *   CONNECT   0x10: "\0\4MQTT", level 4, flags, keep-alive u16be; payload client id (u16be length + UTF-8)
 *   CONNACK   0x20: ack flags (bit 0 session present), return code
 *             (0 accepted, 1 bad protocol version, 2 identifier rejected, 3 server unavailable,
 *              4 bad user name or password, 5 not authorized; v5 reason codes >= 0x80)
 *   SUBSCRIBE 0x82: packet id u16be; topic filter (u16be length + UTF-8), requested QoS
 *   SUBACK    0x90: packet id; one return code per filter (0-2 granted QoS, 0x80 failure)
 *   PUBLISH   0x3X: topic (u16be length + UTF-8), packet id when QoS > 0, payload
 *   DISCONNECT 0xE0 0x00
 */

import { ByteWriter, latin1Bytes, printable, latin1, u16be } from "../../../sdk/assemblyscript/index";

export const VERSION_TOPIC = "$SYS/broker/version";
const MAX_PACKETS: i32 = 16;
const MAX_VERSION: i32 = 128;

/** CONNECT (v3.1.1, clean session, keep-alive 60 s) for `clientId`, then SUBSCRIBE to $SYS/broker/version at QoS 0. */
export function connectAndSubscribe(clientId: string): Uint8Array {
  const w = new ByteWriter().u8(0x10);
  const connect = w.open(1); // remaining length in one byte (< 128): a short client id
  w.u16(4).ascii("MQTT").u8(4).u8(0x02).u16(60); // protocol name, level 4, clean session, keep-alive
  w.u16(clientId.length).bytes(latin1Bytes(clientId));
  w.close(connect, 1);
  w.u8(0x82);
  const sub = w.open(1);
  w.u16(1); // packet id
  w.u16(VERSION_TOPIC.length).ascii(VERSION_TOPIC).u8(0); // topic filter, QoS 0
  w.close(sub, 1);
  return w.finish();
}

export function disconnect(): Uint8Array {
  return new ByteWriter().u8(0xe0).u8(0).finish();
}

/** What the broker answered. */
export class MqttReply {
  /** CONNACK return code (v3) or reason code (v5); -1 without a CONNACK. */
  returnCode: i32 = -1;
  sessionPresent: bool = false;
  /** A v5 CONNACK (properties after the code): the broker speaks 5.0 only. */
  v5: bool = false;
  /** SUBACK return codes, when one came. */
  subackCodes: i32[] = [];
  /** The payload published on $SYS/broker/version, printable. */
  brokerVersion: string = "";
  /** Packet types in order (high nibble), e.g. [2, 9, 3]. */
  types: i32[] = [];
}

/** The meaning of a CONNACK return code (v3.1.1 §3.2.2.3; v5 reason codes >= 0x80). */
export function returnCodeName(code: i32): string {
  if (code == 0) return "accepted";
  if (code == 1) return "unacceptable protocol version";
  if (code == 2) return "identifier rejected";
  if (code == 3) return "server unavailable";
  if (code == 4) return "bad user name or password";
  if (code == 5) return "not authorized";
  if (code == 0x84) return "unsupported protocol version";
  if (code == 0x86) return "bad user name or password";
  if (code == 0x87) return "not authorized";
  if (code >= 0x80) return "refused (reason " + code.toString() + ")";
  return "unknown";
}

/** The broker's packets in `data`, or null unless they start with a well-formed CONNACK. */
export function parseMqtt(data: Uint8Array): MqttReply | null {
  if (data.length < 4 || data[0] != 0x20) return null;
  const out = new MqttReply();
  let pos = 0;
  for (let n = 0; n < MAX_PACKETS && pos < data.length; n++) {
    const type = <i32>data[pos] >> 4;
    const flags = <i32>data[pos] & 0x0f;
    // remaining length: at most 4 bytes
    let len = 0;
    let mult = 1;
    let i = pos + 1;
    let done = false;
    for (let k = 0; k < 4 && i < data.length; k++) {
      const byte = <i32>data[i++];
      len += (byte & 0x7f) * mult;
      mult <<= 7;
      if ((byte & 0x80) == 0) {
        done = true;
        break;
      }
    }
    if (!done) break;
    const start = i;
    const end = start + len;
    if (n == 0) {
      // CONNACK: v3.1.1 remaining length 2, flags 0, ack flags 0 or 1; v5 adds a property length.
      if (flags != 0 || len < 2 || len > 64 || end > data.length) return null;
      const ack = <i32>data[start];
      if (ack > 1) return null;
      out.sessionPresent = ack == 1;
      out.returnCode = <i32>data[start + 1];
      out.v5 = len > 2;
      if (!out.v5 && out.returnCode > 5) return null;
    } else if (end > data.length) {
      out.types.push(type);
      if (type == 3) readPublish(out, data, start, data.length, flags); // cut by the read: the topic and some payload may be there
      break;
    } else if (type == 9) {
      for (let k = start + 2; k < end && out.subackCodes.length < 8; k++) out.subackCodes.push(<i32>data[k]);
    } else if (type == 3) {
      readPublish(out, data, start, end, flags);
    }
    out.types.push(type);
    pos = end;
  }
  return out.returnCode >= 0 ? out : null; // no complete CONNACK: not an answer to CONNECT
}

function readPublish(out: MqttReply, data: Uint8Array, start: i32, end: i32, flags: i32): void {
  if (end - start < 2) return;
  const tlen = u16be(data, start);
  const tEnd = start + 2 + tlen;
  if (tEnd > end) return;
  const topic = latin1(data.subarray(start + 2, tEnd));
  let p = tEnd;
  if (((flags >> 1) & 3) > 0) p += 2; // packet id for QoS 1, 2
  if (p > end || topic != VERSION_TOPIC || out.brokerVersion.length > 0) return;
  out.brokerVersion = printable(latin1(data.subarray(p, min(end, p + MAX_VERSION))), MAX_VERSION);
}
