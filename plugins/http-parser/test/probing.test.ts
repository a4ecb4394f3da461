/**
 * pentora/http-parser as a service module: the probes it sends (GET / with
 * the endpoint's Host to silent web ports, GET /favicon.ico to what answered)
 * against canned replies captured from a real nginx, the records it writes,
 * and what it does not send (network off, non-HTTP bytes, silent non-web
 * ports are left to the fallback).
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin, type CannedTcp } from '../../../sdk/testing/harness.ts';
import { atPort, type Rec } from '../../../sdk/testing/parser-table.ts';

const PLUGIN = 'plugins/http-parser';
const HOST = '192.0.2.30';
const fx = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const { banner } = bannersAt(HOST);
/** What each probe sent, as text. */
const sent = (probes: Array<Array<{ port: number; steps?: Array<{ send_b64?: string }>; payload_b64?: string }>>) =>
  probes.flat().map((p) => ({ port: p.port, text: Buffer.from(p.steps?.[0]?.send_b64 ?? p.payload_b64 ?? '', 'base64').toString('latin1') }));

const nginx = (port: number): CannedTcp[] => [
  { host: HOST, port, whenSent: 'GET /favicon.ico ', data: fx('nginx-favicon.http') },
  { host: HOST, port, whenSent: 'GET / ', data: fx('nginx-php-header.http') },
];

describe('http-parser probes a silent web port (captured nginx 1.22.1)', async () => {
  const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(8080)] }, tcp: nginx(8080) });

  it('runs to completion', () => {
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toMatchObject({ banners: 1, identified: 1, probed: 2, answered: 2, by_probe: 1, favicons: 1 });
  });

  it('sends GET / then GET /favicon.ico, HTTP/1.0 with the endpoint in Host', () => {
    expect(sent(r.probes)).toEqual([
      { port: 8080, text: `GET / HTTP/1.0\r\nHost: ${HOST}:8080\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n` },
      { port: 8080, text: `GET /favicon.ico HTTP/1.0\r\nHost: ${HOST}:8080\r\nUser-Agent: pentora/0.1\r\nAccept: */*\r\n\r\n` },
    ]);
  });

  it('names nginx and PHP (X-Powered-By), and phpMyAdmin by the favicon hash', () => {
    const prints = atPort(r.written.service_fingerprints, 8080);
    expect(prints.map((p) => [p.product, p.version ?? '', p.cpe ?? ''])).toEqual([
      ['nginx', '1.22.1', 'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*'],
      ['PHP', '8.2.7', 'cpe:2.3:a:php:php:8.2.7:*:*:*:*:*:*:*'],
      ['phpMyAdmin', '', 'cpe:2.3:a:phpmyadmin:phpmyadmin:*:*:*:*:*:*:*:*'],
    ]);
    // 90 from the rule, +5: 8080 is an http-get hint port.
    expect(prints[0]).toMatchObject({ service: 'http', confidence: 95, extra: { evidence: ['probe:http-get', 'port-hint'] } });
    expect(String(prints[0]!.evidence)).toMatch(/^probe=http-get; Server: nginx\/1\.22\.1/);
    // An unversioned rule match loses 10: 80 - 10 + 5.
    expect(prints[2]).toMatchObject({ confidence: 75 });
  });

  it('writes the status, title and the favicon hashes Shodan and md5 indexes use', () => {
    const [svc] = atPort(r.written.parsed_services, 8080);
    expect(svc).toMatchObject({ service: 'http' });
    const f = svc!.fields as Rec;
    expect(f).toMatchObject({ probe: 'http-get', status: 200, server: 'nginx/1.22.1', powered_by: 'PHP/8.2.7', title: 'Welcome to nginx!' });
    expect(f.favicon).toEqual({ status: 200, content_type: 'image/x-icon', size: 22486, mmh3: -476231906, md5: '531b63a51234bb06c9d77f219eb25553' });
    expect(String(f.body_excerpt)).toMatch(/^<!DOCTYPE html> <html> <head> <title>Welcome to nginx!<\/title>/);
  });
});

