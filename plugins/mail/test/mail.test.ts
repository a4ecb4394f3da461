/**
 * pentora/mail in the sandbox: greetings captured from Dovecot and written
 * from public transcripts of other servers (test/fixtures/README.md), what is
 * not IMAP or POP3, and the CAPABILITY / CAPA follow-ups against canned
 * conversations replayed from Dovecot.
 */

import { describe, expect, it } from 'vitest';
import { capturedPrints, type PrintCase } from '../../../sdk/testing/captured-prints.ts';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import { noise } from '../../../sdk/testing/hostile.ts';
import { ParserTable, cpe, type BannerData, type Rec } from '../../../sdk/testing/parser-table.ts';
import { stepSends } from '../../../sdk/testing/sent.ts';

const t = new ParserTable({ plugin: 'plugins/mail', host: '192.0.2.50', probe: 'passive', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case extends PrintCase {
  service: 'imap' | 'pop3';
}

const DOVECOT = cpe('dovecot', 'dovecot');
const EXCHANGE = (v = '*') => cpe('microsoft', 'exchange_server', v);
const CASES: Case[] = [
  { file: 'dovecot-2.3.19-imap-capability.step0.txt', service: 'imap', product: 'Dovecot', cpe: DOVECOT, os_hint: 'Debian', confidence: 85, fields: { status: 'OK', starttls: true, auth_mechanisms: ['PLAIN'] } },
  { file: 'courier-imap.txt', service: 'imap', product: 'Courier-IMAP', confidence: 85 },
  { file: 'cyrus-imap-debian.txt', service: 'imap', product: 'Cyrus IMAP', version: '3.4.3', os_hint: 'Debian', confidence: 90 },
  { file: 'uw-imap.txt', service: 'imap', product: 'UW IMAP', version: '2007f.404', confidence: 90, fields: { login_disabled: true } },
  { file: 'exchange-imap.txt', service: 'imap', product: 'Microsoft Exchange Server', cpe: EXCHANGE(), os_hint: 'Windows', confidence: 85 },
  { file: 'exchange-2003-imap.txt', service: 'imap', product: 'Microsoft Exchange Server', version: '2003', cpe: EXCHANGE('2003'), os_hint: 'Windows', confidence: 90, fields: { build: '6.5.7638.1' } },
  { file: 'zimbra-imap.txt', service: 'imap', product: 'Zimbra Collaboration', confidence: 85 },
  { file: 'imap-preauth.txt', service: 'imap', confidence: 60, fields: { status: 'PREAUTH' } },
  { file: 'imap-bye.txt', service: 'imap', confidence: 60, fields: { status: 'BYE' } },
  { file: 'dovecot-2.3.19-pop3-capa.step0.txt', service: 'pop3', product: 'Dovecot', cpe: DOVECOT, os_hint: 'Debian', confidence: 85, fields: { apop: false } },
  { file: 'courier-pop3.txt', service: 'pop3', product: 'Courier-POP3', confidence: 70 },
  { file: 'cyrus-pop3.txt', service: 'pop3', product: 'Cyrus IMAP', version: '2.4.17', confidence: 90, fields: { apop: true } },
  { file: 'uw-pop3.txt', service: 'pop3', product: 'UW IMAP', version: '2007f.104', confidence: 90 },
  { file: 'exchange-pop3.txt', service: 'pop3', product: 'Microsoft Exchange Server', cpe: EXCHANGE(), os_hint: 'Windows', confidence: 85 },
  { file: 'qpopper.txt', service: 'pop3', product: 'Qpopper', version: '4.1.0', cpe: cpe('qualcomm', 'qpopper', '4.1.0'), confidence: 90 },
  { file: 'generic-pop3.txt', service: 'pop3', confidence: 60 },
  // A greeting that hides the product; CAPA's IMPLEMENTATION names it.
  { file: 'cyrus-pop3-capa-implementation.txt', service: 'pop3', product: 'Cyrus IMAP', version: '2.4.17', confidence: 90, fields: { implementation: 'Cyrus POP3 v2.4.17', starttls: true, user_login: true } },
];

describe('mail: greetings', () => {
  capturedPrints(t, CASES, 11000, 'greeting');

  it('names implicit-TLS greetings imaps and pop3s', async () => {
    const r = await t.run([banner(993, fixture('dovecot-2.3.19-imap-capability.step0.txt'), { tls: true }), banner(995, fixture('dovecot-2.3.19-pop3-capa.step0.txt'), { tls: true })]);
    expect((r.written.service_fingerprints as Rec[]).map((p) => p.service)).toEqual(['imaps', 'pop3s']);
  });
});

describe('mail: not mail, and hostile input', () => {
  const NEGATIVE: Array<[string, BannerData]> = [
    ['an SMTP greeting', fixture('not-mail-smtp.txt')],
    ['an FTP greeting', fixture('not-mail-ftp.txt')],
    ['an SSH identification string', fixture('not-mail-ssh.txt')],
    ['a POP3 -ERR', '-ERR [SYS/TEMP] busy\r\n'],
    ['an empty banner', ''],
    ['64 KiB of noise', noise(65536, 143)],
  ];
  t.yieldsNothing(NEGATIVE, 143);

  it('bounds a 64 KiB greeting line', async () => {
    const r = await t.run([banner(143, '* OK ' + 'z'.repeat(65536))]);
    expect(r.state, r.error).toBe('done');
    expect(String(t.fieldsAt(r, 143).greeting).length).toBeLessThanOrEqual(512);
  });
});

describe('mail: follow-ups against conversations replayed from Dovecot 2.3.19', () => {
  const step = (f: string) => fixture(f);
  const run = () =>
    runPlugin({
      plugin: 'plugins/mail',
      context: { banners: [banner(143, step('dovecot-2.3.19-imap-capability.step0.txt')), banner(110, step('dovecot-2.3.19-pop3-capa.step0.txt'))] },
      tcp: [
        { port: 143, steps: [{ data: step('dovecot-2.3.19-imap-capability.step0.txt') }, { whenSent: 'a1 CAPABILITY\r\n', data: step('dovecot-2.3.19-imap-capability.step1.txt') }, { whenSent: 'a2 LOGOUT\r\n', data: step('dovecot-2.3.19-imap-capability.step2.txt') }] },
        { port: 110, steps: [{ data: step('dovecot-2.3.19-pop3-capa.step0.txt') }, { whenSent: 'CAPA\r\n', data: step('dovecot-2.3.19-pop3-capa.step1.txt') }, { whenSent: 'QUIT\r\n', data: step('dovecot-2.3.19-pop3-capa.step2.txt') }] },
      ],
    });

  it('sends each protocol its own commands: CAPABILITY + LOGOUT to IMAP, CAPA + QUIT to POP3', async () => {
    const r = await run();
    expect(r.state, r.error).toBe('done');
    const sent = r.probes.flat().map((p) => ({ port: p.port, sends: stepSends(p).filter((s) => s.length > 0) }));
    expect(sent).toContainEqual({ port: 143, sends: ['a1 CAPABILITY\r\n', 'a2 LOGOUT\r\n'] });
    expect(sent).toContainEqual({ port: 110, sends: ['CAPA\r\n', 'QUIT\r\n'] });
    // Each follow-up goes to its own protocol only (afterParse(["imap"]) / (["pop3"])).
    expect(sent).toHaveLength(2);
  });

  it('writes the capabilities the follow-ups read, with the probe as evidence', async () => {
    const r = await run();
    expect(t.fieldsAt(r, 143)).toMatchObject({ probe: 'imap-capability', capabilities: ['IMAP4REV1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'LITERAL+', 'STARTTLS', 'AUTH=PLAIN'] });
    expect(t.fieldsAt(r, 110)).toMatchObject({ capa: true, starttls: true, user_login: true, auth_mechanisms: ['PLAIN'] });
    const prints = r.written.service_fingerprints as Rec[];
    expect(prints.map((p) => [p.port, p.service, p.product, p.confidence])).toEqual([
      [143, 'imap', 'Dovecot', 95],
      [110, 'pop3', 'Dovecot', 95],
    ]);
    expect((prints[0]!.extra as Rec).evidence).toEqual(['banner', 'probe:imap-capability', 'port-hint']);
  });

  it('sends nothing with network false (pentora fingerprint)', async () => {
    const r = await runPlugin({ plugin: 'plugins/mail', network: false, context: { banners: [banner(143, step('dovecot-2.3.19-imap-capability.step0.txt'))] } });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    expect(t.fieldsAt(r, 143)).toMatchObject({ probe: 'passive' });
  });
});
