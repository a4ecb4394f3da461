/**
 * `npm run bench`: pentora against nmap on the same targets, in a network
 * namespace this script creates and always removes (DESIGN §9: ratios
 * against a baseline measured in the same run; not a timed test).
 *
 *   node scripts/bench.ts [--runs N] [--scenario single|subnet|all] [--type syn|connect|all] [--no-nmap] [--json FILE]
 *
 * Scenarios, each as a SYN and a connect scan:
 *   single  127.0.0.1, all 65,535 ports, ~200 listeners spread over 1-65535
 *   subnet  127.42.0.0/24 (all loopback inside the namespace) x pentora's
 *           top 1000 TCP ports, 2-4 listeners per address among those ports
 *
 * pentora runs `scan --scan-type syn|connect --profile portscan` (host
 * discovery + the port scanner, like nmap without -sV) with `--rate 1000000`
 * (its default 5 000 pps is a safety limit; nmap -T4 has no fixed rate).
 * nmap runs `-sS|-sT -T4 -n` with the same ports (-n: pentora does no
 * reverse DNS either, and the namespace has no resolver). Wall time, CPU
 * (user + sys) and peak RSS come from GNU time (wait4 rusage) around each
 * run; each figure is the median of the runs. Open ports are checked
 * against the listeners: every one found, no false opens.
 *
 * Needs root (ip netns). Installs nmap with apt-get when it is missing and
 * apt-get is there; without nmap, pentora is measured alone.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readRanking } from '../sdk/build/gen-top-ports.ts';
import { buildAll } from '../sdk/build/build-all.ts';
// A small deterministic generator (mulberry32), so every run has the same listeners.
import { rng } from './bench-services/common.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const CLI = path.join(REPO, 'bin', 'pentora.mjs');
const NS = `pentora-bench-${process.pid}`;
const GNU_TIME = '/usr/bin/time';

type ScanType = 'syn' | 'connect';
type Tool = 'pentora' | 'nmap';

interface Scenario {
  name: string;
  target: string;
  /** The ports, as both tools take them on the command line. */
  pentoraPorts: string[];
  nmapPorts: string;
  /** host:port of every listener: the right answer. */
  truth: Set<string>;
}

interface Run {
  wallS: number;
  cpuS: number;
  rssMiB: number;
  open: Set<string>;
}

interface Row {
  scenario: string;
  type: ScanType;
  tool: Tool;
  runs: Run[];
  wallS: number;
  cpuS: number;
  rssMiB: number;
  found: number;
  expected: number;
  falseOpen: number;
}

// ---- cleanup: the namespace and the listener go whatever happens ------------

let listener: ChildProcess | null = null;
const tempDirs: string[] = [];
let cleaned = false;

function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  if (listener && listener.exitCode === null) listener.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// ---- the targets ---------------------------------------------------------


/** pentora's top N TCP ports, as `--top-ports N` selects them (sdk/assemblyscript/top-ports.ts). */
function topTcp(n: number): number[] {
  const ranked = readRanking('tcp').map((r) => r.port);
  const out = ranked.slice(0, n);
  const taken = new Set(out);
  for (let p = 1; out.length < n && p <= 65535; p++) if (!taken.has(p)) out.push(p);
  return out;
}

function scenarios(which: string): Scenario[] {
  const out: Scenario[] = [];
  if (which === 'single' || which === 'all') {
    const r = rng(42);
    const ports = new Set<number>([1, 65535]);
    while (ports.size < 200) ports.add(1 + Math.floor(r() * 65535));
    out.push({ name: '127.0.0.1 x 65,535 ports', target: '127.0.0.1', pentoraPorts: ['-p', '-'], nmapPorts: '-', truth: new Set([...ports].map((p) => `127.0.0.1:${p}`)) });
  }
  if (which === 'subnet' || which === 'all') {
    const r = rng(7);
    const top = topTcp(1000);
    const truth = new Set<string>();
    for (let i = 0; i < 256; i++) {
      const k = 2 + Math.floor(r() * 3);
      const mine = new Set<number>();
      while (mine.size < k) mine.add(top[Math.floor(r() * top.length)]!);
      for (const p of mine) truth.add(`127.42.0.${i}:${p}`);
    }
    out.push({ name: '127.42.0.0/24 x top 1000 ports', target: '127.42.0.0/24', pentoraPorts: ['--top-ports', '1000'], nmapPorts: top.join(','), truth });
  }
  return out;
}

