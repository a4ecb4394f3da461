/**
 * The five protocol-family plugins of this group (ssh-parser, ftp-parser,
 * smtp-parser, mail, remote-access) through the real host: node `net`
 * servers on 127.0.0.1 replay conversations captured from OpenSSH, vsftpd,
 * Postfix, Dovecot, inetutils telnetd, TigerVNC and rsync; a scan with the
 * connect scanner, the banner grabber and these plugins names each one, and
 * the follow-ups (ssh-kexinit, ftp-feat, smtp-ehlo, imap-capability,
 * pop3-capa, vnc-security, rsync-list) reach the servers over real sockets.
 */

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../host/config/config.ts';
import { BUILTIN_PLUGINS_DIR, Catalog } from '../../../host/engine/catalog.ts';
import { runScan, type ScanResult } from '../../../host/scan.ts';
import { loadTrustStore } from '../../../host/trust/default-store.ts';

const fixture = (dir: string, name: string): Buffer => fs.readFileSync(path.join(BUILTIN_PLUGINS_DIR, dir, 'test', 'fixtures', name));

/** A server that greets with `greeting` (if any), then answers each chunk holding a trigger with its reply (and closes after `closeAfter`). */
interface Replay {
  name: string;
  greeting?: Buffer;
  answers: Array<[string, Buffer]>;
  closeAfter?: string;
}

function serve(spec: Replay): Promise<{ name: string; port: number; server: net.Server; sockets: Set<net.Socket>; heard: string[] }> {
  const sockets = new Set<net.Socket>();
  const heard: string[] = [];
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    if (spec.greeting) sock.write(spec.greeting);
    let seen = '';
    sock.on('data', (d) => {
      seen = (seen + d.toString('latin1')).slice(-65536);
      for (const [trigger, reply] of spec.answers) {
        if (!seen.includes(trigger)) continue;
        heard.push(trigger);
        sock.write(reply);
        seen = '';
        if (trigger === spec.closeAfter) sock.end();
        return;
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ name: spec.name, port: (server.address() as net.AddressInfo).port, server, sockets, heard })));
}

const kex = fixture('ssh-parser', 'openssh-9.2p1-debian12-kexinit.bin');
const identEnd = kex.indexOf(0x0a) + 1;
const steps = (dir: string, base: string, n: number, ext = 'txt') => Array.from({ length: n }, (_, i) => fixture(dir, `${base}.step${i}.${ext}`));
const [ftp0, ftp1, ftp2, ftp3] = steps('ftp-parser', 'vsftpd-3.0.3-feat-syst', 4);
const [smtp0, smtp1, smtp2] = steps('smtp-parser', 'postfix-3.7.11-debian12-ehlo', 3);
const [imap0, imap1, imap2] = steps('mail', 'dovecot-2.3.19-imap-capability', 3);
const [pop0, pop1, pop2] = steps('mail', 'dovecot-2.3.19-pop3-capa', 3);

const SPECS: Replay[] = [
  { name: 'ssh', greeting: kex.subarray(0, identEnd), answers: [['SSH-2.0-pentora_0.1\r\n', kex.subarray(identEnd)]] },
  { name: 'ftp', greeting: ftp0, answers: [['FEAT\r\n', ftp1!], ['SYST\r\n', ftp2!], ['QUIT\r\n', ftp3!]], closeAfter: 'QUIT\r\n' },
  { name: 'smtp', greeting: smtp0, answers: [['EHLO pentora.invalid\r\n', smtp1!], ['QUIT\r\n', smtp2!]], closeAfter: 'QUIT\r\n' },
  { name: 'imap', greeting: imap0, answers: [['a1 CAPABILITY\r\n', imap1!], ['a2 LOGOUT\r\n', imap2!]], closeAfter: 'a2 LOGOUT\r\n' },
  { name: 'pop3', greeting: pop0, answers: [['CAPA\r\n', pop1!], ['QUIT\r\n', pop2!]], closeAfter: 'QUIT\r\n' },
  { name: 'telnet', greeting: fixture('remote-access', 'inetutils-telnetd-2.4-passive.bin'), answers: [] },
  { name: 'vnc', greeting: fixture('remote-access', 'tigervnc-1.12-version.bin'), answers: [['RFB 003.008\n', fixture('remote-access', 'tigervnc-1.12-security-none.step1.bin')]] },
  { name: 'rsync', greeting: fixture('remote-access', 'rsync-3.5.0-greeting-motd.txt'), answers: [['#list\n', fixture('remote-access', 'rsync-3.5.0-list.step1.txt')]], closeAfter: '#list\n' },
];

