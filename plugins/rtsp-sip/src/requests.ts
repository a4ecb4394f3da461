/**
 * The requests rtsp-sip sends: pure functions, no host calls.
 */

/** `host` as the host part of a URI: an IPv6 literal bracketed (RFC 3986 §3.2.2), a zone's "%" escaped (RFC 6874 §2). */
export function uriHost(host: string): string {
  return host.includes(":") ? "[" + host.replaceAll("%", "%25") + "]" : host;
}

/**
 * RTSP `OPTIONS` on the server's root (RFC 2326 §10.1, RFC 7826 §13.1): CSeq
 * is the one field every request needs (§12.17); a server answers with its
 * `Public` methods and, usually, `Server`.
 *
 * @example
 *   rtspOptions("192.0.2.5", 554) // "OPTIONS rtsp://192.0.2.5:554/ RTSP/1.0\r\nCSeq: 1\r\n..."
 */
export function rtspOptions(host: string, port: i32): string {
  return "OPTIONS rtsp://" + uriHost(host) + ":" + port.toString() + "/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: pentora/0.1\r\n\r\n";
}

/**
 * SIP `OPTIONS` over TCP (RFC 3261 §11.1) with the fields §8.1.1 makes
 * mandatory: To, From (with a tag), CSeq, Call-ID, Max-Forwards and Via (a
 * `branch` with the §8.1.1.7 magic cookie), plus Content-Length, which a
 * stream transport requires (§20.14). The Request-URI names a user (`nm`),
 * so a registrar answers for a user it does not know (404) and an endpoint
 * answers for itself; the port is in the URI unless it is SIP's default.
 */
export function sipOptions(host: string, port: i32): string {
  const target = "sip:nm@" + uriHost(host) + (port == 5060 ? "" : ":" + port.toString());
  return (
    "OPTIONS " + target + " SIP/2.0\r\n" +
    "Via: SIP/2.0/TCP pentora.invalid:5060;branch=z9hG4bK-pentora-1\r\n" +
    "Max-Forwards: 70\r\n" +
    "From: <sip:pentora@pentora.invalid>;tag=pentora\r\n" +
    "To: <" + target + ">\r\n" +
    "Call-ID: pentora-options@pentora.invalid\r\n" +
    "CSeq: 1 OPTIONS\r\n" +
    "Accept: application/sdp\r\n" +
    "Content-Length: 0\r\n\r\n"
  );
}
