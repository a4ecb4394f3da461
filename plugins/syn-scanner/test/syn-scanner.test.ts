/**
 * pentora/syn-scanner in the real sandbox (sdk/testing/harness.ts) with
 * canned net.syn.scan replies: what it asks the host for, what it writes,
 * and the connect fallback when the host has no raw sockets.
 */

import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import { readRanking } from '../../../sdk/build/gen-top-ports.ts';

const PLUGIN = 'plugins/syn-scanner';
const TOP_TCP = readRanking('tcp').map((r) => r.port);
const targets = (...hosts: string[]) => hosts.map((host) => ({ host }));
const hostPort = (rows: unknown[] | undefined) => (rows ?? []).map((r) => `${(r as { host: string }).host}:${(r as { port: number }).port}`);

describe('syn-scanner', () => {
  it('by default SYN-scans the 1000 highest-ranked TCP ports, likeliest first, and writes the open ones', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2') },
      syn: [{ port: 22 }, { host: '127.0.0.2', port: 443 }, { port: 8080, state: 'filtered' }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.syn).toHaveLength(1);
    const req = r.net.syn[0]!;
    expect(req.targets).toEqual(['127.0.0.1', '127.0.0.2']);
    // 731 ranked ports, then the unranked ones ascending from 1.
    expect(req.ports).toHaveLength(1000);
    expect(req.ports.slice(0, TOP_TCP.length)).toEqual(TOP_TCP);
    expect(req.ports.slice(0, 3)).toEqual([80, 443, 22]);
    expect(new Set(req.ports).size).toBe(1000);
    expect(req.states).toEqual(['open']);
    expect(req).toMatchObject({ retries: 1, timeout_ms: 1000 });
    expect(r.written.open_ports).toEqual([
      { host: '127.0.0.1', port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack', rtt_ms: 0.5, plugin: 'pentora/syn-scanner' },
      { host: '127.0.0.2', port: 443, protocol: 'tcp', state: 'open', reason: 'syn-ack', rtt_ms: 0.5, plugin: 'pentora/syn-scanner' },
      { host: '127.0.0.2', port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack', rtt_ms: 0.5, plugin: 'pentora/syn-scanner' },
    ]);
    expect(r.output.summary).toEqual({
      method: 'syn',
      hosts: 2,
      ports: 1000,
      batches: 1,
      probed: 2000,
      open: 3,
      closed: 1995,
      filtered: 2,
      packets_sent: 2000,
      replies: 1998,
    });
  });

  it('all 65535 ports with --ports - and top_ports 0, cut into batches of batch_size', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '-', top_ports: 0, batch_size: 30000, retries: 3, timeout_ms: 250 },
      syn: [{ port: 1 }, { port: 65535 }, { port: 31337 }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.syn.map((c) => c.ports.length)).toEqual([30000, 30000, 5535]);
    expect(r.net.syn.flatMap((c) => c.ports)).toEqual(Array.from({ length: 65535 }, (_, i) => i + 1));
    expect(r.net.syn[0]).toMatchObject({ retries: 3, timeout_ms: 250 });
    expect(hostPort(r.written.open_ports)).toEqual(['127.0.0.1:1', '127.0.0.1:31337', '127.0.0.1:65535']);
    expect(r.output.summary).toMatchObject({ method: 'syn', ports: 65535, batches: 3, probed: 65535, open: 3, closed: 65532 });
  });

  it('top_ports narrows an explicit --ports list to its highest-ranked ports', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { ports: '20-25,443,60000', top_ports: 3 } });
    expect(r.net.syn[0]!.ports).toEqual([443, 22, 21]);
  });

  it('skips the targets host discovery found down', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: {
        targets: targets('127.0.0.1', '127.0.0.2', '127.0.0.3'),
        discovered_hosts: [
          { host: '127.0.0.1', alive: true, method: 'icmp-echo' },
          { host: '127.0.0.2', alive: false, method: 'icmp-echo' },
          { host: '127.0.0.2', alive: true, method: 'tcp-syn' }, // one method's miss, another's find
          { host: '127.0.0.3', alive: false, method: 'icmp-echo' },
        ],
      },
      config: { ports: '22', top_ports: 0 },
      syn: [{ port: 22 }],
    });
    expect(r.net.syn[0]!.targets).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(hostPort(r.written.open_ports)).toEqual(['127.0.0.1:22', '127.0.0.2:22']);
    expect(r.output.summary).toMatchObject({ hosts: 2, hosts_down: 1 });
  });

  it('without raw sockets, falls back to connect scanning and says so in the log and the summary', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '20-30', top_ports: 0, timeout_ms: 300 },
      raw: false,
      tcp: [{ port: 22 }, { port: 25, state: 'filtered' }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.syn).toEqual([]); // refused before anything was recorded
    expect(r.probes).toHaveLength(1);
    expect(r.probes[0]!.map((p) => p.port)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(r.written.open_ports).toEqual([{ host: '127.0.0.1', port: 22, protocol: 'tcp', state: 'open', reason: 'connect', rtt_ms: 1, plugin: 'pentora/syn-scanner' }]);
    const summary = r.output.summary as Record<string, unknown>;
    expect(summary).toMatchObject({ method: 'connect', probed: 11, open: 1, closed: 9, filtered: 1 });
    expect(String(summary.fallback)).toMatch(/^PENTORA_E_RAW_UNAVAILABLE: .*CAP_NET_RAW/);
    const warn = r.logs.find((l) => l.level === 'warn');
    expect(warn?.msg).toMatch(/^raw sockets unavailable, falling back to connect scanning: PENTORA_E_RAW_UNAVAILABLE/);
    // The transcript shows the refused raw call, then the connect scan.
    const ops = r.transcript.map((t) => t.op).filter((op) => op.startsWith('net.'));
    expect(ops).toEqual(['net.syn.scan', 'net.tcp.probe']);
  });

  it('a target the host refuses as out of scope is skipped; its batch-mates are still scanned', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '10.9.9.9', '127.0.0.2') },
      config: { ports: '22', top_ports: 0 },
      scope: ['127.0.0.1', '127.0.0.2'],
      syn: [{ port: 22 }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.syn.map((c) => c.targets)).toEqual([['127.0.0.1'], ['127.0.0.2']]);
    expect(hostPort(r.written.open_ports)).toEqual(['127.0.0.1:22', '127.0.0.2:22']);
    expect(r.output.summary).toMatchObject({ hosts: 3, probed: 2, open: 2, hosts_out_of_scope: 1 });
    expect(r.logs.some((l) => l.level === 'warn' && l.msg.startsWith('skipping 10.9.9.9: PENTORA_E_SCOPE'))).toBe(true);
  });

  it('fails with a clear message on a malformed ports spec, sending nothing', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { ports: '1-70000' } });
    expect(r.state).toBe('failed');
    expect(r.error).toContain('invalid ports spec "1-70000"');
    expect(r.net.syn).toEqual([]);
  });
});
