/**
 * Pure parts of the raw-socket engine, table-tested against known vectors:
 * RFC 1071's worked example, a textbook IPv4 header, packets captured from
 * Linux 6.18 (a kernel-built RST, echo reply and port unreachable, whose
 * checksums the kernel computes in software), and packets computed by an
 * independent Python implementation (the expected hex below).
 */

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CAP_NET_RAW, checkRawCapability, effectiveCaps, hasCap } from '../../host/net/raw/capability.ts';
import { SynCookies, addressWords } from '../../host/net/raw/cookie.ts';
import {
  IpProto,
  TcpFlag,
  buildIcmpEcho,
  buildTcpSyn4,
  buildUdp4,
  ipv6Bytes,
  writeTcpSyn6,
  finishChecksum,
  internetChecksum,
  intToIpv4,
  ipv4ToInt,
  parseIcmp,
  parseIcmp6,
  parseIpv4,
  parseTcp,
  parseUdp,
  pseudoSum4,
  pseudoSum6,
  sumWords,
  Syn4Writer,
} from '../../host/net/raw/packets.ts';
import { errnoOf } from '../../host/net/raw/socket.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Captured on Linux 6.18 (loopback): connect() to a closed port, our echo request, a UDP datagram to a closed port. */
const KERNEL_RST = '45000028 00004000 40063cce 7f000001 7f000001 000983da 00000000 ac5d79f5 50140000 07980000';
const KERNEL_SYN_PARTIAL_CSUM =
  '4500003c 80bb4000 4006bbfe 7f000001 7f000001 83da0009 ac5d79f4 00000000 a002ffd7 fe300000 0204ffd7 0402080a a85017bb 00000000 0103030a';
const KERNEL_ECHO_REPLY = '45000024 c0eb0000 4001bbeb 7f000001 7f000001 00003e57 12340007 70656e74 6f726121';
const KERNEL_PORT_UNREACH = '45c0003a c0ec0000 4001bb14 7f000001 7f000001 0303ffb6 00000000 4500001e 13fd4000 401128d0 7f000001 7f000001 96ab0009 000afe1d 6869';

describe('internet checksum (RFC 1071)', () => {
  it.each([
    // RFC 1071 §3 worked example: the folded sum is ddf2, the checksum its complement.
    { name: 'RFC 1071 example', bytes: '0001 f203 f4f5 f6f7', want: 0x220d },
    // The classic IPv4 header example (checksum field zeroed): b861.
    { name: 'IPv4 header, field zeroed', bytes: '4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7', want: 0xb861 },
    { name: 'odd length pads with zero', bytes: '01', want: 0xfeff },
    { name: 'empty', bytes: '', want: 0xffff },
    { name: 'carries fold twice', bytes: 'ffff ffff ffff', want: 0x0000 },
  ])('$name', ({ bytes, want }) => {
    expect(internetChecksum(hex(bytes))).toBe(want);
  });

  it.each([
    ['IPv4 header with its checksum', '4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'],
    ['kernel RST IP header', KERNEL_RST.slice(0, 45)],
    ['kernel echo reply ICMP part', KERNEL_ECHO_REPLY.slice(45)],
  ])('verifies to 0 over %s', (_name, bytes) => {
    expect(internetChecksum(hex(bytes))).toBe(0);
  });

  it('finishChecksum folds large sums', () => {
    expect(finishChecksum(0x2ddf0)).toBe(~0xddf2 & 0xffff);
    expect(sumWords(hex('0001f203f4f5f6f7'))).toBe(0x2ddf0);
  });
});

describe('addresses', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.199.0.1', 0x0ac70001],
    ['255.255.255.255', 0xffffffff],
    ['192.0.2.7', 0xc0000207],
  ])('%s <-> %i', (ip, n) => {
    expect(ipv4ToInt(ip)).toBe(n);
    expect(intToIpv4(n)).toBe(ip);
  });
  it.each(['1.2.3', '1.2.3.256', '01.2.3.4x', '::1', ''])('refuses %j', (ip) => {
    expect(() => ipv4ToInt(ip)).toThrow(/not an IPv4 address/);
  });
});

