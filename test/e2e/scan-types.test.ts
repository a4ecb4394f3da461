/**
 * `pentora scan` end to end with the scan-type, port-selection, discovery
 * and progress flags, as subprocesses against listeners on loopback only.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCapability } from '../../host/net/raw/capability.ts';
import { createScan } from '../../host/workspace/scan-record.ts';
import { readRanking } from '../../sdk/build/gen-top-ports.ts';
import { CLI, runCli, tempDir, type CliResult } from './helpers.ts';

interface Listener {
  port: number;
  close(): Promise<void>;
}

/** A TCP listener on `host` (port 0: any free one) that greets and hangs up. */
function listen(host: string, port = 0): Promise<Listener> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.end('hi\r\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) }));
  });
}

const records = (r: CliResult) => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const openPorts = (r: CliResult) => records(r).filter((x) => x.type === 'port').map((x) => `${String(x.host)}:${Number(x.port)}`).sort();

/** Scan ids sort by second only, so "the last scan" is the one directory the last run added. */
const seenScans = new Map<string, Set<string>>();
function lastScanDir(ws: string): string {
  const seen = seenScans.get(ws) ?? new Set<string>();
  const fresh = fs.readdirSync(path.join(ws, 'scans')).filter((id) => !seen.has(id));
  if (fresh.length !== 1) throw new Error(`expected one new scan in ${ws}, found ${fresh.length}`);
  seen.add(fresh[0]!);
  seenScans.set(ws, seen);
  return path.join(ws, 'scans', fresh[0]!);
}
function transcript(dir: string): Array<{ plugin: string; op: string; target?: string }> {
  return fs.readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { plugin: string; op: string; target?: string });
}
function probedPorts(dir: string, plugin: string, op: string): number[] {
  return transcript(dir).filter((t) => t.plugin === plugin && t.op === op && t.target).map((t) => Number(t.target!.split(':').pop()));
}
function nodes(dir: string): Record<string, { module: string; state: string; summary?: Record<string, unknown> }> {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as { nodes: Record<string, { module: string; state: string; summary?: Record<string, unknown> }> }).nodes;
}

