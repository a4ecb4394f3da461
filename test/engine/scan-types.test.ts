/**
 * --scan-type, --only-discover and --skip-discovery as a choice among a
 * profile's plugins, judged from the builtin manifests themselves.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDag } from '../../host/engine/planner.ts';
import { defaultScanTypes, moduleFilter, needsOnlyRaw, parseScanTypes, scanTypeOf } from '../../host/engine/scan-types.ts';
import type { Manifest } from '../../host/sandbox/manifest.ts';

const PLUGINS = path.join(import.meta.dirname, '..', '..', 'plugins');
const manifests: Manifest[] = fs
  .readdirSync(PLUGINS)
  .filter((d) => fs.existsSync(path.join(PLUGINS, d, 'plugin.json')))
  .map((d) => ({ ...(JSON.parse(fs.readFileSync(path.join(PLUGINS, d, 'plugin.json'), 'utf8')) as Omit<Manifest, 'wasm'>), wasm: { sha256: '0'.repeat(64), size: 8 } }));
const byName = (name: string) => manifests.find((m) => m.name === name)!;
const modules = (profile: string, sel: Parameters<typeof moduleFilter>[0]) =>
  planDag(manifests, { profile, select: moduleFilter(sel) }).spec.nodes.map((n) => n.module_type).sort();

describe('scan types', () => {
  it('reads a scanner\'s type from its network grants, not its name', () => {
    expect(scanTypeOf(byName('pentora/syn-scanner'))).toBe('syn'); // syn + tcp (its fallback) is still a SYN scanner
    expect(scanTypeOf(byName('pentora/tcp-connect-scanner'))).toBe('connect');
    expect(scanTypeOf(byName('pentora/udp-scanner'))).toBe('udp');
    expect(scanTypeOf(byName('pentora/tcp-probe-discovery'))).toBeNull(); // discovery, not a port scanner
    expect(scanTypeOf(byName('pentora/banner-grabber'))).toBeNull();
    const thirdParty = { ...byName('pentora/tcp-connect-scanner'), name: 'acme/fast-connect' };
    expect(scanTypeOf(thirdParty)).toBe('connect');
  });

  it('parses one type or a comma list, and refuses unknown types and syn with connect', () => {
    expect(parseScanTypes('syn')).toEqual(['syn']);
    expect(parseScanTypes('SYN, udp,syn')).toEqual(['syn', 'udp']);
    expect(() => parseScanTypes('xmas')).toThrow(/--scan-type: "xmas" is not a scan type \(syn, connect, udp/);
    expect(() => parseScanTypes('syn,connect')).toThrow(/choose one/);
    expect(() => parseScanTypes('')).toThrow(/is not a scan type/);
    expect(defaultScanTypes(true)).toEqual(['syn']);
    expect(defaultScanTypes(false)).toEqual(['connect']);
  });

  it('the scanner in a profile follows the scan type', () => {
    const base = { discovery: 'default' as const, raw: true };
    const syn = modules('quick', { ...base, scanTypes: ['syn'] });
    expect(syn).toContain('pentora/syn-scanner');
    expect(syn).not.toContain('pentora/tcp-connect-scanner');
    expect(syn).not.toContain('pentora/udp-scanner');
    expect(syn).toEqual(expect.arrayContaining(['pentora/icmp-discovery', 'pentora/tcp-probe-discovery', 'pentora/banner-grabber', 'pentora/ssh-parser']));
    const connect = modules('quick', { ...base, scanTypes: ['connect'] });
    expect(connect).toContain('pentora/tcp-connect-scanner');
    expect(connect).not.toContain('pentora/syn-scanner');
    expect(modules('portscan', { ...base, scanTypes: ['syn', 'udp'] })).toEqual([
      'pentora/icmp-discovery',
      'pentora/syn-scanner',
      'pentora/tcp-probe-discovery',
      'pentora/udp-scanner',
    ]);
  });

  it('--only-discover keeps discovery (and reporters); --skip-discovery drops it', () => {
    expect(modules('standard', { scanTypes: ['syn'], discovery: 'only', raw: true })).toEqual(['pentora/icmp-discovery', 'pentora/json-reporter', 'pentora/tcp-probe-discovery']);
    expect(modules('portscan', { scanTypes: ['syn'], discovery: 'skip', raw: true })).toEqual(['pentora/syn-scanner']);
  });

  it('without raw sockets leaves out what could do nothing (ICMP only), keeps what can fall back', () => {
    expect(needsOnlyRaw(byName('pentora/icmp-discovery'))).toBe(true);
    expect(needsOnlyRaw(byName('pentora/tcp-probe-discovery'))).toBe(false);
    expect(needsOnlyRaw(byName('pentora/syn-scanner'))).toBe(false);
    expect(modules('portscan', { scanTypes: ['connect'], discovery: 'default', raw: false })).toEqual(['pentora/tcp-connect-scanner', 'pentora/tcp-probe-discovery']);
    // An explicit --scan-type syn still runs the SYN scanner, which falls back itself and says so.
    expect(modules('portscan', { scanTypes: ['syn'], discovery: 'skip', raw: false })).toEqual(['pentora/syn-scanner']);
  });

  it('scanners depend on discovery through its optional discovered_hosts', () => {
    const plan = planDag(manifests, { profile: 'portscan', select: moduleFilter({ scanTypes: ['syn'], discovery: 'default', raw: true }) });
    const syn = plan.spec.nodes.find((n) => n.module_type === 'pentora/syn-scanner')!;
    expect([...(syn.depends_on ?? [])].sort()).toEqual(['icmp-discovery', 'tcp-probe-discovery']);
    expect(plan.dropped).toEqual([]);
  });
});
