/**
 * pentora/rtsp-sip: the probes it sends to silent RTSP and SIP ports, the
 * SIP replies the UDP scanner collected, captured replies of real Kamailio
 * and GStreamer servers, what is not RTSP/SIP, and hostile input.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin, type CannedTcp } from '../../../sdk/testing/harness.ts';
import { atPort, type Rec } from '../../../sdk/testing/parser-table.ts';

const PLUGIN = 'plugins/rtsp-sip';
const HOST = '192.0.2.40';
const fx = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const { banner } = bannersAt(HOST);
const sentText = (p: { steps?: Array<{ send_b64?: string }> }) => Buffer.from(p.steps?.[0]?.send_b64 ?? '', 'base64').toString('latin1');

describe('rtsp-sip probes silent RTSP and SIP ports', async () => {
  const tcp: CannedTcp[] = [
    { host: HOST, port: 554, whenSent: /^OPTIONS rtsp:/, data: fx('gstreamer-options.rtsp') },
    { host: HOST, port: 5060, whenSent: /^OPTIONS sip:nm@/, data: fx('kamailio-tcp-options-user.sip') },
  ];
  // 8554 stays closed; 8080 is not a hint and there is no fallback: nothing goes there.
  const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(554), banner(5060), banner(8554), banner(8080)] }, tcp });

  it('runs to completion', () => {
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toMatchObject({ banners: 4, identified: 2, probed: 3, answered: 2, by_probe: 2 });
  });

  it('sends RTSP OPTIONS with CSeq, and SIP OPTIONS with the fields RFC 3261 §8.1.1 requires', () => {
    const probes = r.probes.flat();
    expect(probes.map((p) => p.port).sort((a, b) => a - b)).toEqual([554, 5060, 8554]);
    expect(sentText(probes.find((p) => p.port === 554)!)).toBe(`OPTIONS rtsp://${HOST}:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: pentora/0.1\r\n\r\n`);
    const sip = sentText(probes.find((p) => p.port === 5060)!);
    expect(sip.startsWith(`OPTIONS sip:nm@${HOST} SIP/2.0\r\n`)).toBe(true);
    for (const f of ['Via: SIP/2.0/TCP ', ';branch=z9hG4bK', 'Max-Forwards: 70', 'From: <sip:pentora@pentora.invalid>;tag=', `To: <sip:nm@${HOST}>`, 'Call-ID: ', 'CSeq: 1 OPTIONS', 'Content-Length: 0\r\n\r\n']) {
      expect(sip).toContain(f);
    }
  });

  it('names GStreamer on 554 with its methods', () => {
    expect(atPort(r.written.service_fingerprints, 554)).toEqual([
      expect.objectContaining({ service: 'rtsp', product: 'GStreamer RTSP Server', confidence: 85, cpe: 'cpe:2.3:a:gstreamer_project:gst-rtsp-server:*:*:*:*:*:*:*:*' }),
    ]);
    const f = atPort(r.written.parsed_services, 554)[0]!.fields as Rec;
    expect(f).toMatchObject({ probe: 'rtsp-options', version: '1.0', status: 200, server: 'GStreamer RTSP server' });
    expect(f.methods).toEqual(['OPTIONS', 'DESCRIBE', 'ANNOUNCE', 'GET_PARAMETER', 'PAUSE', 'PLAY', 'RECORD', 'SETUP', 'SET_PARAMETER', 'TEARDOWN']);
  });

  it('names Kamailio 5.6.3 on 5060 from its 404', () => {
    expect(atPort(r.written.service_fingerprints, 5060)).toEqual([
      expect.objectContaining({ service: 'sip', product: 'Kamailio', version: '5.6.3', os_hint: 'linux', confidence: 95, cpe: 'cpe:2.3:a:kamailio:kamailio:5.6.3:*:*:*:*:*:*:*' }),
    ]);
    expect(atPort(r.written.parsed_services, 5060)[0]!.fields).toMatchObject({ status: 404, reason: 'Not Found', version: '2.0' });
  });
});

describe('rtsp-sip reads what banners hold', () => {
  it('a SIP reply the UDP scanner collected, without probing', async () => {
    const udp = { ...banner(5060, fx('kamailio-udp-options.sip')), protocol: 'udp', probe: 'sip-options' };
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [udp] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toEqual([]);
    const [svc] = r.written.parsed_services as Rec[];
    expect(svc).toMatchObject({ protocol: 'udp', service: 'sip', fields: { status: 200, reason: 'Keepalive', probe: 'sip-options' } });
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ protocol: 'udp', product: 'Kamailio', version: '5.6.3' });
  });

  it('sends nothing with network off', async () => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(554), banner(5060, fx('kamailio-tcp-options-keepalive.sip'))] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toEqual([]);
    expect(r.written.parsed_services).toHaveLength(1);
  });

  it('a phone that answers with User-Agent and compact fields (RFC 3261 §7.3.3)', async () => {
    const reply = 'SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nf: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x@y\r\nCSeq: 1 OPTIONS\r\nUser-Agent: Yealink SIP-T46S 66.86.0.15\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\nk: replaces, timer\r\nl: 0\r\n\r\n';
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [{ ...banner(5060, reply), protocol: 'udp' }] } });
    expect(r.state, r.error).toBe('done');
    const f = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(f).toMatchObject({ model: 'SIP-T46S', user_agent: 'Yealink SIP-T46S 66.86.0.15', methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'], supported: ['replaces', 'timer'] });
    expect(Object.keys(f.headers as Rec)).toEqual(['via', 'from', 'to', 'call-id', 'cseq', 'user-agent', 'allow', 'supported', 'content-length']);
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ product: 'Yealink SIP-T46S', version: '66.86.0.15', confidence: 90 });
  });

  it('FreePBX names both FreePBX and the Asterisk under it', async () => {
    const reply = 'SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nServer: FPBX-16.0.40(18.20.0)\r\nContent-Length: 0\r\n\r\n';
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(15060, reply)] } });
    expect((r.written.service_fingerprints as Rec[]).map((p) => [p.product, p.version])).toEqual([['FreePBX', '16.0.40'], ['Asterisk', '18.20.0']]);
  });
});

describe('rtsp-sip: not RTSP/SIP, and hostile input', () => {
  const NEGATIVE: Array<[string, Buffer | string]> = [
    ['an HTTP response', 'HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n'],
    ['an SSH identification string', 'SSH-2.0-OpenSSH_9.2p1\r\n'],
    ['a SIP request (not a reply)', 'OPTIONS sip:a@b SIP/2.0\r\n\r\n'],
    ['a status code past 699', 'SIP/2.0 700 Nope\r\n\r\n'],
    ['"RTSP/1.0 20"', 'RTSP/1.0 20'],
    ['"SIP/2.0 200OK"', 'SIP/2.0 200OK\r\n\r\n'],
    ['64 KiB of zero bytes', Buffer.alloc(65536)],
  ];
  it.each(NEGATIVE)('%s yields nothing', async (_name, data) => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(15060, data)] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services ?? []).toEqual([]);
  });

  it('drops a field cut by the read, and bounds 5 000 field lines and a 32 KiB Server', async () => {
    const many = 'SIP/2.0 200 OK\r\n' + Array.from({ length: 5000 }, (_, i) => `X-F${i}: v\r\n`).join('') + 'Server: kamailio (5.6.3 (x86_64/linux))\r\n\r\n';
    const huge = `RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: ${'A'.repeat(32768)}\r\nPublic: ${'OPTIONS, '.repeat(2000)}\r\n\r\n`;
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(15060, fx('truncated.sip')), banner(15061, many), banner(15062, huge)] } });
    expect(r.state, r.error).toBe('done');
    const fields = (port: number) => atPort(r.written.parsed_services, port)[0]!.fields as Rec;
    expect(fields(15060)).toMatchObject({ status: 200, incomplete: true });
    expect(fields(15060).server).toBeUndefined();
    expect(atPort(r.written.service_fingerprints, 15060)[0]).toMatchObject({ service: 'sip', confidence: 60 });
    expect(fields(15061)).toMatchObject({ header_count: 5001, headers_truncated: true });
    expect(Object.keys(fields(15061).headers as Rec)).toHaveLength(64);
    expect(String(fields(15062).server).length).toBe(256);
    expect(fields(15062).methods).toEqual(['OPTIONS']);
    expect(atPort(r.written.service_fingerprints, 15062)[0]).toMatchObject({ service: 'rtsp', confidence: 60 });
  });
});
