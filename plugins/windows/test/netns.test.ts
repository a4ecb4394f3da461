/**
 * pentora/windows and pentora/netservices through the real host: `pentora
 * scan` (connect and UDP scan, standard profile) from one network namespace
 * against replayed servers on their well-known ports in another
 * (replay-services.ts: Samba, xrdp, BIND, slapd, net-snmp, ntpsec bytes as
 * captured). Proves the probes go out over real sockets as conversations,
 * the UDP scanner's replies reach the parsers, and the records come out named.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsPair, netnsSupport, NODE, type NetnsPair } from '../../../test/net/netns.ts';
import { CLI, tempDir } from '../../../test/e2e/helpers.ts';

const support = netnsSupport();
type Rec = Record<string, unknown>;

describe.runIf(support.ok)('windows + netservices: a real scan between namespaces', () => {
  let pair: NetnsPair;
  let services: ChildProcess;
  let ws: string;
  beforeAll(async () => {
    pair = await createNetnsPair('winsvc');
    ws = tempDir('winsvc');
    services = spawn('ip', ['netns', 'exec', pair.b, NODE, path.join(import.meta.dirname, 'replay-services.ts'), pair.addrB], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('replay services not ready in 20 s')), 20_000);
      createInterface({ input: services.stdout! }).once('line', () => {
        clearTimeout(timer);
        resolve();
      });
      services.once('exit', (code) => reject(new Error(`replay services exited ${code}`)));
    });
  });
  afterAll(async () => {
    if (services && services.exitCode === null) {
      const exited = new Promise<void>((resolve) => services.once('exit', () => resolve()));
      services.stdin?.end();
      const timer = setTimeout(() => services.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await pair?.cleanup();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('names Samba, xrdp, BIND (TCP and UDP), OpenLDAP, net-snmp and NTP', async () => {
    pair.exec('a', [NODE, CLI, 'scan', '--targets', pair.addrB, '--scan-type', 'connect,udp', '-Pn', '-p', '53,123,161,389,445,3389', '--profile', 'standard', '--retries', '0', '--timeout', '800', '-o', 'jsonl', '--workspace', ws]);
    const scan = fs.readdirSync(path.join(ws, 'scans'))[0]!;
    const read = (key: string): Rec[] =>
      fs
        .readFileSync(path.join(ws, 'scans', scan, 'results', `${key}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Rec);
    const prints = read('service_fingerprints');
    const at = (port: number, protocol: string, plugin: string) => prints.find((p) => p.port === port && p.protocol === protocol && p.plugin === plugin);
    expect(at(445, 'tcp', 'pentora/windows')).toMatchObject({ service: 'microsoft-ds', product: 'Samba smbd', os_hint: 'Unix' });
    expect(at(3389, 'tcp', 'pentora/windows')).toMatchObject({ service: 'ms-wbt-server', product: 'xrdp' });
    expect(at(53, 'tcp', 'pentora/netservices')).toMatchObject({ service: 'domain', product: 'ISC BIND', version: '9.18.49' });
    expect(at(53, 'udp', 'pentora/netservices')).toMatchObject({ service: 'domain', product: 'ISC BIND', version: '9.18.49', os_hint: 'Debian' });
    expect(at(389, 'tcp', 'pentora/netservices')).toMatchObject({ service: 'ldap', product: 'OpenLDAP' });
    expect(at(161, 'udp', 'pentora/netservices')).toMatchObject({ service: 'snmp', product: 'Net-SNMP' });
    expect(at(123, 'udp', 'pentora/netservices')).toMatchObject({ service: 'ntp' });
    const smb = read('parsed_services').find((s) => s.port === 445 && s.plugin === 'pentora/windows')!;
    expect(smb.fields).toMatchObject({ dialect: '3.1.1', ntlm_os_version: '6.1.0', smb1_enabled: true, probe: 'smb-negotiate' });
  }, 120_000);
});