describe('TCP SYN builder', () => {
  const fields = { src: ipv4ToInt('10.199.0.1'), dst: ipv4ToInt('10.199.0.2'), srcPort: 61000, dstPort: 22, seq: 0x12345678, id: 0x1234 };

  it('matches the independently computed packet byte for byte', () => {
    expect(toHex(buildTcpSyn4(fields))).toBe('4500002c12344000400613080ac700010ac70002ee480016123456780000000060020400278b0000020405b4');
  });

  it('has valid IP and TCP (pseudo-header) checksums, and parses back', () => {
    const pkt = buildTcpSyn4({ ...fields, seq: 0xfffffffe, mss: 536, window: 65535, ttl: 37 });
    expect(internetChecksum(pkt, 0, 20)).toBe(0);
    expect(internetChecksum(pkt, 20, pkt.length, pseudoSum4(fields.src, fields.dst, IpProto.TCP, pkt.length - 20))).toBe(0);
    const ip = parseIpv4(pkt);
    expect(ip).toMatchObject({ headerLength: 20, totalLength: 44, ttl: 37, protocol: 6, src: fields.src, dst: fields.dst, fragmentOffset: 0, moreFragments: false });
    expect(parseTcp(pkt, 20)).toEqual({ srcPort: 61000, dstPort: 22, seq: 0xfffffffe, ack: 0, headerLength: 24, flags: TcpFlag.SYN, window: 65535, mss: 536 });
  });
});

describe('Syn4Writer (the engine rewrites one SYN in place, checksums from precomputed sums)', () => {
  const fields = { src: ipv4ToInt('10.199.0.1'), dst: ipv4ToInt('10.199.0.2'), srcPort: 61000, dstPort: 22, seq: 0x12345678, id: 0x1234 };

  it('matches the independently computed packet byte for byte', () => {
    const w = new Syn4Writer(fields.srcPort);
    w.write(fields.src, fields.dst, fields.dstPort, fields.seq, fields.id);
    expect(toHex(w.packet)).toBe('4500002c12344000400613080ac700010ac70002ee480016123456780000000060020400278b0000020405b4');
  });

  it('equals buildTcpSyn4 for every probe of a sequence, with carries and extreme fields, reusing one buffer', () => {
    const cases: Array<[string, string, number, number, number, number]> = [
      ['127.0.0.1', '127.0.0.1', 65535, 1, 0xffffffff, 0xffff],
      ['255.255.255.255', '255.255.255.255', 65535, 65535, 0xffffffff, 0xffff],
      ['0.0.0.0', '0.0.0.0', 1, 1, 0, 0],
      ['10.199.0.1', '10.199.0.2', 61000, 80, 0x80000000, 0x8000],
    ];
    const rand = (n: number): number => Math.floor(Math.random() * n);
    for (let i = 0; i < 2000; i++) cases.push([intToIpv4(rand(2 ** 32)), intToIpv4(rand(2 ** 32)), 1 + rand(65535), 1 + rand(65535), rand(2 ** 32), rand(65536)]);
    const writers = new Map<number, Syn4Writer>();
    for (const [src, dst, sport, dport, seq, id] of cases) {
      const w = writers.get(sport) ?? new Syn4Writer(sport);
      writers.set(sport, w);
      w.write(ipv4ToInt(src), ipv4ToInt(dst), dport, seq, id);
      const want = buildTcpSyn4({ src: ipv4ToInt(src), dst: ipv4ToInt(dst), srcPort: sport, dstPort: dport, seq, id });
      expect(toHex(w.packet), `${src} -> ${dst}:${dport} seq ${seq} id ${id}`).toBe(toHex(want));
      expect(internetChecksum(w.packet, 0, 20)).toBe(0);
    }
  });
});

