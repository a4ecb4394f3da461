/**
 * pentora/http-parser: the HTTP/1.x family. Reads `banners`, sends `GET /`
 * (probe `http-get`) to silent ports that may be web servers, then
 * `GET /favicon.ico` (probe `http-favicon`) to what answered as HTTP, and
 * writes `parsed_services` (status, headers, title, realm, favicon hashes)
 * and `service_fingerprints` (one per product: the web server and what it
 * reveals behind it, such as PHP or OpenSSL). Other protocols produce nothing.
 */

import { ServiceModule, ServiceProbe } from "../../../sdk/assemblyscript/service";
import { Banner, ParsedBanner, register, JsonValue, latin1Bytes } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseResponse } from "./parse";
import { httpGet } from "./request";
import { readResponse } from "./response";
import { readFavicon } from "./favicon-reply";

/**
 * Ports where a silent endpoint gets `GET /`: the web ports of common
 * software (Docker 2375, Grafana 3000, Kibana 5601, Elasticsearch 9200, ...).
 * TLS ports (443, 8443, 9443) are left to a TLS plugin.
 */
export const HTTP_PORTS: i32[] = [80, 81, 591, 2375, 3000, 5000, 5601, 8000, 8008, 8080, 8081, 8088, 8888, 9000, 9090, 9200];

/** Bytes read of `GET /`: the headers and the top of the page (title, Elasticsearch's JSON). */
const GET_MAX_BYTES: i32 = 16384;
/** Bytes read of `/favicon.ico`: icons are mostly 1-32 KiB; a bigger one is not hashed (cut). */
export const FAVICON_MAX_BYTES: i32 = 65536;

class HttpModule extends ServiceModule {
  private favicons: i32 = 0;

  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("http-get", HTTP_PORTS).send(latin1Bytes(httpGet("localhost", 80, "/"))).read(GET_MAX_BYTES, 2000, 300).fallback(),
      ServiceProbe.tcp("http-favicon", HTTP_PORTS).send(latin1Bytes(httpGet("localhost", 80, "/favicon.ico"))).read(FAVICON_MAX_BYTES, 2000, 300).afterParse(),
    ];
  }

  /** Each request names the endpoint in `Host` (RFC 9110 §7.2): virtual hosts and proxies need it. */
  payloadFor(probe: ServiceProbe, host: string, port: i32): Uint8Array | null {
    return latin1Bytes(httpGet(host, port, probe.name == "http-favicon" ? "/favicon.ico" : "/"));
  }

  parse(b: Banner): ParsedBanner | null {
    // A favicon reply is not a reading of the service: only followUp takes it.
    if (b.probe == "http-favicon") return null;
    const resp = parseResponse(b.text);
    if (resp === null) return null;
    return readResponse(b, resp);
  }

  /** The favicon's hashes join the `GET /` record; its products join the prints. */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    if (reply.probe != "http-favicon") return previous;
    if (readFavicon(previous, reply, FAVICON_MAX_BYTES)) this.favicons++;
    return previous;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("favicons", this.favicons);
  }
}

register(new HttpModule("pentora/http-parser", "0.1.0"));
