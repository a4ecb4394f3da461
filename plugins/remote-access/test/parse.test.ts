/**
 * The Telnet (RFC 854/855), RFB (RFC 6143) and rsync daemon readers over
 * bytes captured from inetutils telnetd 2.4, TigerVNC 1.12 and rsync 3.5.0,
 * and over hostile input that must give null or a bounded reading.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { byteReader, readsAs } from '../../../sdk/testing/reader-table.ts';

const mod: AsModule = await instantiateAs(await compileAs('plugins/remote-access/src/__tests__/unit.ts'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const telnet = byteReader<Record<string, unknown>>(mod, 'telnet');
const rfb = byteReader<Record<string, unknown>>(mod, 'rfb');
const rsync = byteReader<Record<string, unknown>>(mod, 'rsync');
const IAC = 255;

describe('remote-access: Telnet', () => {
  it('inetutils telnetd 2.4 on connect: WILL AUTHENTICATION, WILL ENCRYPT, then five DOs', () => {
    expect(telnet(fixture('inetutils-telnetd-2.4-passive.bin'))).toEqual({
      options: ['WILL AUTHENTICATION', 'WILL ENCRYPT', 'DO TERMINAL-TYPE', 'DO TERMINAL-SPEED', 'DO X-DISPLAY-LOCATION', 'DO NEW-ENVIRON', 'DO ENVIRON'],
      commands: 7,
      lines: [],
      login_prompt: false,
    });
  });

  it('inetutils telnetd 2.4 after a client that refuses every option: its banner and login prompt', () => {
    const r = telnet(fixture('inetutils-telnetd-2.4-refuse-all.bin'))!;
    expect(r.lines).toEqual([expect.stringMatching(/^Linux \S+ \(localhost\) \(pts\/0\)$/), 'vm login:']);
    expect(r.login_prompt).toBe(true);
    expect(r.options).toContain('WILL ECHO');
    expect(r.options).toContain('DO NAWS');
  });

  const CASES: Array<[string, Buffer | string, Record<string, unknown> | null]> = [
    ['subnegotiation skipped to IAC SE', Buffer.from([IAC, 250, 24, 1, IAC, 240, ...Buffer.from('Debian GNU/Linux 12\r\n')]), { options: [], commands: 1, lines: ['Debian GNU/Linux 12'] }],
    ['IAC IAC is a data byte', Buffer.from([0x41, IAC, IAC, 0x42]), { lines: ['A.B'] }],
    ['a lone IAC at the end', Buffer.from([IAC, 251, 1, IAC]), { options: ['WILL ECHO'] }],
    ['IAC WILL without its option', Buffer.from([IAC, 251]), { options: [], commands: 1 }],
    ['an option past the named ones', Buffer.from([IAC, 253, 200]), { options: ['DO OPTION-200'] }],
    ['EXOPL', Buffer.from([IAC, 251, 255]), { options: ['WILL EXTENDED-OPTIONS-LIST'] }],
    ['RFC 854 CR NUL', Buffer.from('User Access Verification\r\0\r\nUsername: '), { lines: ['User Access Verification', 'Username:'], login_prompt: true }],
    ['a subnegotiation that never ends', Buffer.concat([Buffer.from([IAC, 250, 24]), Buffer.alloc(65536, 0x41)]), { options: [], lines: [] }],
    ['nothing', '', null],
  ];
  readsAs(telnet, CASES);

  it('bounds 64 KiB of negotiation and text: 32 options, 16 lines of 256 characters', () => {
    const neg = Buffer.from(Array.from({ length: 5000 }, (_, i) => [IAC, 253, i % 40]).flat());
    const text = Buffer.from(('x'.repeat(1000) + '\r\n').repeat(40));
    const r = telnet(Buffer.concat([neg, text]))!;
    expect(r.options).toHaveLength(32);
    expect(r.commands).toBe(5000);
    expect((r.lines as string[]).length).toBeLessThanOrEqual(16);
    expect((r.lines as string[]).every((l) => l.length <= 256)).toBe(true);
  });
});

describe('remote-access: RFB', () => {
  it('TigerVNC 1.12 ProtocolVersion alone (passive)', () => {
    expect(rfb(fixture('tigervnc-1.12-version.bin'))).toMatchObject({ version: '003.008', major: 3, minor: 8, answered: false, security: [] });
  });
  it('TigerVNC 1.12 with SecurityTypes None: type 1, anyone may connect', () => {
    expect(rfb(fixture('tigervnc-1.12-security-none.bin'))).toMatchObject({ answered: true, codes: [1], security: ['None'] });
  });
  it('TigerVNC 1.12 with VncAuth,TLSVnc: VeNCrypt (19) and VNC Authentication (2)', () => {
    expect(rfb(fixture('tigervnc-1.12-security-vencrypt-vncauth.bin'))).toMatchObject({ codes: [19, 2], security: ['VeNCrypt', 'VNC Authentication'] });
  });

  const CASES: Array<[string, Buffer | string, Record<string, unknown> | null]> = [
    ['Apple Remote Desktop 3.889 with its types', Buffer.concat([Buffer.from('RFB 003.889\n'), Buffer.from([2, 30, 2])]), { version: '003.889', minor: 889, codes: [30, 2] }],
    // RFC 6143 §7.1.2: zero types, then the reason.
    ['a refusal with its reason', Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([0, 0, 0, 0, 26]), Buffer.from('Too many security failures')]), { codes: [], failure: 'Too many security failures' }],
    ['a refusal whose length lies', Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([0, 0xff, 0xff, 0xff, 0xff]), Buffer.from('x'.repeat(1000))]), { failure: 'x'.repeat(256) }],
    // RFB 3.3: the server picks the type (u32).
    ['RFB 3.3 server-chosen type', Buffer.concat([Buffer.from('RFB 003.003\n'), Buffer.from([0, 0, 0, 2])]), { codes: [2], security: ['VNC Authentication'] }],
    ['a type list cut by the read', Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([5, 1, 2])]), { codes: [1, 2] }],
    ['not zero-padded', 'RFB 3.8\n    ', null],
    ['no newline', 'RFB 003.008 ', null],
    ['HTTP', 'HTTP/1.1 400 Bad Request\r\n', null],
    ['short', 'RFB 003', null],
  ];
  readsAs(rfb, CASES);
});

describe('remote-access: rsync', () => {
  it('rsync 3.5.0 greeting and motd (passive)', () => {
    expect(rsync(fixture('rsync-3.5.0-greeting-motd.txt'))).toMatchObject({
      protocol: '32.0', major: 32, digests: ['sha512', 'sha256', 'sha1', 'md5', 'md4'], motd: ['Welcome to the pentora rsync test mirror'], modules: [], listed: false,
    });
  });
  it('rsync 3.5.0 after "@RSYNCD: 31.0" and "#list": two modules, then EXIT', () => {
    expect(rsync(fixture('rsync-3.5.0-list.txt'))).toMatchObject({
      modules: [{ name: 'pub', comment: 'Public mirror' }, { name: 'backup', comment: 'nightly backups' }], listed: true,
    });
  });

  const CASES: Array<[string, string, Record<string, unknown> | null]> = [
    ['protocol 30 without digests', '@RSYNCD: 30.0\n', { protocol: '30.0', major: 30, digests: [] }],
    ['an @ERROR after the greeting', '@RSYNCD: 31.0\n@ERROR: max connections (5) reached -- try again later\n', { error: '@ERROR: max connections (5) reached -- try again later' }],
    ['CRLF line ends', '@RSYNCD: 31.0\r\npub\tPublic\r\n@RSYNCD: EXIT\r\n', { modules: [{ name: 'pub', comment: 'Public' }], listed: true }],
    ['not a version', '@RSYNCD: hello\n', null],
    ['a version of five digits', '@RSYNCD: 12345.0\n', null],
    ['no prefix', 'RSYNCD: 31.0\n', null],
  ];
  readsAs(rsync, CASES);

  it('caps 5 000 modules at 64', () => {
    const r = rsync('@RSYNCD: 31.0\n' + Array.from({ length: 5000 }, (_, i) => `m${i}\tc${i}\n`).join('') + '@RSYNCD: EXIT\n')!;
    expect(r.modules).toHaveLength(64);
  });
});
