/**
 * pentora/tls: the ClientHello it sends, its reading of captured server
 * flights (test/fixtures, checked against `openssl x509` of the same
 * certificates), hostile replies built here from those captures and from
 * hand-made DER, the plugin in the sandbox with canned replies, and one
 * round trip through the host's real socket code to a node:tls server.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { runPlugin, type CannedTcp } from '../../../sdk/testing/harness.ts';
import { byteReader } from '../../../sdk/testing/reader-table.ts';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runTcpProbes } from '../../../host/net/tcp-probe.ts';
import { Scope } from '../../../host/net/scope.ts';
import { Semaphore, TokenBucket } from '../../../host/net/rate-limit.ts';
import type { TcpProbe } from '../../../host/hostcalls/types.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

let mod: AsModule;
beforeAll(async () => {
  mod = await instantiateAs(await compileAs('plugins/tls/src/__tests__/unit.ts'));
}, 120_000);

/** The leaf certificate's summary (fields.certificate). */
interface CertSummary {
  subject_dn: string;
  san_dns?: string[];
  not_after?: string;
  malformed?: boolean;
  [key: string]: unknown;
}

/** What the plugin writes as `parsed_services.fields`. */
interface Summary {
  version?: string;
  cipher?: string;
  ja3s?: string;
  ja3s_string?: string;
  alert?: string;
  chain_length?: number;
  certificate?: CertSummary;
  certificate_truncated?: boolean;
  truncated?: boolean;
  hello_done: boolean;
  [key: string]: unknown;
}

const summary = byteReader<Summary>(() => mod, 'summary');

// ---------------------------------------------------------------- ClientHello

