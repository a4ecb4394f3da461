import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../host/engine/catalog.ts';
import { parseFingerprintInput, planFingerprint } from '../../host/fingerprint.ts';
import { loadTrustStore } from '../../host/trust/default-store.ts';
import { CLI, tempDir, type CliResult } from './helpers.ts';

/** Runs the CLI with `input` on its stdin. */
function runWithStdin(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const records = (stdout: string): Array<Record<string, unknown>> => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const SSH = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';
const NGINX = 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<title>Welcome</title>';
const VSFTPD = '220 (vsFTPd 3.0.3)\r\n';
const POSTFIX = '220 mail.example.org ESMTP Postfix (3.7.10)\r\n';

describe('pentora fingerprint (no network)', () => {
  let ws: string;
  beforeAll(() => {
    ws = tempDir('fingerprint');
  });
  afterAll(() => fs.rmSync(ws, { recursive: true, force: true }));

  it('matches text and base64 banners on stdin and returns each record with its line\'s id', async () => {
    const input = jsonl([
      { id: 'ssh-1', port: 22, banner: SSH },
      { id: 'web-1', port: 8080, banner_b64: b64(NGINX) },
      { id: 7, port: 21, protocol: 'tcp', banner: VSFTPD },
      { id: 'mx', port: 25, banner_b64: b64(POSTFIX) },
      { id: 'nothing', port: 9999, banner: 'hello\r\n' },
    ]);
    const r = await runWithStdin(['fingerprint', '--workspace', ws], input);
    expect(r.code, r.stderr).toBe(0);
    const got = records(r.stdout);
    expect(got.map((x) => x.id)).toEqual(['ssh-1', 'web-1', 7, 'mx']);
    expect(got[0]).toMatchObject({ type: 'service', port: 22, service: 'ssh', product: 'OpenSSH', version: '9.2p1', os_hint: 'Debian', plugin: 'pentora/ssh-parser' });
    expect(got[1]).toMatchObject({ port: 8080, service: 'http', product: 'nginx', version: '1.22.1', cpe: 'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*' });
    expect(got[2]).toMatchObject({ port: 21, service: 'ftp', product: 'vsftpd', version: '3.0.3' });
    expect(got[3]).toMatchObject({ port: 25, service: 'smtp', product: 'Postfix', version: '3.7.10' });
    // No host was given, so none is printed (the internal per-line key never leaks).
    for (const rec of got) expect(rec).not.toHaveProperty('host');
  });

  it('keeps a given host, ids default to line numbers, and lines about one host and port stay apart', async () => {
    const input = jsonl([
      { host: '10.0.0.5', port: 22, banner: SSH },
      { host: '10.0.0.5', port: 22, banner: 'SSH-2.0-dropbear_2022.83\r\n' },
      { port: 443, transport: 'tls', banner: NGINX },
    ]);
    const r = await runWithStdin(['fingerprint', '--workspace', ws], input);
    expect(r.code, r.stderr).toBe(0);
    const got = records(r.stdout);
    expect(got[0]).toMatchObject({ id: 1, host: '10.0.0.5', port: 22, product: 'OpenSSH' });
    expect(got[1]).toMatchObject({ id: 2, host: '10.0.0.5', port: 22, product: 'Dropbear SSH' });
    expect(got[2]).toMatchObject({ id: 3, port: 443, service: 'https', product: 'nginx' });
    expect(got[2]).not.toHaveProperty('host');
  });

  it('plans the plugins that read banners and provide service records, with or without a network grant', async () => {
    const catalog = await Catalog.load({ trust: loadTrustStore(ws) });
    // A protocol plugin probes in a scan: the same parser with a net.tcp grant stands in for one here.
    const ssh = catalog.entries.find((e) => e.verified && e.name === 'pentora/ssh-parser' && e.loaded)!;
    const prober = { ...ssh.loaded!.manifest, name: 'test/ssh-prober', capabilities: { ...ssh.loaded!.manifest.capabilities, net: { tcp: { targets: 'scope' as const, ports: 'any' as const } } } };
    const withProber = new Catalog([...catalog.entries, { ...ssh, name: prober.name, loaded: { ...ssh.loaded!, manifest: prober } }]);
    const modules = planFingerprint(withProber).nodes.map((n) => n.module);
    expect(modules).toEqual(expect.arrayContaining(['pentora/ftp-parser', 'pentora/http-parser', 'pentora/smtp-parser', 'pentora/ssh-parser', 'test/ssh-prober']));
    // Scanners and grabbers do not read banners; reporters and the UDP scanner provide no service records.
    for (const m of ['pentora/banner-grabber', 'pentora/tcp-connect-scanner', 'pentora/syn-scanner', 'pentora/udp-scanner', 'pentora/json-reporter', 'pentora/icmp-discovery']) {
      expect(modules).not.toContain(m);
    }
    for (const e of catalog.entries.filter((x) => x.verified && x.loaded)) {
      const m = e.loaded!.manifest;
      const wanted = [...m.requires, ...(m.optional ?? [])].includes('banners') && m.provides.some((k) => k === 'parsed_services' || k === 'service_fingerprints');
      expect(modules.includes(m.name), m.name).toBe(wanted);
    }
  });

  it('refuses a malformed line before running anything: exit 2, naming the line, nothing on stdout', async () => {
    const input = jsonl([{ id: 'ok', port: 22, banner: SSH }]) + '{"port": 70000, "banner": "x"}\n';
    const r = await runWithStdin(['fingerprint', '--workspace', ws], input);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('stdin:2: "port" must be an integer in 0..65535');

    const file = path.join(ws, 'bad.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ port: 22, banner: SSH })}\n\nnot json\n`);
    const f = await runWithStdin(['fingerprint', '--input', file, '--workspace', ws], '');
    expect(f.code).toBe(2);
    expect(f.stdout).toBe('');
    expect(f.stderr).toContain(`${file}:3: not valid JSON`);
  });

  it('fingerprints 5,000 lines in one run, every one joined back to its id', async () => {
    const banners = [
      { port: 22, banner: SSH, product: 'OpenSSH' },
      { port: 80, banner: NGINX, product: 'nginx' },
      { port: 21, banner: VSFTPD, product: 'vsftpd' },
      { port: 25, banner: POSTFIX, product: 'Postfix' },
      { port: 7, banner: 'no service speaks like this\r\n', product: null },
    ];
    const rows = Array.from({ length: 5000 }, (_, i) => {
      const b = banners[i % banners.length]!;
      return { id: `r${i}`, host: `192.0.2.${i % 250}`, port: b.port, banner_b64: b64(b.banner) };
    });
    const r = await runWithStdin(['fingerprint', '--workspace', ws, '-o', 'json'], jsonl(rows));
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { nodes: Array<{ state: string }>; services: Array<Record<string, unknown>> };
    expect(out.nodes.every((n) => n.state === 'done')).toBe(true);
    expect(out.services).toHaveLength(4000);
    const byId = new Map(out.services.map((s) => [s.id, s]));
    expect(byId.size).toBe(4000);
    for (let i = 0; i < 5000; i++) {
      const want = banners[i % banners.length]!;
      const s = byId.get(`r${i}`);
      if (want.product === null) expect(s).toBeUndefined();
      else expect(s).toMatchObject({ product: want.product, port: want.port, host: `192.0.2.${i % 250}` });
    }
  });
});

describe('fingerprint input lines', () => {
  const bad: Array<[string, string]> = [
    ['[1]', 'must be a JSON object'],
    ['{"banner":"x"}', '"port" must be an integer'],
    ['{"port":22}', 'needs "banner"'],
    ['{"port":22,"banner":"x","banner_b64":"eA=="}', 'give "banner" or "banner_b64", not both'],
    ['{"port":22,"banner_b64":"not base64!"}', '"banner_b64" is not base64'],
    ['{"port":22,"banner":"x","protocol":"sctp"}', '"protocol" must be "tcp" or "udp"'],
    ['{"port":22,"banner":"x","transport":"ssl"}', '"transport" must be "plain" or "tls"'],
    ['{"port":22,"banner":"x","host":""}', '"host" must be a string'],
    ['{"port":22,"banner":"x","id":{"a":1}}', '"id" must be a number or a string'],
  ];
  it.each(bad)('refuses %s', (line, why) => {
    expect(() => parseFingerprintInput(`{"port":1,"banner":"ok"}\n${line}\n`, 'in.jsonl')).toThrow(`in.jsonl:2: ${why}`);
  });

  it('reads text as UTF-8 and base64 as bytes, with defaults for the optional fields', () => {
    const [a, b] = parseFingerprintInput('{"port":22,"banner":"é"}\n\n{"port":53,"protocol":"udp","banner_b64":"AAE=","id":"q","host":"h"}\n', 'x');
    expect(a).toEqual({ line: 1, id: 1, port: 22, protocol: 'tcp', tls: false, data_b64: Buffer.from('é').toString('base64') });
    expect(b).toEqual({ line: 3, id: 'q', host: 'h', port: 53, protocol: 'udp', tls: false, data_b64: 'AAE=' });
  });
});
