/**
 * Packet bytes for the raw-socket engine: builders and parsers for IPv4,
 * TCP, UDP and ICMP/ICMPv6 echo, and the internet checksum. Pure functions
 * over Uint8Array/Buffer, no I/O, so every layout is table-tested against
 * captured vectors (test/net/raw-packets.test.ts).
 *
 * Layouts (network byte order throughout):
 *   IPv4   RFC 791 §3.1     20-byte header, no options when we build one
 *   TCP    RFC 9293 §3.1    20 bytes + options (we send MSS only: kind 2, len 4)
 *   UDP    RFC 768          8 bytes
 *   ICMP   RFC 792          echo: type 8/0, code 0, checksum, identifier, sequence
 *   ICMPv6 RFC 4443 §4      echo: type 128/129 (the kernel fills its checksum on raw sockets)
 *   checksum RFC 1071; TCP/UDP over IPv4 include the pseudo-header of RFC 9293 §3.1,
 *   over IPv6 the one of RFC 8200 §8.1.
 *
 * @example
 * const pkt = buildTcpSyn4({ src: ipv4ToInt('10.0.0.1'), dst: ipv4ToInt('10.0.0.2'), srcPort: 61000, dstPort: 22, seq: 0x12345678 });
 * const ip = parseIpv4(pkt); // { protocol: 6, headerLength: 20, ... }
 * parseTcp(pkt, ip!.headerLength); // { dstPort: 22, flags: TcpFlag.SYN, mss: 1460, ... }
 */

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, RAW: 255 } as const;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export const IcmpType = { EchoReply: 0, DestUnreachable: 3, EchoRequest: 8, TimeExceeded: 11 } as const;
export const Icmp6Type = { DestUnreachable: 1, EchoRequest: 128, EchoReply: 129 } as const;
/** Destination-unreachable code 3: the port, i.e. a closed UDP port (RFC 792). */
export const ICMP_PORT_UNREACHABLE = 3;
/** ICMPv6 destination-unreachable code 4: port unreachable (RFC 4443 §3.1). */
export const ICMP6_PORT_UNREACHABLE = 4;

export const IPV4_HEADER_BYTES = 20;
export const TCP_SYN_BYTES = 24; // 20-byte header + MSS option
export const UDP_HEADER_BYTES = 8;
export const ICMP_ECHO_HEADER_BYTES = 8;

// ---------------------------------------------------------------------------
// Checksum (RFC 1071)

/**
 * Adds the 16-bit big-endian words of bytes[start, end) to `acc` (an odd
 * final byte is padded with zero on the right). Not folded: fold with
 * finishChecksum. Safe for any packet size: 65535 words of 0xffff stay far
 * below 2^53.
 */
export function sumWords(bytes: Uint8Array, start = 0, end = bytes.length, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) sum += (bytes[i] as number) << 8;
  return sum;
}

/** Folds the carries of a word sum and returns the ones' complement: the value to put in the checksum field. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** The internet checksum of bytes[start, end). Over a region that holds a correct checksum it is 0. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, acc = 0): number {
  return finishChecksum(sumWords(bytes, start, end, acc));
}

/** Word sum of the IPv4 pseudo-header: source, destination, zero, protocol, transport length. */
export function pseudoSum4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Word sum of the IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit length, next header. */
export function pseudoSum6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  return sumWords(src, 0, 16) + sumWords(dst, 0, 16) + (length >>> 16) + (length & 0xffff) + nextHeader;
}

// ---------------------------------------------------------------------------
// Addresses

