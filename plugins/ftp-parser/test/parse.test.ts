/**
 * The FTP conversation reader (src/parse.ts, src/replies.ts) over
 * conversations captured from vsftpd (greeting, FEAT, SYST, QUIT) and over
 * hostile replies that must give null or what arrived whole, never a trap.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { byteReader, readsAs } from '../../../sdk/testing/reader-table.ts';

const mod: AsModule = await instantiateAs(await compileAs('plugins/ftp-parser/src/__tests__/unit.ts'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));

interface Reply {
  code: number;
  lines: string[];
  complete: boolean;
}
interface Conversation {
  greeting: Reply;
  feat?: Reply;
  feat_supported?: boolean;
  features?: string[];
  syst?: Reply;
  system?: string;
}

const read = byteReader<Conversation>(mod, 'conversation');

describe('ftp-parser conversation: captured from vsftpd 3.0.3', () => {
  it('anonymous vsftpd: FEAT lists eight features, SYST before login is refused (530)', () => {
    const c = read(fixture('vsftpd-3.0.3-feat-syst.txt'))!;
    expect(c.greeting).toEqual({ code: 220, lines: ['(vsFTPd 3.0.3)'], complete: true });
    expect(c.feat_supported).toBe(true);
    expect(c.features).toEqual(['EPRT', 'EPSV', 'MDTM', 'PASV', 'REST STREAM', 'SIZE', 'TVFS']);
    expect(c.syst).toMatchObject({ code: 530, complete: true });
    expect(c.system).toBe('');
  });

  it('vsftpd with ssl_enable: AUTH TLS, PBSZ and PROT (RFC 4217) among the features', () => {
    const c = read(fixture('vsftpd-3.0.3-tls-feat.txt'))!;
    expect(c.greeting.lines).toEqual(['Welcome to the pentora test FTP service.']);
    expect(c.features).toEqual(['AUTH TLS', 'EPRT', 'EPSV', 'MDTM', 'PASV', 'PBSZ', 'PROT', 'REST STREAM', 'SIZE', 'TVFS']);
    // This capture sent FEAT then QUIT (no SYST): the third reply is QUIT's 221.
    expect(c.syst).toMatchObject({ code: 221 });
    expect(c.system).toBe('');
  });
});

describe('ftp-parser conversation: written from RFC 959 / RFC 2389', () => {
  const CASES: Array<[string, string, Partial<Conversation> | null]> = [
    ['a greeting alone (passive read)', '220 (vsFTPd 3.0.5)\r\n', { greeting: { code: 220, lines: ['(vsFTPd 3.0.5)'], complete: true } }],
    ['FEAT unknown to the server (500)', '220 ready\r\n500 Unknown command.\r\n215 UNIX Type: L8\r\n', { feat_supported: false, features: [], system: 'UNIX Type: L8' }],
    ['a single-line 211 (no features)', '220 ready\r\n211 No features\r\n', { feat_supported: true, features: [] }],
    // IIS prefixes nothing and indents features; SYST says Windows_NT.
    ['IIS-style FEAT and SYST', '220 Microsoft FTP Service\r\n211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n PBSZ\r\n PROT C;P;\r\n CCC\r\n HOST\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n211 END\r\n215 Windows_NT\r\n',
      { features: ['LANG EN*', 'UTF8', 'AUTH TLS;TLS-C;SSL;TLS-P;', 'PBSZ', 'PROT C;P;', 'CCC', 'HOST', 'SIZE', 'MDTM', 'REST STREAM'], system: 'Windows_NT' }],
    ['features with "211-" prefixes', '220 x\r\n211-Features:\r\n211-MDTM\r\n211-SIZE\r\n211 End\r\n', { features: ['MDTM', 'SIZE'] }],
    ['a FEAT reply cut short keeps the features so far', '220 x\r\n211-Features:\r\n MDTM\r\n SI', { features: ['MDTM', 'SI'], feat: { code: 211, lines: ['Features:', ' MDTM', ' SI'], complete: false } }],
    ['not replies', 'SSH-2.0-OpenSSH_9.2p1\r\n', null],
    ['empty', '', null],
  ];

  readsAs(read, CASES);

  it('caps a FEAT list of 5 000 features at 63 (a reply is read to 64 lines), each at 96 characters', () => {
    const text = '220 x\r\n211-Features:\r\n' + Array.from({ length: 5000 }, (_, i) => ` F${i}${'z'.repeat(200)}\r\n`).join('') + '211 End\r\n';
    const c = read(text)!;
    expect(c.features).toHaveLength(63);
    expect(c.feat!.complete).toBe(false);
    expect(c.features!.every((f) => f.length <= 96)).toBe(true);
  });

  it('stops at a garbage line between replies and never reads past three replies', () => {
    expect(read('220 a\r\n\x00\xff junk\r\n211 b\r\n')).toEqual({ greeting: { code: 220, lines: ['a'], complete: true } });
    const c = read('220 a\r\n500 b\r\n530 c\r\n221 d\r\n')!;
    expect(c.syst!.code).toBe(530);
  });
});
