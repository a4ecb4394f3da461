/**
 * pentora/windows in the sandbox: its SMB and RDP probes answered by
 * captured conversations (Samba 4.17 smbd, xrdp 0.9.21) and by replies
 * written byte for byte from [MS-SMB2], [MS-NLMP] and [MS-RDPBCGR]
 * (fixtures/README.md), the same bytes as `pentora fingerprint` input, and
 * hostile bytes that must neither trap nor produce records.
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bannerRecord } from '../../../sdk/testing/banners.ts';
import { runPlugin, type RunResult, type CannedTcp } from '../../../sdk/testing/harness.ts';

const PLUGIN = 'plugins/windows';
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
type Rec = Record<string, unknown>;
const silent = (host: string, port: number): Rec => bannerRecord(host, port, '');
const banner = (host: string, port: number, data: Buffer, probe = 'input'): Rec => bannerRecord(host, port, data, { probe });

// The requests the Samba and xrdp fixtures answered (captured with these bytes; see fixtures/README.md).
const SMB2_NEGOTIATE =
  '000000aefe534d4240000000000000000000010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000024000500010000000000000070656e746f72612d736d62322d6769647000000002000000020210020003020311030000010026000000000001002000010070656e746f72612d707265617574682d73616c742d33322d627974657321212100000200060000000000020002000100';
const SMB2_SESSION_SETUP =
  '000000a2fe534d4240000000000000000100010000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000019000001000000000000000058004a000000000000000000604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d5353500001000000058288a2000000000000000000000000000000000000000000000000';
const RDP_REQUEST = '030000130ee000000000000100080003000000';

const HOSTS = { samba: '192.0.2.20', windows: '192.0.2.21', samba139: '192.0.2.22', negative139: '192.0.2.23', xrdp: '192.0.2.24', rdpWindows: '192.0.2.25', rdpLegacy: '192.0.2.26' };

const CANNED: CannedTcp[] = [
  { host: HOSTS.samba, port: 445, whenSent: 'pentora-smb2-gid', steps: [{ data: fixture('smb-samba417-negotiate.bin') }, { data: fixture('smb-samba417-session-setup.bin') }] },
  { host: HOSTS.samba, port: 445, whenSent: 'NT LM 0.12', data: fixture('smb1-samba417-negotiate.bin') },
  { host: HOSTS.windows, port: 445, whenSent: 'pentora-smb2-gid', steps: [{ data: fixture('smb-windows2022-negotiate-spec.bin') }, { data: fixture('smb-windows2022-session-setup-spec.bin') }] },
  { host: HOSTS.windows, port: 445, whenSent: 'NT LM 0.12', data: '' },
  { host: HOSTS.samba139, port: 139, steps: [{ data: '\x82\x00\x00\x00' }, { data: fixture('smb-samba417-negotiate.bin') }, { data: fixture('smb-samba417-session-setup.bin') }] },
  { host: HOSTS.negative139, port: 139, data: fixture('netbios-negative-spec.bin') },
  { host: HOSTS.xrdp, port: 3389, data: fixture('rdp-xrdp-ssl-hybrid.bin') },
  { host: HOSTS.rdpWindows, port: 3389, data: fixture('rdp-windows-hybrid-spec.bin') },
  { host: HOSTS.rdpLegacy, port: 3389, data: fixture('rdp-legacy-spec.bin') },
];

/** RFC 1001 §14.1 first-level encoding, as hex: length 32, each half-byte + 'A' of the space-padded name and suffix, then the root label. */
const nbName = (name: string, suffix: number): string => {
  const raw = [...Buffer.from(name.padEnd(15, ' '), 'latin1'), suffix];
  return '20' + Buffer.from(raw.flatMap((c) => [0x41 + (c >> 4), 0x41 + (c & 15)])).toString('hex') + '00';
};

const cpe = (part: string, vendor: string, product: string, version = '*') => `cpe:2.3:${part}:${vendor}:${product}:${version}:*:*:*:*:*:*:*`;

