/**
 * `pentora scan -sU` for real, between two network namespaces the test
 * makes (test/net/netns.ts): the scanner in one, strict UDP services in the
 * other (test/e2e/fixtures/udp-services.ts) that answer only well-formed
 * requests. Proves the udp-scanner's payloads provoke replies from servers
 * that ignore empty datagrams, that SNMP v1 follows an unanswered v2c, that
 * NTP gets a control READVAR and a client request in the same round (both
 * replies kept), and that an unbound port comes out closed (ICMP port
 * unreachable).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsPair, netnsSupport, NODE, REPO, type NetnsPair } from '../net/netns.ts';
import { CLI, tempDir } from './helpers.ts';

const support = netnsSupport();

describe.runIf(support.ok)('pentora scan -sU between namespaces', () => {
  let pair: NetnsPair;
  let services: ChildProcess;
  let ws: string;
  beforeAll(async () => {
    pair = await createNetnsPair('udpscan');
    ws = tempDir('udpscan');
    services = spawn('ip', ['netns', 'exec', pair.b, NODE, path.join(REPO, 'test/e2e/fixtures/udp-services.ts'), pair.addrB], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: services.stdout! }).once('line', () => resolve());
      services.once('exit', (code) => reject(new Error(`udp services exited ${code}`)));
    });
  });
  afterAll(async () => {
    services?.stdin?.end();
    await pair?.cleanup();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('finds DNS, NTP (READVAR and client reply), SNMP (v1 after v2c) and memcached open by their replies; unbound ports are closed', async () => {
    const out = pair.exec('a', [NODE, CLI, 'scan', '--targets', pair.addrB, '-sU', '-Pn', '-p', '53,123,137,161,5353,9999,11211', '--profile', 'portscan', '--retries', '0', '--timeout', '500', '-o', 'jsonl', '--workspace', ws]);
    const records = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; port: number; state: string; protocol: string });
    const ports = records.filter((r) => r.type === 'port').map((r) => `${r.port}/${r.protocol} ${r.state}`);
    expect(ports).toEqual(['53/udp open', '123/udp open', '161/udp open', '5353/udp open|filtered', '11211/udp open']);

    const scan = fs.readdirSync(path.join(ws, 'scans'))[0]!;
    const dir = path.join(ws, 'scans', scan);
    const banners = fs
      .readFileSync(path.join(dir, 'results', 'banners.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { port: number; probe: string; data_b64: string });
    const text = (port: number, probe?: string) => Buffer.from(banners.find((b) => b.port === port && (probe === undefined || b.probe === probe))!.data_b64, 'base64').toString('latin1');
    expect(banners.map((b) => `${b.port} ${b.probe}`).sort()).toEqual(['11211 memcached-stats', '123 ntp-client', '123 ntp-readvar', '161 snmp-v1-sysdescr', '53 dns-version-bind']);
    expect(text(123, 'ntp-readvar')).toContain('version="ntpd ntpsec-1.2.2"');
    expect(text(123, 'ntp-client').charCodeAt(0)).toBe(0x24); // LI 0, VN 4, mode 4
    expect(text(53)).toContain('pentora-test-dns 1.0');
    expect(text(161)).toContain('pentora test agent');
    expect(text(11211)).toContain('STAT version 1.6.21');
    const summary = (JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as { nodes: Record<string, { summary: Record<string, number> }> }).nodes['udp-scanner']!.summary;
    // 9999 (bound, silent, no payload to send) and 5353 (a request, no answer) stay open|filtered;
    // 137 has nothing bound: ICMP port unreachable, closed.
    // 123 is one port for the counts, though it got two requests.
    expect(summary).toMatchObject({ probed: 7, open: 4, closed: 1, open_filtered: 2, protocol_requests: 8, replies: 5 });
  });
});
