/**
 * The datagrams pentora/udp-scanner sends to provoke a reply from a UDP
 * service, each written from the protocol's specification. A UDP service
 * ignores a datagram it cannot parse, so an empty probe proves nothing when
 * a port is open; a well-formed request gets an answer. Pure functions:
 * everything a payload depends on (target, IDs, time) is an argument.
 *
 * Not here, on purpose: TFTP (RFC 1350 §4: the server answers from a new
 * port, which a connected UDP socket never sees) and IKE (RFC 7296: a valid
 * IKE_SA_INIT needs a Diffie-Hellman public value per proposal).
 */

import { ByteWriter, berTlv, berUint, concatBytes } from "../../../sdk/assemblyscript/index";

/**
 * At most this many requests go to one port, over all its rounds (each
 * datagram is re-sent `retries` times while unanswered, like any other).
 * The unit tests check every port against it.
 */
export const MAX_REQUESTS_PER_PORT: i32 = 2;

/**
 * The requests for `port`, as rounds. Round one sends every request of the
 * first set at once; each later set goes only to ports the whole previous
 * set left silent (SNMP v1 after v2c, a root NS query after version.bind:
 * the same question asked another way). A set holds more than one request
 * only when each provokes different information, so both replies are worth
 * keeping: NTP's client request proves any NTP server (chrony too) and gives
 * its stratum, while only a control READVAR makes ntpd or NTPsec name its
 * version. Replies become banners in set order, so the most telling request
 * comes first (pentora/netservices keeps the first banner of a port that
 * parses). Empty for a port without a known service.
 */
export function requestsFor(port: i32): string[][] {
  switch (port) {
    case 53: return [["dns-version-bind"], ["dns-root-ns"]];
    case 111: return [["rpc-null"]];
    case 123: return [["ntp-readvar", "ntp-client"]];
    case 137: return [["netbios-nbstat"]];
    case 161: return [["snmp-v2c-sysdescr"], ["snmp-v1-sysdescr"]];
    case 623: return [["rmcp-presence-ping"]];
    case 1900: return [["ssdp-msearch"]];
    case 3478: return [["stun-binding"]];
    case 5060: return [["sip-options"]];
    case 5351: return [["nat-pmp-external"]];
    case 5353: return [["mdns-services"]];
    case 5683: return [["coap-well-known-core"]];
    case 11211: return [["memcached-stats"]];
    default: return [];
  }
}

/** The request IDs and cookies in our datagrams: fixed, so probes and transcripts are reproducible. */
const ID16: i32 = 0x7065; // "pe"
const ID32: u32 = 0x70656e74; // "pent"

/**
 * The bytes of payload `name` for `host` (some protocols name the target in
 * the request). `clockMs` is the wall clock (NTP's transmit timestamp).
 * Unknown names give an empty datagram.
 */
export function buildPayload(name: string, host: string, clockMs: f64): Uint8Array {
  if (name == "dns-version-bind") return dnsQuery(ID16, "version.bind", 16, 3);
  if (name == "dns-root-ns") return dnsQuery(ID16, "", 2, 1);
  if (name == "mdns-services") return dnsQuery(ID16, "_services._dns-sd._udp.local", 12, 1);
  if (name == "ntp-client") return ntpClient(clockMs);
  if (name == "ntp-readvar") return ntpReadVar(1);
  if (name == "snmp-v2c-sysdescr") return snmpGetSysDescr(1, "public", ID32);
  if (name == "snmp-v1-sysdescr") return snmpGetSysDescr(0, "public", ID32);
  if (name == "netbios-nbstat") return netbiosNodeStatus(ID16);
  if (name == "ssdp-msearch") return ssdpMSearch(host);
  if (name == "memcached-stats") return memcachedStats(ID16);
  if (name == "rpc-null") return rpcNullCall(ID32);
  if (name == "stun-binding") return stunBinding();
  if (name == "coap-well-known-core") return coapWellKnownCore(ID16);
  if (name == "rmcp-presence-ping") return rmcpPresencePing(0x70);
  if (name == "nat-pmp-external") return natPmpExternalAddress();
  if (name == "sip-options") return sipOptions(host);
  return new Uint8Array(0);
}