describe('windows: probes of silent ports, answered by captured and spec-exact servers', () => {
  let r: RunResult;
  const svc = (host: string) => (r.written.parsed_services as Rec[]).find((s) => s.host === host)!;
  const fp = (host: string) => (r.written.service_fingerprints as Rec[]).find((s) => s.host === host)!;
  beforeAll(async () => {
    r = await runPlugin({
      plugin: PLUGIN,
      context: { banners: [silent(HOSTS.samba, 445), silent(HOSTS.windows, 445), silent(HOSTS.samba139, 139), silent(HOSTS.negative139, 139), silent(HOSTS.xrdp, 3389), silent(HOSTS.rdpWindows, 3389), silent(HOSTS.rdpLegacy, 3389), silent('192.0.2.27', 8443)] },
      tcp: CANNED,
    });
  });

  it('runs to completion and probes only the hinted ports, with the exact request bytes', () => {
    expect(r.state, r.error).toBe('done');
    const sent = r.probes.flat();
    expect(sent.some((p) => p.port === 8443)).toBe(false);
    const steps = (host: string, port: number, first: string) =>
      sent.find((p) => p.host === host && p.port === port && Buffer.from(p.steps![0]!.send_b64!, 'base64').toString('latin1').includes(first))!.steps!.map((s) => Buffer.from(s.send_b64 ?? '', 'base64').toString('hex'));
    expect(steps(HOSTS.samba, 445, 'pentora-smb2-gid')).toEqual([SMB2_NEGOTIATE, SMB2_SESSION_SETUP]);
    // RFC 1002 §4.3.2: *SMBSERVER<20> called, PENTORA<00> calling, each first-level encoded.
    const nb = steps(HOSTS.samba139, 139, '\x81');
    expect(nb[0]).toBe('81000044' + nbName('*SMBSERVER', 0x20) + nbName('PENTORA', 0x00));
    expect(nb.slice(1)).toEqual([SMB2_NEGOTIATE, SMB2_SESSION_SETUP]);
    expect(steps(HOSTS.xrdp, 3389, '\x03')).toEqual([RDP_REQUEST]);
    expect(r.written.parsed_services).toHaveLength(7);
    expect(r.output.summary).toMatchObject({ identified: 7 });
  });

  it('Samba 4.17 on 445: Samba from the NTLM version, names, dialect 3.1.1, and SMB1 still enabled', () => {
    expect(fp(HOSTS.samba)).toMatchObject({ service: 'microsoft-ds', product: 'Samba smbd', os_hint: 'Unix', cpe: cpe('a', 'samba', 'samba'), confidence: 95 });
    expect(fp(HOSTS.samba).version).toBeUndefined();
    expect(svc(HOSTS.samba).fields).toMatchObject({
      dialect: '3.1.1',
      signing_enabled: true,
      signing_required: false,
      server_guid: '746e6570-726f-2d61-736d-620000000000',
      ntlm_os_version: '6.1.0',
      ntlm_revision: 15,
      netbios_computer: 'PENTORA-SMB',
      netbios_domain: 'PENTORA-SMB',
      dns_computer: 'vm',
      security_mechanisms: ['NTLMSSP'],
      spnego_hint: 'not_defined_in_RFC4178@please_ignore',
      preauth_hash: 1,
      smb1_enabled: true,
      probe: 'smb-negotiate',
    });
    expect(String(fp(HOSTS.samba).evidence)).toContain('NTLM version 6.1.0');
  });

  it('Windows Server 2022 (spec-exact): the build names the release; signing required, AES-128-GCM, Kerberos offered', () => {
    expect(fp(HOSTS.windows)).toMatchObject({ service: 'microsoft-ds', product: 'Microsoft Windows SMB', version: '10.0.20348', os_hint: 'Windows Server 2022', cpe: cpe('o', 'microsoft', 'windows_server_2022'), confidence: 100 });
    expect(svc(HOSTS.windows).fields).toMatchObject({
      dialect: '3.1.1',
      signing_required: true,
      capability_names: ['dfs', 'leasing', 'large_mtu', 'multi_channel', 'directory_leasing'],
      system_time: '2026-11-21T12:00:00Z',
      cipher: 2,
      netbios_domain: 'CORP',
      netbios_computer: 'DC01',
      dns_computer: 'DC01.corp.example.com',
      dns_domain: 'corp.example.com',
      ntlm_timestamp: '2026-11-21T12:00:00Z',
      security_mechanisms: ['NTLMSSP', 'MS-KRB5', 'KRB5', 'KRB5-U2U', 'NEGOEX'],
    });
    expect(svc(HOSTS.windows).fields).not.toHaveProperty('smb1_enabled');
  });

  it('port 139: a NetBIOS session first, then the same conversation; a negative session response is still NetBIOS', () => {
    expect(fp(HOSTS.samba139)).toMatchObject({ service: 'netbios-ssn', product: 'Samba smbd', confidence: 95 });
    expect(svc(HOSTS.samba139).fields).toMatchObject({ netbios_session: 'positive', dialect: '3.1.1', probe: 'smb-netbios-negotiate' });
    expect(fp(HOSTS.negative139)).toMatchObject({ service: 'netbios-ssn', confidence: 75 });
    expect(fp(HOSTS.negative139).product).toBeUndefined();
    expect(svc(HOSTS.negative139).fields).toMatchObject({ netbios_session: 'negative', netbios_error: '0x82' });
  });

  it('RDP: xrdp picks TLS with flags 0x01; Windows picks CredSSP; a Confirm without negotiation is a legacy server', () => {
    expect(fp(HOSTS.xrdp)).toMatchObject({ service: 'ms-wbt-server', product: 'xrdp', cpe: cpe('a', 'neutrinolabs', 'xrdp'), confidence: 60 });
    expect(svc(HOSTS.xrdp).fields).toMatchObject({ negotiation: 'response', selected_protocol: 'ssl', flags: '0x01', flag_names: ['extended_client_data'], nla: false, x224_src_ref: '0x1234', probe: 'rdp-x224' });
    expect(fp(HOSTS.rdpWindows)).toMatchObject({ service: 'ms-wbt-server', product: 'Microsoft Terminal Services', os_hint: 'Windows', confidence: 90 });
    expect(svc(HOSTS.rdpWindows).fields).toMatchObject({ selected_protocol: 'hybrid', nla: true, flag_names: ['extended_client_data', 'dynvc_gfx', 'reserved', 'restricted_admin', 'redirected_auth'] });
    expect(fp(HOSTS.rdpLegacy)).toMatchObject({ product: 'Microsoft Terminal Services', os_hint: 'Windows 2000/XP/2003', confidence: 75 });
  });
});

