/**
 * pentora/ftp-parser in the sandbox, over captured 220 greetings
 * (test/fixtures): products, versions and OS hints; SMTP greetings and other
 * protocols that must yield nothing; hostile input.
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/ftp-parser';
const HOST = '192.0.2.30';
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const banner = (port: number, data: Buffer | string, extra: Record<string, unknown> = {}) => ({
  host: HOST,
  port,
  protocol: 'tcp',
  probe: 'passive',
  data_b64: (typeof data === 'string' ? Buffer.from(data, 'latin1') : data).toString('base64'),
  ...extra,
});

type Rec = Record<string, unknown>;
const atPort = (items: unknown[] | undefined, port: number): Rec[] => ((items ?? []) as Rec[]).filter((x) => x.port === port);
const cpe = (vendor: string, product: string, version = '*') => `cpe:2.3:a:${vendor}:${product}:${version}:*:*:*:*:*:*:*`;

interface Case {
  file: string;
  product?: string;
  version?: string;
  cpe?: string;
  os_hint?: string;
  confidence: number;
  lines: number;
}

const CASES: Case[] = [
  { file: 'vsftpd.txt', product: 'vsftpd', version: '3.0.3', cpe: cpe('vsftpd_project', 'vsftpd', '3.0.3'), confidence: 95, lines: 1 },
  { file: 'vsftpd-234.txt', product: 'vsftpd', version: '2.3.4', cpe: cpe('vsftpd_project', 'vsftpd', '2.3.4'), confidence: 95, lines: 1 },
  // Debian's package sets ServerName "Debian".
  { file: 'proftpd-debian.txt', product: 'ProFTPD', version: '1.3.8', cpe: cpe('proftpd', 'proftpd', '1.3.8'), os_hint: 'Debian', confidence: 95, lines: 1 },
  { file: 'proftpd-letter.txt', product: 'ProFTPD', version: '1.3.5e', cpe: cpe('proftpd', 'proftpd', '1.3.5e'), confidence: 95, lines: 1 },
  { file: 'proftpd-noversion.txt', product: 'ProFTPD', cpe: cpe('proftpd', 'proftpd'), confidence: 80, lines: 1 },
  { file: 'pure-ftpd.txt', product: 'Pure-FTPd', cpe: cpe('pureftpd', 'pure-ftpd'), confidence: 80, lines: 5 },
  { file: 'filezilla-09.txt', product: 'FileZilla Server', version: '0.9.41', cpe: cpe('filezilla-project', 'filezilla_server', '0.9.41'), confidence: 95, lines: 3 },
  { file: 'filezilla-1x.txt', product: 'FileZilla Server', version: '1.7.3', cpe: cpe('filezilla-project', 'filezilla_server', '1.7.3'), confidence: 95, lines: 2 },
  { file: 'microsoft-ftp.txt', product: 'Microsoft IIS FTP', cpe: cpe('microsoft', 'internet_information_services'), os_hint: 'Windows', confidence: 80, lines: 1 },
  { file: 'serv-u.txt', product: 'Serv-U', version: '15.1', cpe: cpe('solarwinds', 'serv-u', '15.1'), confidence: 95, lines: 1 },
  { file: 'serv-u-winsock.txt', product: 'Serv-U', version: '6.4', cpe: cpe('solarwinds', 'serv-u', '6.4'), os_hint: 'Windows', confidence: 95, lines: 1 },
  { file: 'wu-ftpd.txt', product: 'wu-ftpd', version: '2.6.2', cpe: cpe('washington_university', 'wu-ftpd', '2.6.2'), confidence: 95, lines: 1 },
  { file: 'freebsd-ftpd.txt', product: 'FreeBSD ftpd', version: '6.00LS', os_hint: 'FreeBSD', confidence: 90, lines: 1 },
  { file: 'ws_ftp.txt', product: 'WS_FTP Server', version: '8.6.0', cpe: cpe('progress', 'ws_ftp_server', '8.6.0'), confidence: 95, lines: 2 },
  // FTP by shape only: generic, no product, no version.
  { file: 'rfc959-multiline.txt', confidence: 50, lines: 4 },
  { file: 'generic-ftp.txt', confidence: 50, lines: 1 },
  { file: 'generic-bare.txt', confidence: 40, lines: 1 },
];

const BASE_PORT = 2100;

describe('ftp-parser: captured greetings', () => {
  let r: RunResult;
  beforeAll(async () => {
    r = await runPlugin({ plugin: PLUGIN, context: { banners: CASES.map((c, i) => banner(BASE_PORT + i, fixture(c.file))) } });
  });

  it('runs to completion with one service and one fingerprint per greeting', () => {
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(CASES.length);
    expect(r.written.service_fingerprints).toHaveLength(CASES.length);
    expect(r.output.summary).toMatchObject({ banners: CASES.length, identified: CASES.length, named: CASES.filter((c) => c.product).length });
  });

  it.each(CASES.map((c, i) => ({ ...c, port: BASE_PORT + i })))('$file', (c) => {
    const [fp, ...more] = atPort(r.written.service_fingerprints, c.port);
    expect(more).toHaveLength(0);
    expect(fp).toMatchObject({ host: HOST, protocol: 'tcp', service: 'ftp', source: 'banner', confidence: c.confidence });
    expect(fp!.product).toBe(c.product);
    expect(fp!.version).toBe(c.version);
    expect(fp!.cpe).toBe(c.cpe);
    expect(fp!.os_hint).toBe(c.os_hint);
    expect(String(fp!.evidence)).toMatch(/^220 /);
    const fields = atPort(r.written.parsed_services, c.port)[0]!.fields as Rec;
    expect(fields).toMatchObject({ code: 220, lines: c.lines });
    expect(fields.incomplete).toBeUndefined();
  });

  it('joins a multi-line greeting without its reply-code prefixes (RFC 959 §4.2)', () => {
    const port = BASE_PORT + CASES.findIndex((c) => c.file === 'pure-ftpd.txt');
    const greeting = String((atPort(r.written.parsed_services, port)[0]!.fields as Rec).greeting);
    expect(greeting).toMatch(/^-+ Welcome to Pure-FTPd \[privsep\] \[TLS\] -+ You are user number 1 of 50 allowed\./);
    expect(greeting).not.toContain('220');
  });
});

describe('ftp-parser: not FTP, and hostile input', () => {
  const NEGATIVE: Array<[string, Buffer | string]> = [
    ['a Postfix greeting', fixture('not-ftp-postfix.txt')],
    ['a multi-line Exim greeting', fixture('not-ftp-exim.txt')],
    ['an SSH identification string', fixture('not-ftp-ssh.txt')],
    ['a POP3 greeting', fixture('not-ftp-pop3.txt')],
    ['a 421 refusal (not a greeting of a named server)', fixture('not-ftp-421.txt')],
    ['an HTTP response', fixture('not-ftp-http.txt')],
    ['an empty banner', ''],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24))],
  ];

  it.each(NEGATIVE)('%s yields nothing', async (_name, data) => {
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(21, data)] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services ?? []).toHaveLength(0);
    expect(r.written.service_fingerprints ?? []).toHaveLength(0);
  });

  it('bounds a 64 KiB multi-line greeting that never ends', async () => {
    const data = '220-vsFTPd 3.0.5 says hello\r\n' + ('220-' + 'y'.repeat(60) + '\r\n').repeat(1100);
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(21, data.slice(0, 65536))] } });
    expect(r.state, r.error).toBe('done');
    const [fp] = r.written.service_fingerprints as Rec[];
    expect(fp).toMatchObject({ product: 'vsftpd', version: '3.0.5' });
    const fields = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(fields.incomplete).toBe(true);
    expect(fields.lines).toBe(64);
    expect(String(fields.greeting).length).toBeLessThanOrEqual(1024);
  });

  it('bounds one 64 KiB line and keeps control bytes out of the evidence', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(21, '220 \x1b[31mFTP\x00 ' + 'z'.repeat(65536))] } });
    expect(r.state, r.error).toBe('done');
    const [fp] = r.written.service_fingerprints as Rec[];
    expect(String(fp!.evidence)).toMatch(/^220 \.\[31mFTP\. z+$/);
    expect(String(fp!.evidence).length).toBe(300);
  });

  it('names implicit FTPS for a banner read over TLS', async () => {
    const r = await runPlugin({ plugin: PLUGIN, context: { banners: [banner(990, fixture('vsftpd.txt'), { tls: true })] } });
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ service: 'ftps', product: 'vsftpd' });
  });
});
