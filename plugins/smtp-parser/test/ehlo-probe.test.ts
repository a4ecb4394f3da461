/**
 * The smtp-ehlo probe in the sandbox: against a conversation replayed from
 * Postfix 3.7.11 (Debian 12), and a written Exchange one whose extensions add
 * an Exchange fingerprint behind the IIS-style greeting.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import type { Rec } from '../../../sdk/testing/parser-table.ts';
import { stepSends } from '../../../sdk/testing/sent.ts';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const step = (i: number) => fixture(`postfix-3.7.11-debian12-ehlo.step${i}.txt`);
const HOST = '192.0.2.41';
const { banner } = bannersAt(HOST);
const EHLO = 'EHLO pentora.invalid\r\n';

describe('smtp-parser: the smtp-ehlo follow-up', () => {
  it('Postfix: sends EHLO then QUIT and writes the extensions', async () => {
    const r = await runPlugin({
      plugin: 'plugins/smtp-parser',
      context: { banners: [banner(25, step(0))] },
      tcp: [{ host: HOST, port: 25, steps: [{ data: step(0) }, { whenSent: EHLO, data: step(1) }, { whenSent: 'QUIT\r\n', data: step(2) }] }],
    });
    expect(r.state, r.error).toBe('done');
    const [p] = r.probes.flat();
    expect(stepSends(p!)).toEqual(['', EHLO, 'QUIT\r\n']);
    const f = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(f).toMatchObject({ probe: 'smtp-ehlo', hostname: 'mail.pentora.test', ehlo: true, ehlo_greeting: 'mail.pentora.test', starttls: true, size_limit: 10240000 });
    expect(f.extensions).toEqual(['PIPELINING', 'SIZE 10240000', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING']);
    expect(f.auth_mechanisms).toBeUndefined();
    // Postfix shows no version: none is invented.
    expect(r.written.service_fingerprints).toEqual([expect.objectContaining({ product: 'Postfix', os_hint: 'Debian', confidence: 90 })]);
    expect((r.written.service_fingerprints as Rec[])[0]!.version).toBeUndefined();
  });

  it('Exchange: XEXCH50-style extensions add a Microsoft Exchange Server print', async () => {
    const conv = fixture('exchange-ehlo.txt').toString('latin1');
    const greeting = conv.slice(0, conv.indexOf('\r\n') + 2);
    const ehlo = conv.slice(greeting.length, conv.indexOf('221 '));
    const r = await runPlugin({
      plugin: 'plugins/smtp-parser',
      context: { banners: [banner(25, greeting)] },
      tcp: [{ host: HOST, port: 25, steps: [{ data: greeting }, { whenSent: EHLO, data: ehlo }, { whenSent: 'QUIT\r\n', data: '221 2.0.0 Service closing transmission channel\r\n' }] }],
    });
    expect(r.state, r.error).toBe('done');
    const prints = (r.written.service_fingerprints as Rec[]).map((p) => [p.product, p.cpe, p.os_hint]);
    expect(prints).toEqual([
      ['Microsoft ESMTP MAIL Service', undefined, 'Windows'],
      ['Microsoft Exchange Server', 'cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*', 'Windows'],
    ]);
    expect((r.written.parsed_services as Rec[])[0]!.fields).toMatchObject({ auth_mechanisms: ['NTLM'], starttls: true });
  });

  it('sends nothing with network false', async () => {
    const r = await runPlugin({ plugin: 'plugins/smtp-parser', network: false, context: { banners: [banner(25, step(0))] } });
    expect(r.probes.flat()).toHaveLength(0);
    expect(((r.written.parsed_services as Rec[])[0]!.fields as Rec).ehlo).toBeUndefined();
  });
});