/**
 * A DNS query (RFC 1035 §4.1): 12-byte header — ID, flags 0 (a standard
 * query, RD clear: no recursion asked of an authoritative server), QDCOUNT 1,
 * no other records — then QNAME, QTYPE, QCLASS. version.bind is TXT (16) in
 * class CHAOS (3), which BIND, Unbound, Knot and PowerDNS answer (or refuse,
 * which is an answer too); the root NS query is NS (2) in IN (1); DNS-SD's
 * service enumeration (RFC 6763 §9) is PTR (12) in IN. Sent from a port
 * other than 5353, an mDNS query is a "legacy unicast" one (RFC 6762 §6.7),
 * answered by unicast to the sender with the same ID.
 */
export function dnsQuery(id: i32, name: string, qtype: i32, qclass: i32): Uint8Array {
  return new ByteWriter().u16(id).u16(0).u16(1).u16(0).u16(0).u16(0).dnsName(name).u16(qtype).u16(qclass).finish();
}

/** Seconds between the NTP era 0 epoch (1900-01-01) and the Unix epoch (RFC 5905 §6). */
const NTP_UNIX_OFFSET: f64 = 2208988800;

/**
 * An NTPv4 client request (RFC 5905 §7.3): 48 bytes; the first holds LI 0,
 * VN 4, Mode 3 (client) = 0x23; everything else zero except the transmit
 * timestamp (bytes 40..47, seconds since 1900 and a 32-bit fraction), which
 * the server copies into its reply's origin timestamp. Some servers drop a
 * request whose transmit timestamp is zero, hence the clock.
 */
export function ntpClient(clockMs: f64): Uint8Array {
  const w = new ByteWriter().u8(0x23);
  for (let i = 1; i < 40; i++) w.u8(0);
  const t = max(clockMs, 0) / 1000 + NTP_UNIX_OFFSET;
  const secs = Math.floor(t);
  w.u32(<u32>(<u64>secs & 0xffffffff));
  w.u32(<u32>Math.floor((t - secs) * 4294967296.0));
  return w.finish();
}

/**
 * An NTP control message (mode 6, RFC 9327 §2; RFC 1305 Appendix B): a
 * 12-byte header — LI 0, VN 2, Mode 6 = 0x16 (version 2, as ntpq sends;
 * ntpd and NTPsec accept 1 to 4), then R 0, E 0, M 0 and opcode 2
 * (READVAR), the sequence number, status 0, association ID 0 (the system
 * itself), offset 0 and count 0 (no data, so no padding). ntpd and NTPsec
 * answer with their system variables as `name=value` text, `version=` and
 * `system=` among them, unless configured `restrict ... noquery`; chrony
 * does not speak mode 6.
 */
export function ntpReadVar(sequence: i32): Uint8Array {
  return new ByteWriter().u8(0x16).u8(0x02).u16(sequence).u16(0).u16(0).u16(0).u16(0).finish();
}

/** An OBJECT IDENTIFIER's content octets (X.690 §8.19): 40*arc1 + arc2, then base-128 arcs, high bit = more. */
export function berOid(dotted: string): Uint8Array {
  const arcs = dotted.split(".");
  const w = new ByteWriter();
  const first = <u32>(I32.parseInt(arcs[0]) * 40 + I32.parseInt(arcs[1]));
  const all = new Array<u32>();
  all.push(first);
  for (let i = 2; i < arcs.length; i++) all.push(<u32>I32.parseInt(arcs[i]));
  for (let i = 0; i < all.length; i++) {
    const v = all[i];
    let started = false;
    for (let shift = 28; shift >= 0; shift -= 7) {
      const group = <i32>((v >>> shift) & 0x7f);
      if (!started && group == 0 && shift > 0) continue;
      started = true;
      w.u8(shift > 0 ? group | 0x80 : group);
    }
  }
  return w.finish();
}

