/**
 * What the grabber probes and what it sends: pure functions, no host calls.
 */

import { JsonValue } from "../../../sdk/assemblyscript/index";

/** One open TCP port to grab from. */
export class Endpoint {
  host: string;
  port: i32;
  /** Connect time of the last probe, and why its read ended (for a silent port's record). */
  rttMs: f64 = 0;
  reason: string = "";

  constructor(host: string, port: i32) {
    this.host = host;
    this.port = port;
  }
}

/**
 * The distinct open TCP ports of `open_ports` records, in input order. Fed a
 * page of records at a time, so only the compact endpoints stay in memory,
 * never the whole list. Several scanners may report the same port; it is
 * grabbed once.
 */
export class Endpoints {
  list: Endpoint[] = [];
  private seen: Set<string> = new Set();

  /** Adds the open TCP ports of `records` (an array) not seen before. */
  add(records: JsonValue): void {
    for (let i = 0; i < records.len(); i++) {
      const r = records.at(i);
      if (!r.isObj()) continue;
      if (r.getStr("protocol") != "tcp" || r.getStr("state") != "open") continue;
      const host = r.getStr("host");
      const port = r.getInt("port", -1);
      if (host.length == 0 || port < 1 || port > 65535) continue;
      const key = host + "|" + port.toString();
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.list.push(new Endpoint(host, <i32>port));
    }
  }
}

/**
 * Read bytes one host call may bring back. A reply is base64 JSON that the
 * SDK turns into UTF-16 strings and a JSON tree, whose base64 strings then go
 * into the records and out again as JSON: about ten times this in guest
 * memory at the peak (measured: 5.5 MiB at 4 KiB reads, 11 MiB at 64 KiB),
 * so 512 KiB stays well inside the manifest's 256 pages.
 */
const READ_BUDGET: i32 = 1 << 19;
const MIN_BATCH: i32 = 8;
const MAX_BATCH: i32 = 512;

/**
 * Probes per host call for a given read size: 128 ports at the default 4096
 * bytes, 512 (the manifest's `concurrent`) for small reads, 8 at 64 KiB.
 */
export function batchSize(maxBytes: i32): i32 {
  const n = READ_BUDGET / max(maxBytes, 1);
  return min(max(n, MIN_BATCH), MAX_BATCH);
}

/**
 * The `Host` field value for `host`:`port` (RFC 9110 §7.2): the authority of
 * the target URI, so the port is included unless it is http's default (80),
 * and an IPv6 literal is bracketed (RFC 3986 §3.2.2) with its zone's "%"
 * escaped (RFC 6874 §2).
 */
export function hostHeader(host: string, port: i32): string {
  let h = host;
  if (h.includes(":")) h = "[" + h.replaceAll("%", "%25") + "]";
  return port == 80 ? h : h + ":" + port.toString();
}

/**
 * The fallback request for ports that stay silent: HTTP/1.0 so the server
 * closes after one response (RFC 1945 §1.3) and never answers chunked.
 */
export function httpRequest(host: string, port: i32): string {
  return "GET / HTTP/1.0\r\nHost: " + hostHeader(host, port) + "\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n";
}