async function startListeners(all: Set<string>): Promise<void> {
  listener = spawn('ip', ['netns', 'exec', NS, process.execPath, path.join(REPO, 'scripts', 'bench-listener.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  for (const hp of all) {
    const i = hp.lastIndexOf(':');
    listener.stdin!.write(`${hp.slice(0, i)} ${hp.slice(i + 1)}\n`);
  }
  listener.stdin!.write('\n');
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    listener!.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (/^ready \d+/m.test(buf)) resolve();
    });
    listener!.once('exit', (code) => reject(new Error(`listener exited (${code}) before it was ready`)));
  });
}

// ---- measuring -------------------------------------------------------------

/** Runs argv inside the namespace under GNU time; stdout is parsed by `open`. */
function measure(argv: string[], open: (stdout: string) => Set<string>): Promise<Run> {
  const timeFile = path.join(tempDirs[0]!, `time-${Math.random().toString(36).slice(2)}`);
  const timed = fs.existsSync(GNU_TIME) ? [GNU_TIME, '-f', '%e %U %S %M', '-o', timeFile, ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', NS, ...timed], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${argv.slice(0, 3).join(' ')} … exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      let [e, u, s, m] = [wall, NaN, NaN, NaN];
      if (fs.existsSync(timeFile)) [e, u, s, m] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
      resolve({ wallS: e, cpuS: u + s, rssMiB: m / 1024, open: open(stdout) });
    });
  });
}

function pentoraOpen(stdout: string): Set<string> {
  const out = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { type: string; host: string; port: number; state: string; protocol: string };
    if (r.type === 'port' && r.state === 'open' && r.protocol === 'tcp') out.add(`${r.host}:${r.port}`);
  }
  return out;
}

/** nmap -oG: "Host: 127.0.0.1 ()\tPorts: 22/open/tcp//ssh///, 80/closed/…". */
function nmapOpen(stdout: string): Set<string> {
  const out = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^Host: (\S+) .*\tPorts: (.*?)(\t|$)/.exec(line);
    if (!m) continue;
    for (const item of m[2]!.split(', ')) {
      const [port, state] = item.split('/');
      if (state === 'open') out.add(`${m[1]}:${port}`);
    }
  }
  return out;
}

