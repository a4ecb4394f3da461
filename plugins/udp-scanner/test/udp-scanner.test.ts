/**
 * pentora/udp-scanner in the real sandbox with canned net.udp.probe replies:
 * which datagrams go where, the second request for a silent port, and what
 * is written as open_ports and banners.
 */

import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import { readRanking } from '../../../sdk/build/gen-top-ports.ts';

const PLUGIN = 'plugins/udp-scanner';
const P = 'pentora/udp-scanner';
const targets = (...hosts: string[]) => hosts.map((host) => ({ host }));
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const sent = (p: { payload_b64?: string }) => Buffer.from(p.payload_b64 ?? '', 'base64');

/** A canned SNMP v1 message starts SEQUENCE, length, INTEGER 0 (RFC 1157); v2c has INTEGER 1. */
const SNMP_V1 = /^\x30.\x02\x01\x00/s;

describe('udp-scanner', () => {
  it('sends protocol requests to known ports and empty datagrams elsewhere, then the next request to a silent port', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '53,123,161,5000,9999', top_ports: 0 },
      udp: [
        { port: 5000, data: 'hello' },
        { port: 53, whenSent: 'version', data: 'dns-reply' },
        { port: 123, state: 'open|filtered' },
        { port: 161, whenSent: SNMP_V1, data: 'snmp-v1-reply' },
        { port: 161, state: 'open|filtered' },
      ],
    });
    expect(r.state, r.error).toBe('done');
    // Round one: the plain ports in one batch, then one probe per request; round two: SNMP v1 only.
    expect(r.net.udp.map((call) => call.map((p) => `${p.port}${p.payload_b64 ? '+' : ''}`))).toEqual([['5000', '9999'], ['53+', '123+', '161+'], ['161+']]);
    const [, requests, second] = r.net.udp;
    expect(sent(requests![0]!).subarray(12).toString('latin1')).toBe('\x07version\x04bind\x00\x00\x10\x00\x03');
    expect(sent(requests![1]!)[0]).toBe(0x23); // NTPv4 client
    expect(sent(requests![2]!).subarray(0, 5)).toEqual(Buffer.from([0x30, 0x29, 0x02, 0x01, 0x01])); // SNMP v2c first
    expect(sent(second![0]!).subarray(0, 5)).toEqual(Buffer.from([0x30, 0x29, 0x02, 0x01, 0x00])); // then v1

    expect(r.written.open_ports).toEqual([
      { host: '127.0.0.1', port: 5000, protocol: 'udp', state: 'open', reason: 'udp-response', rtt_ms: 0.3, plugin: P },
      { host: '127.0.0.1', port: 53, protocol: 'udp', state: 'open', reason: 'udp-response', rtt_ms: 0.3, plugin: P },
      { host: '127.0.0.1', port: 123, protocol: 'udp', state: 'open|filtered', reason: 'no-response', plugin: P },
      { host: '127.0.0.1', port: 161, protocol: 'udp', state: 'open', reason: 'udp-response', rtt_ms: 0.3, plugin: P },
    ]);
    expect(r.written.banners).toEqual([
      { host: '127.0.0.1', port: 5000, protocol: 'udp', probe: 'empty', data_b64: b64('hello'), rtt_ms: 0.3, plugin: P },
      { host: '127.0.0.1', port: 53, protocol: 'udp', probe: 'dns-version-bind', data_b64: b64('dns-reply'), rtt_ms: 0.3, plugin: P },
      { host: '127.0.0.1', port: 161, protocol: 'udp', probe: 'snmp-v1-sysdescr', data_b64: b64('snmp-v1-reply'), rtt_ms: 0.3, plugin: P },
    ]);
    expect(r.output.summary).toEqual({
      hosts: 1,
      ports: 5,
      batches: 1,
      probed: 5,
      open: 3,
      closed: 1,
      filtered: 0,
      open_filtered: 1,
      protocol_requests: 4,
      replies: 3,
    });
  });

  it('lists back only the open plain ports, and asks the host for the configured timing', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2') },
      config: { ports: '1-1000', top_ports: 0, payloads: false, retries: 2, timeout_ms: 200, max_bytes: 64 },
      udp: [{ host: '127.0.0.2', port: 7, data: 'x'.repeat(100) }],
    });
    expect(r.net.udp).toHaveLength(1);
    expect(r.net.udp[0]!).toHaveLength(2000);
    expect(r.net.udp[0]!.every((p) => p.payload_b64 === undefined)).toBe(true);
    expect(r.net.udpRequests[0]).toMatchObject({ targets: ['127.0.0.1', '127.0.0.2'], retries: 2, timeout_ms: 200, max_bytes: 64, states: ['open'] });
    expect(r.net.udpRequests[0]!.ports).toHaveLength(1000);
    // The canned host honours max_bytes like the real one.
    expect(Buffer.from((r.written.banners![0] as { data_b64: string }).data_b64, 'base64')).toHaveLength(64);
    expect(r.written.open_ports).toHaveLength(1);
    expect(r.output.summary).toMatchObject({ probed: 2000, open: 1, closed: 1999, protocol_requests: 0 });
  });

  it('by default probes the 100 highest-ranked UDP ports', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') } });
    const probed = r.net.udp.flat().map((p) => p.port);
    const top100 = readRanking('udp').slice(0, 100).map((x) => x.port);
    expect(probed.sort((a, b) => a - b)).toEqual([...top100].sort((a, b) => a - b));
    expect(r.output.summary).toMatchObject({ ports: 100, probed: 100 });
  });

  it('silent ports that got a request are written as open|filtered unless report_open_filtered is off', async () => {
    const silent = [{ port: 53, state: 'open|filtered' as const }, { port: 7, state: 'open|filtered' as const }];
    const on = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { ports: '7,53', top_ports: 0 }, udp: silent });
    // 53 got version.bind and then a root NS query, both unanswered; 7 (no payload) is only counted.
    expect(on.net.udp.map((c) => c.map((p) => p.port))).toEqual([[7], [53], [53]]);
    expect(on.written.open_ports).toEqual([{ host: '127.0.0.1', port: 53, protocol: 'udp', state: 'open|filtered', reason: 'no-response', plugin: P }]);
    expect(on.output.summary).toMatchObject({ open_filtered: 2, protocol_requests: 2 });
    const off = await runPlugin({ plugin: PLUGIN, context: { targets: targets('127.0.0.1') }, config: { ports: '7,53', top_ports: 0, report_open_filtered: false }, udp: silent });
    expect(off.written.open_ports).toBeUndefined();
  });

  it('an out-of-scope target is skipped; its batch-mates are still scanned', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '10.9.9.9') },
      config: { ports: '53', top_ports: 0 },
      scope: ['127.0.0.1'],
      udp: [{ port: 53, data: 'ok' }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.written.open_ports!.map((p) => (p as { host: string }).host)).toEqual(['127.0.0.1']);
    expect(r.output.summary).toMatchObject({ hosts_out_of_scope: 1, open: 1 });
  });
});
