/**
 * The packets of a SYN scan, per address family: the sockets, building and
 * sending each SYN, and recognising the replies that answer one of ours.
 * syn.ts keeps the per-probe state and the rounds; this file knows bytes.
 *
 * IPv4: an IPPROTO_RAW socket sends whole datagrams (IP_HDRINCL implied;
 * it never receives), an IPPROTO_TCP socket receives TCP segments (with
 * their IP header) and an IPPROTO_ICMP socket the ICMP errors. When our
 * rawio addon loads (rawio.ts), the SYNs are staged and go out with one
 * sendmmsg per chunk (`send` answers 'queued', `flush` sends), and the TCP
 * socket carries a BPF filter (only SYN-ACK/RST to our source port) read
 * with recvmmsg; otherwise raw-socket, one sendto/recvfrom per packet, and
 * every TCP segment of the namespace is read and filtered here. IPv6: one AF_INET6 IPPROTO_TCP socket both sends TCP segments
 * (the kernel adds the IPv6 header; we checksum over the pseudo-header) and
 * receives them (without a header: the source comes from recvfrom, the
 * hop limit is not reported), and an ICMPv6 socket the errors.
 *
 * A reply is ours when it comes from a target's address and port to our
 * source port and acknowledges the probe's cookie + 1 (SYN-ACK or RST); an
 * ICMP error when the TCP header it quotes carries the cookie as sequence.
 */

import { addressWords, type SynCookies } from './cookie.ts';
import {
  IPV4_HEADER_BYTES,
  Icmp6Type,
  IcmpType,
  IpProto,
  Syn4Writer,
  TCP_SYN_BYTES,
  TcpFlag,
  intToIpv4,
  readU16,
  readU32,
  writeTcpSyn6,
} from './packets.ts';
import { BatchSender, FilteredReceiver, loadRawio } from './rawio.ts';
import { RawSocket, type SendOutcome } from './socket.ts';
import { canonicalIp } from '../address.ts';

export interface SynTarget {
  address: string;
  family: 4 | 6;
  /** IPv4 addresses as u32 (0 for IPv6 targets). */
  src4: number;
  dst4: number;
  /** IPv6 addresses (null for IPv4 targets). */
  src6: Uint8Array | null;
  dst6: Uint8Array | null;
}

export type SynReply = 'open' | 'closed' | 'unreachable';

export interface SynWireOptions {
  targets: readonly SynTarget[];
  sport: number;
  cookies: SynCookies;
  /** Cheap pre-check before the cookie is computed: is (target, port) still unanswered? */
  wants(ti: number, port: number): boolean;
  /** A verified reply. `ttl` is 0 when unknown (IPv6); `reason` set for unreachables. */
  onReply(ti: number, port: number, kind: SynReply, ttl: number, reason?: string): void;
}

export class SynWire {
  readonly #o: SynWireOptions;
  readonly #sockets: Array<{ close(): void }> = [];
  #send4: RawSocket | null = null;
  #batch4: BatchSender | null = null;
  /** Which path IPv4 probes take: our batched addon or raw-socket (null: no IPv4 target). */
  engine4: 'rawio' | 'raw-socket' | null = null;
  #sock6: RawSocket | null = null;
  readonly #syn4: Syn4Writer;
  readonly #pkt6 = new Uint8Array(TCP_SYN_BYTES);
  /** What the last send wrote, for resend: no object per packet. */
  #lastSock: RawSocket | null = null;
  #lastPkt: Uint8Array = this.#pkt6;
  #lastAddress = '';
  /** The cookie flow of each target (its addresses and our source port). */
  readonly #flows: number[];