describe('http-parser fields: Location, WWW-Authenticate, Elasticsearch', async () => {
  const tcp: CannedTcp[] = [
    { host: HOST, port: 8081, whenSent: 'GET / ', data: fx('nginx-redirect.http') },
    { host: HOST, port: 8088, whenSent: 'GET / ', data: fx('nginx-basic-auth.http') },
    { host: HOST, port: 9200, whenSent: 'GET / ', data: fx('elasticsearch-8.http') },
    // No favicon anywhere: a 404.
    { host: HOST, port: 8081, whenSent: 'GET /favicon.ico', data: fx('nginx-404.http') },
  ];
  const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(8081), banner(8088), banner(9200)] }, tcp });
  const fields = (port: number) => atPort(r.written.parsed_services, port)[0]!.fields as Rec;

  it('runs to completion', () => expect(r.state, r.error).toBe('done'));
  it('keeps the redirect target', () => expect(fields(8081)).toMatchObject({ status: 301, location: `http://127.0.0.1:18481/new/`, favicon: { status: 404 } }));
  it('keeps the auth scheme and realm', () => expect(fields(8088)).toMatchObject({ status: 401, auth_scheme: 'Basic', auth_realm: 'Pentora Staff Area' }));
  it('names Elasticsearch and its version from the GET / JSON', () => {
    expect(atPort(r.written.service_fingerprints, 9200)).toEqual([
      expect.objectContaining({ service: 'http', product: 'Elasticsearch', version: '8.11.1', cpe: 'cpe:2.3:a:elastic:elasticsearch:8.11.1:*:*:*:*:*:*:*', confidence: 100 }),
    ]);
  });
  it('a closed favicon probe leaves the record as it was', () => expect(fields(9200).favicon).toBeUndefined());
});

describe('http-parser at scale', () => {
  it('probes 1 500 silent web ports and hashes 1 500 22 KiB favicons within its memory and CPU caps', async () => {
    const hosts = Array.from({ length: 1500 }, (_, i) => `10.2.${i >> 8}.${i & 255}`);
    const banners = hosts.map((host) => ({ ...banner(80), host }));
    const tcp: CannedTcp[] = [
      { port: 80, whenSent: 'GET /favicon.ico ', data: fx('nginx-favicon.http') },
      { port: 80, whenSent: 'GET / ', data: fx('nginx-php-header.http') },
    ];
    const t0 = performance.now();
    const r = await runPlugin({ plugin: PLUGIN, context: { banners }, tcp });
    const ms = performance.now() - t0;
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toMatchObject({ identified: 1500, probed: 3000, favicons: 1500 });
    expect(r.written.service_fingerprints).toHaveLength(4500);
    expect(r.probes.flat().filter((p) => p.port === 80)).toHaveLength(3000);
    console.log(`1500 endpoints, 3000 probes: ${Math.round(ms)} ms, ${r.probes.length} host calls`);
  }, 120_000);
});

describe('http-parser: the server itself, or only what runs behind it', () => {
  it('a multi-word server product is not also an unknown server (captured GStreamer RTSP tunnel)', async () => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(18554, fx('gstreamer-rtsp-tunnel.http'), { probe: 'http-get' })] } });
    expect((r.written.service_fingerprints as Rec[]).map((p) => [p.product, p.confidence])).toEqual([['GStreamer RTSP Server', 80]]);
    expect((r.written.parsed_services as Rec[])[0]!.fields).toMatchObject({ status: 503, server: 'GStreamer RTSP Server' });
  });

  it('an unknown server with a known module: both', async () => {
    const resp = 'HTTP/1.1 200 OK\r\nServer: AcmeEmbedded/2.1 PHP/8.1.2\r\n\r\n';
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(18000, resp, { probe: 'http-get' })] } });
    expect((r.written.service_fingerprints as Rec[]).map((p) => [p.product, p.version, p.confidence])).toEqual([['AcmeEmbedded', '2.1', 60], ['PHP', '8.1.2', 90]]);
  });
});

describe('http-parser: what it does not send', () => {
  it('sends nothing with network off, and still parses what banners hold', async () => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner(8080), banner(8000, fx('nginx-debian.http'), { probe: 'http-get' })] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toEqual([]);
    expect(atPort(r.written.service_fingerprints, 8000)[0]).toMatchObject({ product: 'nginx', version: '1.22.1' });
    expect(r.written.parsed_services).toHaveLength(1);
  });

  it('sends no probe to a port whose greeting is another protocol', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(8080, 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toEqual([]);
    expect(r.written.parsed_services ?? []).toEqual([]);
  });

  it('does not hash a favicon that was served as an HTML page or cut short', async () => {
    const html = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>';
    const cut = 'HTTP/1.1 200 OK\r\nContent-Type: image/x-icon\r\nContent-Length: 5000\r\n\r\n\x00\x00\x01\x00';
    const tcp: CannedTcp[] = [
      { host: HOST, port: 3000, whenSent: 'GET /favicon.ico', data: html },
      { host: HOST, port: 5000, whenSent: 'GET /favicon.ico', data: cut },
      { host: HOST, port: 3000, whenSent: 'GET / ', data: fx('express.http') },
      { host: HOST, port: 5000, whenSent: 'GET / ', data: fx('werkzeug.http') },
    ];
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(3000), banner(5000)] }, tcp });
    expect(r.state, r.error).toBe('done');
    const f = (port: number) => (atPort(r.written.parsed_services, port)[0]!.fields as Rec).favicon as Rec;
    expect(f(3000)).toEqual({ status: 200, content_type: 'text/html', size: 13 });
    expect(f(5000)).toEqual({ status: 200, content_type: 'image/x-icon', size: 4, cut: true });
    expect(r.output.summary).toMatchObject({ favicons: 0 });
  });
});
