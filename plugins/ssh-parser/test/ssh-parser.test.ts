/**
 * pentora/ssh-parser in the sandbox, over captured identification strings
 * (test/fixtures): what each banner identifies, what is not SSH, and hostile
 * input that must neither trap nor produce records.
 */

import { describe, expect, it } from 'vitest';
import { noise } from '../../../sdk/testing/hostile.ts';
import { ParserTable, atPort, cpe, type BannerData, type FixtureCase, type Rec } from '../../../sdk/testing/parser-table.ts';

const t = new ParserTable({ plugin: 'plugins/ssh-parser', host: '192.0.2.10', probe: 'passive', dir: import.meta.dirname });
const { fixture, banner } = t;

interface Case extends FixtureCase {
  proto: string;
  software: string;
  comments?: string;
}

const CASES: Case[] = [
  { file: 'openssh-debian12.txt', product: 'OpenSSH', version: '9.2p1', cpe: cpe('openbsd', 'openssh', '9.2p1'), os_hint: 'Debian', confidence: 95, proto: '2.0', software: 'OpenSSH_9.2p1', comments: 'Debian-2+deb12u3' },
  { file: 'openssh-ubuntu2204.txt', product: 'OpenSSH', version: '8.9p1', cpe: cpe('openbsd', 'openssh', '8.9p1'), os_hint: 'Ubuntu', confidence: 95, proto: '2.0', software: 'OpenSSH_8.9p1', comments: 'Ubuntu-3ubuntu0.6' },
  // Old Ubuntu packages carried a Debian-style comment; "ubuntu" in it wins.
  { file: 'openssh-ubuntu1004-debian-comment.txt', product: 'OpenSSH', version: '5.3p1', cpe: cpe('openbsd', 'openssh', '5.3p1'), os_hint: 'Ubuntu', confidence: 95, proto: '2.0', software: 'OpenSSH_5.3p1' },
  { file: 'openssh-freebsd.txt', product: 'OpenSSH', version: '9.3', cpe: cpe('openbsd', 'openssh', '9.3'), os_hint: 'FreeBSD', confidence: 95, proto: '2.0', software: 'OpenSSH_9.3' },
  { file: 'openssh-raspbian.txt', product: 'OpenSSH', version: '7.9p1', cpe: cpe('openbsd', 'openssh', '7.9p1'), os_hint: 'Raspbian', confidence: 95, proto: '2.0', software: 'OpenSSH_7.9p1' },
  { file: 'openssh-rhel8.txt', product: 'OpenSSH', version: '8.0', cpe: cpe('openbsd', 'openssh', '8.0'), confidence: 95, proto: '2.0', software: 'OpenSSH_8.0', comments: '' },
  { file: 'openssh-hpn.txt', product: 'OpenSSH', version: '7.9p1', cpe: cpe('openbsd', 'openssh', '7.9p1'), confidence: 95, proto: '2.0', software: 'OpenSSH_7.9p1-hpn14v15' },
  { file: 'openssh-bare-lf.txt', product: 'OpenSSH', version: '6.6.1p1', cpe: cpe('openbsd', 'openssh', '6.6.1p1'), os_hint: 'Ubuntu', confidence: 95, proto: '2.0', software: 'OpenSSH_6.6.1p1' },
  { file: 'openssh-windows.txt', product: 'OpenSSH for Windows', version: '8.1', cpe: cpe('openbsd', 'openssh', '8.1'), os_hint: 'Windows', confidence: 95, proto: '2.0', software: 'OpenSSH_for_Windows_8.1' },
  { file: 'openssh-prebanner.txt', product: 'OpenSSH', version: '8.4p1', cpe: cpe('openbsd', 'openssh', '8.4p1'), os_hint: 'Debian', confidence: 95, proto: '2.0', software: 'OpenSSH_8.4p1' },
  { file: 'openssh-with-kexinit.bin', product: 'OpenSSH', version: '9.6p1', cpe: cpe('openbsd', 'openssh', '9.6p1'), os_hint: 'Ubuntu', confidence: 95, proto: '2.0', software: 'OpenSSH_9.6p1', comments: 'Ubuntu-3ubuntu13.5' },
  { file: 'dropbear.txt', product: 'Dropbear SSH', version: '2022.83', cpe: cpe('dropbear_ssh_project', 'dropbear_ssh', '2022.83'), confidence: 95, proto: '2.0', software: 'dropbear_2022.83' },
  { file: 'dropbear-old.txt', product: 'Dropbear SSH', version: '0.52', cpe: cpe('dropbear_ssh_project', 'dropbear_ssh', '0.52'), confidence: 95, proto: '2.0', software: 'dropbear_0.52' },
  { file: 'libssh.txt', product: 'libssh', version: '0.9.6', cpe: cpe('libssh', 'libssh', '0.9.6'), confidence: 95, proto: '2.0', software: 'libssh_0.9.6' },
  { file: 'libssh-dash.txt', product: 'libssh', version: '0.6.0', cpe: cpe('libssh', 'libssh', '0.6.0'), confidence: 95, proto: '2.0', software: 'libssh-0.6.0' },
  // The number is Cisco's SSH stack, not an IOS release: no CPE is claimed.
  { file: 'cisco.txt', product: 'Cisco SSH', version: '1.25', os_hint: 'Cisco', confidence: 95, proto: '1.99', software: 'Cisco-1.25' },
  { file: 'romsshell.txt', product: 'Allegro RomSShell', version: '5.40', cpe: cpe('allegrosoft', 'romsshell', '5.40'), confidence: 95, proto: '2.0', software: 'RomSShell_5.40' },
  { file: 'mikrotik.txt', product: 'MikroTik RouterOS SSH', cpe: 'cpe:2.3:o:mikrotik:routeros:*:*:*:*:*:*:*:*', os_hint: 'MikroTik RouterOS', confidence: 80, proto: '2.0', software: 'ROSSSH' },
  { file: 'serv-u.txt', product: 'Serv-U', version: '15.1.6.25', cpe: cpe('solarwinds', 'serv-u', '15.1.6.25'), confidence: 95, proto: '2.0', software: 'Serv-U_15.1.6.25' },
  { file: 'go.txt', product: 'Go x/crypto/ssh', cpe: cpe('golang', 'crypto'), confidence: 80, proto: '2.0', software: 'Go' },
  { file: 'aws-transfer.txt', product: 'AWS Transfer Family SFTP', version: '1.1', confidence: 95, proto: '2.0', software: 'AWS_SFTP_1.1' },
  { file: 'paramiko.txt', product: 'Paramiko', version: '3.4.0', cpe: cpe('paramiko', 'paramiko', '3.4.0'), confidence: 95, proto: '2.0', software: 'paramiko_3.4.0' },
  { file: 'bitvise.txt', product: 'Bitvise SSH Server', version: '9.33', cpe: cpe('bitvise', 'ssh_server', '9.33'), os_hint: 'Windows', confidence: 95, proto: '2.0', software: '9.33' },
  // Unknown software: named from its token, no version guessed from "_4.1".
  { file: 'unknown-software.txt', product: 'AcmeSSHd', confidence: 60, proto: '2.0', software: 'AcmeSSHd_4.1', comments: 'build 22' },
  { file: 'empty-software.txt', confidence: 50, proto: '2.0', software: '' },
];