describe('ssh, ftp, smtp, mail, remote-access: a real scan of replayed servers on 127.0.0.1', () => {
  const servers: Array<Awaited<ReturnType<typeof serve>>> = [];
  let ws: string;
  let plugins: string;
  let result: ScanResult;

  beforeAll(async () => {
    for (const spec of SPECS) servers.push(await serve(spec));
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-remote-ws-'));
    plugins = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-remote-plugins-'));
    for (const name of ['tcp-connect-scanner', 'banner-grabber', 'ssh-parser', 'ftp-parser', 'smtp-parser', 'mail', 'remote-access']) {
      fs.cpSync(path.join(BUILTIN_PLUGINS_DIR, name, 'dist'), path.join(plugins, name), { recursive: true });
    }
    const catalog = await Catalog.load({ trust: loadTrustStore(ws), roots: [{ path: plugins, source: 'builtin' }] });
    const d = defaultConfig(ws);
    result = await runScan({
      targets: ['127.0.0.1'],
      ports: servers.map((s) => s.port).join(','),
      scanTypes: ['connect'],
      config: { ...d, scan: { ...d.scan, read_timeout_ms: 1000 } },
      catalog,
      logger: pino({ level: 'silent' }),
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) {
      for (const sock of s.sockets) sock.destroy();
      await new Promise((r) => s.server.close(() => r(undefined)));
    }
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
    if (plugins) fs.rmSync(plugins, { recursive: true, force: true });
  });

  const server = (name: string) => servers.find((x) => x.name === name)!;
  const at = (name: string) => result.services.filter((s) => s.port === server(name).port);

  it('completes and names every server', () => {
    expect(result.state).toBe('completed');
    expect(at('ssh')[0]).toMatchObject({ service: 'ssh', product: 'OpenSSH', version: '9.2p1', os_hint: 'Debian' });
    expect(at('ftp')[0]).toMatchObject({ service: 'ftp', product: 'vsftpd', version: '3.0.3' });
    expect(at('smtp')[0]).toMatchObject({ service: 'smtp', product: 'Postfix', os_hint: 'Debian' });
    expect(at('imap')[0]).toMatchObject({ service: 'imap', product: 'Dovecot', os_hint: 'Debian' });
    expect(at('pop3')[0]).toMatchObject({ service: 'pop3', product: 'Dovecot', os_hint: 'Debian' });
    expect(at('telnet')[0]).toMatchObject({ service: 'telnet' });
    expect(at('vnc')[0]).toMatchObject({ service: 'vnc' });
    expect(at('rsync')[0]).toMatchObject({ service: 'rsync', product: 'rsync' });
  });

  it('ran every follow-up over a real socket', () => {
    expect(server('ssh').heard).toEqual(['SSH-2.0-pentora_0.1\r\n']);
    expect(server('ftp').heard).toEqual(['FEAT\r\n', 'SYST\r\n', 'QUIT\r\n']);
    expect(server('smtp').heard).toEqual(['EHLO pentora.invalid\r\n', 'QUIT\r\n']);
    expect(server('imap').heard).toEqual(['a1 CAPABILITY\r\n', 'a2 LOGOUT\r\n']);
    expect(server('pop3').heard).toEqual(['CAPA\r\n', 'QUIT\r\n']);
    expect(server('vnc').heard).toEqual(['RFB 003.008\n']);
    expect(server('rsync').heard).toEqual(['#list\n']);
    expect(server('telnet').heard).toEqual([]);
    for (const [name, probe] of [['ssh', 'ssh-kexinit'], ['ftp', 'ftp-feat'], ['smtp', 'smtp-ehlo'], ['imap', 'imap-capability'], ['pop3', 'pop3-capa'], ['vnc', 'vnc-security'], ['rsync', 'rsync-list']] as const) {
      expect(at(name)[0]!.evidence, name).toMatch(new RegExp(`^probe=${probe}; `));
    }
  });
});