/** The ClientHello's parts (RFC 5246 §7.4.1.2), read with node Buffers. */
function readHello(b: Buffer) {
  expect(b[0]).toBe(22);
  expect(b.readUInt16BE(3)).toBe(b.length - 5);
  expect(b[5]).toBe(1);
  expect(b.readUIntBE(6, 3)).toBe(b.length - 9);
  let p = 9;
  const version = b.readUInt16BE(p);
  p += 2 + 32;
  p += 1 + b[p]!;
  const nSuites = b.readUInt16BE(p) / 2;
  const suites = Array.from({ length: nSuites }, (_, i) => b.readUInt16BE(p + 2 + i * 2));
  p += 2 + nSuites * 2;
  p += 1 + b[p]!;
  const extEnd = p + 2 + b.readUInt16BE(p);
  p += 2;
  const exts = new Map<number, Buffer>();
  while (p < extEnd) {
    const len = b.readUInt16BE(p + 2);
    exts.set(b.readUInt16BE(p), b.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  expect(p).toBe(b.length);
  return { version, suites, exts };
}

describe('tls: the ClientHello', () => {
  const hello = (host: string): Buffer => Buffer.from(mod.invoke('hello', host).output, 'base64');

  it('is the one the fixtures were captured with (recapture them when it changes)', () => {
    expect(hello('127.0.0.1').equals(fixture('client-hello-ip.bin'))).toBe(true);
    expect(hello('localhost').equals(fixture('client-hello-localhost.bin'))).toBe(true);
  });

  it('offers TLS 1.2 at most, AEAD suites first with CBC fallbacks, and the extensions servers expect', () => {
    const h = readHello(hello('127.0.0.1'));
    expect(h.version).toBe(0x0303);
    expect(h.suites.slice(0, 6)).toEqual([0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8]);
    expect(h.suites).toEqual(expect.arrayContaining([0xc013, 0xc014, 0x002f, 0x0035]));
    expect(h.exts.has(43)).toBe(false); // no supported_versions: 1.3 is not offered
    expect([...h.exts.keys()].sort((a, b) => a - b)).toEqual([10, 11, 13, 23, 35, 0xff01]);
    expect(h.exts.get(0xff01)).toEqual(Buffer.from([0]));
    expect(h.exts.get(13)!.includes(Buffer.from([0x08, 0x07]))).toBe(true); // ed25519
  });

  it.each([
    ['localhost', 'localhost'],
    ['WWW.Example.ORG.', 'www.example.org'],
    ['10.0.0.1', null],
    ['::1', null],
    ['2001:db8::5', null],
    ['bad name', null],
    ['x'.repeat(254), null],
  ])('server_name for %s', (host, want) => {
    const sni = readHello(hello(host)).exts.get(0);
    if (want === null) expect(sni).toBeUndefined();
    else expect(sni!.subarray(5).toString('latin1')).toBe(want);
  });
});

// ------------------------------------------------------------- captured flights

interface Case {
  file: string;
  version?: string;
  cipher?: string;
  ja3s?: string;
  alert?: string;
  chain?: number;
  cert?: Record<string, unknown>;
}

const RSA_CERT = {
  subject: { cn: 'rsa.pentora.test', o: 'Pentora Test', ou: 'Fixtures', c: 'DE' },
  subject_dn: 'C=DE, O=Pentora Test, OU=Fixtures, CN=rsa.pentora.test',
  issuer_dn: 'C=DE, O=Pentora Test, OU=Fixtures, CN=rsa.pentora.test',
  san_dns: ['rsa.pentora.test', 'www.pentora.test'],
  san_ip: ['127.0.0.1', '::1'],
  not_before: '2026-11-21T15:17:59Z',
  not_after: '2029-02-23T15:17:59Z',
  key_type: 'RSA',
  key_bits: 2048,
  signature_algorithm: 'sha256WithRSAEncryption',
  serial: '421222f96d6f927ff6bf8ad16c42162a7453400c',
  version: 3,
  self_signed: true,
  sha256: 'e1e429f7710e9d068a4f5811601937334554ded657d4e79c0c7feae43ff62bc9',
};
const CHAIN_CERT = {
  subject: { cn: 'chain.pentora.test', o: 'Pentora Test' },
  issuer: { cn: 'Pentora Test Root', o: 'Pentora Test CA', c: 'DE' },
  issuer_dn: 'C=DE, O=Pentora Test CA, CN=Pentora Test Root',
  san_dns: ['chain.pentora.test'],
  san_ip: ['192.0.2.7'],
  not_after: '2052-05-08T15:17:59Z', // GeneralizedTime: after 2049 (RFC 5280 §4.1.2.5)
  key_type: 'EC',
  key_bits: 384,
  key_curve: 'P-384',
  signature_algorithm: 'sha256WithRSAEncryption',
  serial: '415d211851f8c3032c73c7be5672d4c211ed22ae',
  self_signed: false,
  sha256: '1abe09f597a8471992f8568c08ac5989f02ee14ea508bcaef32267dbc212361c',
};

// Certificate values are `openssl x509 -noout -serial -dates -fingerprint -sha256` of the same certificates.
const CASES: Case[] = [
  { file: 'openssl-rsa2048.bin', version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ja3s: '771,49199,65281-11-35-23', chain: 1, cert: RSA_CERT },
  {
    file: 'openssl-ec-p256.bin',
    version: 'TLSv1.2',
    cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    ja3s: '771,49195,65281-11-35-23',
    chain: 1,
    cert: { subject_dn: 'C=US, O=Pentora Test, CN=ec.pentora.test', key_type: 'EC', key_bits: 256, key_curve: 'P-256', signature_algorithm: 'ecdsa-with-SHA256', not_after: '2027-11-21T15:17:59Z', serial: '3909d85a84b1ce422f534a5a34b37ed9da309cff', self_signed: true, sha256: '8d74f2acd5854f8a5b002236614c51b4cd93fcccf66f472b8aabc303044aa445' },
  },
  {
    file: 'openssl-ed25519.bin',
    version: 'TLSv1.2',
    chain: 1,
    cert: { subject_dn: 'CN=ed25519.pentora.test', key_type: 'Ed25519', key_bits: 256, signature_algorithm: 'ED25519', not_after: '2036-11-18T15:17:59Z', serial: '385fff93b171515b70cf1fb1b63748dafa29decc', sha256: '74fc5097d942a5c33658142d8d8410517b8db030f57218423bc3683258dd6872' },
  },
  { file: 'openssl-chain-p384.bin', version: 'TLSv1.2', ja3s: '771,49195,65281-11-35-23', chain: 2, cert: CHAIN_CERT },
  // nginx answers the SNI ClientHello with an empty server_name extension (RFC 6066 §3).
  { file: 'nginx-sni-ecdsa-chain.bin', version: 'TLSv1.2', cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', ja3s: '771,49195,65281-0-11-35-23', chain: 2, cert: CHAIN_CERT },
  { file: 'openssl-tls10-only.bin', version: 'TLSv1.0', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', ja3s: '769,49171,65281-11-35-23', chain: 1, cert: RSA_CERT },
  // GnuTLS (Debian's slapd): its own extension order, so its own JA3S.
  { file: 'slapd-gnutls-ldaps.bin', version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ja3s: '771,49199,11-23-65281', chain: 1, cert: RSA_CERT },
  { file: 'openssl-tls13-only.bin', alert: 'protocol_version' },
  { file: 'openssl-handshake-failure.bin', alert: 'handshake_failure' },
];

describe('tls: captured server flights', () => {
  it.each(CASES)('$file', (c) => {
    const s = summary(fixture(c.file))!;
    expect(s).not.toBeNull();
    if (c.alert) {
      expect(s).toMatchObject({ alert: c.alert, alert_level: 'fatal', hello_done: false });
      expect(s.version).toBeUndefined();
      return;
    }
    expect(s.version).toBe(c.version);
    if (c.cipher) expect(s.cipher).toBe(c.cipher);
    if (c.ja3s) {
      expect(s.ja3s_string).toBe(c.ja3s);
      expect(s.ja3s).toBe(md5(c.ja3s));
    }
    expect(s.chain_length).toBe(c.chain);
    expect(s.hello_done).toBe(true);
    expect(s.truncated).toBeUndefined();
    expect(s.certificate).toMatchObject(c.cert!);
    expect(s.certificate!.malformed).toBeUndefined();
  });

  it('hashes the same DER node:crypto does (SHA-256 of the leaf)', () => {
    const pem = fs.readFileSync(path.join(FIXTURES, 'test-only-rsa2048.pem'), 'latin1');
    const der = Buffer.from(pem.split('-----BEGIN CERTIFICATE-----')[1]!.split('-----END')[0]!.replace(/\s+/g, ''), 'base64');
    expect(createHash('sha256').update(der).digest('hex')).toBe(RSA_CERT.sha256);
  });

  it.each(['client-hello-ip.bin', 'test-only-rsa2048.pem'])('%s is not a server flight', (f) => {
    expect(summary(fixture(f))).toBeNull();
  });

  it.each([
    ['an HTTP error', 'HTTP/1.1 400 Bad Request\r\n\r\n'],
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.2p1\r\n'],
    ['application data first', '\x17\x03\x03\x00\x05hello'],
    ['a handshake that is not ServerHello', '\x16\x03\x03\x00\x04\x0e\x00\x00\x00'],
    ['an alert of level 3', '\x15\x03\x03\x00\x02\x03\x28'],
    ['a record too long for TLS', '\x16\x03\x03\xff\xff\x02'],
    ['major version 2', '\x16\x02\x00\x00\x05\x02\x00\x00\x01\x00'],
    ['nothing', ''],
  ])('%s is not TLS', (_, text) => {
    expect(summary(Buffer.from(text, 'latin1'))).toBeNull();
  });
});

// ------------------------------------------------------------------- hostile

/** DER TLV with a definite length. */
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
const CN = '550403';
const nameCN = (v: string): Buffer => seq(tlv(0x31, seq(oid(CN), tlv(0x0c, Buffer.from(v, 'latin1')))));
/** A Name from [attribute OID hex, value] pairs, one RDN each. */
const nameOf = (...atvs: Array<[string, string]>): Buffer => seq(...atvs.map(([o, v]) => tlv(0x31, seq(oid(o), tlv(0x0c, Buffer.from(v, 'latin1'))))));

/** The ServerHello record of a capture, then one Certificate record holding `certs`. */
function flightWith(...certs: Buffer[]): Buffer {
  const cap = fixture('openssl-rsa2048.bin');
  const helloRecord = cap.subarray(0, 5 + cap.readUInt16BE(3));
  const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from([c.length >> 16, (c.length >> 8) & 0xff, c.length & 0xff]), c])));
  const body = Buffer.concat([Buffer.from([list.length >> 16, (list.length >> 8) & 0xff, list.length & 0xff]), list]);
  const hs = Buffer.concat([Buffer.from([11, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  const records: Buffer[] = [helloRecord];
  for (let i = 0; i < hs.length; i += 16384) {
    const frag = hs.subarray(i, i + 16384);
    records.push(Buffer.concat([Buffer.from([22, 3, 3, frag.length >> 8, frag.length & 0xff]), frag]));
  }
  return Buffer.concat(records);
}

const SHA256_RSA = seq(oid('2a864886f70d01010b'), tlv(0x05));

/** A TBSCertificate (RFC 5280 §4.1) with the given subject Name and extensions, an Ed25519 key, issuer "CN=issuer". */
function tbsWith(subject: Buffer, extensions?: Buffer, notAfter = tlv(0x17, Buffer.from('300101000000Z')), issuer = nameCN('issuer')): Buffer {
  return seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.from([0x00, 0x9c, 0x01])),
    SHA256_RSA,
    issuer,
    seq(tlv(0x17, Buffer.from('250101000000Z')), notAfter),
    subject,
    seq(seq(oid('2b6570')), tlv(0x03, Buffer.alloc(33))),
    ...(extensions ? [tlv(0xa3, seq(extensions))] : []),
  );
}

function certWith(subject: Buffer, extensions?: Buffer, notAfter?: Buffer, issuer?: Buffer): Buffer {
  return seq(tbsWith(subject, extensions, notAfter, issuer), SHA256_RSA, tlv(0x03, Buffer.alloc(65)));
}

describe('tls: hostile replies neither trap nor grow', () => {
  it.each(['openssl-rsa2048.bin', 'nginx-sni-ecdsa-chain.bin', 'openssl-ed25519.bin', 'slapd-gnutls-ldaps.bin', 'openssl-tls13-only.bin'])('every truncation of %s', (f) => {
    const full = fixture(f);
    for (let n = 0; n < full.length; n++) {
      const s = summary(full.subarray(0, n));
      // Six bytes (a record header and the ServerHello type) are enough to call it TLS; an alert needs all seven.
      if (full[0] === 22 && n >= 6) expect(s, `${n} bytes`).not.toBeNull();
      if (s !== null) expect(s.hello_done, `${n} bytes`).toBe(false);
    }
  });

  it('seeded byte mutations of every capture', () => {
    let x = 0x12345678;
    const rand = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 8);
    for (const f of CASES.map((c) => c.file)) {
      const base = fixture(f);
      for (let k = 0; k < 300; k++) {
        const b = Buffer.from(base);
        const flips = 1 + (rand() % 8);
        for (let j = 0; j < flips; j++) b[rand() % b.length] = rand() & 0xff;
        const s = summary(b);
        if (s) expect(JSON.stringify(s).length).toBeLessThan(16384);
      }
    }
  });

  it('indefinite, five-byte and oversized DER lengths give no certificate summary', () => {
    for (const der of [
      Buffer.from('3080308002010000', 'hex'),
      Buffer.from('30857fffffffff3000', 'hex'),
      Buffer.from('30847fffffff300002', 'hex'),
      Buffer.from('3084ffffffff', 'hex'),
      Buffer.from('1f8f8f8f8f8f01', 'hex'),
    ]) {
      const s = summary(flightWith(der))!;
      expect(s.chain_length).toBe(1);
      expect(s.certificate).toBeUndefined();
    }
  });

  it('a certificate cut inside its TBS keeps what was read and says malformed', () => {
    const good = certWith(nameCN('partial.example'));
    // The outer SEQUENCE no longer fits the bytes: not a certificate at all.
    expect(summary(flightWith(good.subarray(0, good.length - 70)))!.certificate).toBeUndefined();
    // Signature algorithm and value cut off, the TBS whole: a summary marked malformed.
    const tbsOnly = seq(tbsWith(nameCN('partial.example')));
    expect(summary(flightWith(tbsOnly))!.certificate).toMatchObject({ subject_dn: 'CN=partial.example', malformed: true });
    const whole = summary(flightWith(good))!;
    expect(whole.certificate).toMatchObject({ subject_dn: 'CN=partial.example', key_type: 'Ed25519', serial: '9c01', not_after: '2030-01-01T00:00:00Z', self_signed: false });
  });

  it('deep nesting, huge OIDs and bad times are bounded', () => {
    let deep: Buffer = Buffer.from('0500', 'hex');
    for (let i = 0; i < 3000; i++) deep = seq(deep);
    const hugeOid = oid('8f'.repeat(200) + '01');
    const name = seq(tlv(0x31, deep), tlv(0x31, seq(hugeOid, tlv(0x13, Buffer.from('x')))), tlv(0x31, seq(oid(CN), tlv(0x1e, Buffer.from([0, 0x41, 0x04, 0x30, 0])))));
    const s = summary(flightWith(certWith(name, undefined, tlv(0x18, Buffer.from('2O2Z0101')))))!;
    expect(s.certificate!.subject_dn).toBe('?=x, CN=A?');
    expect(s.certificate!.not_after).toBeUndefined();
  });

  it('a thousand RDNs and 1500 SANs are capped', () => {
    // Within the 64 KiB of handshake bytes the parser reassembles.
    const rdns = Array.from({ length: 1000 }, (_, i) => tlv(0x31, seq(oid(CN), tlv(0x0c, Buffer.from(`n${i}`.padEnd(20, 'x'))))));
    const sans = Array.from({ length: 1500 }, (_, i) => tlv(0x82, Buffer.from(`h${i}.example`)));
    const ext = seq(oid('551d11'), tlv(0x04, seq(...sans)));
    const s = summary(flightWith(certWith(seq(...rdns), ext)))!;
    expect(s.certificate!.san_dns).toHaveLength(64);
    expect(s.certificate!.subject_dn.length).toBeLessThanOrEqual(1024);
    expect(JSON.stringify(s).length).toBeLessThan(16384);
  });

  it('lying handshake and certificate-list lengths end the read as truncated', () => {
    const cap = fixture('openssl-rsa2048.bin');
    const helloRecord = cap.subarray(0, 5 + cap.readUInt16BE(3));
    const lies = [
      Buffer.from('16030300040bffffff', 'hex'), // Certificate of 16 MiB
      Buffer.from('16030300070b000003ffffff', 'hex'), // list of 16 MiB
      Buffer.from('160303000a0b000006000003000000', 'hex'), // a zero-length certificate
    ];
    for (const lie of lies) {
      const s = summary(Buffer.concat([helloRecord, lie]))!;
      expect(s.version).toBe('TLSv1.2');
      expect(s.certificate).toBeUndefined();
      expect(s.truncated || s.certificate_truncated).toBe(true);
    }
    const many = Buffer.concat([helloRecord, ...Array.from({ length: 5000 }, () => Buffer.from('16030300010e', 'hex'))]);
    expect(summary(many)!.version).toBe('TLSv1.2');
    const trailing = summary(Buffer.concat([cap, Buffer.from('HTTP/1.1 400 Bad Request\r\n')]))!;
    expect(trailing.hello_done).toBe(true);
  });
});

// ------------------------------------------------------------------- in the sandbox

const HOST = '127.0.0.1';
const { silent } = bannersAt(HOST);
type Rec = Record<string, unknown> & { port: number; fields: Summary; service: string };

describe('tls: the plugin in the sandbox', () => {
  it('probes hinted and (fallback) unknown silent ports, parses the replies, leaves talkers alone', async () => {
    const tcp: CannedTcp[] = [
      { host: HOST, port: 443, data: fixture('openssl-rsa2048.bin') },
      { host: HOST, port: 8443, data: fixture('openssl-tls13-only.bin') },
      { host: HOST, port: 4433, data: fixture('openssl-ec-p256.bin') },
      { host: HOST, port: 9999, data: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' },
      { host: HOST, port: 993, data: fixture('openssl-traefik-default-subject.bin') },
      { host: HOST, port: 636, data: fixture('slapd-gnutls-ldaps.bin') },
    ];
    const banners = [silent(443), silent(8443), silent(4433), silent(9999), silent(993), silent(636), { host: HOST, port: 22, protocol: 'tcp', probe: 'passive', data_b64: b64('SSH-2.0-OpenSSH_9.2p1\r\n') }];
    const r = await runPlugin({ plugin: 'plugins/tls', context: { banners }, tcp });
    expect(r.state, r.error).toBe('done');

    const sent = r.probes.flat();
    expect(sent.map((p) => p.port).sort((a, b) => a - b)).toEqual([443, 636, 993, 4433, 8443, 9999]);
    for (const p of sent) {
      const first = p.steps ? p.steps[0]!.send_b64 : p.payload_b64;
      const h = readHello(Buffer.from(first!, 'base64'));
      expect(h.exts.has(0)).toBe(false); // an IP literal gets no server_name
      const read = p.steps ? p.steps[0]!.read : p.read;
      expect(read?.max_bytes).toBe(32768);
    }
    const randoms = new Set(sent.map((p) => Buffer.from((p.steps ? p.steps[0]!.send_b64 : p.payload_b64)!, 'base64').subarray(11, 43).toString('hex')));
    expect(randoms.size).toBe(sent.length);

    const services = r.written.parsed_services as Rec[];
    const byPort = new Map(services.map((s) => [s.port, s]));
    expect([...byPort.keys()].sort((a, b) => a - b)).toEqual([443, 636, 993, 4433, 8443]);
    expect(byPort.get(443)).toMatchObject({ service: 'https', fields: { version: 'TLSv1.2', probe: 'tls-client-hello', certificate: { subject: { cn: 'rsa.pentora.test' } } } });
    expect(byPort.get(8443)).toMatchObject({ service: 'https', fields: { alert: 'protocol_version' } });
    expect(byPort.get(4433)).toMatchObject({ service: 'tls', fields: { certificate: { key_curve: 'P-256' } } });
    expect(byPort.get(993)).toMatchObject({ service: 'imaps' });
    expect(byPort.get(636)).toMatchObject({ service: 'ldaps', fields: { ja3s_string: '771,49199,11-23-65281' } });

    const prints = r.written.service_fingerprints as Rec[];
    const p443 = prints.filter((p) => p.port === 443);
    expect(p443).toHaveLength(1);
    expect(p443[0]).toMatchObject({ service: 'https', confidence: 95 });
    expect(p443[0]!.product).toBeUndefined();
    expect(String(p443[0]!.evidence)).toContain('subject C=DE, O=Pentora Test, OU=Fixtures, CN=rsa.pentora.test');
    expect(prints.find((p) => p.port === 8443)).toMatchObject({ confidence: 75 });
    // The certificate's subject names the product (rules.yaml traefik-default).
    expect(prints.find((p) => p.port === 993)).toMatchObject({ service: 'imaps', product: 'Traefik', cpe: 'cpe:2.3:a:traefik:traefik:*:*:*:*:*:*:*:*', extra: { rule: 'traefik-default' } });
    expect(r.output.summary).toMatchObject({ identified: 5, named: 1, alerts: 1 });
  });

  it('names products from the issuer and the SANs, once each, with their rule', async () => {
    // Shaped like a Proxmox VE node certificate that also serves Plex (built here, not captured).
    const issuer = nameOf(['550403', 'Proxmox Virtual Environment'], ['55040b', '0d2b2e3c-9f1e-4c55-8a0c-2e6b1f5c7a91'], ['55040a', 'PVE Cluster Manager CA']);
    const sans = seq(oid('551d11'), tlv(0x04, seq(tlv(0x82, Buffer.from('pve1.example.net')), tlv(0x82, Buffer.from('*.5f0b7c4ad2e94e1c8b3a6f9d2c1e0a7b.plex.direct')), tlv(0x82, Buffer.from('*.5f0b7c4ad2e94e1c8b3a6f9d2c1e0a7b.plex.direct')))));
    const flight = flightWith(certWith(nameCN('pve1.example.net'), sans, undefined, issuer));
    const banners = [{ host: HOST, port: 8006, protocol: 'tcp', probe: 'tls-client-hello', data_b64: b64(flight) }];
    const r = await runPlugin({ plugin: 'plugins/tls', context: { banners }, network: false });
    expect(r.state, r.error).toBe('done');
    const prints = r.written.service_fingerprints as Rec[];
    expect(prints.map((p) => [p.product, p.service, (p.extra as { rule?: string }).rule])).toEqual([
      ['Proxmox Virtual Environment', 'https', 'proxmox-ve'],
      ['Plex Media Server', 'tls', 'plex-direct'],
    ]);
    expect(prints[0]).toMatchObject({ os_hint: 'Linux', cpe: 'cpe:2.3:a:proxmox:virtual_environment:*:*:*:*:*:*:*:*' });
    expect((r.written.parsed_services as Rec[])[0]).toMatchObject({ service: 'tls', fields: { certificate: { issuer: { o: 'PVE Cluster Manager CA' } } } });
  });

  it('sends nothing when the network is off, and still reads TLS bytes it is given', async () => {
    const banners = [
      { host: HOST, port: 443, protocol: 'tcp', probe: 'tls-client-hello', data_b64: b64(fixture('nginx-sni-ecdsa-chain.bin')) },
      silent(8443),
    ];
    const r = await runPlugin({ plugin: 'plugins/tls', context: { banners }, network: false });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    expect(r.written.parsed_services).toHaveLength(1);
    expect((r.written.parsed_services as Rec[])[0]!.fields).toMatchObject({ chain_length: 2, ja3s_string: '771,49195,65281-0-11-35-23' });
  });
});

// ------------------------------------------------------- a real TLS server on loopback

describe('tls: a real handshake through the host socket code', () => {
  let server: tls.Server;
  let port = 0;
  beforeAll(async () => {
    const pem = fs.readFileSync(path.join(FIXTURES, 'test-only-rsa2048.pem'));
    server = tls.createServer({ key: pem, cert: pem });
    server.on('tlsClientError', () => {}); // the probe hangs up mid-handshake
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the plugin’s own probe, sent by runTcpProbes to node:tls, parses to the server’s certificate', async () => {
    // 1. The probe the plugin asks for (nothing answers in the harness).
    const first = await runPlugin({ plugin: 'plugins/tls', context: { banners: [silent(port)] } });
    const probes = first.probes.flat() as TcpProbe[];
    expect(probes).toHaveLength(1);
    // 2. The host's real socket code sends it to the server.
    const [result] = await runTcpProbes(probes, {
      connectTimeoutMs: 2000,
      buckets: [new TokenBucket(1000, 1000)],
      semaphore: new Semaphore(4),
      scope: new Scope([{ host: HOST }]),
      plugin: 'pentora/tls',
    });
    const data = Buffer.concat((result!.steps ?? [{ data_b64: result!.data_b64 }]).map((s) => Buffer.from(s.data_b64 ?? '', 'base64')));
    expect(data.length).toBeGreaterThan(500);
    // 3. The plugin reads the real reply.
    const second = await runPlugin({ plugin: 'plugins/tls', context: { banners: [silent(port)] }, tcp: [{ host: HOST, port, data }] });
    const rec = (second.written.parsed_services as Rec[])[0]!;
    expect(rec.fields).toMatchObject({ version: 'TLSv1.2', hello_done: true, chain_length: 1, certificate: { sha256: RSA_CERT.sha256, key_bits: 2048 } });
    expect(rec.fields.cipher).toMatch(/^TLS_ECDHE_RSA_WITH_/);
  });
});
