/**
 * pentora/udp-scanner in the real sandbox with canned net.udp.probe replies:
 * which datagrams go where, the second request for a silent port, NTP's two
 * requests in one round, and what is written as open_ports and banners
 * (and that pentora/netservices names the NTP daemon from them).
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import { readRanking } from '../../../sdk/build/gen-top-ports.ts';

const PLUGIN = 'plugins/udp-scanner';
const P = 'pentora/udp-scanner';
const targets = (...hosts: string[]) => hosts.map((host) => ({ host }));
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const sent = (p: { payload_b64?: string }) => Buffer.from(p.payload_b64 ?? '', 'base64');

/** Replies captured from ntpd ntpsec-1.2.2 (plugins/netservices/test/fixtures/README.md says how). */
const NTP_FIXTURES = path.join(import.meta.dirname, '../../netservices/test/fixtures');
const NTPSEC_MODE4 = fs.readFileSync(path.join(NTP_FIXTURES, 'ntp-ntpsec-mode4.bin'));
const NTPSEC_READVAR = fs.readFileSync(path.join(NTP_FIXTURES, 'ntp-ntpsec-mode6-readvar.bin'));
/** What each NTP request starts with: VN 2 mode 6 READVAR (RFC 9327 §2), VN 4 mode 3 (RFC 5905). */
const NTP_READVAR = /^\x16\x02/;
const NTP_CLIENT = /^\x23/;

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
    // Round one: the plain ports in one batch, then one probe per request (two for NTP); round two: SNMP v1 only.
    expect(r.net.udp.map((call) => call.map((p) => `${p.port}${p.payload_b64 ? '+' : ''}`))).toEqual([['5000', '9999'], ['53+', '123+', '123+', '161+'], ['161+']]);
    const [, requests, second] = r.net.udp;
    expect(sent(requests![0]!).subarray(12).toString('latin1')).toBe('\x07version\x04bind\x00\x00\x10\x00\x03');
    expect(sent(requests![1]!).toString('hex')).toBe('160200010000000000000000'); // NTP mode 6 READVAR
    expect(sent(requests![2]!)[0]).toBe(0x23); // NTPv4 client
    expect(sent(requests![3]!).subarray(0, 5)).toEqual(Buffer.from([0x30, 0x29, 0x02, 0x01, 0x01])); // SNMP v2c first
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
      protocol_requests: 5,
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
    // Each port once (123 gets two requests in the same call).
    const probed = [...new Set(r.net.udp.flat().map((p) => p.port))];
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
  it('sends NTP a control READVAR and a client request in the same round and keeps both replies', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '123', top_ports: 0 },
      udp: [
        { port: 123, whenSent: NTP_READVAR, data: NTPSEC_READVAR },
        { port: 123, whenSent: NTP_CLIENT, data: NTPSEC_MODE4 },
      ],
    });
    expect(r.state, r.error).toBe('done');
    // One host call, both datagrams; nothing more (the port answered).
    expect(r.net.udp).toHaveLength(1);
    expect(r.net.udp[0]!.map((p) => sent(p).toString('hex').slice(0, 4))).toEqual(['1602', '2300']);
    expect(r.net.udpRequests[0]).toMatchObject({ retries: 1, timeout_ms: 1000 });
    expect(r.written.open_ports).toEqual([{ host: '127.0.0.1', port: 123, protocol: 'udp', state: 'open', reason: 'udp-response', rtt_ms: 0.3, plugin: P }]);
    expect(r.written.banners).toEqual([
      { host: '127.0.0.1', port: 123, protocol: 'udp', probe: 'ntp-readvar', data_b64: NTPSEC_READVAR.toString('base64'), rtt_ms: 0.3, plugin: P },
      { host: '127.0.0.1', port: 123, protocol: 'udp', probe: 'ntp-client', data_b64: NTPSEC_MODE4.toString('base64'), rtt_ms: 0.3, plugin: P },
    ]);
    // The port is counted once, whatever the number of requests.
    expect(r.output.summary).toMatchObject({ ports: 1, probed: 1, open: 1, open_filtered: 0, protocol_requests: 2, replies: 2 });
  });

  it('an NTP server that ignores mode 6 (chrony, ntpd with noquery) is open by its client reply alone', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '123', top_ports: 0 },
      udp: [
        { port: 123, whenSent: NTP_READVAR, state: 'open|filtered' },
        { port: 123, whenSent: NTP_CLIENT, data: NTPSEC_MODE4 },
      ],
    });
    expect(r.net.udp).toHaveLength(1);
    expect(r.written.open_ports).toEqual([{ host: '127.0.0.1', port: 123, protocol: 'udp', state: 'open', reason: 'udp-response', rtt_ms: 0.3, plugin: P }]);
    expect((r.written.banners as { probe: string }[]).map((b) => b.probe)).toEqual(['ntp-client']);
    expect(r.output.summary).toMatchObject({ probed: 1, open: 1, open_filtered: 0, protocol_requests: 2, replies: 1 });
  });

  it('a silent 123 gets both NTP requests once (no later round) and one open|filtered record; closed wins over silence', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2') },
      config: { ports: '123', top_ports: 0 },
      udp: [{ host: '127.0.0.1', port: 123, state: 'open|filtered' }],
    });
    expect(r.net.udp.map((c) => c.map((p) => `${p.host} ${sent(p)[0]!.toString(16)}`))).toEqual([['127.0.0.1 16', '127.0.0.1 23', '127.0.0.2 16', '127.0.0.2 23']]);
    expect(r.written.open_ports).toEqual([{ host: '127.0.0.1', port: 123, protocol: 'udp', state: 'open|filtered', reason: 'no-response', plugin: P }]);
    expect(r.written.banners).toBeUndefined();
    expect(r.output.summary).toMatchObject({ probed: 2, open: 0, closed: 1, open_filtered: 1, protocol_requests: 4, replies: 0 });
  });

  it('keeps every host call within batch_size datagrams when a port takes two requests', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1', '127.0.0.2', '127.0.0.3') },
      config: { ports: '123', top_ports: 0, batch_size: 3 },
      udp: [{ port: 123, whenSent: NTP_CLIENT, data: NTPSEC_MODE4 }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.net.udp.map((c) => c.length)).toEqual([3, 3]);
    expect(r.written.open_ports).toHaveLength(3);
    expect(r.output.summary).toMatchObject({ probed: 3, open: 3, protocol_requests: 6, replies: 3 });
  });

  it('pentora/netservices names NTPsec 1.2.2 from the banners the scan wrote', async () => {
    const scan = await runPlugin({
      plugin: PLUGIN,
      context: { targets: targets('127.0.0.1') },
      config: { ports: '123', top_ports: 0 },
      udp: [
        { port: 123, whenSent: NTP_READVAR, data: NTPSEC_READVAR },
        { port: 123, whenSent: NTP_CLIENT, data: NTPSEC_MODE4 },
      ],
    });
    expect(scan.written.banners).toHaveLength(2);
    const r = await runPlugin({ plugin: 'plugins/netservices', context: { banners: scan.written.banners ?? [] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toEqual([
      expect.objectContaining({ host: '127.0.0.1', port: 123, protocol: 'udp', service: 'ntp', fields: expect.objectContaining({ mode: 6, daemon: 'ntpd ntpsec-1.2.2', probe: 'ntp-readvar' }) }),
    ]);
    expect(r.written.service_fingerprints).toEqual([
      expect.objectContaining({ port: 123, protocol: 'udp', service: 'ntp', product: 'NTPsec', version: '1.2.2', os_hint: 'Linux 6.18.44-fc-v669' }),
    ]);
  });
});
