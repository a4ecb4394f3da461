/**
 * pentora/icmp-discovery in the real sandbox with canned echo replies: one
 * discovered_hosts record per target, and nothing at all (with the reason
 * said) when the host has no raw sockets.
 */

import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/icmp-discovery';
const targets = (...hosts: string[]) => hosts.map((host) => ({ host }));

describe('icmp-discovery', () => {
  it('pings every distinct target once and records each as alive or not', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.3') },
      icmp: [{ host: '127.0.0.1', rtt_ms: 0.0421 }, { host: '127.0.0.3', alive: false, reason: 'unreachable (type 3 code 1)' }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.icmp).toEqual([{ targets: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], retries: 1, timeout_ms: 1000 }]);
    expect(r.written.discovered_hosts).toEqual([
      { host: '127.0.0.1', alive: true, method: 'icmp-echo', reason: 'echo-reply', rtt_ms: 0.042, plugin: 'pentora/icmp-discovery' },
      { host: '127.0.0.2', alive: false, method: 'icmp-echo', reason: 'no-response', plugin: 'pentora/icmp-discovery' },
      { host: '127.0.0.3', alive: false, method: 'icmp-echo', reason: 'unreachable (type 3 code 1)', plugin: 'pentora/icmp-discovery' },
    ]);
    expect(r.output.summary).toEqual({ method: 'icmp-echo', hosts: 3, up: 1, down: 2 });
  });

  it('sends batches of batch_size targets with the configured timing', async () => {
    const hosts = Array.from({ length: 5 }, (_, i) => `127.0.0.${i + 1}`);
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets(...hosts) }, config: { batch_size: 2, retries: 0, timeout_ms: 50 }, icmp: [{ host: '127.0.0.5' }] });
    expect(r.net.icmp.map((c) => c.targets)).toEqual([hosts.slice(0, 2), hosts.slice(2, 4), hosts.slice(4)]);
    expect(r.net.icmp[0]).toMatchObject({ retries: 0, timeout_ms: 50 });
    expect(r.written.discovered_hosts!.filter((d) => (d as { alive: boolean }).alive)).toHaveLength(1);
  });

  it('without raw sockets writes nothing (no host is taken for down), warns, and says why in the summary', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1', '127.0.0.2') }, raw: false });
    expect(r.state, r.error).toBe('done');
    expect(r.written.discovered_hosts).toBeUndefined();
    expect(String((r.output.summary as Record<string, unknown>).unavailable)).toMatch(/^PENTORA_E_RAW_UNAVAILABLE: .*CAP_NET_RAW/);
    expect(r.logs.some((l) => l.level === 'warn' && l.msg.startsWith('ICMP discovery skipped: PENTORA_E_RAW_UNAVAILABLE'))).toBe(true);
  });

  it('an out-of-scope target is skipped; the others in its batch are still pinged', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '10.9.9.9') },
      scope: ['127.0.0.1'],
      icmp: [{ host: '127.0.0.1' }],
    });
    expect(r.written.discovered_hosts!.map((d) => (d as { host: string }).host)).toEqual(['127.0.0.1']);
    expect(r.output.summary).toMatchObject({ up: 1, down: 0, hosts_out_of_scope: 1 });
  });
});
