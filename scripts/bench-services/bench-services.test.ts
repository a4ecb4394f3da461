/**
 * The benchmark's pure parts: Debian version → upstream, nmap XML reading,
 * pentora JSON reading, Redis command framing, the seeded listener plan.
 * Runs without root or network, in `npm test`.
 */

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { sameProduct, sameVersion, upstreamVersion } from './daemons.ts';
import { plan, SILENT, TALKING } from './listeners.ts';
import { nmapIdents, pentoraIdents, sameService } from './results.ts';
import { respCommand } from './resp.ts';

test('upstream version: epoch, Debian revision and repack suffix go', () => {
  const cases: Array<[string, string]> = [
    ['1:9.2p1-2+deb12u10', '9.2p1'],
    ['1.22.1-9', '1.22.1'],
    ['1.22.1-9+deb12u11', '1.22.1'],
    ['5:7.0.15-1~deb12u10', '7.0.15'],
    ['3.0.3-13+b2', '3.0.3'],
    ['1:2.3.19.1+dfsg1-2.1+deb12u7', '2.3.19.1'],
    ['2.0.11-1.2+deb12u2', '2.0.11'],
    ['1:10.11.19-0+deb12u1', '10.11.19'],
    ['7.93+dfsg1-1', '7.93'],
  ];
  for (const [deb, up] of cases) assert.equal(upstreamVersion(deb), up, deb);
});

test('version and product comparison', () => {
  assert.ok(sameVersion('9.2p1', '9.2p1'));
  assert.ok(sameVersion('9.2p1 Debian 2+deb12u10', '9.2p1'));
  assert.ok(!sameVersion('9.2', '9.2p1'));
  assert.ok(!sameVersion('1.22', '1.22.1'));
  assert.ok(!sameVersion(null, '1.22.1'));
  assert.ok(sameProduct('vsFTPd', 'vsftpd'));
  assert.ok(sameProduct('Redis key-value store', 'Redis'));
  assert.ok(!sameProduct('Exim smtpd', 'Postfix'));
  assert.ok(sameService('http-proxy', 'http'));
  assert.ok(!sameService('ftp', 'http'));
});

test('nmap -oX: probed services only, mosquitto spelled as MQTT', () => {
  const xml = `<ports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="9.2p1 Debian 2+deb12u10" extrainfo="protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:9.2p1</cpe></service></port>
<port protocol="tcp" portid="1883"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="mosquitto version 2.0.11" method="probed" conf="10"/></port>
<port protocol="tcp" portid="4444"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="krb524" method="table" conf="3"/></port>
<port protocol="tcp" portid="5555"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="tcpwrapped" method="probed" conf="8"/></port>
<port protocol="tcp" portid="80"><state state="closed" reason="reset" reason_ttl="64"/><service name="http" method="table" conf="3"/></port>
</ports>`;
  const m = nmapIdents(xml);
  assert.deepEqual([...m.keys()].sort((a, b) => a - b), [22, 1883]);
  assert.deepEqual(m.get(22)![0], { service: 'ssh', product: 'OpenSSH', version: '9.2p1 Debian 2+deb12u10', confidence: 100 });
  assert.deepEqual(m.get(1883)![0], { service: 'mqtt', product: 'mosquitto', version: '2.0.11', confidence: 100 });
});

test('pentora -o json: services per port, most confident first', () => {
  const doc = {
    scan: { id: 'x', state: 'completed' },
    services: [
      { type: 'service', host: '127.0.0.1', port: 80, protocol: 'tcp', service: 'http', product: 'PHP', version: '8.2.7', confidence: 70 },
      { type: 'service', host: '127.0.0.1', port: 80, protocol: 'tcp', service: 'http', product: 'nginx', version: '1.22.1', confidence: 90 },
      { type: 'service', host: '127.0.0.2', port: 80, protocol: 'tcp', service: 'http', product: 'x', version: null, confidence: 90 },
    ],
  };
  const m = pentoraIdents(JSON.stringify(doc), '127.0.0.1');
  assert.deepEqual(m.get(80)!.map((i) => i.product), ['nginx', 'PHP']);
});

test('the listener plan is seeded: 200 distinct ports, 142 talking, 58 silent', () => {
  const a = plan(2026);
  const b = plan(2026);
  assert.deepEqual(a, b);
  assert.equal(new Set(a.map((s) => s.port)).size, TALKING + SILENT);
  assert.equal(a.filter((s) => s.speaks === 'silent').length, SILENT);
  assert.equal(TALKING, 142);
  for (const s of a) assert.ok(s.port >= 1 && s.port <= 65535);
  for (const s of a.filter((x) => x.speaks === 'ssh')) assert.match(Buffer.from(s.greetingB64!, 'base64').toString('latin1'), /SSH-\d\.\d+-/);
  assert.notDeepEqual(plan(7).map((s) => s.port), a.map((s) => s.port));
});

test('Redis framing: inline and multibulk commands, incomplete ones wait', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  assert.deepEqual(respCommand(b('INFO server\r\n')), ['INFO server', 13]);
  assert.deepEqual(respCommand(b('*1\r\n$4\r\nPING\r\n')), ['PING', 14]);
  assert.deepEqual(respCommand(b('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n')), ['INFO server', 26]);
  assert.equal(respCommand(b('*1\r\n$4\r\nPI')), null);
  assert.equal(respCommand(b('INFO')), null);
  assert.deepEqual(respCommand(b('*x\r\n')), ['', 4]);
});