/** sysDescr.0 (RFC 1213 / RFC 3418): the agent's free-text description of itself. */
export const SYS_DESCR_OID = "1.3.6.1.2.1.1.1.0";

/**
 * An SNMP GetRequest for sysDescr.0. The message (RFC 1157 §4 for v1,
 * version 0; RFC 1901 §3 for community-based v2c, version 1) is
 * SEQUENCE { version INTEGER, community OCTET STRING, GetRequest-PDU }, the
 * PDU [0] IMPLICIT SEQUENCE { request-id, error-status 0, error-index 0,
 * variable-bindings SEQUENCE OF SEQUENCE { name OID, value NULL } }
 * (RFC 3416 §3 for the PDU). "public" is the read community agents ship with.
 */
export function snmpGetSysDescr(version: i32, community: string, requestId: u32): Uint8Array {
  const varbind = berTlv(0x30, concatBytes([berTlv(0x06, berOid(SYS_DESCR_OID)), berTlv(0x05, new Uint8Array(0))]));
  const pdu = berTlv(
    0xa0,
    concatBytes([berTlv(0x02, berUint(requestId)), berTlv(0x02, berUint(0)), berTlv(0x02, berUint(0)), berTlv(0x30, varbind)]),
  );
  const communityBytes = new ByteWriter().ascii(community).finish();
  return berTlv(0x30, concatBytes([berTlv(0x02, berUint(<u32>version)), berTlv(0x04, communityBytes), pdu]));
}

/**
 * A NetBIOS NODE STATUS REQUEST (RFC 1002 §4.2.17): a name-service header
 * (ID, flags 0, QDCOUNT 1), the wildcard name "*" padded with NULs to 16
 * bytes in first-level encoding (RFC 1001 §14.1: each half-byte + 'A', so
 * "*" = 0x2A -> "CK" and each 0x00 -> "AA"), as one 32-byte label, then
 * QUESTION_TYPE NBSTAT (0x21) and QUESTION_CLASS IN (1). Windows and Samba
 * answer with the node's name table (names, domain, MAC address).
 */
export function netbiosNodeStatus(id: i32): Uint8Array {
  const name = new ByteWriter();
  const raw = new Uint8Array(16);
  raw[0] = 0x2a;
  for (let i = 0; i < 16; i++) name.u8(0x41 + (raw[i] >> 4)).u8(0x41 + (raw[i] & 0x0f));
  return new ByteWriter().u16(id).u16(0).u16(1).u16(0).u16(0).u16(0).u8(32).bytes(name.finish()).u8(0).u16(0x21).u16(1).finish();
}

/**
 * A unicast SSDP search (UPnP Device Architecture 2.0 §1.3.2): HOST names
 * the device (not the multicast group) with port 1900, MAN is the quoted
 * "ssdp:discover" extension, ST ssdp:all asks for every device and service.
 * MX is kept (UDA 1.0 devices require it; UDA 2.0 ones ignore it in unicast).
 */
export function ssdpMSearch(host: string): Uint8Array {
  const h = host.includes(":") ? "[" + host + "]" : host;
  return new ByteWriter()
    .ascii("M-SEARCH * HTTP/1.1\r\n")
    .ascii("HOST: " + h + ":1900\r\n")
    .ascii("MAN: \"ssdp:discover\"\r\n")
    .ascii("MX: 1\r\n")
    .ascii("ST: ssdp:all\r\n")
    .ascii("\r\n")
    .finish();
}

/**
 * memcached's `stats` over UDP (memcached protocol.txt, "UDP protocol"):
 * every datagram starts with an 8-byte frame header — request ID, sequence
 * number 0, total datagrams 1, reserved 0 — then the text command. A server
 * with UDP enabled answers with its statistics (and is an amplifier).
 */
export function memcachedStats(requestId: i32): Uint8Array {
  return new ByteWriter().u16(requestId).u16(0).u16(1).u16(0).ascii("stats\r\n").finish();
}