  /** Opens the sockets the targets' families need; throws (closing what it opened) if the kernel refuses one. */
  constructor(o: SynWireOptions) {
    this.#o = o;
    this.#syn4 = new Syn4Writer(o.sport);
    this.#flows = o.targets.map((t) =>
      t.family === 4 ? o.cookies.flow([t.src4 | 0, t.dst4 | 0], o.sport) : o.cookies.flow([...addressWords(t.src6 as Uint8Array), ...addressWords(t.dst6 as Uint8Array)], o.sport),
    );
    try {
      if (o.targets.some((t) => t.family === 4)) this.#open4();
      if (o.targets.some((t) => t.family === 6)) this.#open6();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  #cookie(ti: number, port: number): number {
    return this.#o.cookies.cookie(this.#flows[ti] as number, port);
  }

  /**
   * Builds and sends the SYN for (target, port); 'queued' when it was staged
   * for the next `flush` (IPv4 through rawio), whose outcome names `tag`.
   */
  send(ti: number, port: number, tag = -1): SendOutcome | 'queued' {
    const t = this.#o.targets[ti] as SynTarget;
    const seq = this.#cookie(ti, port);
    if (t.family === 4) {
      this.#syn4.write(t.src4, t.dst4, port, seq, seq >>> 16);
      if (this.#batch4) {
        if (!this.#batch4.stage(this.#syn4.packet, t.dst4, tag)) throw new Error('SynWire: send batch full; flush first');
        return 'queued';
      }
      this.#lastSock = this.#send4;
      this.#lastPkt = this.#syn4.packet;
    } else {
      writeTcpSyn6(this.#pkt6, 0, { src: t.src6 as Uint8Array, dst: t.dst6 as Uint8Array, srcPort: this.#o.sport, dstPort: port, seq });
      this.#lastSock = this.#sock6;
      this.#lastPkt = this.#pkt6;
    }
    this.#lastAddress = t.address;
    return (this.#lastSock as RawSocket).send(this.#lastPkt, t.address);
  }

  /** Sends the last packet again (after 'again': the send queue was full). */
  resend(): SendOutcome {
    return this.#lastSock ? this.#lastSock.send(this.#lastPkt, this.#lastAddress) : 'EINVAL';
  }

  /** Sends what `send` queued; each packet's outcome ('sent', 'again', an errno name) goes to `onOutcome` with its tag. */
  async flush(onOutcome: (tag: number, outcome: SendOutcome) => void): Promise<void> {
    if (this.#batch4 && this.#batch4.pending > 0) await this.#batch4.flush(onOutcome);
  }

  close(): void {
    for (const s of this.#sockets) s.close();
  }

  #open4(): void {
    const o = this.#o;
    const byAddr = new Map<number, number>();
    o.targets.forEach((t, i) => t.family === 4 && byAddr.set(t.dst4, i));
    const onTcp = (b: Buffer, len: number): void => {
      if (len < IPV4_HEADER_BYTES + 20 || (b[0] as number) >> 4 !== 4) return;
      const ihl = ((b[0] as number) & 0x0f) * 4;
      if (len < ihl + 20) return;
      const ti = byAddr.get(readU32(b, 12));
      if (ti === undefined) return;
      const t = o.targets[ti] as SynTarget;
      if (readU32(b, 16) !== t.src4 || readU16(b, ihl + 2) !== o.sport) return;
      this.#tcpReply(ti, b, ihl, b[8] as number);
    };
    if (loadRawio().ok) {
      this.engine4 = 'rawio';
      this.#sockets.push(FilteredReceiver.open(o.sport, o.sport, 8 << 20, onTcp));
      this.#batch4 = BatchSender.open(4 << 20);
      this.#sockets.push(this.#batch4);
    } else {
      this.engine4 = 'raw-socket';
      const recv = RawSocket.open({ family: 4, protocol: IpProto.TCP, receiveBuffer: 8 << 20 });
      this.#sockets.push(recv);
      recv.onPacket(onTcp);
      this.#send4 = RawSocket.open({ family: 4, protocol: IpProto.RAW, sendBuffer: 4 << 20 });
      this.#sockets.push(this.#send4);
    }
    const icmp = RawSocket.open({ family: 4, protocol: IpProto.ICMP, receiveBuffer: 1 << 20 });
    this.#sockets.push(icmp);

    icmp.onPacket((b, len) => {
      if (len < IPV4_HEADER_BYTES + 8 + IPV4_HEADER_BYTES + 8 || (b[0] as number) >> 4 !== 4) return;
      const ihl = ((b[0] as number) & 0x0f) * 4;
      if ((b[ihl] as number) !== IcmpType.DestUnreachable) return;
      const q = ihl + 8; // the quoted datagram: our SYN's IP header + its first 8 TCP bytes
      const qihl = ((b[q] as number) & 0x0f) * 4;
      if ((b[q + 9] as number) !== IpProto.TCP || len < q + qihl + 8) return;
      const ti = byAddr.get(readU32(b, q + 16));
      if (ti === undefined) return;
      const t = o.targets[ti] as SynTarget;
      if (readU32(b, q + 12) !== t.src4 || readU16(b, q + qihl) !== o.sport) return;
      const port = readU16(b, q + qihl + 2);
      if (!o.wants(ti, port) || readU32(b, q + qihl + 4) !== this.#cookie(ti, port)) return;
      o.onReply(ti, port, 'unreachable', 0, `icmp-unreachable (type 3 code ${b[ihl + 1]} from ${intToIpv4(readU32(b, 12))})`);
    });
  }

  #open6(): void {
    const o = this.#o;
    const byAddr = new Map<string, number>();
    o.targets.forEach((t, i) => t.family === 6 && byAddr.set(t.address, i));
    const lookup = (from: string): number | undefined => byAddr.get(from) ?? byAddr.get(canonicalIp(from) ?? from);
    const sock = RawSocket.open({ family: 6, protocol: IpProto.TCP, receiveBuffer: 8 << 20, sendBuffer: 4 << 20 });
    this.#sockets.push(sock);
    this.#sock6 = sock;
    const icmp = RawSocket.open({ family: 6, protocol: IpProto.ICMPV6, receiveBuffer: 1 << 20 });
    this.#sockets.push(icmp);

    sock.onPacket((b, len, from) => {
      if (len < 20 || readU16(b, 2) !== o.sport) return;
      const ti = lookup(from);
      if (ti !== undefined) this.#tcpReply(ti, b, 0, 0);
    });

    icmp.onPacket((b, len, from) => {
      const q = 8; // quoted: the IPv6 header (40 bytes) of our SYN, then its TCP header
      if (len < q + 40 + 8 || (b[0] as number) !== Icmp6Type.DestUnreachable || (b[q + 6] as number) !== IpProto.TCP) return;
      const dst = Buffer.from(b.subarray(q + 24, q + 40));
      const ti = o.targets.findIndex((t) => t.dst6 !== null && dst.equals(t.dst6));
      if (ti < 0 || readU16(b, q + 40) !== o.sport) return;
      const t = o.targets[ti] as SynTarget;
      const port = readU16(b, q + 42);
      if (!Buffer.from(b.subarray(q + 8, q + 24)).equals(t.src6 as Uint8Array)) return;
      if (!o.wants(ti, port) || readU32(b, q + 44) !== this.#cookie(ti, port)) return;
      o.onReply(ti, port, 'unreachable', 0, `icmp-unreachable (icmpv6 type 1 code ${b[1]} from ${canonicalIp(from) ?? from})`);
    });
  }

  /** A TCP segment at b[t..] from target ti to our source port: SYN-ACK or RST acknowledging the cookie. */
  #tcpReply(ti: number, b: Buffer, t: number, ttl: number): void {
    const port = readU16(b, t);
    const flags = (b[t + 13] as number) & 0x3f;
    const synAck = (flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
    if (!synAck && !(flags & TcpFlag.RST)) return;
    if (!this.#o.wants(ti, port)) return;
    // SYN-ACK and RST both acknowledge ISN + 1 (RFC 9293 §3.10.7.1 for the RST).
    if (((readU32(b, t + 8) - 1) >>> 0) !== this.#cookie(ti, port)) return;
    this.#o.onReply(ti, port, synAck ? 'open' : 'closed', ttl);
  }
}