/** '192.0.2.7' -> 0xc0000207 (unsigned). Throws on anything that is not a dotted quad. */
export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new TypeError(`not an IPv4 address: ${ip}`);
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new TypeError(`not an IPv4 address: ${ip}`);
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function intToIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** Reads a big-endian u32 as an unsigned number. */
export function readU32(b: Uint8Array, o: number): number {
  return (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
}
export function readU16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

// ---------------------------------------------------------------------------
// IPv4

export interface Ipv4HeaderFields {
  src: number;
  dst: number;
  protocol: number;
  /** Bytes after the header. */
  payloadLength: number;
  ttl?: number;
  id?: number;
  /** Don't Fragment; default true (our probes are small). */
  df?: boolean;
}

/** Writes a 20-byte IPv4 header (no options) with its checksum at `b[o..o+20)`. */
export function writeIpv4Header(b: Uint8Array, o: number, f: Ipv4HeaderFields): void {
  b[o] = 0x45; // version 4, IHL 5 words
  b[o + 1] = 0; // DSCP/ECN
  writeU16(b, o + 2, IPV4_HEADER_BYTES + f.payloadLength);
  writeU16(b, o + 4, (f.id ?? 0) & 0xffff);
  writeU16(b, o + 6, f.df === false ? 0 : 0x4000); // flags DF, fragment offset 0
  b[o + 8] = f.ttl ?? 64;
  b[o + 9] = f.protocol;
  writeU16(b, o + 10, 0);
  writeU32(b, o + 12, f.src);
  writeU32(b, o + 16, f.dst);
  writeU16(b, o + 10, internetChecksum(b, o, o + IPV4_HEADER_BYTES));
}

export interface Ipv4Header {
  headerLength: number;
  totalLength: number;
  id: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
  /** Fragment offset (in bytes) and more-fragments flag: only an unfragmented datagram's payload is parsed. */
  fragmentOffset: number;
  moreFragments: boolean;
}

/**
 * Parses an IPv4 header at b[o..]. Returns null when it is not one: wrong
 * version, IHL < 5, or shorter than it claims. `totalLength` is bounded by the
 * bytes present (a raw socket may hand us a truncated packet).
 */
export function parseIpv4(b: Uint8Array, o = 0): Ipv4Header | null {
  if (b.length - o < IPV4_HEADER_BYTES) return null;
  const vihl = b[o] as number;
  if (vihl >> 4 !== 4) return null;
  const headerLength = (vihl & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_BYTES || b.length - o < headerLength) return null;
  const frag = readU16(b, o + 6);
  return {
    headerLength,
    totalLength: Math.min(readU16(b, o + 2), b.length - o),
    id: readU16(b, o + 4),
    ttl: b[o + 8] as number,
    protocol: b[o + 9] as number,
    src: readU32(b, o + 12),
    dst: readU32(b, o + 16),
    fragmentOffset: (frag & 0x1fff) * 8,
    moreFragments: (frag & 0x2000) !== 0,
  };
}

// ---------------------------------------------------------------------------
// TCP

export interface TcpSynFields {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  /** Default 1024, like nmap's: small, so a SYN never looks like a bulk sender. */
  window?: number;
  /** Maximum segment size option; default 1460. */
  mss?: number;
  ttl?: number;
  id?: number;
}

/**
 * Writes a TCP SYN (20-byte header + MSS option) at b[o..o+24) with its
 * checksum over the IPv4 pseudo-header.
 */
export function writeTcpSyn(b: Uint8Array, o: number, f: TcpSynFields): void {
  writeU16(b, o, f.srcPort);
  writeU16(b, o + 2, f.dstPort);
  writeU32(b, o + 4, f.seq >>> 0);
  writeU32(b, o + 8, 0); // ack
  b[o + 12] = (TCP_SYN_BYTES / 4) << 4; // data offset 6 words
  b[o + 13] = TcpFlag.SYN;
  writeU16(b, o + 14, f.window ?? 1024);
  writeU16(b, o + 16, 0); // checksum
  writeU16(b, o + 18, 0); // urgent pointer
  b[o + 20] = 2; // option kind: MSS
  b[o + 21] = 4; // option length
  writeU16(b, o + 22, f.mss ?? 1460);
  const sum = sumWords(b, o, o + TCP_SYN_BYTES, pseudoSum4(f.src, f.dst, IpProto.TCP, TCP_SYN_BYTES));
  writeU16(b, o + 16, finishChecksum(sum));
}

/**
 * Writes a TCP SYN for IPv6 at b[o..o+24): same header, checksum over the
 * IPv6 pseudo-header (RFC 8200 §8.1). The kernel adds the IPv6 header: an
 * AF_INET6 raw socket takes the transport segment only.
 */
export function writeTcpSyn6(b: Uint8Array, o: number, f: Omit<TcpSynFields, 'src' | 'dst' | 'ttl' | 'id'> & { src: Uint8Array; dst: Uint8Array }): void {
  writeTcpSyn(b, o, { ...f, src: 0, dst: 0 });
  writeU16(b, o + 16, 0);
  writeU16(b, o + 16, internetChecksum(b, o, o + TCP_SYN_BYTES, pseudoSum6(f.src, f.dst, IpProto.TCP, TCP_SYN_BYTES)));
}

/** '2001:db8::1' (any valid spelling) -> its 16 bytes. Throws on anything else. */
export function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:192.0.2.1) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v = ipv4ToInt(dotted[1] as string);
    text = `${text.slice(0, dotted.index)}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new TypeError(`not an IPv6 address: ${ip}`);
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const tail = halves.length === 2 && halves[1] ? (halves[1] as string).split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) throw new TypeError(`not an IPv6 address: ${ip}`);
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new TypeError(`not an IPv6 address: ${ip}`);
    writeU16(out, 2 * i, parseInt(g, 16));
  });
  return out;
}

/**
 * One IPv4 + TCP SYN datagram (44 bytes) rewritten in place per probe, the
 * scan engine's hot path: the bytes that never change (version/IHL, length,
 * DF, TTL, protocol, source port, data offset, flags, window, MSS option)
 * are written once, and a probe writes only its addresses, destination port,
 * sequence number and IP id, and the two checksums, each summed from the
 * constant words (computed once) plus the probe's (RFC 1071 §2: the sum is
 * commutative, so the fixed part can be added up ahead). The bytes equal
 * buildTcpSyn4's for the same fields (test/net/raw-packets.test.ts).
 *
 * @example
 * const syn = new Syn4Writer(61000);
 * syn.write(ipv4ToInt('10.0.0.1'), ipv4ToInt('10.0.0.2'), 22, 0x12345678, 0x1234);
 * socket.send(syn.packet, '10.0.0.2');
 */
export class Syn4Writer {
  readonly packet = new Uint8Array(IPV4_HEADER_BYTES + TCP_SYN_BYTES);
  /** IP header words but id, checksum and addresses. */
  readonly #ipFixed: number;
  /** TCP words but destination port, sequence and checksum, plus the pseudo-header's protocol and length. */
  readonly #tcpFixed: number;

  constructor(srcPort: number, opts: { window?: number; mss?: number; ttl?: number } = {}) {
    const b = this.packet;
    writeIpv4Header(b, 0, { src: 0, dst: 0, protocol: IpProto.TCP, payloadLength: TCP_SYN_BYTES, ttl: opts.ttl ?? 64, id: 0 });
    writeTcpSyn(b, IPV4_HEADER_BYTES, { src: 0, dst: 0, srcPort, dstPort: 0, seq: 0, ...(opts.window !== undefined ? { window: opts.window } : {}), ...(opts.mss !== undefined ? { mss: opts.mss } : {}) });
    writeU16(b, 10, 0);
    writeU16(b, IPV4_HEADER_BYTES + 16, 0);
    this.#ipFixed = sumWords(b, 0, IPV4_HEADER_BYTES);
    this.#tcpFixed = sumWords(b, IPV4_HEADER_BYTES, IPV4_HEADER_BYTES + TCP_SYN_BYTES) + IpProto.TCP + TCP_SYN_BYTES;
  }

  /** Rewrites the packet for one probe; `src`/`dst` as u32, `seq` unsigned. */
  write(src: number, dst: number, dstPort: number, seq: number, id: number): void {
    const b = this.packet;
    const addr = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
    const s = seq >>> 0;
    b[4] = (id >>> 8) & 0xff;
    b[5] = id & 0xff;
    b[12] = src >>> 24;
    b[13] = (src >>> 16) & 0xff;
    b[14] = (src >>> 8) & 0xff;
    b[15] = src & 0xff;
    b[16] = dst >>> 24;
    b[17] = (dst >>> 16) & 0xff;
    b[18] = (dst >>> 8) & 0xff;
    b[19] = dst & 0xff;
    const ip = fold(this.#ipFixed + (id & 0xffff) + addr);
    b[10] = ip >>> 8;
    b[11] = ip & 0xff;
    b[22] = dstPort >>> 8;
    b[23] = dstPort & 0xff;
    b[24] = s >>> 24;
    b[25] = (s >>> 16) & 0xff;
    b[26] = (s >>> 8) & 0xff;
    b[27] = s & 0xff;
    const tcp = fold(this.#tcpFixed + addr + dstPort + (s >>> 16) + (s & 0xffff));
    b[36] = tcp >>> 8;
    b[37] = tcp & 0xff;
  }
}

/** finishChecksum for sums below 2^26 (the hot path's): two folds suffice. */
function fold(sum: number): number {
  let x = (sum & 0xffff) + (sum >>> 16);
  x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
}

/** A whole IPv4 + TCP SYN datagram (44 bytes), as sent on an IP_HDRINCL socket. */
export function buildTcpSyn4(f: TcpSynFields): Uint8Array {
  const b = new Uint8Array(IPV4_HEADER_BYTES + TCP_SYN_BYTES);
  writeIpv4Header(b, 0, { src: f.src, dst: f.dst, protocol: IpProto.TCP, payloadLength: TCP_SYN_BYTES, ttl: f.ttl ?? 64, id: f.id ?? 0 });
  writeTcpSyn(b, IPV4_HEADER_BYTES, f);
  return b;
}

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  headerLength: number;
  flags: number;
  window: number;
  /** The MSS option, when present. */
  mss?: number;
}

/** Parses a TCP header at b[o..]; null when too short or its data offset is impossible. Options are read leniently. */
export function parseTcp(b: Uint8Array, o = 0): TcpHeader | null {
  if (b.length - o < 20) return null;
  const headerLength = ((b[o + 12] as number) >> 4) * 4;
  if (headerLength < 20) return null;
  const h: TcpHeader = {
    srcPort: readU16(b, o),
    dstPort: readU16(b, o + 2),
    seq: readU32(b, o + 4),
    ack: readU32(b, o + 8),
    headerLength,
    flags: (b[o + 13] as number) & 0x3f,
    window: readU16(b, o + 14),
  };
  const end = Math.min(o + headerLength, b.length);
  for (let i = o + 20; i < end; ) {
    const kind = b[i] as number;
    if (kind === 0) break; // end of options
    if (kind === 1) {
      i++; // no-op
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || len < 2 || i + len > end) break;
    if (kind === 2 && len === 4) h.mss = readU16(b, i + 2);
    i += len;
  }
  return h;
}

// ---------------------------------------------------------------------------
// UDP

export interface UdpFields {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** A UDP datagram (header + payload) with its checksum over the IPv4 pseudo-header (0 is sent as 0xffff, RFC 768). */
export function buildUdp4(f: UdpFields): Uint8Array {
  const len = UDP_HEADER_BYTES + f.payload.length;
  if (len > 0xffff) throw new RangeError(`UDP datagram of ${len} bytes`);
  const b = new Uint8Array(len);
  writeU16(b, 0, f.srcPort);
  writeU16(b, 2, f.dstPort);
  writeU16(b, 4, len);
  b.set(f.payload, UDP_HEADER_BYTES);
  const c = internetChecksum(b, 0, len, pseudoSum4(f.src, f.dst, IpProto.UDP, len));
  writeU16(b, 6, c === 0 ? 0xffff : c);
  return b;
}

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}

/** Parses the 8-byte UDP header (also the part an ICMP error quotes). */
export function parseUdp(b: Uint8Array, o = 0): UdpHeader | null {
  if (b.length - o < UDP_HEADER_BYTES) return null;
  return { srcPort: readU16(b, o), dstPort: readU16(b, o + 2), length: readU16(b, o + 4), checksum: readU16(b, o + 6) };
}

// ---------------------------------------------------------------------------
// ICMP / ICMPv6

export interface IcmpEchoFields {
  /** 4: ICMP echo request (type 8, checksum filled); 6: ICMPv6 (type 128, checksum left 0 for the kernel). */
  family: 4 | 6;
  id: number;
  seq: number;
  payload?: Uint8Array;
}

/**
 * An echo request message (no IP header). For ICMPv6 the checksum covers a
 * pseudo-header with the source address, which only the kernel knows for
 * sure; Linux computes it for every ICMPv6 raw socket (RFC 3542 §3.1).
 */
export function buildIcmpEcho(f: IcmpEchoFields): Uint8Array {
  const payload = f.payload ?? new Uint8Array(0);
  const b = new Uint8Array(ICMP_ECHO_HEADER_BYTES + payload.length);
  b[0] = f.family === 4 ? IcmpType.EchoRequest : Icmp6Type.EchoRequest;
  b[1] = 0;
  writeU16(b, 4, f.id & 0xffff);
  writeU16(b, 6, f.seq & 0xffff);
  b.set(payload, ICMP_ECHO_HEADER_BYTES);
  if (f.family === 4) writeU16(b, 2, internetChecksum(b));
  return b;
}

/** The transport header an ICMP error quotes: the offending datagram's addresses, protocol and first 8 bytes. */
export interface QuotedDatagram {
  src: number;
  dst: number;
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** TCP: the quoted sequence number (the SYN cookie); ICMP: identifier << 16 | sequence. */
  word1: number;
}

export type IcmpMessage =
  | { kind: 'echo-reply'; id: number; seq: number; payloadOffset: number }
  | { kind: 'unreachable'; code: number; quoted: QuotedDatagram | null }
  | { kind: 'other'; type: number; code: number };

/**
 * Parses an ICMPv4 message at b[o..end). Echo replies and destination
 * unreachables are decoded (with the quoted IPv4 header + 8 bytes, RFC 792);
 * anything else is 'other'. Null when shorter than a header. The checksum is
 * not checked: the kernel already dropped corrupt packets before a raw
 * socket sees them.
 */
export function parseIcmp(b: Uint8Array, o = 0, end = b.length): IcmpMessage | null {
  if (end - o < ICMP_ECHO_HEADER_BYTES) return null;
  const type = b[o] as number;
  const code = b[o + 1] as number;
  if (type === IcmpType.EchoReply && code === 0) {
    return { kind: 'echo-reply', id: readU16(b, o + 4), seq: readU16(b, o + 6), payloadOffset: o + 8 };
  }
  if (type === IcmpType.DestUnreachable) return { kind: 'unreachable', code, quoted: parseQuoted(b.subarray(o + 8, end)) };
  return { kind: 'other', type, code };
}

function parseQuoted(q: Uint8Array): QuotedDatagram | null {
  const ip = parseIpv4(q);
  if (!ip || q.length < ip.headerLength + 8) return null;
  const t = ip.headerLength;
  return { src: ip.src, dst: ip.dst, protocol: ip.protocol, srcPort: readU16(q, t), dstPort: readU16(q, t + 2), word1: readU32(q, t + 4) };
}

/** ICMPv6, as an AF_INET6 raw socket delivers it (no IPv6 header). Unreachables quote the IPv6 header (40 bytes) + transport. */
export type Icmp6Message =
  | { kind: 'echo-reply'; id: number; seq: number; payloadOffset: number }
  | { kind: 'unreachable'; code: number; quotedDst: Uint8Array | null; nextHeader: number; srcPort: number; dstPort: number }
  | { kind: 'other'; type: number; code: number };

export function parseIcmp6(b: Uint8Array, o = 0, end = b.length): Icmp6Message | null {
  if (end - o < 8) return null;
  const type = b[o] as number;
  const code = b[o + 1] as number;
  if (type === Icmp6Type.EchoReply && code === 0) return { kind: 'echo-reply', id: readU16(b, o + 4), seq: readU16(b, o + 6), payloadOffset: o + 8 };
  if (type === Icmp6Type.DestUnreachable) {
    const q = o + 8;
    if (end - q < 40 + 4) return { kind: 'unreachable', code, quotedDst: null, nextHeader: -1, srcPort: -1, dstPort: -1 };
    return { kind: 'unreachable', code, quotedDst: b.slice(q + 24, q + 40), nextHeader: b[q + 6] as number, srcPort: readU16(b, q + 40), dstPort: readU16(b, q + 42) };
  }
  return { kind: 'other', type, code };
}
