/**
 * pentora/mqtt in the sandbox: captured mosquitto answers (test/fixtures) as
 * `banners` records, hostile packets, and the probe conversation against
 * canned replies (what it sends: CONNECT with a random client id and
 * SUBSCRIBE, then DISCONNECT).
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';
import { noise, prefixes } from '../../../sdk/testing/hostile.ts';
import { atPort, cpe, type Rec } from '../../../sdk/testing/parser-table.ts';

const PLUGIN = 'plugins/mqtt';
const HOST = '192.0.2.40';
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const { banner: record, silent } = bannersAt(HOST, { probe: 'mqtt-connect' });
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('mqtt: captured broker answers', () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runPlugin({
      plugin: PLUGIN,
      network: false,
      context: {
        banners: [
          record(1883, fixture('mosquitto-2.0.11-anonymous.bin')),
          record(1884, fixture('mosquitto-2.0.11-not-authorized.bin')),
          // CONNACK 0 and SUBACK 0x80 (a broker without $SYS, e.g. one that refuses the topic)
          record(1885, hex('20 02 00 00 90 03 00 01 80')),
          // a 5.0-only broker answering a v5 CONNACK: reason 0x84 unsupported protocol version, no properties
          record(1886, hex('20 03 00 84 00')),
        ],
      },
    });
  });

  it('runs to completion and writes one service per broker', () => {
    expect(r.state, r.error).toBe('done');
    expect(((r.written.parsed_services ?? []) as Rec[]).map((s) => [s.port, s.service])).toEqual([[1883, 'mqtt'], [1884, 'mqtt'], [1885, 'mqtt'], [1886, 'mqtt']]);
  });

  it('names mosquitto from $SYS/broker/version', () => {
    const p = atPort(r.written.service_fingerprints, 1883)[0]!;
    expect(p).toMatchObject({ service: 'mqtt', product: 'Eclipse Mosquitto', version: '2.0.11', cpe: cpe('eclipse', 'mosquitto', '2.0.11'), confidence: 100 });
    expect(String(p.evidence)).toContain('$SYS/broker/version mosquitto version 2.0.11');
    expect(atPort(r.written.parsed_services, 1883)[0]!.fields).toMatchObject({ connack_code: 0, connack: 'accepted', session_present: false, suback_codes: [0], broker_version: 'mosquitto version 2.0.11' });
  });

  it('still says MQTT when the broker refuses the client', () => {
    expect(atPort(r.written.parsed_services, 1884)[0]!.fields).toMatchObject({ connack_code: 5, connack: 'not authorized' });
    const p = atPort(r.written.service_fingerprints, 1884)[0]!;
    expect(p.product).toBeUndefined();
    expect(p).toMatchObject({ service: 'mqtt', confidence: 80 }); // 80: a refusal; no port hint on 1884
  });

  it('reads SUBACK failures and v5 reason codes', () => {
    expect(atPort(r.written.parsed_services, 1885)[0]!.fields).toMatchObject({ connack_code: 0, suback_codes: [128] });
    expect(atPort(r.written.parsed_services, 1886)[0]!.fields).toMatchObject({ connack_code: 0x84, connack: 'unsupported protocol version', protocol_level: 5 });
  });
});

describe('mqtt: hostile and foreign bytes give nothing', () => {
  const CASES: Array<[string, Buffer]> = [
    ['empty CONNACK body', hex('20 00')],
    ['CONNACK with flags set', hex('21 02 00 00')],
    ['CONNACK ack flags 7', hex('20 02 07 00')],
    ['v3 return code 6', hex('20 02 00 06')],
    ['remaining length of 5 bytes', hex('20 ff ff ff ff 7f 00 00')],
    ['CONNACK claiming 200 bytes', hex('20 c8 01 00 00')],
    ['HTTP', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n', 'latin1')],
    ['SSH', Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n', 'latin1')],
    ['a bare space', Buffer.from(' ', 'latin1')],
  ];

  it.each(CASES)('%s', async (_name, data) => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [record(1883, data)] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services ?? []).toHaveLength(0);
  });

  it('keeps CONNACK when a PUBLISH after it lies about its lengths', async () => {
    const good = fixture('mosquitto-2.0.11-anonymous.bin');
    const banners = [
      record(1883, Buffer.concat([good.subarray(0, 9), hex('30 ff ff ff 7f 00 13'), Buffer.from('$SYS/broker/version', 'latin1')])), // remaining length 268 MB
      record(1884, Buffer.concat([good.subarray(0, 9), hex('30 05 ff ff 41 42 43')])), // topic length 65535 inside 5 bytes
      record(1885, good.subarray(0, 30)), // cut in the middle of the topic
    ];
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners } });
    expect(r.state, r.error).toBe('done');
    const services = (r.written.parsed_services ?? []) as Rec[];
    expect(services).toHaveLength(3);
    for (const s of services) expect((s.fields as Rec).broker_version).toBeUndefined();
  });
});

describe('mqtt: every prefix of the capture and random packets never trap', () => {
  it('parses or ignores each one, in one run', async () => {
    const good = fixture('mosquitto-2.0.11-anonymous.bin');
    const banners: Rec[] = prefixes(good).map((part, n) => record(10000 + n, part));
    for (let i = 0; i < 200; i++) {
      const b = noise(2 + (i % 61), 7 + i);
      if (i % 2 === 0) b[0] = 0x20;
      banners.push(record(20000 + i, b));
    }
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners } });
    expect(r.state, r.error).toBe('done');
    // Prefixes: nothing until CONNACK is whole (4 bytes), a record from there on.
    const ports = ((r.written.parsed_services ?? []) as Rec[]).map((s) => s.port as number).filter((p) => p < 20000);
    expect(ports).toEqual(Array.from({ length: good.length - 3 }, (_, i) => 10004 + i));
  });
});

describe('mqtt: the probe conversation', () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runPlugin({
      plugin: PLUGIN,
      context: { banners: [silent(1883), silent(8883), record(22, 'SSH-2.0-OpenSSH_9.2p1\r\n', { probe: 'passive' })] },
      tcp: [
        { host: HOST, port: 1883, steps: [{ whenSent: '\x00\x04MQTT\x04\x02', data: fixture('mosquitto-2.0.11-anonymous.bin') }, { whenSent: '\xe0\x00' }] },
        { host: HOST, port: 8883, steps: [{ whenSent: '\x00\x04MQTT', data: fixture('mosquitto-2.0.11-not-authorized.bin') }] },
      ],
    });
  });

  it('probes both silent ports (1883 by hint, 8883 as fallback) and not the one that spoke', () => {
    expect(r.state, r.error).toBe('done');
    const probes = r.probes.flat();
    expect(probes.map((p) => p.port).sort()).toEqual([1883, 8883]);
  });

  it('sends CONNECT v3.1.1 with a random pentora- client id and SUBSCRIBE $SYS/broker/version, then DISCONNECT', () => {
    const p = r.probes.flat().find((x) => x.port === 1883)!;
    expect(p.steps).toHaveLength(2);
    const first = Buffer.from(p.steps![0]!.send_b64!, 'base64');
    expect(first.subarray(0, 12)).toEqual(hex('10 1c 00 04 4d 51 54 54 04 02 00 3c'));
    const id = first.subarray(14, 30).toString('latin1');
    expect(id).toMatch(/^pentora-[0-9a-f]{8}$/);
    expect(id).not.toBe('pentora-00000000');
    expect(first.subarray(30).toString('latin1')).toBe('\x82\x18\x00\x01\x00\x13$SYS/broker/version\x00');
    expect(Buffer.from(p.steps![1]!.send_b64!, 'base64')).toEqual(hex('e0 00'));
    expect(p.steps![1]!.read).toBeUndefined();
    const other = r.probes.flat().find((x) => x.port === 8883)!;
    expect(Buffer.from(other.steps![0]!.send_b64!, 'base64').subarray(14, 30).toString('latin1')).not.toBe(id);
  });

  it('writes what the brokers said', () => {
    expect(atPort(r.written.service_fingerprints, 1883)[0]).toMatchObject({ product: 'Eclipse Mosquitto', version: '2.0.11', confidence: 100 });
    expect(String(atPort(r.written.service_fingerprints, 1883)[0]!.evidence)).toMatch(/^probe=mqtt-connect; CONNACK 0 \(accepted\)/);
    expect(atPort(r.written.parsed_services, 8883)[0]!.fields).toMatchObject({ connack: 'not authorized', probe: 'mqtt-connect' });
    expect(r.output.summary).toMatchObject({ probed: 2, answered: 2, identified: 2 });
  });
});
