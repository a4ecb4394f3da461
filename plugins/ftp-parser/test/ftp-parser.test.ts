/**
 * pentora/ftp-parser in the sandbox, over captured 220 greetings
 * (test/fixtures): products, versions and OS hints; SMTP greetings and other
 * protocols that must yield nothing; hostile input.
 */

import { describe, expect, it } from 'vitest';
import { noise } from '../../../sdk/testing/hostile.ts';
import { ParserTable, cpe, type BannerData, type FixtureCase, type Rec } from '../../../sdk/testing/parser-table.ts';

const t = new ParserTable({ plugin: 'plugins/ftp-parser', host: '192.0.2.30', probe: 'passive', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case extends FixtureCase {
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
  const run = t.captured(CASES, BASE_PORT);

  it('runs to completion with one service and one fingerprint per greeting', () => {
    t.expectOnePerCase(run.result(), CASES.length, { named: CASES.filter((c) => c.product).length });
  });

  it.each(run.cases)('$file', (c) => {
    const r = run.result();
    const fp = t.expectOnePrint(r, c.port, { service: 'ftp', ...c });
    expect(String(fp.evidence)).toMatch(/^probe=passive; 220 /);
    const fields = t.fieldsAt(r, c.port);
    expect(fields).toMatchObject({ code: 220, lines: c.lines });
    expect(fields.incomplete).toBeUndefined();
  });

  it('joins a multi-line greeting without its reply-code prefixes (RFC 959 §4.2)', () => {
    const greeting = String(t.fieldsAt(run.result(), run.portOf('pure-ftpd.txt')).greeting);
    expect(greeting).toMatch(/^-+ Welcome to Pure-FTPd \[privsep\] \[TLS\] -+ You are user number 1 of 50 allowed\./);
    expect(greeting).not.toContain('220');
  });
});

describe('ftp-parser: not FTP, and hostile input', () => {
  const NEGATIVE: Array<[string, BannerData]> = [
    ['a Postfix greeting', fixture('not-ftp-postfix.txt')],
    ['a multi-line Exim greeting', fixture('not-ftp-exim.txt')],
    ['an SSH identification string', fixture('not-ftp-ssh.txt')],
    ['a POP3 greeting', fixture('not-ftp-pop3.txt')],
    ['a 421 refusal (not a greeting of a named server)', fixture('not-ftp-421.txt')],
    ['an HTTP response', fixture('not-ftp-http.txt')],
    ['an empty banner', ''],
    ['random bytes', noise(4096, 21)],
  ];

  t.yieldsNothing(NEGATIVE, 21);

  it('bounds a 64 KiB multi-line greeting that never ends', async () => {
    const data = '220-vsFTPd 3.0.5 says hello\r\n' + ('220-' + 'y'.repeat(60) + '\r\n').repeat(1100);
    const r = await t.run([banner(21, data.slice(0, 65536))]);
    expect(r.state, r.error).toBe('done');
    const [fp] = r.written.service_fingerprints as Rec[];
    expect(fp).toMatchObject({ product: 'vsftpd', version: '3.0.5' });
    const fields = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(fields.incomplete).toBe(true);
    expect(fields.lines).toBe(64);
    expect(String(fields.greeting).length).toBeLessThanOrEqual(1024);
  });

  it('bounds one 64 KiB line and keeps control bytes out of the evidence', async () => {
    const r = await t.run([banner(21, '220 \x1b[31mFTP\x00 ' + 'z'.repeat(65536))]);
    expect(r.state, r.error).toBe('done');
    const [fp] = r.written.service_fingerprints as Rec[];
    expect(String(fp!.evidence)).toMatch(/^probe=passive; 220 \.\[31mFTP\. z+$/);
    // The parser cuts its evidence at 300 characters; ServiceModule prefixes the probe's name.
    expect(String(fp!.evidence).length).toBe('probe=passive; '.length + 300);
  });

  it('names implicit FTPS for a banner read over TLS', async () => {
    const r = await t.run([banner(990, fixture('vsftpd.txt'), { tls: true })]);
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ service: 'ftps', product: 'vsftpd' });
  });
});
