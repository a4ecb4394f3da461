/**
 * pentora/banner-grabber in the sandbox with canned TCP replies (no sockets):
 * the passive pass, the HTTP fallback for silent ports, what becomes a banner
 * and what does not, and the shape of the batches it asks the host for.
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/banner-grabber';
const HOST = '192.0.2.50';
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const open = (port: number, host = HOST, extra: Record<string, unknown> = {}) => ({ host, port, protocol: 'tcp', state: 'open', ...extra });
const decode = (b64: unknown): Buffer => Buffer.from(String(b64), 'base64');
const sent = (p: { payload_b64?: string }): string => (p.payload_b64 ? Buffer.from(p.payload_b64, 'base64').toString('latin1') : '');
const GET = /^GET \/ HTTP\/1\.0\r\n/;

type Rec = Record<string, unknown>;

describe('banner-grabber: passive read, then (http_fallback on) HTTP for silent ports', () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runPlugin({
      plugin: PLUGIN,
      config: { http_fallback: true },
      context: {
        open_ports: [
          open(22),
          open(25),
          open(80),
          open(8080),
          open(9000), // refused by the time the grabber connects
          open(9100), // accepts, says nothing, ignores HTTP
          open(9200), // filtered on connect
          open(22), // reported twice (two scanners): grabbed once
          { host: HOST, port: 53, protocol: 'udp', state: 'open' }, // not TCP
          { host: HOST, port: 23, protocol: 'tcp', state: 'closed' }, // not open
        ],
      },
      tcp: [
        { port: 22, data: fixture('ssh-greeting.txt') },
        { port: 25, data: fixture('smtp-greeting.txt') },
        // HTTP servers answer only a request: the passive read gets nothing.
        { port: 80, whenSent: GET, data: fixture('http-response.http') },
        { port: 80 },
        { port: 8080, whenSent: GET, data: fixture('http-response.http') },
        { port: 8080 },
        { port: 9100 },
        { port: 9200, state: 'filtered' },
      ],
    });
  });

  it('runs to completion and summarises what it did', () => {
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toEqual({ ports: 7, passive: 2, http: 2, silent: 1, unreachable: 2, batches: 2 });
  });

  it('asks for one batch per pass: every open TCP port once, then only the silent ones', () => {
    expect(r.probes).toHaveLength(2);
    const [passive, http] = r.probes;
    expect(passive!.map((p) => p.port)).toEqual([22, 25, 80, 8080, 9000, 9100, 9200]);
    for (const p of passive!) {
      expect(p.host).toBe(HOST);
      expect(p.payload_b64).toBeUndefined();
      expect(p.read).toEqual({ max_bytes: 4096, timeout_ms: 1500, idle_ms: 300 });
    }
    expect(http!.map((p) => p.port)).toEqual([80, 8080, 9100]);
    for (const p of http!) expect(sent(p)).toMatch(GET);
  });

  it('sends the HTTP/1.0 request with the target authority as Host (RFC 9110 §7.2)', () => {
    const [, http] = r.probes;
    expect(sent(http![0]!)).toBe(`GET / HTTP/1.0\r\nHost: ${HOST}\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n`);
    expect(sent(http![1]!)).toContain(`\r\nHost: ${HOST}:8080\r\n`);
  });

  it('writes the passive banners byte for byte', () => {
    const banners = r.written.banners as Rec[];
    const ssh = banners.find((b) => b.port === 22)!;
    expect(ssh).toEqual({ host: HOST, port: 22, protocol: 'tcp', probe: 'passive', data_b64: fixture('ssh-greeting.txt').toString('base64'), rtt_ms: 1, reason: 'eof', plugin: 'pentora/banner-grabber' });
    expect(decode(banners.find((b) => b.port === 25)!.data_b64)).toEqual(fixture('smtp-greeting.txt'));
  });

  it('writes the HTTP responses of silent ports as http-get banners', () => {
    const banners = r.written.banners as Rec[];
    for (const port of [80, 8080]) {
      const b = banners.find((x) => x.port === port)!;
      expect(b).toMatchObject({ host: HOST, protocol: 'tcp', probe: 'http-get' });
      expect(decode(b.data_b64)).toEqual(fixture('http-response.http'));
    }
  });

  it('writes nothing for refused or filtered ports, and an empty record for a port silent in every pass', () => {
    const banners = r.written.banners as Rec[];
    const ports = banners.map((b) => b.port).sort((a, b) => Number(a) - Number(b));
    expect(ports).toEqual([22, 25, 80, 8080, 9100]);
    expect(banners.find((b) => b.port === 9100)).toMatchObject({ protocol: 'tcp', probe: 'passive', data_b64: '' });
  });
});

describe('banner-grabber: configuration and edge cases', () => {
  it('by default (http_fallback off), makes the passive pass only: the protocol plugins probe silent ports', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { open_ports: [open(22), open(80)] }, tcp: [{ port: 22, data: fixture('ssh-greeting.txt') }, { port: 80 }] });
    expect(r.state, r.error).toBe('done');
    expect(r.probes).toHaveLength(1);
    expect((r.written.banners as Rec[]).map((b) => [b.port, b.probe, b.data_b64 === ''])).toEqual([
      [22, 'passive', false],
      [80, 'passive', true],
    ]);
    expect(r.output.summary).toMatchObject({ passive: 1, http: 0, silent: 1, batches: 1 });
  });

  it('passes read_timeout_ms and max_bytes to the host and keeps at most max_bytes', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { open_ports: [open(22)] },
      config: { read_timeout_ms: 750, max_bytes: 16, connect_timeout_ms: 400 },
      tcp: [{ port: 22, data: fixture('ssh-greeting.txt') }],
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes[0]![0]!.read).toEqual({ max_bytes: 16, timeout_ms: 750, idle_ms: 300 });
    expect(decode((r.written.banners as Rec[])[0]!.data_b64)).toEqual(fixture('ssh-greeting.txt').subarray(0, 16));
  });

  it('asks both passes to end a read idle_ms after the last byte, and sends none for idle_ms 0', async () => {
    const tcp = [
      { port: 22, data: fixture('ssh-greeting.txt'), stayOpen: true }, // greets, then waits for the client
      { port: 80, whenSent: GET, data: fixture('http-response.http'), stayOpen: true },
      { port: 80 },
    ];
    const r = await runPlugin({ plugin: PLUGIN, context: { open_ports: [open(22), open(80)] }, config: { idle_ms: 150, http_fallback: true }, tcp });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat().map((p) => p.read)).toEqual(Array(3).fill({ max_bytes: 4096, timeout_ms: 1500, idle_ms: 150 }));
    expect((r.written.banners as Rec[]).map((b) => [b.port, b.probe])).toEqual([[22, 'passive'], [80, 'http-get']]);
    expect(decode((r.written.banners as Rec[])[0]!.data_b64)).toEqual(fixture('ssh-greeting.txt'));

    const off = await runPlugin({ plugin: PLUGIN, context: { open_ports: [open(22)] }, config: { idle_ms: 0 }, tcp });
    expect(off.state, off.error).toBe('done');
    expect(off.probes[0]![0]!.read).toEqual({ max_bytes: 4096, timeout_ms: 1500 });
  });

  it('reads open_ports in pages and grabs each distinct endpoint once', async () => {
    const ports = Array.from({ length: 600 }, (_, i) => 20_000 + i);
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { open_ports: [...ports, ...ports.slice(0, 50)].map((p) => open(p)) },
      config: { http_fallback: false },
      tcp: ports.map((port) => ({ port, data: 'hi' })),
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat().map((p) => p.port)).toEqual(ports);
    const reads = r.transcript.filter((t) => t.op === 'context.get').map((t) => t.result);
    expect(reads).toEqual([{ count: 256, offset: 0 }, { count: 256, offset: 256 }, { count: 138, offset: 512 }, { count: 0, offset: 650 }]);
  });

  it('brackets an IPv6 literal in the Host field (RFC 3986 §3.2.2)', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { open_ports: [open(8080, '2001:db8::7')] },
      config: { http_fallback: true },
      tcp: [{ host: '2001:db8::7', port: 8080, whenSent: GET, data: fixture('http-response.http') }, { host: '2001:db8::7', port: 8080 }],
    });
    expect(r.state, r.error).toBe('done');
    expect(sent(r.probes[1]![0]!)).toContain('\r\nHost: [2001:db8::7]:8080\r\n');
    expect((r.written.banners as Rec[])[0]).toMatchObject({ host: '2001:db8::7', port: 8080, probe: 'http-get' });
  });

  it('splits a pass into batches sized to the read limit, in port order', async () => {
    // 64 KiB reads: 8 probes per call keeps one reply well inside guest memory.
    const ports = Array.from({ length: 20 }, (_, i) => 10_000 + i);
    const r = await runPlugin({
      plugin: PLUGIN,
      context: { open_ports: ports.map((p) => open(p)) },
      config: { max_bytes: 65536 },
      tcp: ports.map((port) => ({ port, data: Buffer.alloc(65536, 0x41 + (port % 26)) })),
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.map((b) => b.length)).toEqual([8, 8, 4]);
    expect(r.probes.flat().map((p) => p.port)).toEqual(ports);
    const banners = r.written.banners as Rec[];
    expect(banners).toHaveLength(20);
    // Buffer.equals: vitest's deep equality walks 64 KiB byte by byte.
    for (const b of banners) expect(decode(b.data_b64).equals(Buffer.alloc(65536, 0x41 + (Number(b.port) % 26))), `port ${b.port}`).toBe(true);
  });

  it('with no open TCP ports, probes nothing and succeeds', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { open_ports: [{ host: HOST, port: 161, protocol: 'udp', state: 'open|filtered' }] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes).toHaveLength(0);
    expect(r.written.banners ?? []).toHaveLength(0);
    expect(r.output.summary).toMatchObject({ ports: 0, batches: 0 });
  });

  it('fails the node, naming the host call, when the host refuses the batch', async () => {
    // The scope holds only 192.0.2.1: the grabber's target is outside it.
    const r = await runPlugin({ plugin: PLUGIN, context: { open_ports: [open(22)] }, scope: ['192.0.2.1'] });
    expect(r.state).toBe('failed');
    expect(r.error).toMatch(/net\.tcp\.probe \(passive pass\)/);
    expect(r.written.banners ?? []).toHaveLength(0);
  });
});
