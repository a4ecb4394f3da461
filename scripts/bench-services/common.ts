/**
 * What the service benchmark's parts share: the cleanup list (namespaces,
 * processes, temp dirs that go whatever happens), running commands inside a
 * namespace under GNU time, and table formatting. The patterns are those of
 * scripts/bench.ts (the port-scan benchmark), kept apart so that file stays
 * untouched.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'pentora.mjs');
const GNU_TIME = '/usr/bin/time';

// ---- cleanup ---------------------------------------------------------------

const namespaces: string[] = [];
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
const afterwards: Array<() => void> = [];

/** Kills every process started here, deletes the namespaces and temp dirs. Safe to call twice. */
export function cleanup(): void {
  for (const c of children) {
    // Each child leads its own process group (detached): the group goes, daemons' workers too.
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
  }
  children.clear();
  // Daemons that forked out of their group (none should) die with the namespace's last user;
  // `ip netns pids` names whatever is still inside.
  for (const ns of namespaces) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
  namespaces.length = 0;
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.length = 0;
  for (const f of afterwards.splice(0)) f();
}

let installed = false;
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench-services: ${sig}: stopping everything it started\n`);
      cleanup();
      process.exit(130);
    });
  }
}

export function onCleanup(f: () => void): void {
  afterwards.push(f);
}

export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join('/tmp', prefix));
  tempDirs.push(d);
  return d;
}

// ---- commands --------------------------------------------------------------

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return r.stdout;
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** `ip netns add NAME` with loopback up; removed by cleanup(). */
export function createNamespace(name: string): string {
  run('ip', ['netns', 'add', name]);
  namespaces.push(name);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

/** Starts argv inside the namespace as its own process group; killed by cleanup(). */
export function spawnIn(ns: string, argv: string[], opts: { cwd?: string; log?: string; stdin?: 'pipe' | 'ignore' } = {}): ChildProcess {
  const out = opts.log ? fs.openSync(opts.log, 'a') : 'ignore';
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: opts.cwd, detached: true, stdio: [opts.stdin ?? 'ignore', out === 'ignore' ? 'ignore' : out, out === 'ignore' ? 'ignore' : out] });
  if (typeof out === 'number') fs.closeSync(out);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Spawns a pipe-talking child (a listener set) inside the namespace; killed by cleanup(). */
export function spawnPiped(ns: string, argv: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export interface Measured {
  wallS: number;
  cpuS: number;
  rssMiB: number;
  stdout: string;
  stderr: string;
  code: number | null;
  timedOut: boolean;
}

/**
 * Runs argv inside the namespace under GNU time (wall, user + sys, peak RSS from
 * wait4's rusage), killing it after `timeoutS`. `onOutput` sees stdout and stderr as
 * they come (progress lines).
 */
export function measure(ns: string, argv: string[], work: string, timeoutS: number, onOutput?: (chunk: string) => void): Promise<Measured> {
  const timeFile = path.join(work, `time-${Math.random().toString(36).slice(2)}`);
  const timed = fs.existsSync(GNU_TIME) ? [GNU_TIME, '-f', '%e %U %S %M', '-o', timeFile, ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...timed], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutS * 1000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onOutput?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onOutput?.(d.toString());
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const wall = (performance.now() - started) / 1000;
      let [e, u, s, m] = [wall, NaN, NaN, NaN];
      if (fs.existsSync(timeFile)) {
        // GNU time prefixes "Command exited with non-zero status N" when it does.
        const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
        [e, u, s, m] = last.split(' ').map(Number) as [number, number, number, number];
        fs.rmSync(timeFile, { force: true });
      }
      resolve({ wallS: Number.isFinite(e) ? e : wall, cpuS: u + s, rssMiB: m / 1024, stdout, stderr, code, timedOut });
    });
  });
}

// ---- waiting ---------------------------------------------------------------

/** Polls until host:port accepts inside the namespace, at most `timeoutMs`. */
export async function waitForPort(ns: string, host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // One probe process per poll: bash's /dev/tcp needs no extra tool inside the namespace.
  while (Date.now() < deadline) {
    if (!alive()) return false;
    const r = spawnSync('ip', ['netns', 'exec', ns, 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { stdio: 'ignore', timeout: 2000 });
    if (r.status === 0) return true;
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}

// ---- numbers and tables ------------------------------------------------------

/** mulberry32 (scripts/bench.ts uses it too): the same listeners every run for one seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

export function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

export function log(msg: string): void {
  process.stderr.write(`bench-services: ${msg}\n`);
}
