/**
 * The IMAP and POP3 readers (src/imap.ts, src/pop3.ts) over conversations
 * captured from Dovecot and over hostile bytes that must give null or what
 * arrived, bounded, never a trap.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { byteReader, readsAs } from '../../../sdk/testing/reader-table.ts';

const mod: AsModule = await instantiateAs(await compileAs('plugins/mail/src/__tests__/unit.ts'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const imap = byteReader<Record<string, unknown>>(mod, 'imap');
const pop3 = byteReader<Record<string, unknown>>(mod, 'pop3');

describe('mail: IMAP', () => {
  it('Dovecot 2.3.19 greeting + a1 CAPABILITY + a2 LOGOUT: the CAPABILITY response wins over the greeting code', () => {
    expect(imap(fixture('dovecot-2.3.19-imap-capability.txt'))).toEqual({
      status: 'OK',
      text: 'Dovecot (Debian) ready.',
      capabilities: ['IMAP4REV1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'LITERAL+', 'STARTTLS', 'AUTH=PLAIN'],
      from_response: true,
      auth: ['PLAIN'],
    });
  });

  const CASES: Array<[string, string, Record<string, unknown> | null]> = [
    ['greeting alone: capabilities from its response code', '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n', { status: 'OK', text: 'ready', capabilities: ['IMAP4REV1', 'STARTTLS', 'LOGINDISABLED'], from_response: false }],
    ['PREAUTH (RFC 9051 §7.1.4)', '* PREAUTH IMAP4rev1 server logged in as admin\r\n', { status: 'PREAUTH', capabilities: [] }],
    ['BYE on connect', '* BYE Too many connections\r\n', { status: 'BYE', text: 'Too many connections' }],
    ['another response code', '* OK [ALERT] System going down\r\n', { text: 'System going down', capabilities: [] }],
    ['an unclosed bracket keeps the text', '* OK [CAPABILITY IMAP4rev1 cut', { text: '[CAPABILITY IMAP4rev1 cut', capabilities: [] }],
    ['lower-case status', '* ok hello\r\n', { status: 'OK' }],
    ['a tagged line is not a greeting', 'a1 OK done\r\n', null],
    ['* NO is not a greeting', '* NO go away\r\n', null],
    ['POP3', '+OK Dovecot ready.\r\n', null],
    ['empty', '', null],
  ];
  readsAs(imap, CASES);

  it('caps 200 capabilities at 64 of at most 64 characters', () => {
    const caps = Array.from({ length: 200 }, (_, i) => `X-${i}${'q'.repeat(i % 2 ? 100 : 10)}`).join(' ');
    const r = imap(`* OK [CAPABILITY ${caps}] hi\r\n`)!;
    expect(r.capabilities).toHaveLength(64);
    expect((r.capabilities as string[]).every((c) => c.length <= 64)).toBe(true);
  });

  it('reads only the first 16 KiB: a greeting whose code never closes there keeps no capabilities', () => {
    const caps = Array.from({ length: 10_000 }, (_, i) => `X-${i}`).join(' ');
    expect(imap(`* OK [CAPABILITY ${caps}] hi\r\n`)).toMatchObject({ status: 'OK', capabilities: [] });
  });
});

describe('mail: POP3', () => {
  it('Dovecot 2.3.19 greeting + CAPA + QUIT', () => {
    expect(pop3(fixture('dovecot-2.3.19-pop3-capa.txt'))).toEqual({
      text: 'Dovecot (Debian) ready.',
      apop: false,
      capa_answered: true,
      capa_ok: true,
      capabilities: ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'STLS', 'USER', 'SASL PLAIN'],
      implementation: '',
      sasl: ['PLAIN'],
      complete: true,
    });
  });

  const CASES: Array<[string, Buffer | string, Record<string, unknown> | null]> = [
    ['IMPLEMENTATION and SASL (RFC 2449 §6.3, §6.9)', fixture('cyrus-pop3-capa-implementation.txt'), { implementation: 'Cyrus POP3 v2.4.17', sasl: ['PLAIN', 'LOGIN'], complete: true }],
    ['APOP timestamp (RFC 1939 §7)', fixture('qpopper.txt'), { apop: true, capa_answered: false }],
    ['CAPA refused', fixture('pop3-no-capa.txt'), { capa_answered: true, capa_ok: false, capabilities: [] }],
    ['a CAPA list cut by the read', '+OK hi\r\n+OK\r\nTOP\r\nUI', { capabilities: ['TOP', 'UI'], complete: false }],
    ['bare +OK', '+OK\r\n', { text: '' }],
    ['-ERR greeting', '-ERR go away\r\n', null],
    ['+OKAY is not +OK', '+OKAY\r\n', null],
    ['IMAP', '* OK ready\r\n', null],
  ];
  readsAs(pop3, CASES);

  it('caps a CAPA list that never ends at 64 lines of at most 96 characters', () => {
    const r = pop3('+OK hi\r\n+OK\r\n' + `X-${'c'.repeat(120)}\r\n`.repeat(5000))!;
    expect(r.capabilities).toHaveLength(64);
    expect(r.complete).toBe(false);
    expect((r.capabilities as string[]).every((c) => c.length <= 96)).toBe(true);
  });
});