const BASE_PORT = 12200;

describe('ssh-parser: captured identification strings', () => {
  const run = t.captured(CASES, BASE_PORT);

  it('runs to completion and writes one service and one fingerprint per banner', () => {
    t.expectOnePerCase(run.result(), CASES.length);
  });

  it.each(run.cases)('$file', (c) => {
    const r = run.result();
    const fp = t.expectOnePrint(r, c.port, { service: 'ssh', ...c });
    expect(String(fp.evidence)).toContain(`SSH-${c.proto}-${c.software}`);

    const [svc] = atPort(r.written.parsed_services, c.port);
    const fields = svc!.fields as Rec;
    expect(svc).toMatchObject({ host: t.host, protocol: 'tcp', service: 'ssh' });
    expect(fields.proto_version).toBe(c.proto);
    expect(fields.software).toBe(c.software);
    if (c.comments !== undefined) expect(fields.comments).toBe(c.comments);
  });

  it('counts the lines a server sent before its identification line (RFC 4253 §4.2)', () => {
    expect(t.fieldsAt(run.result(), run.portOf('openssh-prebanner.txt')).pre_banner_lines).toBe(2);
  });
});

describe('ssh-parser: not SSH, and hostile input', () => {
  const NEGATIVE: Array<[string, BannerData]> = [
    ['an HTTP response quoting an SSH line in its body', fixture('not-ssh-http.txt')],
    ['an SMTP greeting', fixture('not-ssh-smtp.txt')],
    ['an "SSH-" line without a numeric protoversion', fixture('not-ssh-bad-proto.txt')],
    ['random bytes', fixture('garbage.bin')],
    ['an empty banner', ''],
    ['64 KiB of noise', noise(65536, 7)],
    ['10 000 pre-banner lines before the identification line', 'x\r\n'.repeat(10_000) + 'SSH-2.0-OpenSSH_9.2p1\r\n'],
    ['64 KiB without a line break', 'A'.repeat(65536)],
  ];

  t.yieldsNothing(NEGATIVE, 22);

  it('a 64 KiB identification line is cut to fit the record limits, not trusted whole', async () => {
    const r = await t.run([banner(22, 'SSH-2.0-' + 'A'.repeat(65536) + '\r\n')]);
    expect(r.state, r.error).toBe('done');
    const [fp] = r.written.service_fingerprints as Rec[];
    expect(String(fp!.product).length).toBeLessThanOrEqual(128);
    // The line is cut at 253 characters (RFC 4253 §4.2); ServiceModule prefixes the probe's name.
    expect(String(fp!.evidence).length).toBeLessThanOrEqual('probe=passive; '.length + 255);
    expect(fp!.version).toBeUndefined();
  });

  it('reads one result per endpoint and skips undecodable base64', async () => {
    const r = await t.run([banner(22, fixture('dropbear.txt')), banner(22, fixture('openssh-debian12.txt')), { ...banner(2222, ''), data_b64: '@@not base64@@' }]);
    expect(r.state, r.error).toBe('done');
    expect(r.written.service_fingerprints).toHaveLength(1);
    expect((r.written.service_fingerprints as Rec[])[0]!.product).toBe('Dropbear SSH');
    expect(r.output.summary).toMatchObject({ banners: 3, identified: 1, undecodable: 1 });
  });
});

