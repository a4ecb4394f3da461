/**
 * pentora/tcp-probe-discovery in the real sandbox: SYN probes when the host
 * has raw sockets, connect probes when it has not, and an RST counting as
 * much as a SYN-ACK.
 */

import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/tcp-probe-discovery';
const targets = (...hosts: string[]) => hosts.map((host) => ({ host }));
const P = 'pentora/tcp-probe-discovery';

describe('tcp-probe-discovery', () => {
  it('SYNs the common ports of every target; a SYN-ACK or an RST marks the host up', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2', '127.0.0.3') },
      syn: [
        { host: '127.0.0.1', port: 22 },
        { host: '127.0.0.2', port: 443, state: 'filtered' },
        { host: '127.0.0.2', port: 80, state: 'filtered' },
        { host: '127.0.0.2', port: 22, state: 'closed' },
        { host: '127.0.0.3', port: 443, state: 'filtered' },
        { host: '127.0.0.3', port: 80, state: 'filtered' },
        { host: '127.0.0.3', port: 22, state: 'filtered' },
        { host: '127.0.0.3', port: 445, state: 'filtered' },
        { host: '127.0.0.3', port: 3389, state: 'filtered' },
      ],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.syn).toEqual([
      { targets: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], ports: [22, 80, 443, 445, 3389], retries: 1, timeout_ms: 1000, states: ['open', 'closed'] },
    ]);
    expect(r.written.discovered_hosts).toEqual([
      { host: '127.0.0.1', method: 'tcp-syn', alive: true, reason: 'syn-ack on 22/tcp', rtt_ms: 0.5, plugin: P },
      { host: '127.0.0.2', method: 'tcp-syn', alive: true, reason: 'rst on 22/tcp', rtt_ms: 0.5, plugin: P },
      { host: '127.0.0.3', method: 'tcp-syn', alive: false, reason: 'no-response', plugin: P },
    ]);
    expect(r.output.summary).toEqual({ method: 'tcp-syn', hosts: 3, ports: 5, up: 2, down: 1 });
  });

  it('without raw sockets connects instead, says so, and counts a refused connection as an answer', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2') },
      config: { probe_ports: '80,443' },
      raw: false,
      tcp: [
        { host: '127.0.0.1', port: 443 },
        { host: '127.0.0.1', port: 80, state: 'filtered' },
        { host: '127.0.0.2', port: 80, state: 'filtered' },
        { host: '127.0.0.2', port: 443, state: 'filtered' },
      ],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat().map((p) => `${p.host}:${p.port}`)).toEqual(['127.0.0.1:80', '127.0.0.1:443', '127.0.0.2:80', '127.0.0.2:443']);
    expect(r.written.discovered_hosts).toEqual([
      { host: '127.0.0.1', method: 'tcp-connect', alive: true, reason: 'connect on 443/tcp', rtt_ms: 1, plugin: P },
      { host: '127.0.0.2', method: 'tcp-connect', alive: false, reason: 'no-response', plugin: P },
    ]);
    const s = r.output.summary as Record<string, unknown>;
    expect(s).toMatchObject({ method: 'tcp-connect', up: 1, down: 1 });
    expect(String(s.fallback)).toMatch(/^PENTORA_E_RAW_UNAVAILABLE/);
    expect(r.logs.some((l) => l.level === 'info' && l.msg.startsWith('raw sockets unavailable, discovering hosts by TCP connect instead'))).toBe(true);

    const refused = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { probe_ports: '1', method: 'connect' } });
    expect(refused.net.syn).toEqual([]);
    expect(refused.written.discovered_hosts).toEqual([{ host: '127.0.0.1', method: 'tcp-connect', alive: true, reason: 'refused on 1/tcp', plugin: P }]);
  });

  it('method "syn" does not fall back: no raw sockets fails the node with the reason', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { method: 'syn' }, raw: false });
    expect(r.state).toBe('failed');
    expect(r.error).toMatch(/net\.syn\.scan failed: PENTORA_E_RAW_UNAVAILABLE/);
    expect(r.probes).toEqual([]);
  });
});
