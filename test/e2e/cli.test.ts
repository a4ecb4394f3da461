import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineService, type DemoService } from '../../scripts/demo-services.ts';
import { ephemeralRange, runCli, tempDir } from './helpers.ts';

describe('pentora scan (CLI, real sockets on 127.0.0.1)', () => {
  let ssh: DemoService;
  let ws: string;
  beforeAll(async () => {
    ssh = await lineService('ssh', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    ws = tempDir('cli');
  });
  afterAll(async () => {
    await ssh.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('prints a port record and an OpenSSH 9.2p1 service record as JSON lines', async () => {
    const r = await runCli(['scan', '--targets', '127.0.0.1', '--ports', String(ssh.port), '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual({ type: 'port', host: '127.0.0.1', port: ssh.port, protocol: 'tcp', state: 'open' });
    const svc = records.find((x) => x.type === 'service');
    expect(svc).toMatchObject({
      host: '127.0.0.1',
      port: ssh.port,
      service: 'ssh',
      product: 'OpenSSH',
      version: '9.2p1',
      cpe: 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*',
      plugin: 'pentora/ssh-parser',
    });
    expect(svc!.confidence).toBeGreaterThanOrEqual(80);
    // Logs never mix into machine-read stdout.
    expect(r.stdout).not.toMatch(/"level"/);
  });

  it('stores the scan in the workspace: status, results, transcript and the report artifact', async () => {
    const list = await runCli(['workspace', 'list', '-o', 'json', '--workspace', ws]);
    expect(list.code).toBe(0);
    const scans = JSON.parse(list.stdout) as Array<{ id: string; state: string }>;
    expect(scans.length).toBeGreaterThan(0);
    expect(scans[0]!.state).toBe('completed');
    const dir = path.join(ws, 'scans', scans[0]!.id);
    const transcript = fs.readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const probe = transcript.find((t) => t.op === 'net.tcp.probe' && t.recv_b64);
    expect(Buffer.from(String(probe!.recv_b64), 'base64').toString()).toContain('SSH-2.0-OpenSSH_9.2p1');
    expect(probe!.target).toBe(`127.0.0.1:${ssh.port}`);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'artifacts', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(report)).toContain('OpenSSH');
    const show = await runCli(['workspace', 'show', scans[0]!.id, '--workspace', ws]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('service_fingerprints');
  });

  it('reports a listener in the ephemeral range as open and a free ephemeral port as closed, never a self-connect', async () => {
    const [lo, hi] = ephemeralRange();
    expect(ssh.port).toBeGreaterThanOrEqual(lo);
    expect(ssh.port).toBeLessThanOrEqual(hi);
    // A port just freed in the same range: nothing listens, so only a
    // self-connect could make it look open.
    const gone = await lineService('gone', 'x');
    const freePort = gone.port;
    await gone.close();
    const r = await runCli(['scan', '--targets', '127.0.0.1', '--ports', `${ssh.port},${freePort}`, '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const ports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; port: number; state: string }).filter((x) => x.type === 'port');
    expect(ports.map((p) => p.port)).toEqual([ssh.port]);
  });

  it('refuses malformed input with one line, exit 2, and no scan record', async () => {
    const before = fs.readdirSync(path.join(ws, 'scans')).length;
    const bad = await runCli(['scan', '--targets', '127.0.0.300', '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('127.0.0.300');
    const badPorts = await runCli(['scan', '--targets', '127.0.0.1', '--ports', '70000', '--workspace', ws]);
    expect(badPorts.code).toBe(2);
    expect(badPorts.stderr).toMatch(/ports/);
    const noTargets = await runCli(['scan', '--workspace', ws]);
    expect(noTargets.code).toBe(2);
    expect(fs.readdirSync(path.join(ws, 'scans')).length).toBe(before);
  });

  it('lists builtin plugins as verified, with their wasm paths', async () => {
    const r = await runCli(['plugin', 'list', '-o', 'json', '--workspace', ws]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; verified: boolean; source: string; wasm: string }>;
    for (const name of ['pentora/tcp-connect-scanner', 'pentora/banner-grabber', 'pentora/ssh-parser', 'pentora/http-parser', 'pentora/ftp-parser', 'pentora/smtp-parser', 'pentora/json-reporter']) {
      const row = rows.find((x) => x.name === name);
      expect(row, name).toMatchObject({ verified: true, source: 'builtin' });
      expect(fs.existsSync(row!.wasm)).toBe(true);
    }
    const verify = await runCli(['plugin', 'verify', '--workspace', ws]);
    expect(verify.code).toBe(0);
  });
});
