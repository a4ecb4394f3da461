/**
 * pentora/http-parser in the sandbox, over captured HTTP/1.x responses
 * (test/fixtures): the products each names (web server plus what runs behind
 * it), the parsed status/headers/title, what is not HTTP, and hostile input.
 */

import { describe, expect, it } from 'vitest';
import { ParserTable, atPort, cpe, type BannerData, type ExpectedPrint, type Rec } from '../../../sdk/testing/parser-table.ts';

const t = new ParserTable({ plugin: 'plugins/http-parser', host: '192.0.2.20', probe: 'http-get', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case {
  file: string;
  status: number;
  title?: string;
  prints: ExpectedPrint[];
}

const CASES: Case[] = [
  { file: 'nginx-debian.http', status: 200, title: 'Welcome to nginx!', prints: [{ product: 'nginx', version: '1.22.1', cpe: cpe('f5', 'nginx', '1.22.1'), confidence: 90 }] },
  {
    file: 'apache-debian-php.http',
    status: 200,
    title: 'Apache2 Debian Default Page: It works',
    prints: [
      { product: 'Apache httpd', version: '2.4.57', cpe: cpe('apache', 'http_server', '2.4.57'), os_hint: 'Debian', confidence: 90 },
      { product: 'PHP', version: '8.2.7', cpe: cpe('php', 'php', '8.2.7'), confidence: 90 },
    ],
  },
  {
    file: 'apache-centos-openssl.http',
    status: 403,
    prints: [
      { product: 'Apache httpd', version: '2.4.6', cpe: cpe('apache', 'http_server', '2.4.6'), os_hint: 'CentOS', confidence: 90 },
      // "1.0.2k-fips": the release, without the FIPS build tag.
      { product: 'OpenSSL', version: '1.0.2k', cpe: cpe('openssl', 'openssl', '1.0.2k'), confidence: 90 },
      { product: 'PHP', version: '7.4.33', cpe: cpe('php', 'php', '7.4.33'), confidence: 90 },
    ],
  },
  // ServerTokens Prod: the product, and no version invented.
  { file: 'apache-prod-tokens.http', status: 301, prints: [{ product: 'Apache httpd', cpe: cpe('apache', 'http_server'), confidence: 80 }] },
  {
    file: 'iis-aspnet.http',
    status: 200,
    title: 'IIS Windows Server',
    prints: [
      { product: 'Microsoft IIS', version: '10.0', cpe: cpe('microsoft', 'internet_information_services', '10.0'), os_hint: 'Windows', confidence: 90 },
      { product: 'ASP.NET', cpe: cpe('microsoft', 'asp.net'), confidence: 80 },
    ],
  },
  { file: 'lighttpd.http', status: 404, title: '404 Not Found', prints: [{ product: 'lighttpd', version: '1.4.69', cpe: cpe('lighttpd', 'lighttpd', '1.4.69'), confidence: 90 }] },
  { file: 'caddy.http', status: 308, prints: [{ product: 'Caddy', cpe: cpe('caddyserver', 'caddy'), confidence: 80 }] },
  {
    file: 'litespeed.http',
    status: 200,
    title: 'Hello',
    prints: [
      { product: 'LiteSpeed Web Server', cpe: cpe('litespeedtech', 'litespeed_web_server'), confidence: 80 },
      { product: 'PHP', version: '8.1.27', cpe: cpe('php', 'php', '8.1.27'), confidence: 90 },
    ],
  },
  // Jetty puts its version in a comment; the NVD lists it without the build stamp.
  { file: 'jetty.http', status: 404, title: 'Error 404 Not Found', prints: [{ product: 'Jetty', version: '9.4.51.v20230217', cpe: cpe('eclipse', 'jetty', '9.4.51'), confidence: 90 }] },
  // Apache-Coyote/1.1 is the connector, not Tomcat 1.1; the default page's title has the release.
  { file: 'tomcat-coyote.http', status: 200, title: 'Apache Tomcat/9.0.65', prints: [{ product: 'Apache Tomcat', version: '9.0.65', cpe: cpe('apache', 'tomcat', '9.0.65'), confidence: 90 }] },
  { file: 'gunicorn.http', status: 404, title: '404 Not Found', prints: [{ product: 'Gunicorn', cpe: cpe('gunicorn', 'gunicorn'), confidence: 80 }] },
  {
    file: 'werkzeug.http',
    status: 200,
    prints: [
      { product: 'Werkzeug', version: '2.3.6', cpe: cpe('palletsprojects', 'werkzeug', '2.3.6'), confidence: 90 },
      { product: 'Python', version: '3.11.4', cpe: cpe('python', 'python', '3.11.4'), confidence: 90 },
    ],
  },
  { file: 'envoy.http', status: 404, prints: [{ product: 'Envoy', cpe: cpe('envoyproxy', 'envoy'), confidence: 80 }] },
  { file: 'openresty.http', status: 200, title: 'Welcome to OpenResty!', prints: [{ product: 'OpenResty', version: '1.21.4.1', cpe: cpe('openresty', 'openresty', '1.21.4.1'), confidence: 90 }] },
  { file: 'express.http', status: 200, title: 'App', prints: [{ product: 'Express', cpe: cpe('expressjs', 'express'), confidence: 80 }] },
  { file: 'folded-utf8-title.http', status: 200, title: 'Grüße & Café – Start', prints: [{ product: 'nginx', version: '1.24.0', cpe: cpe('f5', 'nginx', '1.24.0'), confidence: 90 }] },
  { file: 'bare-lf.http', status: 200, title: 'thttpd', prints: [{ product: 'thttpd', version: '2.29', cpe: cpe('acme', 'thttpd', '2.29'), confidence: 90 }] },
  // HTTP, but nothing names a product: the protocol alone.
  { file: 'no-server.http', status: 401, prints: [{ confidence: 50 }] },
  // An unknown server is named as it names itself, without a CPE.
  { file: 'unknown-server.http', status: 200, prints: [{ product: 'AcmeEmbedded', version: '2.1', confidence: 60 }] },
  { file: 'truncated.http', status: 200, prints: [{ product: 'nginx', version: '1.18.0', cpe: cpe('f5', 'nginx', '1.18.0'), os_hint: 'Ubuntu', confidence: 90 }] },
];

// Ports no probe hints, so confidences are the rules' own (a hinted port adds 5).
const BASE_PORT = 18000;

describe('http-parser: captured responses', () => {
  const run = t.captured(CASES, BASE_PORT);

  it('runs to completion with one service per response', () => {
    const prints = CASES.reduce((n, c) => n + c.prints.length, 0);
    t.expectWritten(run.result(), { services: CASES.length, prints, summary: { banners: CASES.length, identified: CASES.length } });
  });

  it.each(run.cases)('$file', (c) => {
    const r = run.result();
    const got = t.printsAt(r, c.port);
    expect(got).toHaveLength(c.prints.length);
    c.prints.forEach((want, k) => {
      const fp = got[k]!;
      t.expectPrint(fp, { service: 'http', ...want });
      expect(typeof fp.evidence).toBe('string');
    });
    const [svc] = atPort(r.written.parsed_services, c.port);
    const fields = svc!.fields as Rec;
    expect(svc!.service).toBe('http');
    expect(fields.status).toBe(c.status);
    expect(fields.title).toBe(c.title);
  });

  it('keeps headers case-insensitively, unfolds obs-fold lines (RFC 9112 §5.2)', () => {
    const fields = t.fieldsAt(run.result(), run.portOf('folded-utf8-title.http'));
    expect(fields.headers).toMatchObject({ server: 'nginx/1.24.0', 'x-note': 'first part second part third part', 'content-type': 'text/html; charset=utf-8' });
    expect(fields.http_version).toBe('1.1');
    expect(fields.reason).toBe('OK');
  });

  it('flags a response cut inside its headers and drops the cut line', () => {
    const fields = t.fieldsAt(run.result(), run.portOf('truncated.http'));
    expect(fields.incomplete).toBe(true);
    expect(fields.headers).toEqual({ server: 'nginx/1.18.0 (Ubuntu)' });
  });
});

describe('http-parser: TLS, not HTTP, and hostile input', () => {
  it('names the service https for a banner read over TLS', async () => {
    const r = await t.run([banner(443, fixture('nginx-debian.http'), { tls: true })]);
    expect(r.state, r.error).toBe('done');
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ service: 'https', product: 'nginx' });
    expect((r.written.parsed_services as Rec[])[0]).toMatchObject({ service: 'https' });
  });

  const NEGATIVE: Array<[string, BannerData]> = [
    ['an SSH identification string', fixture('not-http-ssh.txt')],
    ['an FTP greeting', fixture('not-http-ftp.txt')],
    ['an RTSP response', fixture('not-http-rtsp.txt')],
    ['an "HTTP/2" status line (HTTP/2 is not line-based)', fixture('not-http-h2-status.txt')],
    ['a TLS alert', fixture('not-http-tls-alert.bin')],
    ['an empty banner', ''],
    ['64 KiB of zero bytes', Buffer.alloc(65536)],
  ];

  t.yieldsNothing(NEGATIVE, 80);

  it('caps a 64 KiB header section of 5 000 field lines', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(8)}\r\n`).join('');
    const r = await t.run([banner(80, `HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n${lines}\r\n<title>t</title>`)]);
    expect(r.state, r.error).toBe('done');
    const fields = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(Object.keys(fields.headers as Rec)).toHaveLength(100);
    expect(fields.headers_truncated).toBe(true);
    expect(fields.header_count).toBe(5001);
    expect(fields.title).toBe('t');
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ product: 'nginx', version: '1.22.1' });
  });

  it('bounds a 64 KiB Server value, a 64 KiB title and a nested-comment bomb', async () => {
    const hugeServer = `HTTP/1.1 200 OK\r\nServer: ${'A'.repeat(65536)}/1.0\r\n\r\n`;
    const hugeTitle = `HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n<title>${'T'.repeat(65536)}</title>`;
    const bomb = `HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 ${'('.repeat(30000)}\r\n\r\n`;
    const r = await t.run([banner(81, hugeServer), banner(82, hugeTitle), banner(83, bomb)]);
    expect(r.state, r.error).toBe('done');
    const [a, b, c] = [81, 82, 83].map((p) => atPort(r.written.service_fingerprints, p)[0]!);
    expect(String(a!.product).length).toBeLessThanOrEqual(128);
    expect(String((atPort(r.written.parsed_services, 82)[0]!.fields as Rec).title).length).toBe(256);
    expect(b).toMatchObject({ product: 'nginx' });
    expect(c).toMatchObject({ product: 'Apache httpd', version: '2.4.57' });
  });

  it('parses 1 500 banners of 4 KiB within its memory cap', async () => {
    const body = '<title>load</title>' + 'b'.repeat(3900);
    const resp = `HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\nX-Powered-By: PHP/8.2.7\r\n\r\n${body}`;
    const banners = Array.from({ length: 1500 }, (_, i) => ({ ...banner(80, resp), host: `10.1.${i >> 8}.${i & 255}` }));
    const r = await t.run(banners);
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(1500);
    expect(r.written.service_fingerprints).toHaveLength(3000);
  });

  it('parses the largest banner a record may hold (a 1 MiB response) within its memory cap', async () => {
    const resp = `HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n<title>big</title>${'b'.repeat(1 << 20)}`.slice(0, 1 << 20);
    const r = await t.run([banner(80, resp), banner(8080, resp)]);
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(2);
  });
});
