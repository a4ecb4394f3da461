/**
 * pentora/tcp-connect-scanner in the real sandbox (sdk/testing/harness.ts)
 * with canned connect results: what it probes, in what batches, and what it
 * writes.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/tcp-connect-scanner';
const template = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'plugin.json'), 'utf8')) as {
  config: { ports: { default: string } };
};
const DEFAULT_PORTS = template.config.ports.default.split(',').map(Number);

const targets = (...hosts: string[]) => ({ targets: hosts.map((host) => ({ host })) });
const pairs = (batches: Array<Array<{ host: string; port: number }>>) => batches.flat().map((p) => `${p.host}:${p.port}`);

describe('tcp-connect-scanner', () => {
  it('default port list: ~100 distinct common ports, ascending', () => {
    expect(DEFAULT_PORTS.length).toBeGreaterThanOrEqual(90);
    expect(new Set(DEFAULT_PORTS).size).toBe(DEFAULT_PORTS.length);
    expect(DEFAULT_PORTS).toEqual([...DEFAULT_PORTS].sort((a, b) => a - b));
    for (const p of [21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 3306, 3389, 5432, 6379, 8080, 8443, 27017]) expect(DEFAULT_PORTS).toContain(p);
  });

  it('probes every target x default port once and writes the open ones', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: targets('127.0.0.1', '127.0.0.2'),
      tcp: [{ port: 22 }, { host: '127.0.0.2', port: 443 }, { port: 8080, state: 'filtered' }],
    });
    expect(r.state).toBe('done');
    const probed = pairs(r.probes);
    expect(probed.length).toBe(2 * DEFAULT_PORTS.length);
    expect(new Set(probed).size).toBe(probed.length);
    expect(r.written.open_ports).toEqual([
      { host: '127.0.0.1', port: 22, protocol: 'tcp', state: 'open', rtt_ms: 1, plugin: 'pentora/tcp-connect-scanner' },
      { host: '127.0.0.2', port: 22, protocol: 'tcp', state: 'open', rtt_ms: 1, plugin: 'pentora/tcp-connect-scanner' },
      { host: '127.0.0.2', port: 443, protocol: 'tcp', state: 'open', rtt_ms: 1, plugin: 'pentora/tcp-connect-scanner' },
    ]);
    expect(r.output.summary).toEqual({
      hosts: 2,
      ports: DEFAULT_PORTS.length,
      batches: 1, // 2 x ~100 probes fit in one 4096-probe batch
      probed: 2 * DEFAULT_PORTS.length,
      open: 3,
      closed: 2 * DEFAULT_PORTS.length - 5,
      filtered: 2,
    });
  });

  it('splits large scans into batches of at most batch_size and streams after each', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: targets('127.0.0.1', '127.0.0.2', '127.0.0.3'),
      config: { ports: '1-10', batch_size: 4 },
      tcp: [{ port: 1 }, { port: 10 }],
    });
    expect(r.state).toBe('done');
    // 10 ports > 4: each host gets slices 1-4, 5-8, 9-10.
    expect(r.probes.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2, 4, 4, 2]);
    expect(r.probes.every((b) => new Set(b.map((p) => p.host)).size === 1)).toBe(true);
    expect(new Set(pairs(r.probes)).size).toBe(30);
    // One append per batch that found something: first and last slice of each host.
    const sets = r.transcript.filter((t) => t.op === 'context.set');
    expect(sets.length).toBe(6);
    expect(r.written.open_ports!.map((p) => `${(p as { host: string }).host}:${(p as { port: number }).port}`)).toEqual([
      '127.0.0.1:1',
      '127.0.0.1:10',
      '127.0.0.2:1',
      '127.0.0.2:10',
      '127.0.0.3:1',
      '127.0.0.3:10',
    ]);
  });

  it('packs several hosts into one batch when the port list is short', async () => {
    const hosts = Array.from({ length: 7 }, (_, i) => `127.0.0.${i + 1}`);
    const r = await runPlugin({ plugin: PLUGIN, context: targets(...hosts), config: { ports: '22,80,443', batch_size: 9 } });
    expect(r.probes.map((b) => b.length)).toEqual([9, 9, 3]);
    expect(r.output.summary).toMatchObject({ hosts: 7, batches: 3, probed: 21, open: 0, closed: 21 });
  });

  it('scans each distinct target once', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: targets('127.0.0.1', '127.0.0.1', '127.0.0.2'), config: { ports: '22' } });
    expect(pairs(r.probes)).toEqual(['127.0.0.1:22', '127.0.0.2:22']);
  });

  it('accepts nmap port syntax, including "-" for all 65535', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: targets('127.0.0.1'), config: { ports: '-' }, tcp: [{ port: 65535 }] });
    expect(r.state).toBe('done');
    expect(r.probes.map((b) => b.length)).toEqual([...Array(15).fill(4096), 65535 - 15 * 4096]);
    expect(r.output.summary).toMatchObject({ ports: 65535, probed: 65535, open: 1 });
  });

  it('fails with a clear message on a malformed ports spec, probing nothing', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: targets('127.0.0.1'), config: { ports: '22,http' } });
    expect(r.state).toBe('failed');
    expect(r.error).toContain('invalid ports spec "22,http"');
    expect(r.probes).toEqual([]);
  });

  it('with no targets, probes nothing and succeeds', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: [] }, config: { ports: '22' } });
    expect(r.state).toBe('done');
    expect(r.probes).toEqual([]);
    expect(r.output.summary).toMatchObject({ hosts: 0, batches: 0, probed: 0 });
  });

  it('a target the host refuses as out of scope is skipped; its batch-mates are still scanned', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: targets('127.0.0.1', '10.9.9.9', '127.0.0.2'),
      config: { ports: '22' },
      scope: ['127.0.0.1', '127.0.0.2'],
      tcp: [{ port: 22 }],
    });
    expect(r.state).toBe('done');
    expect(r.written.open_ports!.map((p) => (p as { host: string }).host)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(r.output.summary).toMatchObject({ hosts: 3, probed: 2, open: 2, hosts_out_of_scope: 1 });
    expect(r.logs.some((l) => l.level === 'warn' && l.msg.startsWith('skipping 10.9.9.9: PENTORA_E_SCOPE'))).toBe(true);
  });

  it('top_ports narrows the port list to its highest-ranked ports, likeliest first', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: targets('127.0.0.1'), config: { ports: '1-1024', top_ports: 4 } });
    expect(r.probes.flat().map((p) => p.port)).toEqual([80, 443, 22, 445]);
    expect(r.output.summary).toMatchObject({ ports: 4, probed: 4 });
  });

  it('skips the targets host discovery found down, and scans all when discovery wrote nothing', async () => {
    const down = await runPlugin({
      plugin: PLUGIN,
      context: {
        ...targets('127.0.0.1', '127.0.0.2'),
        discovered_hosts: [
          { host: '127.0.0.1', alive: true, method: 'icmp-echo' },
          { host: '127.0.0.2', alive: false, method: 'icmp-echo' },
        ],
      },
      config: { ports: '22' },
    });
    expect(pairs(down.probes)).toEqual(['127.0.0.1:22']);
    expect(down.output.summary).toMatchObject({ hosts: 1, hosts_down: 1 });
    const none = await runPlugin({ plugin: PLUGIN, context: { ...targets('127.0.0.1', '127.0.0.2'), discovered_hosts: [] }, config: { ports: '22' } });
    expect(pairs(none.probes)).toEqual(['127.0.0.1:22', '127.0.0.2:22']);
  });

  it('with retries, connects again to ports that stayed silent; only the last answer counts', async () => {
    // 23 answers on the second try (as after a lost SYN), 25 never does.
    const r = await runPlugin({
      plugin: PLUGIN,
      context: targets('127.0.0.1'),
      config: { ports: '22,23,25', retries: 2 },
      tcp: [
        { port: 22 },
        { port: 23, state: 'filtered', times: 1 },
        { port: 23 },
        { port: 25, state: 'filtered' },
      ],
    });
    expect(r.state, r.error).toBe('done');
    // First the whole list, then the silent ones: 23 and 25, then 25 alone.
    expect(r.probes.map((b) => b.map((p) => p.port))).toEqual([[22, 23, 25], [23, 25], [25]]);
    expect(r.written.open_ports!.map((p) => (p as { port: number }).port)).toEqual([22, 23]);
    expect(r.output.summary).toMatchObject({ probed: 3, open: 2, closed: 0, filtered: 1, retried: 3 });
  });
});