/**
 * An ONC RPC call of the portmapper's NULL procedure (RFC 5531 §9; program
 * 100000 version 2, RFC 1833 §3): xid, msg_type CALL (0), rpcvers 2, prog,
 * vers, proc 0, then credential and verifier AUTH_NONE (flavor 0, length 0).
 * NULL takes no arguments and returns nothing: an accepted reply proves rpcbind.
 */
export function rpcNullCall(xid: u32): Uint8Array {
  return new ByteWriter().u32(xid).u32(0).u32(2).u32(100000).u32(2).u32(0).u32(0).u32(0).u32(0).u32(0).finish();
}

/**
 * A STUN Binding request (RFC 8489 §5, §6): type 0x0001, message length 0,
 * the magic cookie 0x2112A442 and a 96-bit transaction ID, no attributes.
 * The server answers with the sender's reflexive address.
 */
export function stunBinding(): Uint8Array {
  return new ByteWriter().u16(0x0001).u16(0).u32(0x2112a442).ascii("pentora-stun").finish();
}

/**
 * A CoAP GET of /.well-known/core (RFC 7252 §3, RFC 6690 §4): header
 * Ver 1, Type CON (0), TKL 0 = 0x40, Code 0.01 GET, a message ID, then two
 * Uri-Path options (number 11): the first with delta 11 and length 11
 * (0xBB) ".well-known", the next with delta 0 and length 4 (0x04) "core".
 * A CoAP server answers with its resource links.
 */
export function coapWellKnownCore(messageId: i32): Uint8Array {
  return new ByteWriter().u8(0x40).u8(0x01).u16(messageId).u8(0xbb).ascii(".well-known").u8(0x04).ascii("core").finish();
}

/**
 * An RMCP ASF Presence Ping (DMTF DSP0136, ASF 2.0 §3.2.4.1 and §3.2.2):
 * RMCP header — version 6, reserved 0, sequence 0xFF (no RMCP ACK wanted),
 * class 6 (ASF) — then the ASF message: IANA enterprise number 4542
 * (0x000011BE), type 0x80 (Presence Ping), a message tag, reserved 0, data
 * length 0. BMCs with IPMI over LAN answer with a Presence Pong.
 */
export function rmcpPresencePing(tag: i32): Uint8Array {
  return new ByteWriter().u8(0x06).u8(0x00).u8(0xff).u8(0x06).u32(4542).u8(0x80).u8(tag).u8(0).u8(0).finish();
}

/** A NAT-PMP external address request (RFC 6886 §3.2): version 0, opcode 0. Gateways answer with their public address. */
export function natPmpExternalAddress(): Uint8Array {
  return new ByteWriter().u8(0).u8(0).finish();
}

/**
 * A SIP OPTIONS request (RFC 3261 §11), with the headers §8.1.1 requires:
 * Via (with `rport`, RFC 3581, so the answer comes back to the port we sent
 * from whatever the Via says), Max-Forwards, From with a tag, To, Call-ID and
 * CSeq. A SIP server or phone answers with a status and its capabilities.
 */
export function sipOptions(host: string): Uint8Array {
  const h = host.includes(":") ? "[" + host + "]" : host;
  return new ByteWriter()
    .ascii("OPTIONS sip:" + h + " SIP/2.0\r\n")
    .ascii("Via: SIP/2.0/UDP pentora.invalid:5060;branch=z9hG4bK-pentora-1;rport\r\n")
    .ascii("Max-Forwards: 70\r\n")
    .ascii("From: <sip:pentora@pentora.invalid>;tag=pentora\r\n")
    .ascii("To: <sip:" + h + ">\r\n")
    .ascii("Call-ID: pentora-options@pentora.invalid\r\n")
    .ascii("CSeq: 1 OPTIONS\r\n")
    .ascii("Accept: application/sdp\r\n")
    .ascii("Content-Length: 0\r\n")
    .ascii("\r\n")
    .finish();
}
