/**
 * The five protocol-family plugins of this group (ssh-parser, ftp-parser,
 * smtp-parser, mail, remote-access) through the real host: node `net`
 * servers on 127.0.0.1 replay conversations captured from OpenSSH, vsftpd,
 * Postfix, Dovecot, inetutils telnetd, TigerVNC and rsync; a scan with the
 * connect scanner, the banner grabber and these plugins names each one, and
 * the follow-ups (ssh-kexinit, ftp-feat, smtp-ehlo, imap-capability,
 * pop3-capa, vnc-security, rsync-list) reach the servers over real sockets.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../host/scan.ts';
import { scanLoopback, type LoopbackScan } from '../../../sdk/testing/live-host.ts';
import { pluginFixture as fixture, replayServers, type ReplayServers, type ReplaySpec } from '../../../sdk/testing/replay-servers.ts';

const kex = fixture('ssh-parser', 'openssh-9.2p1-debian12-kexinit.bin');
const identEnd = kex.indexOf(0x0a) + 1;
const steps = (dir: string, base: string, n: number, ext = 'txt') => Array.from({ length: n }, (_, i) => fixture(dir, `${base}.step${i}.${ext}`));
const [ftp0, ftp1, ftp2, ftp3] = steps('ftp-parser', 'vsftpd-3.0.3-feat-syst', 4);
const [smtp0, smtp1, smtp2] = steps('smtp-parser', 'postfix-3.7.11-debian12-ehlo', 3);
const [imap0, imap1, imap2] = steps('mail', 'dovecot-2.3.19-imap-capability', 3);
const [pop0, pop1, pop2] = steps('mail', 'dovecot-2.3.19-pop3-capa', 3);

const SPECS: ReplaySpec[] = [
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
  let servers: ReplayServers;
  let scan: LoopbackScan | undefined;
  let result: ScanResult;

  beforeAll(async () => {
    servers = await replayServers(SPECS);
    scan = await scanLoopback({
      tag: 'remote',
      plugins: ['tcp-connect-scanner', 'banner-grabber', 'ssh-parser', 'ftp-parser', 'smtp-parser', 'mail', 'remote-access'],
      ports: servers.ports(),
    });
    result = scan.result;
  }, 120_000);

  afterAll(async () => {
    await servers?.close();
    scan?.cleanup();
  });

  const server = (name: string) => servers.get(name);
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
