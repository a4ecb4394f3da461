/**
 * pentora/remote-access in the sandbox: passive reads captured from
 * inetutils telnetd, TigerVNC and rsyncd (and written ones, see
 * fixtures/README.md), what is not Telnet/VNC/rsync, and the vnc-security and
 * rsync-list follow-ups against conversations replayed from TigerVNC and rsync.
 */

import { describe, expect, it } from 'vitest';
import { capturedPrints, type PrintCase } from '../../../sdk/testing/captured-prints.ts';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import { ParserTable, cpe, type BannerData, type Rec } from '../../../sdk/testing/parser-table.ts';
import { sentBy } from '../../../sdk/testing/sent.ts';

const t = new ParserTable({ plugin: 'plugins/remote-access', host: '192.0.2.60', probe: 'passive', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case extends PrintCase {
  service: 'telnet' | 'vnc' | 'rsync';
}

const CASES: Case[] = [
  { file: 'inetutils-telnetd-2.4-passive.bin', service: 'telnet', confidence: 70, fields: { options: ['WILL AUTHENTICATION', 'WILL ENCRYPT', 'DO TERMINAL-TYPE', 'DO TERMINAL-SPEED', 'DO X-DISPLAY-LOCATION', 'DO NEW-ENVIRON', 'DO ENVIRON'], banner: [], login_prompt: false } },
  { file: 'inetutils-telnetd-2.4-refuse-all.bin', service: 'telnet', product: 'GNU inetutils telnetd', os_hint: 'Linux', confidence: 70, fields: { hostname: 'localhost', login_prompt: true } },
  { file: 'telnet-debian-issue-net.bin', service: 'telnet', os_hint: 'Debian', confidence: 70, fields: { os_version: '12', banner: ['Debian GNU/Linux 12', 'host login:'] } },
  { file: 'cisco-ios-vty.bin', service: 'telnet', product: 'Cisco IOS', cpe: 'cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*', os_hint: 'Cisco IOS', confidence: 75 },
  { file: 'mikrotik-routeros.bin', service: 'telnet', product: 'MikroTik RouterOS', version: '6.49.10', cpe: 'cpe:2.3:o:mikrotik:routeros:6.49.10:*:*:*:*:*:*:*', os_hint: 'MikroTik RouterOS', confidence: 90 },
  { file: 'tigervnc-1.12-version.bin', service: 'vnc', confidence: 80, fields: { protocol_version: '3.8' } },
  { file: 'apple-remote-desktop-version.bin', service: 'vnc', product: 'Apple Remote Desktop', os_hint: 'macOS', confidence: 85, fields: { protocol_version: '3.889' } },
  { file: 'rsync-3.5.0-greeting-motd.txt', service: 'rsync', product: 'rsync', cpe: cpe('samba', 'rsync'), confidence: 85, fields: { protocol: '32.0', digests: ['sha512', 'sha256', 'sha1', 'md5', 'md4'], motd: ['Welcome to the pentora rsync test mirror'] } },
];

describe('remote-access: passive reads', () => {
  capturedPrints(t, CASES, 13000, 'read');

  it('a login prompt without negotiation is Telnet on port 23 only', async () => {
    const text = '\r\nUser Access Verification\r\n\r\nPassword: ';
    const r = await t.run([banner(23, text), banner(2323, text)]);
    // 75, +5 on port 23 (the telnet-read probe's hint).
    expect((r.written.service_fingerprints as Rec[]).map((p) => [p.port, p.service, p.product, p.confidence])).toEqual([[23, 'telnet', 'Cisco IOS', 80]]);
  });
});

describe('remote-access: not these protocols, and hostile input', () => {
  const NEGATIVE: Array<[string, BannerData]> = [
    ['an SSH identification string', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'],
    ['an HTTP response', 'HTTP/1.1 400 Bad Request\r\n\r\n'],
    ['an FTP greeting', '220 (vsFTPd 3.0.3)\r\n'],
    ['text with "login:" on a port that is not 23', 'router login: '],
    ['an rsync-like line without a version', '@RSYNCD: hello\n'],
    ['0xff then a data byte (not an IAC command)', Buffer.from([0xff, 0x41, 0x42])],
    ['an empty banner', ''],
  ];
  t.yieldsNothing(NEGATIVE, 2323);

  it('bounds 64 KiB of Telnet negotiation and text', async () => {
    const data = Buffer.concat([Buffer.from(Array.from({ length: 20000 }, (_, i) => [255, 253, i % 50]).flat()), Buffer.alloc(8192, 0x41)]);
    const r = await t.run([banner(23, data.subarray(0, 65536))]);
    expect(r.state, r.error).toBe('done');
    const f = t.fieldsAt(r, 23);
    expect(f.options).toHaveLength(32);
    expect(JSON.stringify(f).length).toBeLessThan(8192);
  });
});

describe('remote-access: follow-ups against conversations replayed from TigerVNC 1.12 and rsync 3.5.0', () => {
  const run = (network = true) =>
    runPlugin({
      plugin: 'plugins/remote-access',
      network,
      context: { banners: [banner(5901, fixture('tigervnc-1.12-version.bin')), banner(873, fixture('rsync-3.5.0-greeting-motd.txt')), banner(23, fixture('inetutils-telnetd-2.4-passive.bin'))] },
      tcp: [
        { port: 5901, steps: [{ data: fixture('tigervnc-1.12-version.bin') }, { whenSent: 'RFB 003.008\n', data: fixture('tigervnc-1.12-security-none.step1.bin') }] },
        { port: 873, steps: [{ data: fixture('rsync-3.5.0-greeting-motd.txt') }, { whenSent: '@RSYNCD: 31.0\n#list\n', data: fixture('rsync-3.5.0-list.step1.txt') }] },
      ],
    });

  it('sends our RFB version to the VNC server and "#list" to rsyncd; nothing to the Telnet server', async () => {
    const r = await run();
    expect(r.state, r.error).toBe('done');
    const sent = sentBy(r);
    expect(sent).toEqual(expect.arrayContaining([[5901, 'RFB 003.008\n'], [873, '@RSYNCD: 31.0\n#list\n']]));
    expect(sent).toHaveLength(2);
  });

  it('flags a VNC server that offers security type None, and lists the rsync modules', async () => {
    const r = await run();
    expect(t.fieldsAt(r, 5901)).toMatchObject({ probe: 'vnc-security', protocol_version: '3.8', security_types: ['None'], security_type_codes: [1], no_auth: true });
    expect(t.fieldsAt(r, 873)).toMatchObject({ modules: [{ name: 'pub', comment: 'Public mirror' }, { name: 'backup', comment: 'nightly backups' }] });
    const prints = r.written.service_fingerprints as Rec[];
    expect(prints.find((p) => p.port === 5901)).toMatchObject({ service: 'vnc', confidence: 90 }); // 80, +5 hinted port, +5 banner and probe agree
    expect((prints.find((p) => p.port === 5901)!.extra as Rec).evidence).toEqual(['banner', 'probe:vnc-security', 'port-hint']);
  });

  it('reads a silent port 23 again, sending nothing', async () => {
    const r = await runPlugin({
      plugin: 'plugins/remote-access',
      context: { banners: [banner(23, ''), banner(2323, '')] },
      tcp: [{ port: 23, steps: [{ data: fixture('inetutils-telnetd-2.4-passive.bin') }] }],
    });
    expect(r.state, r.error).toBe('done');
    const probes = r.probes.flat();
    expect(probes.map((p) => [p.port, (p.steps ?? []).filter((s) => s.send_b64).length])).toEqual([[23, 0]]);
    expect(r.written.service_fingerprints).toEqual([expect.objectContaining({ port: 23, service: 'telnet', confidence: 75 })]);
    expect(t.fieldsAt(r, 23)).toMatchObject({ probe: 'telnet-read' });
  });

  it('sends nothing with network false (pentora fingerprint)', async () => {
    const r = await run(false);
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    expect(r.written.parsed_services).toHaveLength(3);
  });
});