describe('pentora scan: scan types, top ports, discovery and progress (loopback)', () => {
  let a: Listener;
  let b: Listener;
  let ws: string;
  beforeAll(async () => {
    a = await listen('127.0.0.1');
    b = await listen('127.0.0.1');
    ws = tempDir('scantypes');
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('--scan-type connect runs the connect scanner (not the SYN one) and finds exactly the listeners', async () => {
    const gone = await listen('127.0.0.1');
    await gone.close(); // a port that was just free: must come out closed
    const r = await runCli(['scan', '--targets', '127.0.0.1', '--ports', `${a.port},${b.port},${gone.port}`, '--scan-type', 'connect', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(openPorts(r)).toEqual([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort());
    const dir = lastScanDir(ws);
    const modules = Object.values(nodes(dir)).map((n) => n.module);
    expect(modules).toContain('pentora/tcp-connect-scanner');
    expect(modules).not.toContain('pentora/syn-scanner');
    expect(probedPorts(dir, 'pentora/tcp-connect-scanner', 'net.tcp.probe').sort()).toEqual([a.port, b.port, gone.port].sort());
    expect(transcript(dir).some((t) => t.plugin === 'pentora/syn-scanner')).toBe(false);
    // The nmap spelling chooses the same.
    const nm = await runCli(['scan', '--targets', '127.0.0.1', '-p', String(a.port), '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(nm.code, nm.stderr).toBe(0);
    expect(Object.values(nodes(lastScanDir(ws))).map((n) => n.module)).toEqual(['pentora/tcp-connect-scanner']);
  });

  it('--top-ports N probes the N highest-ranked ports, of --ports when given', async () => {
    const top3 = await runCli(['scan', '--targets', '127.0.0.1', '--ports', `21,22,23,${a.port},${b.port}`, '--top-ports', '3', '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(top3.code, top3.stderr).toBe(0);
    // 22, 21 and 23 are ranked; the listeners' ephemeral ports are not, so they fall outside the top 3.
    expect(probedPorts(lastScanDir(ws), 'pentora/tcp-connect-scanner', 'net.tcp.probe').sort((x, y) => x - y)).toEqual([21, 22, 23]);
    expect(openPorts(top3).filter((p) => p.endsWith(`:${a.port}`) || p.endsWith(`:${b.port}`))).toEqual([]);
    const top5 = await runCli(['scan', '--targets', '127.0.0.1', '--ports', `21,22,23,${a.port},${b.port}`, '--top-ports', '5', '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(openPorts(top5)).toEqual(expect.arrayContaining([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]));
    expect(probedPorts(lastScanDir(ws), 'pentora/tcp-connect-scanner', 'net.tcp.probe')).toHaveLength(5);

    const top20 = await runCli(['scan', '--targets', '127.0.0.1', '--top-ports', '20', '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(top20.code, top20.stderr).toBe(0);
    const dir = lastScanDir(ws);
    const byNumber = (x: number, y: number) => x - y;
    // Audited as each connect settles, so in completion order: compare as sets.
    expect(probedPorts(dir, 'pentora/tcp-connect-scanner', 'net.tcp.probe').sort(byNumber)).toEqual(readRanking('tcp').slice(0, 20).map((x) => x.port).sort(byNumber));
    const request = JSON.parse(fs.readFileSync(path.join(dir, 'request.json'), 'utf8')) as { top_ports: number; ports: null };
    expect(request).toMatchObject({ top_ports: 20, ports: null });
    const bad = await runCli(['scan', '--targets', '127.0.0.1', '--top-ports', '0', '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--top-ports/);
  });

  it('--targets @discovered scans the live hosts of the last discovery scan', async () => {
    const empty = tempDir('nodisc');
    try {
      const none = await runCli(['scan', '--targets', '@discovered', '--workspace', empty]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/@discovered: no scan in .* has discovered hosts; run `pentora scan --only-discover/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }

    // A discovery scan recorded in the workspace: .1 and .3 up (by one method or another), .2 down.
    const prior = await createScan(ws, { targets: ['127.0.0.1-3'] }, { targets: 3 });
    await prior.appendResults('discovered_hosts', [
      { host: '127.0.0.1', alive: true, method: 'icmp-echo' },
      { host: '127.0.0.2', alive: false, method: 'icmp-echo' },
      { host: '127.0.0.3', alive: false, method: 'icmp-echo' },
      { host: '127.0.0.3', alive: true, method: 'tcp-syn' },
    ]);
    await prior.updateStatus({ state: 'completed', finished_at: new Date().toISOString() });
    await prior.close();
    expect(path.basename(lastScanDir(ws))).toBe(prior.id);
    const c = await listen('127.0.0.3', a.port).catch(() => null); // the same port on .3, when free there
    try {
      const r = await runCli(['scan', '--targets', '@discovered', '--ports', String(a.port), '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
      expect(r.code, r.stderr).toBe(0);
      const request = JSON.parse(fs.readFileSync(path.join(lastScanDir(ws), 'request.json'), 'utf8')) as Record<string, unknown>;
      expect(request).toMatchObject({ targets: ['@discovered'], discovered_from: prior.id, resolved_targets: ['127.0.0.1', '127.0.0.3'] });
      expect(openPorts(r)).toEqual(c ? [`127.0.0.1:${a.port}`, `127.0.0.3:${a.port}`] : [`127.0.0.1:${a.port}`]);
    } finally {
      await c?.close();
    }

    // And the real chain: --only-discover, then @discovered.
    const disc = await runCli(['scan', '--targets', '127.0.0.1', '--only-discover', '-o', 'jsonl', '--workspace', ws]);
    expect(disc.code, disc.stderr).toBe(0);
    expect(records(disc).filter((x) => x.type === 'host').map((x) => x.host)).toEqual(['127.0.0.1']);
    expect(records(disc).some((x) => x.type === 'port')).toBe(false);
    const discId = path.basename(lastScanDir(ws));
    const chained = await runCli(['scan', '--targets', '@discovered', '--ports', String(b.port), '-sT', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(chained.code, chained.stderr).toBe(0);
    expect(openPorts(chained)).toEqual([`127.0.0.1:${b.port}`]);
    expect(JSON.parse(fs.readFileSync(path.join(lastScanDir(ws), 'request.json'), 'utf8'))).toMatchObject({ discovered_from: discId });
  });

  it('-o jsonl keeps progress off stdout, even when progress is forced onto a pipe', async () => {
    const args = ['scan', '--targets', '127.0.0.1', '--ports', `1-2000,${a.port}`, '-sT', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws];
    const forced = await runCli([...args, '--progress']);
    expect(forced.code, forced.stderr).toBe(0);
    const lines = forced.stdout.trim().split('\n');
    for (const line of lines) expect(Object.keys(JSON.parse(line) as object)).toContain('type');
    expect(forced.stdout).not.toMatch(/probes|pps|\r|\x1b/);
    expect(openPorts(forced)).toContain(`127.0.0.1:${a.port}`);
    // It went to stderr instead: plain lines (a pipe is not a terminal), the last one complete.
    const progress = forced.stderr.split('\n').filter((l) => / probes {2}/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[progress.length - 1]).toMatch(/^\[#{20}\] 100% {2}2,001\/2,001 probes {2}\d+ open/);
    expect(forced.stderr).not.toMatch(/\x1b\[K/);
    lastScanDir(ws);
    // Not forced and stderr not a terminal: no progress anywhere.
    const plain = await runCli(args);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/ probes /);
    expect(plain.stdout).not.toMatch(/ probes /);
    lastScanDir(ws);
  });

  const raw = rawCapability();
  it.runIf(raw.ok)('with raw sockets, the default scan type is SYN', async () => {
    const r = await runCli(['scan', '--targets', '127.0.0.1', '--ports', `${a.port},${b.port}`, '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(openPorts(r)).toEqual([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort());
    const dir = lastScanDir(ws);
    expect(Object.values(nodes(dir)).find((n) => n.module === 'pentora/syn-scanner')?.summary).toMatchObject({ method: 'syn', open: 2 });
    expect(r.stderr).not.toMatch(/connect scan instead of SYN/);
  });

  it('a scan of this machine sends no discovery probe: its targets are up by localhost-response, as in nmap', async () => {
    const r = await runCli(['scan', '--targets', '127.0.0.1,127.0.0.2', '--ports', String(a.port), '-sT', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    const dir = lastScanDir(ws);
    expect(Object.values(nodes(dir)).map((n) => n.module)).toEqual(['pentora/tcp-connect-scanner']);
    expect(transcript(dir).some((t) => t.plugin.includes('discovery'))).toBe(false);
    const found = fs.readFileSync(path.join(dir, 'results', 'discovered_hosts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(found).toEqual([
      expect.objectContaining({ host: '127.0.0.1', alive: true, method: 'localhost', reason: 'localhost-response' }),
      expect.objectContaining({ host: '127.0.0.2', alive: true, method: 'localhost', reason: 'localhost-response' }),
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'request.json'), 'utf8'))).toMatchObject({ discovery: 'localhost' });
    expect(openPorts(r)).toEqual([`127.0.0.1:${a.port}`]);
  });

  const setpriv = (() => {
    try {
      execFileSync('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', 'true'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(setpriv)('without CAP_NET_RAW, the default is a connect scan, said once; an explicit SYN scan falls back and says so', async () => {
    const noRaw = (args: string[]) =>
      new Promise<CliResult>((resolve) => {
        import('node:child_process').then(({ execFile }) =>
          execFile('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', process.execPath, CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
          ),
        );
      });
    const r = await noRaw(['scan', '--targets', '127.0.0.1', '--ports', String(a.port), '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(openPorts(r)).toEqual([`127.0.0.1:${a.port}`]);
    expect(r.stderr.match(/connect scan instead of SYN: raw sockets unavailable: .*CAP_NET_RAW/g)).toHaveLength(1);
    const modules = Object.values(nodes(lastScanDir(ws))).map((n) => n.module).sort();
    // 127.0.0.1 is this machine: up without discovery (nmap's localhost-response). Which discovery
    // modules plan without raw sockets (TCP, not ICMP) is covered in test/engine/scan-types.test.ts.
    expect(modules).toEqual(['pentora/tcp-connect-scanner']);

    const syn = await noRaw(['scan', '--targets', '127.0.0.1', '--ports', String(a.port), '-sS', '-Pn', '--profile', 'portscan', '-o', 'jsonl', '--workspace', ws]);
    expect(syn.code, syn.stderr).toBe(0);
    expect(openPorts(syn)).toEqual([`127.0.0.1:${a.port}`]);
    expect(syn.stderr).toMatch(/raw sockets unavailable, falling back to connect scanning: PENTORA_E_RAW_UNAVAILABLE/);
    const summary = Object.values(nodes(lastScanDir(ws))).find((n) => n.module === 'pentora/syn-scanner')!.summary!;
    expect(summary).toMatchObject({ method: 'connect', open: 1 });
    expect(String(summary.fallback)).toMatch(/CAP_NET_RAW/);
  });
});

