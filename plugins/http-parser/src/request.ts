/**
 * The requests http-parser sends: pure functions, no host calls.
 */

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
 * `GET path` over HTTP/1.0, so the server closes after one response (RFC 1945
 * §1.3) and never answers chunked (RFC 9112 §7.1 is HTTP/1.1 only).
 *
 * @example
 *   httpGet("192.0.2.1", 8080, "/") // "GET / HTTP/1.0\r\nHost: 192.0.2.1:8080\r\n..."
 */
export function httpGet(host: string, port: i32, path: string): string {
  return "GET " + path + " HTTP/1.0\r\nHost: " + hostHeader(host, port) + "\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n";
}
