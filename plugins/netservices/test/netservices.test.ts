/**
 * pentora/netservices in the sandbox: captured DNS, SNMP, NTP and LDAP
 * replies (test/fixtures, README.md says where each came from) as `banners`
 * records, the TCP probes it sends to silent ports, and hostile bytes that
 * must neither trap nor produce records.
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bannerRecord } from '../../../sdk/testing/banners.ts';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';
import { corruptions, noise, prefixes } from '../../../sdk/testing/hostile.ts';
import { cpe, type FixtureCase, type Rec } from '../../../sdk/testing/parser-table.ts';

const PLUGIN = 'plugins/netservices';
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));

interface Case extends FixtureCase {
  protocol: 'udp' | 'tcp';
  port: number;
  probe: string;
  service: string;
  fields: Rec;
}

// Ports are the services' own, so hinted ones (53, 389, 3268) get the +5 of combineConfidence.
const CASES: Case[] = [
  { file: 'dns-bind9-debian12-udp.bin', protocol: 'udp', port: 53, probe: 'dns-version-bind', service: 'domain', product: 'ISC BIND', version: '9.18.49', cpe: cpe('isc', 'bind', '9.18.49'), os_hint: 'Debian', confidence: 100, fields: { rcode: 'NOERROR', flags: 'qr aa', qname: 'version.bind', qtype: 16, qclass: 3, answers: 1, version: '9.18.49-1~deb12u3-Debian' } },
  { file: 'dns-unbound-udp.bin', protocol: 'udp', port: 53, probe: 'dns-version-bind', service: 'domain', product: 'Unbound', version: '1.17.1', cpe: cpe('nlnetlabs', 'unbound', '1.17.1'), confidence: 100, fields: { rcode: 'NOERROR', flags: 'qr ra', version: 'unbound 1.17.1' } },
  { file: 'dns-dnsmasq-udp.bin', protocol: 'udp', port: 53, probe: 'dns-version-bind', service: 'domain', product: 'dnsmasq', version: '2.90', cpe: cpe('thekelleys', 'dnsmasq', '2.90'), confidence: 100, fields: { version: 'dnsmasq-2.90' } },
  // `version none;`: NOERROR, no answer, the SOA of the CH zone in authority — DNS, no product.
  { file: 'dns-bind9-version-none-udp.bin', protocol: 'udp', port: 53, probe: 'dns-version-bind', service: 'domain', confidence: 65, fields: { rcode: 'NOERROR', answers: 0, authority: 1 } },
  { file: 'dns-bind9-version-custom-udp.bin', protocol: 'udp', port: 53, probe: 'dns-version-bind', service: 'domain', confidence: 65, fields: { version: 'Go away' } },
  { file: 'dns-bind9-root-ns-udp.bin', protocol: 'udp', port: 53, probe: 'dns-root-ns', service: 'domain', confidence: 65, fields: { rcode: 'REFUSED', qname: '', qtype: 2, qclass: 1 } },
  { file: 'dns-dnsmasq-tcp.bin', protocol: 'tcp', port: 5300, probe: 'dns-version-bind', service: 'domain', product: 'dnsmasq', version: '2.90', cpe: cpe('thekelleys', 'dnsmasq', '2.90'), confidence: 95, fields: { version: 'dnsmasq-2.90' } },
  { file: 'snmp-netsnmp-v2c-sysdescr.bin', protocol: 'udp', port: 161, probe: 'snmp-v2c-sysdescr', service: 'snmp', product: 'Net-SNMP', cpe: cpe('net-snmp', 'net-snmp'), os_hint: 'Linux 6.18.44-fc-v669', confidence: 75, fields: { snmp_version: '2c', community: 'public', pdu: 'response', sysdescr: 'Linux vm 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 x86_64', hostname: 'vm', kernel: '6.18.44-fc-v669' } },
  { file: 'snmp-netsnmp-v1-sysdescr.bin', protocol: 'udp', port: 161, probe: 'snmp-v1-sysdescr', service: 'snmp', product: 'Net-SNMP', cpe: cpe('net-snmp', 'net-snmp'), os_hint: 'Linux 6.18.44-fc-v669', confidence: 75, fields: { snmp_version: '1', pdu: 'response' } },
  { file: 'snmp-netsnmp-v2c-sysdescr-objectid.bin', protocol: 'udp', port: 161, probe: 'snmp-v2c-sysdescr', service: 'snmp', product: 'Net-SNMP', cpe: cpe('net-snmp', 'net-snmp'), os_hint: 'Linux 6.18.44-fc-v669', confidence: 75, fields: { sysobjectid: '1.3.6.1.4.1.8072.3.2.10', enterprise: 8072 } },
  { file: 'snmp-netsnmp-v3-report.bin', protocol: 'udp', port: 161, probe: 'snmp-v3-discovery', service: 'snmp', product: 'Net-SNMP', cpe: cpe('net-snmp', 'net-snmp'), confidence: 80, fields: { snmp_version: '3', pdu: 'report', enterprise: 8072, engine_id: '80001f8880b53975655fb5016b00000000', engine_boots: 1, report_oid: '1.3.6.1.6.3.15.1.1.4.0' } },
  { file: 'ntp-ntpsec-mode4.bin', protocol: 'udp', port: 123, probe: 'ntp-client', service: 'ntp', confidence: 60, fields: { mode: 4, ntp_version: 4, stratum: 0, refid: 'INIT', leap: 3 } },
  { file: 'ntp-chrony-mode4.bin', protocol: 'udp', port: 123, probe: 'ntp-client', service: 'ntp', confidence: 60, fields: { mode: 4, stratum: 10, refid: '127.127.1.1' } },
  { file: 'ntp-ntpsec-mode6-readvar.bin', protocol: 'udp', port: 123, probe: 'ntp-readvar', service: 'ntp', product: 'NTPsec', version: '1.2.2', cpe: cpe('ntpsec', 'ntpsec', '1.2.2'), os_hint: 'Linux 6.18.44-fc-v669', confidence: 95, fields: { mode: 6, opcode: 2, daemon: 'ntpd ntpsec-1.2.2', system: 'Linux/6.18.44-fc-v669', processor: 'x86_64' } },
  { file: 'ntp-ntpd-mode6-readvar-spec.bin', protocol: 'udp', port: 123, probe: 'ntp-readvar', service: 'ntp', product: 'NTP ntpd', version: '4.2.8p15', cpe: cpe('ntp', 'ntp', '4.2.8p15'), os_hint: 'FreeBSD 13.2-RELEASE-p4', confidence: 95, fields: { mode: 6, system: 'FreeBSD/13.2-RELEASE-p4' } },
  { file: 'ldap-openldap-rootdse.bin', protocol: 'tcp', port: 389, probe: 'ldap-rootdse', service: 'ldap', product: 'OpenLDAP', cpe: cpe('openldap', 'openldap'), confidence: 95, fields: { result: 'success', entries: 1, naming_contexts: ['dc=example,dc=org'], ldap_versions: ['3'], object_classes: ['top', 'OpenLDAProotDSE'], sasl_mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-384', 'SCRAM-SHA-256', 'SCRAM-SHA-224', 'SCRAM-SHA-1', 'DIGEST-MD5', 'CRAM-MD5', 'NTLM'] } },
  { file: 'ldap-ad-rootdse-spec.bin', protocol: 'tcp', port: 3268, probe: 'ldap-rootdse', service: 'ldap', product: 'Microsoft Active Directory LDAP', os_hint: 'Windows Server 2016 or later', confidence: 90, fields: { active_directory: true, dns_host_name: 'DC01.corp.example.com', default_naming_context: 'DC=corp,DC=example,DC=com', dc_functionality: '7', ldap_versions: ['3', '2'] } },
  { file: 'ldap-bind-required-spec.bin', protocol: 'tcp', port: 10389, probe: 'ldap-rootdse', service: 'ldap', confidence: 60, fields: { result: 'operationsError', entries: 0 } },
];

const hostOf = (i: number) => `192.0.2.${10 + i}`;
const banner = (host: string, port: number, protocol: string, probe: string, data: Buffer): Rec => bannerRecord(host, port, data, { protocol, probe });

describe('netservices: captured replies', () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runPlugin({ plugin: PLUGIN, context: { banners: CASES.map((c, i) => banner(hostOf(i), c.port, c.protocol, c.probe, fixture(c.file))) } });
  });

  it('runs to completion, one service and one print per reply, no probes to endpoints that answered', () => {
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(CASES.length);
    expect(r.written.service_fingerprints).toHaveLength(CASES.length);
    expect(r.output.summary).toMatchObject({ banners: CASES.length, identified: CASES.length, dns: 7, snmp: 4, ntp: 4, ldap: 3 });
    expect(r.probes.flat()).toHaveLength(0);
  });

  it.each(CASES.map((c, i) => ({ ...c, host: hostOf(i) })))('$file', (c) => {
    const svc = (r.written.parsed_services as Rec[]).find((s) => s.host === c.host)!;
    expect(svc).toMatchObject({ port: c.port, protocol: c.protocol, service: c.service });
    expect(svc.fields).toMatchObject({ ...c.fields, probe: c.probe });
    const fp = (r.written.service_fingerprints as Rec[]).find((s) => s.host === c.host)!;
    expect(fp).toMatchObject({ service: c.service, confidence: c.confidence, protocol: c.protocol });
    expect(fp.product).toBe(c.product);
    expect(fp.version).toBe(c.version);
    expect(fp.cpe).toBe(c.cpe);
    expect(fp.os_hint).toBe(c.os_hint);
    expect(String(fp.evidence)).toMatch(new RegExp(`^probe=${c.probe}; `));
  });
});

describe('netservices: TCP probes', () => {
  it('asks a silent 53/tcp for version.bind and a silent 389 for the root DSE, with the exact bytes', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { banners: [banner('192.0.2.50', 53, 'tcp', 'passive', Buffer.alloc(0)), banner('192.0.2.51', 389, 'tcp', 'passive', Buffer.alloc(0)), banner('192.0.2.52', 8080, 'tcp', 'passive', Buffer.alloc(0))] },
      tcp: [
        { host: '192.0.2.50', port: 53, data: fixture('dns-bind9-debian12-tcp.bin') },
        { host: '192.0.2.51', port: 389, data: fixture('ldap-openldap-rootdse.bin') },
      ],
    });
    expect(r.state, r.error).toBe('done');
    const sent = r.probes.flat();
    // Only the hinted ports: 8080 is no probe's hint and neither probe is a fallback.
    expect(sent.map((p) => `${p.host}:${p.port}`).sort()).toEqual(['192.0.2.50:53', '192.0.2.51:389']);
    const sendOf = (port: number) => Buffer.from(sent.find((p) => p.port === port)!.steps![0]!.send_b64!, 'base64').toString('hex');
    // RFC 1035 + RFC 7766: length 0x1e, ID "pe", flags 0, QD 1, version.bind TXT CH.
    expect(sendOf(53)).toBe('001e' + '706500000001000000000000' + '0776657273696f6e0462696e6400' + '0010' + '0003');
    // The request the OpenLDAP fixture answered (captured with the same bytes).
    expect(sendOf(389)).toBe(
      '308201120201016382010b04000a01000a0100020100020100010100870b6f626a656374436c6173733081ea040e6e616d696e67436f6e74657874730414737570706f727465644c44415056657273696f6e040a76656e646f724e616d65040d76656e646f7256657273696f6e0417737570706f727465645341534c4d656368616e69736d73040b6f626a656374436c617373040b646e73486f73744e616d65041464656661756c744e616d696e67436f6e746578740413646f6d61696e46756e6374696f6e616c6974790413666f7265737446756e6374696f6e616c697479041d646f6d61696e436f6e74726f6c6c657246756e6374696f6e616c6974790415737570706f727465644361706162696c6974696573',
    );
    const prints = r.written.service_fingerprints as Rec[];
    expect(prints.find((p) => p.port === 53)).toMatchObject({ service: 'domain', product: 'ISC BIND', version: '9.18.49', os_hint: 'Debian', confidence: 100 });
    expect(prints.find((p) => p.port === 389)).toMatchObject({ service: 'ldap', product: 'OpenLDAP', confidence: 95 });
    expect(prints.find((p) => p.port === 53)!.extra).toMatchObject({ evidence: ['probe:dns-version-bind', 'port-hint'] });
  });

  it('sends nothing with network false (pentora fingerprint) and still parses the UDP replies at hand', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      network: false,
      context: { banners: [banner('192.0.2.60', 53, 'tcp', 'passive', Buffer.alloc(0)), banner('192.0.2.61', 53, 'udp', 'dns-version-bind', fixture('dns-unbound-udp.bin'))] },
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    expect(r.written.service_fingerprints).toEqual([expect.objectContaining({ host: '192.0.2.61', product: 'Unbound' })]);
  });
});

describe('netservices: not these protocols, and hostile input', () => {
  const NEGATIVE: Array<[string, string, number, Buffer]> = [
    ['an SSH banner', 'tcp', 22, Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')],
    ['an HTTP reply on 53/tcp', 'tcp', 53, Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['a DNS query (QR clear)', 'udp', 53, Buffer.from('706500000001000000000000076578616d706c6503636f6d0000010001', 'hex')],
    ['an SNMP GetRequest (not a reply) with a bad version', 'udp', 161, Buffer.from('302902010504067075626c6963a01c020470656e74020100020100300e300c06082b060102010101000500', 'hex')],
    ['a BER length past the datagram', 'udp', 161, Buffer.from('3084ffffffff020101', 'hex')],
    ['an indefinite BER length', 'udp', 161, Buffer.from('3080020101040670', 'hex')],
    ['an NTP client request (mode 3)', 'udp', 123, Buffer.from('23' + '00'.repeat(47), 'hex')],
    ['a mode 6 request (R bit clear)', 'udp', 123, Buffer.from('160200010000000000000000', 'hex')],
    ['an LDAP SearchRequest (a request, not a reply)', 'tcp', 389, Buffer.from('300c020101630704000a01000a0100', 'hex')],
    ['a DNS compression loop', 'udp', 53, Buffer.from('7065840000010000000000000c' + 'c00c' + '00100003', 'hex')],
    ['random bytes', 'udp', 161, noise(400, 7)],
    ['random bytes on 123', 'udp', 123, noise(47, 9)],
  ];

  it.each(NEGATIVE)('%s yields nothing', async (_name, protocol, port, data) => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner('192.0.2.90', port, protocol, 'passive', data)] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services ?? []).toHaveLength(0);
    expect(r.output.summary).toMatchObject({ banners: 1, identified: 0 });
  });

  it('every truncation and a corrupted byte of every fixture ends without a trap', async () => {
    const banners: Rec[] = [];
    let n = 0;
    for (const c of CASES) {
      const data = fixture(c.file);
      for (const bad of [...prefixes(data, 1).slice(0, -1), ...corruptions(data, 3)]) {
        banners.push(banner(`10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`, c.port, c.protocol, c.probe, bad));
        n++;
      }
    }
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners } });
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toMatchObject({ banners: banners.length });
  });
});