describe('ssh-parser: memory holds a page of banners, not the list', () => {
  const ident = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';
  const padded = (size: number) => ident + 'x'.repeat(size - ident.length);

  it('parses 5 000 banners of 4 KiB within its memory cap, reading them in pages', async () => {
    // Read whole, these cost about 160 MiB of guest memory: five times the cap.
    const banners = Array.from({ length: 5000 }, (_, i) => ({ ...banner(22, padded(4096)), host: `10.2.${i >> 8}.${i & 255}` }));
    const r = await t.run(banners);
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(5000);
    expect(r.written.service_fingerprints).toHaveLength(5000);
    expect(r.output.summary).toMatchObject({ banners: 5000, identified: 5000 });
    const reads = r.transcript.filter((t) => t.op === 'context.get').map((t) => t.result as { count: number; offset?: number });
    expect(reads.length).toBeGreaterThan(20);
    expect(reads.every((x) => x.offset !== undefined && x.count <= 256)).toBe(true);
    expect(reads.at(-1)).toEqual({ count: 0, offset: 5000 });
  });

  it('parses the largest banner a record may hold (1 MiB) within its memory cap', async () => {
    const r = await t.run([banner(22, padded(1 << 20)), banner(2222, padded(1 << 20))]);
    expect(r.state, r.error).toBe('done');
    expect(r.written.service_fingerprints).toHaveLength(2);
  });
});
