/**
 * pentora/rtsp-sip: RTSP and SIP, the text protocols of streaming and VoIP
 * that look like HTTP but are not. Sends RTSP `OPTIONS` to silent ports 554
 * and 8554 and SIP `OPTIONS` over TCP to silent port 5060 (neither as a
 * fallback: both are rare elsewhere), reads the SIP replies the UDP scanner
 * collected, and writes `parsed_services` (status, methods, headers) and
 * `service_fingerprints` (what Server / User-Agent names).
 */

import { ServiceModule, ServiceProbe } from "../../../sdk/assemblyscript/service";
import { Banner, ParsedBanner, register, latin1Bytes } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseMessage } from "./message";
import { rtspOptions, sipOptions } from "./requests";
import { readMessage } from "./read";

export const RTSP_PORTS: i32[] = [554, 8554];
export const SIP_PORTS: i32[] = [5060];
/** Bytes of the reply read: headers only, a few hundred bytes in practice. */
const READ_MAX: i32 = 8192;
/** Bytes of a banner parsed. */
const DECODE_MAX: i32 = 65536;

class RtspSip extends ServiceModule {
  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("rtsp-options", RTSP_PORTS).send(latin1Bytes(rtspOptions("localhost", 554))).read(READ_MAX, 2000, 300).until(latin1Bytes("\r\n\r\n")),
      ServiceProbe.tcp("sip-options", SIP_PORTS).send(latin1Bytes(sipOptions("localhost", 5060))).read(READ_MAX, 2000, 300).until(latin1Bytes("\r\n\r\n")),
    ];
  }

  /** The Request-URI names the endpoint: its address and port. */
  payloadFor(probe: ServiceProbe, host: string, port: i32): Uint8Array | null {
    return latin1Bytes(probe.name == "sip-options" ? sipOptions(host, port) : rtspOptions(host, port));
  }

  /**
   * An HTTP answer on an RTSP or SIP port (the grabber's GET /) may be an RTSP
   * server's HTTP tunnel (GStreamer answers GET / with a 503): still worth an
   * OPTIONS there. Probes only go to hinted ports, so this asks no more.
   */
  suggests(b: Banner): bool {
    return b.text.startsWith("HTTP/1.");
  }

  parse(b: Banner): ParsedBanner | null {
    const m = parseMessage(b.text);
    if (m === null) return null;
    return readMessage(b, m);
  }
}

register(new RtspSip("pentora/rtsp-sip", "0.1.0", DECODE_MAX));
