/**
 * pentora/smtp-parser in the sandbox, over captured greetings
 * (test/fixtures): products, versions, OS hints and the greeting's domain;
 * FTP greetings and other protocols that must yield nothing; hostile input.
 */

import { describe, expect, it } from 'vitest';
import { ParserTable, cpe, type BannerData, type FixtureCase, type Rec } from '../../../sdk/testing/parser-table.ts';

const t = new ParserTable({ plugin: 'plugins/smtp-parser', host: '192.0.2.40', probe: 'passive', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case extends FixtureCase {
  code?: number;
  hostname?: string;
}

const CASES: Case[] = [
  // Debian's default smtpd_banner: "$myhostname ESMTP $mail_name (Debian/GNU)".
  { file: 'postfix-debian.txt', product: 'Postfix', cpe: cpe('postfix', 'postfix'), os_hint: 'Debian', confidence: 80, hostname: 'mail.example.org' },
  { file: 'postfix-ubuntu.txt', product: 'Postfix', cpe: cpe('postfix', 'postfix'), os_hint: 'Ubuntu', confidence: 80, hostname: 'mx1.example.net' },
  { file: 'postfix-version-paren.txt', product: 'Postfix', version: '3.7.10', cpe: cpe('postfix', 'postfix', '3.7.10'), confidence: 90, hostname: 'mail.example.org' },
  { file: 'postfix-version-bare.txt', product: 'Postfix', version: '3.7.10', cpe: cpe('postfix', 'postfix', '3.7.10'), confidence: 90, hostname: 'mail.example.org' },
  { file: 'exim.txt', product: 'Exim', version: '4.96', cpe: cpe('exim', 'exim', '4.96'), confidence: 90, hostname: 'mx.example.com' },
  { file: 'exim-multiline.txt', product: 'Exim', version: '4.94.2', cpe: cpe('exim', 'exim', '4.94.2'), confidence: 90, hostname: 'mx.example.com' },
  { file: 'sendmail.txt', product: 'Sendmail', version: '8.17.1', cpe: cpe('sendmail', 'sendmail', '8.17.1'), confidence: 90, hostname: 'mail.example.com' },
  { file: 'sendmail-debian.txt', product: 'Sendmail', version: '8.15.2', cpe: cpe('sendmail', 'sendmail', '8.15.2'), os_hint: 'Debian', confidence: 90 },
  { file: 'sendmail-ubuntu.txt', product: 'Sendmail', version: '8.14.4', cpe: cpe('sendmail', 'sendmail', '8.14.4'), os_hint: 'Ubuntu', confidence: 90 },
  { file: 'opensmtpd.txt', product: 'OpenSMTPD', cpe: cpe('openbsd', 'opensmtpd'), confidence: 80 },
  // The "Version:" is the Windows build: reported, but no product CPE is claimed from it.
  { file: 'microsoft.txt', product: 'Microsoft ESMTP MAIL Service', version: '10.0.17763.1', os_hint: 'Windows', confidence: 90, hostname: 'mail.contoso.com' },
  { file: 'exchange.txt', product: 'Microsoft ESMTP MAIL Service', os_hint: 'Windows', confidence: 80, hostname: 'EXCH01.contoso.local' },
  { file: 'haraka.txt', product: 'Haraka', version: '3.0.2', cpe: cpe('haraka', 'haraka', '3.0.2'), confidence: 90 },
  { file: 'qmail.txt', product: 'qmail', version: '1.03', cpe: cpe('qmail', 'qmail', '1.03'), confidence: 90 },
  // SMTP by its own word only.
  { file: 'generic-esmtp.txt', confidence: 50, hostname: 'smtp.example.com' },
  { file: 'address-literal.txt', confidence: 50, hostname: '[192.0.2.40]' },
  // RFC 5321 §3.1: a server that refuses service greets with 554.
  { file: 'refused-554.txt', confidence: 50, code: 554, hostname: 'mail.example.org' },
];

const BASE_PORT = 2500;

describe('smtp-parser: captured greetings', () => {
  const run = t.captured(CASES, BASE_PORT);

  it('runs to completion with one service and one fingerprint per greeting', () => {
    t.expectOnePerCase(run.result(), CASES.length, { named: CASES.filter((c) => c.product).length });
  });

  it.each(run.cases)('$file', (c) => {
    const r = run.result();
    t.expectOnePrint(r, c.port, { service: 'smtp', ...c });
    const fields = t.fieldsAt(r, c.port);
    expect(fields.code).toBe(c.code ?? 220);
    expect(fields.esmtp).toBe(true);
    if (c.hostname !== undefined) expect(fields.hostname).toBe(c.hostname);
  });

  it('reads a multi-line greeting to its last line (RFC 5321 §4.2.1)', () => {
    const fields = t.fieldsAt(run.result(), run.portOf('exim-multiline.txt'));
    expect(fields.lines).toBe(3);
    expect(String(fields.greeting)).toMatch(/transport unsolicited, and\/or bulk e-mail\.$/);
  });
});

describe('smtp-parser: not SMTP, and hostile input', () => {
  const NEGATIVE: Array<[string, BannerData]> = [
    ['a vsftpd greeting', fixture('not-smtp-vsftpd.txt')],
    ['a ProFTPD greeting', fixture('not-smtp-proftpd.txt')],
    ['the IIS FTP greeting', fixture('not-smtp-ms-ftp.txt')],
    ['a bare 220 that names no protocol', fixture('not-smtp-bare-220.txt')],
    ['an SSH identification string', fixture('not-smtp-ssh.txt')],
    ['an IMAP greeting', fixture('not-smtp-imap.txt')],
    ['a host name that merely contains an MTA name', '220 exim.example.org ready\r\n'],
    ['an empty banner', ''],
    ['64 KiB of 0xff', Buffer.alloc(65536, 0xff)],
  ];

  t.yieldsNothing(NEGATIVE, 25);

  it('bounds a 64 KiB greeting of 220- lines that never ends', async () => {
    const data = ('220-mx.example.org ESMTP Exim 4.97 ' + 'q'.repeat(40) + '\r\n').repeat(2000).slice(0, 65536);
    const r = await t.run([banner(25, data)]);
    expect(r.state, r.error).toBe('done');
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ product: 'Exim', version: '4.97' });
    const fields = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(fields).toMatchObject({ incomplete: true, lines: 64 });
    expect(String(fields.greeting).length).toBeLessThanOrEqual(1024);
  });

  it('names submission over implicit TLS smtps', async () => {
    const r = await t.run([banner(465, fixture('postfix-debian.txt'), { tls: true })]);
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ service: 'smtps', product: 'Postfix' });
  });
});
