/**
 * The SMTP conversation reader (src/parse.ts, src/replies.ts): greeting and
 * EHLO reply (RFC 5321 §4.1.1.1) captured from Postfix, written from
 * public transcripts of Exchange, Exim and Sendmail, and hostile replies.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { byteReader, readsAs } from '../../../sdk/testing/reader-table.ts';

const mod: AsModule = await instantiateAs(await compileAs('plugins/smtp-parser/src/__tests__/unit.ts'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));

interface Ehlo {
  code: number;
  ok: boolean;
  greeting: string;
  extensions: string[];
  keywords: string[];
  auth: string[];
  size: number;
  starttls: boolean;
}
interface Conversation {
  code: number;
  greeting: string[];
  ehlo?: Ehlo;
}

/** What a case expects: any part of the reading. */
type Want = Omit<Partial<Conversation>, 'ehlo'> & { ehlo?: Partial<Ehlo> };

const read = byteReader<Conversation>(mod, 'conversation');

describe('smtp-parser EHLO: conversations', () => {
  const CASES: Array<[string, Want]> = [
    ['postfix-3.7.11-debian12-ehlo.txt', {
      code: 220, greeting: ['mail.pentora.test ESMTP Postfix (Debian/GNU)'],
      ehlo: { ok: true, greeting: 'mail.pentora.test', keywords: ['PIPELINING', 'SIZE', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'], auth: [], size: 10240000, starttls: true },
    }],
    ['exchange-ehlo.txt', {
      ehlo: { ok: true, greeting: 'EXCH01.contoso.local Hello [192.0.2.99]', auth: ['NTLM'], size: 37748736, starttls: true },
    }],
    ['exim-ehlo.txt', {
      ehlo: { greeting: 'mx.example.com Hello pentora.invalid [192.0.2.99]', auth: ['PLAIN', 'LOGIN'], size: 52428800, starttls: true },
    }],
    // The pre-standard "AUTH=LOGIN PLAIN" line and the RFC 4954 one name the same mechanisms once; SIZE without a limit is 0.
    ['sendmail-anonymised-ehlo.txt', {
      ehlo: { greeting: 'mail.example.com Hello [192.0.2.99], pleased to meet you', auth: ['LOGIN', 'PLAIN', 'DIGEST-MD5', 'CRAM-MD5'], size: 0, starttls: true },
    }],
  ];

  it.each(CASES)('%s', (file, want) => {
    expect(read(fixture(file))).toMatchObject(want);
  });

  it('keeps the extension lines as sent (Exchange: X-EXPS GSSAPI NTLM)', () => {
    const e = read(fixture('exchange-ehlo.txt'))!.ehlo!;
    expect(e.extensions).toContain('X-EXPS GSSAPI NTLM');
    expect(e.keywords).toEqual(['SIZE', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', 'STARTTLS', 'X-ANONYMOUSTLS', 'AUTH', 'X-EXPS', '8BITMIME', 'BINARYMIME', 'CHUNKING', 'XRDST', 'XSHADOWREQUEST']);
  });
});

describe('smtp-parser EHLO: refusals and hostile input', () => {
  const CASES: Array<[string, string, Want | null]> = [
    ['a greeting alone', '220 mx ESMTP\r\n', { code: 220, greeting: ['mx ESMTP'] }],
    ['EHLO refused (an RFC 821-only server)', '220 mx SMTP\r\n502 5.5.2 Error: command not recognized\r\n', { ehlo: { ok: false, extensions: [], size: -1 } }],
    ['a 250 with the domain only', '220 mx\r\n250 mx.example.org\r\n', { ehlo: { ok: true, greeting: 'mx.example.org', extensions: [] } }],
    ['SIZE with a garbage limit', '220 mx\r\n250-mx\r\n250 SIZE 12abc\r\n', { ehlo: { size: 0 } }],
    ['SIZE past 18 digits', '220 mx\r\n250-mx\r\n250 SIZE 9999999999999999999999\r\n', { ehlo: { size: 0 } }],
    ['not SMTP', '* OK IMAP4rev1 ready\r\n', null],
  ];

  readsAs(read, CASES);

  it('caps 5 000 extensions at 63 (a reply is read to 64 lines) and 5 000 AUTH mechanisms at 16', () => {
    const many = '220 mx\r\n250-mx\r\n' + Array.from({ length: 5000 }, (_, i) => `250-X${i} ${'p'.repeat(300)}\r\n`).join('') + '250 HELP\r\n';
    const e = read(many)!.ehlo!;
    expect(e.extensions).toHaveLength(63);
    expect(e.extensions.every((x) => x.length <= 128)).toBe(true);
    const auth = '220 mx\r\n250-mx\r\n250 AUTH ' + Array.from({ length: 5000 }, (_, i) => `M${i}`).join(' ') + '\r\n';
    expect(read(auth)!.ehlo!.auth).toHaveLength(16);
  });
});