describe('TCP SYN over IPv6', () => {
  it('matches the independently computed segment, checksummed over the RFC 8200 pseudo-header', () => {
    const src = ipv6Bytes('fd00:199::1');
    const dst = ipv6Bytes('fd00:199::2');
    const b = new Uint8Array(24);
    writeTcpSyn6(b, 0, { src, dst, srcPort: 61000, dstPort: 22, seq: 0x12345678 });
    expect(toHex(b)).toBe('ee4800161234567800000000600204003fe50000020405b4');
    expect(internetChecksum(b, 0, 24, pseudoSum6(src, dst, IpProto.TCP, 24))).toBe(0);
  });

  it.each([
    ['::1', '00000000000000000000000000000001'],
    ['fd00:199::2', 'fd000199000000000000000000000002'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['1::', '00010000000000000000000000000000'],
  ])('ipv6Bytes(%s)', (ip, want) => {
    expect(toHex(ipv6Bytes(ip))).toBe(want);
  });
  it.each(['1:::2', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '10.0.0.1'])('ipv6Bytes refuses %s', (ip) => {
    expect(() => ipv6Bytes(ip)).toThrow(/not an IPv6 address/);
  });
});

describe('parsers on captured kernel packets', () => {
  it('RST from a closed port: full software checksum, RST|ACK acknowledging ISN + 1', () => {
    const b = hex(KERNEL_RST);
    const ip = parseIpv4(b);
    expect(ip).not.toBeNull();
    const tcp = parseTcp(b, ip!.headerLength);
    expect(tcp).toMatchObject({ srcPort: 9, dstPort: 0x83da, seq: 0, flags: TcpFlag.RST | TcpFlag.ACK, window: 0 });
    // The SYN's ISN was ac5d79f4 (KERNEL_SYN_PARTIAL_CSUM): the RST acknowledges ISN + 1.
    const syn = parseTcp(hex(KERNEL_SYN_PARTIAL_CSUM), 20);
    expect(tcp!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(internetChecksum(b, 20, 40, pseudoSum4(ip!.src, ip!.dst, IpProto.TCP, 20))).toBe(0);
  });

  it('kernel SYN: options parsed leniently (MSS among SACK, timestamps, window scale)', () => {
    const b = hex(KERNEL_SYN_PARTIAL_CSUM);
    expect(parseTcp(b, 20)).toMatchObject({ headerLength: 40, flags: TcpFlag.SYN, mss: 65495, dstPort: 9 });
  });

  it('echo reply', () => {
    const b = hex(KERNEL_ECHO_REPLY);
    const ip = parseIpv4(b)!;
    expect(intToIpv4(ip.src)).toBe('127.0.0.1');
    expect(parseIcmp(b, ip.headerLength)).toEqual({ kind: 'echo-reply', id: 0x1234, seq: 7, payloadOffset: 28 });
    expect(Buffer.from(b.subarray(28)).toString()).toBe('pentora!');
  });

  it('port unreachable quotes the UDP datagram', () => {
    const b = hex(KERNEL_PORT_UNREACH);
    const ip = parseIpv4(b)!;
    expect(internetChecksum(b, ip.headerLength)).toBe(0);
    const m = parseIcmp(b, ip.headerLength);
    expect(m).toEqual({
      kind: 'unreachable',
      code: 3,
      quoted: { src: 0x7f000001, dst: 0x7f000001, protocol: IpProto.UDP, srcPort: 0x96ab, dstPort: 9, word1: 0x000afe1d },
    });
  });

  it.each([
    ['too short', '4500'],
    ['version 6', '6000000000000000000000000000000000000000'],
    ['IHL below 5', '4400002800000000400600007f0000017f000001'],
    ['IHL beyond the bytes', '4f00002800000000400600007f0000017f000001'],
  ])('parseIpv4 refuses %s', (_n, bytes) => {
    expect(parseIpv4(hex(bytes))).toBeNull();
  });

  it('parseTcp refuses short headers and impossible data offsets', () => {
    expect(parseTcp(hex('0016'))).toBeNull();
    expect(parseTcp(hex('00160017000000000000000040020400000000000'.padEnd(40, '0')))).toBeNull();
  });

  it('parseTcp stops at malformed options instead of reading past the header', () => {
    const b = hex('0016 0017 00000000 00000000 6002 0400 0000 0000 02 09 05b4 00'.replace(/ /g, ''));
    const h = parseTcp(b);
    expect(h?.headerLength).toBe(24);
    expect(h?.mss).toBeUndefined();
  });
});

describe('UDP and ICMP builders', () => {
  it('UDP datagram matches the independently computed bytes (DNS query payload)', () => {
    const payload = hex('1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001');
    const b = buildUdp4({ src: ipv4ToInt('10.199.0.1'), dst: ipv4ToInt('10.199.0.2'), srcPort: 40000, dstPort: 53, payload });
    expect(toHex(b)).toBe('9c40003500256bfc123401000001000000000000076578616d706c6503636f6d0000010001');
    expect(parseUdp(b)).toEqual({ srcPort: 40000, dstPort: 53, length: 37, checksum: 0x6bfc });
  });

  it('ICMP echo request matches the bytes the kernel accepted and answered', () => {
    expect(toHex(buildIcmpEcho({ family: 4, id: 0x1234, seq: 7, payload: Buffer.from('pentora!') }))).toBe('080036571234000770656e746f726121');
  });

  it('ICMPv6 echo request leaves the checksum to the kernel; pseudo-header sum per RFC 8200', () => {
    const b = buildIcmpEcho({ family: 6, id: 1, seq: 2 });
    expect(toHex(b)).toBe('8000000000010002');
    const src = hex('fd000199000000000000000000000001');
    const dst = hex('fd000199000000000000000000000002');
    // A message whose checksum is set from this sum verifies to 0 with it.
    const sum = pseudoSum6(src, dst, IpProto.ICMPV6, b.length);
    const withSum = Uint8Array.from(b);
    const c = internetChecksum(withSum, 0, withSum.length, sum);
    withSum[2] = c >> 8;
    withSum[3] = c & 0xff;
    expect(internetChecksum(withSum, 0, withSum.length, sum)).toBe(0);
  });

  it('parseIcmp6 reads echo replies and unreachables quoting an IPv6 header', () => {
    expect(parseIcmp6(hex('81000000abcd0003'))).toEqual({ kind: 'echo-reply', id: 0xabcd, seq: 3, payloadOffset: 8 });
    const quotedIp6 = `60000000 0008 11 40 ${'fd000199000000000000000000000001'} ${'fd000199000000000000000000000002'}`;
    const m = parseIcmp6(hex(`01040000 00000000 ${quotedIp6} 9c40 0035 0008 0000`));
    expect(m).toMatchObject({ kind: 'unreachable', code: 4, nextHeader: 17, srcPort: 40000, dstPort: 53 });
  });
});

describe('SYN cookies', () => {
  /** The reference: word (port & 7) of HMAC-SHA256(key, addresses ‖ sport ‖ port >> 3) by node:crypto. */
  const reference = (key: Uint8Array, addresses: Buffer, sport: number, port: number): number => {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(sport, 0);
    tail.writeUInt16BE(port >>> 3, 2);
    return createHmac('sha256', key).update(Buffer.concat([addresses, tail])).digest().readUInt32BE(4 * (port & 7));
  };

  it('IPv4: every cookie is the right word of HMAC-SHA256 from node:crypto (keys of 1..64 bytes)', () => {
    for (let i = 0; i < 64; i++) {
      const key = randomBytes(1 + i);
      const c = new SynCookies(key);
      const addrs = randomBytes(8);
      const sport = 1024 + i * 997;
      const flow = c.flow([addrs.readInt32BE(0), addrs.readInt32BE(4)], sport);
      for (const port of [1, 7, 8, 22, 80, 443, 4096 + (i % 8), 65535]) expect(c.cookie(flow, port)).toBe(reference(key, addrs, sport, port));
    }
  });

  it('IPv6: over the 16-byte addresses', () => {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(32);
      const c = new SynCookies(key);
      const [src, dst] = [randomBytes(16), randomBytes(16)];
      const flow = c.flow([...addressWords(src), ...addressWords(dst)], 61000);
      for (const port of [22, 23, 65535]) expect(c.cookie(flow, port)).toBe(reference(key, Buffer.concat([src, dst]), 61000, port));
    }
  });

  it('stay right while many flows and ports evict each other from the cache', () => {
    const key = randomBytes(32);
    const c = new SynCookies(key);
    const flows = Array.from({ length: 300 }, (_, i) => {
      const addrs = Buffer.alloc(8);
      addrs.writeUInt32BE(0x0a000001, 0);
      addrs.writeUInt32BE(0x0a010000 + i, 4);
      return { addrs, id: c.flow([addrs.readInt32BE(0), addrs.readInt32BE(4)], 62000) };
    });
    // Port-major over 300 flows, then back in reverse: both orders must agree with the reference.
    for (const order of [1, -1]) {
      for (let p = 1; p <= 64; p++) {
        for (const f of order === 1 ? flows : [...flows].reverse()) expect(c.cookie(f.id, p * 37)).toBe(reference(key, f.addrs, 62000, p * 37));
      }
    }
  });

  it('differ per key, per flow and per port', () => {
    const a = new SynCookies(randomBytes(32));
    const b = new SynCookies(randomBytes(32));
    const fa = a.flow([1, 2], 3);
    const fa2 = a.flow([1, 3], 3);
    const fb = b.flow([1, 2], 3);
    expect(a.cookie(fa, 4)).not.toBe(b.cookie(fb, 4));
    expect(a.cookie(fa, 4)).not.toBe(a.cookie(fa, 5));
    expect(a.cookie(fa, 4)).not.toBe(a.cookie(fa2, 4));
  });

  it('refuses keys HMAC would hash first, and unknown flows', () => {
    expect(() => new SynCookies(new Uint8Array(65))).toThrow(RangeError);
    expect(() => new SynCookies(new Uint8Array(0))).toThrow(RangeError);
    expect(() => new SynCookies(new Uint8Array(32)).cookie(0, 22)).toThrow(/unknown flow/);
  });
});

describe('raw capability', () => {
  const status = (capEff: string, uid = '0'): string => `Name:\tnode\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`;

  it('reads CapEff bit 13, not the uid', () => {
    expect(effectiveCaps(status('000001ffffffffff'))).toBe(0x1ffffffffffn);
    expect(hasCap(0x2000n, CAP_NET_RAW)).toBe(true);
    expect(hasCap(0x1ffffffdfffn, CAP_NET_RAW)).toBe(false);
    expect(effectiveCaps('Name:\tx\n')).toBeNull();
  });

  it.each([
    { name: 'root with CAP_NET_RAW', capEff: '000001ffffffffff', uid: '0', ok: true },
    { name: 'unprivileged with only CAP_NET_RAW (setcap)', capEff: '0000000000002000', uid: '1000', ok: true },
    { name: 'root without CAP_NET_RAW (capsh --drop)', capEff: '000001ffffffdfff', uid: '0', ok: false, msg: /runs as root but without CAP_NET_RAW/ },
    { name: 'unprivileged', capEff: '0000000000000000', uid: '1000', ok: false, msg: /lacks CAP_NET_RAW/ },
  ])('$name', ({ capEff, uid, ok, msg }) => {
    const r = checkRawCapability({ procStatus: () => status(capEff, uid), addonProblem: () => null });
    expect(r.ok).toBe(ok);
    if (!r.ok) {
      expect(r.reason).toMatch(msg as RegExp);
      expect(r.reason).toMatch(/bit 13 clear/);
      expect(r.advice).toMatch(/setcap cap_net_raw\+ep.*falls back to connect scanning/);
    }
  });

  it('a capable process without the addon is told how to rebuild it', () => {
    const r = checkRawCapability({ procStatus: () => status('000001ffffffffff'), addonProblem: () => 'NODE_MODULE_VERSION 115' });
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/addon does not load \(NODE_MODULE_VERSION 115\)/), advice: expect.stringMatching(/npm run build:native/) });
  });

  it('no /proc: unsupported, with the connect fallback', () => {
    const r = checkRawCapability({ procStatus: () => null, addonProblem: () => null });
    expect(r).toMatchObject({ ok: false, advice: expect.stringMatching(/--scan-type connect/) });
  });

  it('maps the addon strerror texts to errno names', () => {
    expect(errnoOf(new Error('Resource temporarily unavailable'))).toBe('EAGAIN');
    expect(errnoOf(new Error('Operation not permitted'))).toBe('EPERM');
    expect(errnoOf(new Error('something else'))).toBe('something else');
  });
});