describe('windows: bytes at hand (pentora fingerprint: no network)', () => {
  it('parses conversations and replies given as banners and sends nothing', async () => {
    const r = await runPlugin({
      plugin: PLUGIN,
      network: false,
      context: {
        banners: [
          banner('192.0.2.30', 445, fixture('smb-samba417-negotiate.bin')),
          banner('192.0.2.31', 445, fixture('smb1-samba417-negotiate.bin')),
          banner('192.0.2.32', 3389, fixture('rdp-xrdp-standard.bin')),
          banner('192.0.2.33', 3389, fixture('rdp-xrdp-tls-required-failure.bin')),
          banner('192.0.2.34', 445, Buffer.concat([fixture('smb-windows2022-negotiate-spec.bin'), fixture('smb-windows2022-session-setup-spec.bin')])),
        ],
      },
    });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    const prints = r.written.service_fingerprints as Rec[];
    const fields = (host: string) => (r.written.parsed_services as Rec[]).find((s) => s.host === host)!.fields as Rec;
    // No NTLM challenge: Samba only from the GUID holding its NetBIOS name.
    expect(prints.find((p) => p.host === '192.0.2.30')).toMatchObject({ product: 'Samba smbd', confidence: 80 });
    expect(fields('192.0.2.30')).toMatchObject({ netbios_name: 'pentora-smb', dialect: '3.1.1' });
    expect(fields('192.0.2.31')).toMatchObject({ smb1: true, smb1_dialect_index: 0, signing_required: false, server_guid: '746e6570-726f-2d61-736d-620000000000' });
    expect(prints.find((p) => p.host === '192.0.2.31')).toMatchObject({ service: 'microsoft-ds', product: 'Samba smbd' });
    expect(fields('192.0.2.32')).toMatchObject({ selected_protocol: 'rdp', flags: '0x01' });
    expect(fields('192.0.2.33')).toMatchObject({ negotiation: 'failure', failure: 'SSL_REQUIRED_BY_SERVER' });
    expect(prints.find((p) => p.host === '192.0.2.33')).toMatchObject({ service: 'ms-wbt-server', confidence: 75 });
    expect(prints.find((p) => p.host === '192.0.2.34')).toMatchObject({ os_hint: 'Windows Server 2022' });
  });
});

describe('windows: not SMB or RDP, and hostile input', () => {
  const NEGATIVE: Array<[string, number, Buffer]> = [
    ['an HTTP reply on 445', 445, Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['a TLS alert on 3389', 3389, Buffer.from('15030300020228', 'hex')],
    ['an SMB2 request (not a response)', 445, Buffer.from(SMB2_NEGOTIATE, 'hex')],
    ['a TPKT with an X.224 CR (a request)', 3389, Buffer.from(RDP_REQUEST, 'hex')],
    ['a NetBIOS length past the bytes', 445, Buffer.from('00ffffff', 'hex')],
    ['an SSH banner', 22, Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n')],
  ];

  it.each(NEGATIVE)('%s yields nothing', async (_name, port, data) => {
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners: [banner('192.0.2.90', port, data)] } });
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services ?? []).toHaveLength(0);
    expect(r.output.summary).toMatchObject({ banners: 1, identified: 0 });
  });

  it('every truncation and corrupted bytes of every fixture end without a trap', async () => {
    const files = fs.readdirSync(path.join(import.meta.dirname, 'fixtures')).filter((f) => f.endsWith('.bin'));
    const banners: Rec[] = [];
    let n = 0;
    const host = () => `10.${n >> 16}.${(n >> 8) & 255}.${n++ & 255}`;
    for (const f of files) {
      const data = f.includes('session-setup') ? Buffer.concat([fixture(f.replace('session-setup', 'negotiate')), fixture(f)]) : fixture(f);
      for (let len = 1; len < data.length; len++) banners.push(banner(host(), 445, data.subarray(0, len)));
      for (let at = 0; at < data.length; at += 2) {
        const bad = Buffer.from(data);
        bad[at] = bad[at]! ^ 0xff;
        banners.push(banner(host(), 445, bad));
      }
    }
    const r = await runPlugin({ plugin: PLUGIN, network: false, context: { banners } });
    expect(r.state, r.error).toBe('done');
    expect(r.output.summary).toMatchObject({ banners: banners.length });
  });
});
