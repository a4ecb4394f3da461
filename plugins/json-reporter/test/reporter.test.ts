/**
 * pentora/json-reporter in the real sandbox: a context as a standard scan
 * leaves it becomes one deterministic report.json.
 */

import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/json-reporter';
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

const CONTEXT = {
  discovered_hosts: [
    { host: '10.0.0.10', alive: true, method: 'icmp' },
    { host: '10.0.0.9', alive: false },
    { host: '10.0.0.2', alive: true },
  ],
  open_ports: [
    { host: '10.0.0.10', port: 443, protocol: 'tcp', state: 'open', rtt_ms: 2.5 },
    { host: '10.0.0.10', port: 22, protocol: 'tcp', state: 'open', rtt_ms: 0.4 },
    { host: 'fe80::1', port: 80, protocol: 'tcp', state: 'open' },
    { host: '10.0.0.10', port: 53, protocol: 'udp', state: 'open|filtered' },
  ],
  banners: [{ host: '10.0.0.10', port: 22, protocol: 'tcp', probe: 'null', data_b64: b64('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n') }],
  parsed_services: [{ host: '10.0.0.10', port: 22, protocol: 'tcp', service: 'ssh', fields: { proto_version: '2.0', software: 'OpenSSH_9.2p1' } }],
  service_fingerprints: [
    { host: '10.0.0.10', port: 22, protocol: 'tcp', service: 'ssh', product: 'OpenSSH', version: '9.2p1', cpe: 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*', confidence: 95, source: 'banner', os_hint: 'Debian' },
  ],
  asset_profiles: [{ host: '10.0.0.10', os: 'Debian 12', tags: ['linux'] }],
  vulnerabilities: [
    { host: '10.0.0.10', port: 22, protocol: 'tcp', id: 'weak-kex', title: 'Weak key exchange', severity: 'low' },
    { host: '10.0.0.10', port: 22, protocol: 'tcp', id: 'regresshion', title: 'OpenSSH signal handler race', severity: 'high', cve: ['CVE-2024-6387'], cvss: 8.1 },
  ],
  compliance_violations: [{ host: '10.0.0.2', id: 'cis-1', title: 'Telnet enabled', severity: 'medium', rule: 'no cleartext admin' }],
};

async function report(context: Record<string, unknown[]>): Promise<{ text: string; doc: Record<string, unknown>; r: Awaited<ReturnType<typeof runPlugin>> }> {
  const r = await runPlugin({ plugin: PLUGIN, context });
  expect(r.state, r.error).toBe('done');
  const art = r.output.artifacts?.find((a) => a.name === 'report.json');
  expect(art).toBeDefined();
  return { text: art!.text!, doc: JSON.parse(art!.text!) as Record<string, unknown>, r };
}

describe('json-reporter', () => {
  it('writes hosts, ports, services, findings and a summary', async () => {
    const { doc, r } = await report(CONTEXT);
    expect(doc.format).toBe('pentora-report/1');
    expect(doc.scan_id).toBe('test');
    expect(doc.generated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(doc.generated_at as string) - Date.now())).toBeLessThan(60_000);
    expect(doc.hosts).toEqual([
      { host: '10.0.0.2', alive: true, ports: [] },
      {
        host: '10.0.0.10',
        alive: true,
        os: 'Debian 12',
        tags: ['linux'],
        ports: [
          {
            port: 22,
            protocol: 'tcp',
            state: 'open',
            service: 'ssh',
            rtt_ms: 0.4,
            banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
            services: [
              { service: 'ssh', product: 'OpenSSH', version: '9.2p1', cpe: 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*', confidence: 95, source: 'banner', os_hint: 'Debian', plugin: 'test' },
            ],
            parsed: [{ service: 'ssh', fields: { proto_version: '2.0', software: 'OpenSSH_9.2p1' }, plugin: 'test' }],
          },
          { port: 53, protocol: 'udp', state: 'open|filtered', services: [] },
          { port: 443, protocol: 'tcp', state: 'open', rtt_ms: 2.5, services: [] },
        ],
      },
      { host: 'fe80::1', ports: [{ port: 80, protocol: 'tcp', state: 'open', services: [] }] },
    ]);
    expect((doc.vulnerabilities as Array<{ id: string }>).map((v) => v.id)).toEqual(['regresshion', 'weak-kex']);
    expect(doc.compliance_violations).toEqual([{ ...CONTEXT.compliance_violations[0], plugin: 'test' }]);
    const summary = {
      hosts: 3,
      hosts_down: 1,
      open_ports: 3,
      services: 1,
      vulnerabilities: 2,
      vulnerabilities_by_severity: { critical: 0, high: 1, medium: 0, low: 1, info: 0 },
      compliance_violations: 1,
    };
    expect(doc.summary).toEqual(summary);
    expect(r.output.summary).toEqual(summary);
  });

  it('is deterministic: record order in the context does not change the report', async () => {
    const shuffled = Object.fromEntries(Object.entries(CONTEXT).map(([k, v]) => [k, [...v].reverse()]));
    const a = await report(CONTEXT);
    const b = await report(shuffled);
    const strip = (t: string) => t.replace(/"generated_at": "[^"]+"/, '');
    expect(strip(b.text)).toBe(strip(a.text));
    expect(a.text.endsWith('}\n')).toBe(true);
    expect(a.text).toBe(JSON.stringify(a.doc, null, 2) + '\n');
  });

  it('an empty scan gives an empty, valid report', async () => {
    const { doc } = await report({});
    expect(doc).toMatchObject({ hosts: [], vulnerabilities: [], compliance_violations: [], summary: { hosts: 0, open_ports: 0, vulnerabilities: 0 } });
  });

  it('quotes hostile banner bytes safely', async () => {
    const evil = '\u0000\u001b[31m"}\\\u00ff\r\n';
    const { doc } = await report({ banners: [{ host: '10.0.0.1', port: 23, protocol: 'tcp', data_b64: b64(evil) }] });
    expect((doc.hosts as Array<{ ports: Array<{ banner: string }> }>)[0]!.ports[0]!.banner).toBe(evil);
  });
});