function argvFor(tool: Tool, type: ScanType, s: Scenario, ws: string): string[] {
  if (tool === 'nmap') return ['nmap', '-n', type === 'syn' ? '-sS' : '-sT', '-T4', '-p', s.nmapPorts, s.target, '-oG', '-'];
  return [process.execPath, CLI, 'scan', '--targets', s.target, ...s.pentoraPorts, '--scan-type', type, '--profile', 'portscan', '--rate', '1000000', '-o', 'jsonl', '-q', '--workspace', ws];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// ---- report ----------------------------------------------------------------

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function report(rows: Row[]): string {
  const lines: string[] = [];
  const head = ['scenario', 'scan', 'tool', 'wall s', 'CPU s', 'peak RSS MiB', 'open found', 'false open'];
  const body = rows.map((r) => [r.scenario, r.type, r.tool, fmt(r.wallS), fmt(r.cpuS), fmt(r.rssMiB, 1), `${r.found}/${r.expected}`, String(r.falseOpen)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '');
  lines.push('ratios pentora/nmap (wall, CPU, peak RSS; <= 1.0 means pentora is at least as good):');
  for (const p of rows.filter((r) => r.tool === 'pentora')) {
    const n = rows.find((r) => r.tool === 'nmap' && r.scenario === p.scenario && r.type === p.type);
    if (!n) continue;
    lines.push(`  ${p.scenario}, ${p.type}: wall ${fmt(p.wallS / n.wallS)}  CPU ${fmt(p.cpuS / n.cpuS)}  RSS ${fmt(p.rssMiB / n.rssMiB)}`);
  }
  return lines.join('\n') + '\n';
}

// ---- main ------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, scenario: { type: 'string', default: 'all' }, type: { type: 'string', default: 'all' }, 'no-nmap': { type: 'boolean' }, json: { type: 'string' } },
  });
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  if (!['single', 'subnet', 'all'].includes(values.scenario!)) throw new Error(`--scenario must be single, subnet or all`);
  if (!['syn', 'connect', 'all'].includes(values.type!)) throw new Error(`--type must be syn, connect or all`);
  const types: ScanType[] = values.type === 'all' ? ['syn', 'connect'] : [values.type as ScanType];
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (it creates a network namespace with `ip netns add`)\n');
    return 2;
  }
  let nmap = !values['no-nmap'];
  if (nmap && !have('nmap')) {
    if (have('apt-get')) {
      process.stderr.write('bench: nmap is not installed; apt-get install -y nmap\n');
      spawnSync('apt-get', ['install', '-y', 'nmap'], { stdio: 'inherit' });
    }
    nmap = have('nmap');
    if (!nmap) process.stderr.write('bench: nmap unavailable: measuring pentora alone, no ratios\n');
  }
  await buildAll({ log: () => undefined });

  tempDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-bench-')));
  const work = tempDirs[0]!;
  run('ip', ['netns', 'add', NS]);
  run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  const chosen = scenarios(values.scenario!);
  const all = new Set<string>();
  for (const s of chosen) for (const t of s.truth) all.add(t);
  await startListeners(all);
  process.stderr.write(`bench: namespace ${NS}, ${all.size} listeners; ${runs} run(s) each, median reported\n`);

  const rows: Row[] = [];
  const tools: Tool[] = nmap ? ['pentora', 'nmap'] : ['pentora'];
  for (const s of chosen) {
    for (const type of types) {
      for (const tool of tools) {
        const done: Run[] = [];
        for (let i = 0; i < runs; i++) {
          // A fresh workspace per run: no run reads what an earlier one left.
          const ws = fs.mkdtempSync(path.join(work, 'ws-'));
          const r = await measure(argvFor(tool, type, s, ws), tool === 'nmap' ? nmapOpen : pentoraOpen);
          fs.rmSync(ws, { recursive: true, force: true });
          done.push(r);
          process.stderr.write(`  ${s.name} ${type} ${tool} #${i + 1}: ${fmt(r.wallS)} s, ${r.open.size} open\n`);
        }
        rows.push({
          scenario: s.name,
          type,
          tool,
          runs: done,
          wallS: median(done.map((d) => d.wallS)),
          cpuS: median(done.map((d) => d.cpuS)),
          rssMiB: median(done.map((d) => d.rssMiB)),
          found: Math.min(...done.map((d) => [...s.truth].filter((t) => d.open.has(t)).length)),
          expected: s.truth.size,
          falseOpen: Math.max(...done.map((d) => [...d.open].filter((t) => !s.truth.has(t)).length)),
        });
      }
    }
  }
  const text = report(rows);
  process.stdout.write(`\n${text}`);
  if (values.json) {
    const doc = { date: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() }, rows: rows.map(({ runs: r, ...rest }) => ({ ...rest, runs: r.map(({ open, ...m }) => ({ ...m, open: open.size })) })) };
    fs.writeFileSync(values.json, JSON.stringify(doc, null, 2) + '\n');
  }
  const pentoraRows = rows.filter((r) => r.tool === 'pentora');
  return pentoraRows.every((r) => r.found === r.expected && r.falseOpen === 0) ? 0 : 1;
}

main().then(
  (code) => {
    cleanup();
    process.exitCode = code;
  },
  (err: unknown) => {
    cleanup();
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
