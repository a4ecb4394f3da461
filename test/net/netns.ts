/**
 * Network-namespace fixtures for raw-socket tests: two namespaces joined by
 * a veth pair, addresses on that link only (10.199.0.0/29, fd00:199::/64),
 * no route anywhere else, so nothing a test sends can leave the pair.
 * (10.199.0.0/29 leaves .3-.6 for a test to add to a side, e.g. an address that drops echo.)
 *
 * A Node process cannot move itself into a namespace, so both sides run as
 * children under `ip netns exec`: the scanner side prints one JSON document
 * on stdout; a service side prints a JSON "ready" line once it listens.
 * Names carry the pid and a counter, and everything is removed by
 * `cleanup()` (call it from afterAll), which also kills every process still
 * inside the namespaces.
 *
 * @example
 * const pair = await createNetnsPair('syn');
 * const svc = await pair.startService('b', ['tcp:22', 'udp:53']);
 * const out = await pair.runJson('a', 'test/net/fixtures/raw-scan.ts', { op: 'syn', targets: [pair.addrB], ports: [22] });
 * await pair.cleanup();
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const NODE = process.execPath;

/** Whether namespaces can be made here; `reason` says why not (the only case a test may skip). */
export function netnsSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (ip netns add)' };
  const probe = `pt-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error || add.status !== 0) return { ok: false, reason: `ip netns add failed: ${add.error?.message ?? add.stderr.trim()}` };
  spawnSync('ip', ['netns', 'del', probe]);
  return { ok: true };
}

export function sh(args: string[], input?: string): string {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8', input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr.trim() || r.error?.message}`);
  return r.stdout;
}

let counter = 0;

export interface ServiceHandle {
  /** What the service printed when ready. */
  ready: Record<string, unknown>;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface NetnsPair {
  /** Namespace names. */
  a: string;
  b: string;
  addrA: string;
  addrB: string;
  addr6A: string;
  addr6B: string;
  /** `ip netns exec <ns> <args>`, synchronously; throws on a non-zero exit. */
  exec(side: 'a' | 'b', args: string[], input?: string): string;
  /** Starts test/net/fixtures/services.ts in a namespace and waits for its ready line. */
  startService(side: 'a' | 'b', specs: string[]): Promise<ServiceHandle>;
  /** Runs a Node script in a namespace with a JSON argument; resolves with its JSON stdout. `dropNetRaw` runs it under capsh without CAP_NET_RAW. */
  runJson<T = unknown>(side: 'a' | 'b', script: string, arg: unknown, opts?: { dropNetRaw?: boolean; timeoutMs?: number }): Promise<T>;
  cleanup(): Promise<void>;
}

export async function createNetnsPair(tag: string): Promise<NetnsPair> {
  const id = `${process.pid}-${counter++}`;
  const a = `pt-${tag}-${id}-a`;
  const b = `pt-${tag}-${id}-b`;
  // Interface names are at most 15 bytes and live inside the namespaces, so short fixed names do not collide.
  const children = new Set<ChildProcess>();
  const pair: NetnsPair = {
    a,
    b,
    addrA: '10.199.0.1',
    addrB: '10.199.0.2',
    addr6A: 'fd00:199::1',
    addr6B: 'fd00:199::2',
    exec(side, args, input) {
      return sh(['ip', 'netns', 'exec', side === 'a' ? a : b, ...args], input);
    },
    async startService(side, specs) {
      const child = spawn('ip', ['netns', 'exec', side === 'a' ? a : b, NODE, path.join(REPO, 'test/net/fixtures/services.ts'), ...specs], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.add(child);
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`service ${specs.join(' ')} not ready in 20 s`)), 20_000);
        lines.once('line', (line) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line) as Record<string, unknown>);
          } catch (err) {
            reject(err);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`service exited (${code}) before it was ready`));
        });
      });
      const stop = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin?.end(); // the service exits when its stdin closes
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        children.delete(child);
      };
      return { ready, child, stop };
    },
    runJson<T>(side: 'a' | 'b', script: string, arg: unknown, opts: { dropNetRaw?: boolean; timeoutMs?: number } = {}): Promise<T> {
      const ns = side === 'a' ? a : b;
      const cmd = [NODE, path.resolve(REPO, script), JSON.stringify(arg)];
      const argv = opts.dropNetRaw ? ['netns', 'exec', ns, 'capsh', '--drop=cap_net_raw', '--', '-c', cmd.map(shellQuote).join(' ')] : ['netns', 'exec', ns, ...cmd];
      const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          children.delete(child);
          if (code !== 0) return reject(new Error(`${script} in ${ns} exited ${code ?? signal}: ${err.trim()}`));
          try {
            resolve(JSON.parse(out) as T);
          } catch {
            reject(new Error(`${script} printed no JSON: ${out.slice(0, 500)} ${err.slice(0, 500)}`));
          }
        });
      });
    },
    async cleanup() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const ns of [a, b]) {
        // Anything a test left running inside (by pid, only in our namespaces).
        const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        spawnSync('ip', ['netns', 'del', ns]);
      }
    },
  };
  try {
    sh(['ip', 'netns', 'add', a]);
    sh(['ip', 'netns', 'add', b]);
    sh(['ip', 'link', 'add', 'veth-a', 'netns', a, 'type', 'veth', 'peer', 'name', 'veth-b', 'netns', b]);
    for (const [ns, dev, v4, v6] of [
      [a, 'veth-a', pair.addrA, pair.addr6A],
      [b, 'veth-b', pair.addrB, pair.addr6B],
    ] as const) {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'addr', 'add', `${v4}/29`, 'dev', dev]);
      sh(['ip', '-n', ns, 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
    // Bounded wait for both ends to come up (carrier), then for the neighbour to answer.
    const deadline = performance.now() + 10_000;
    for (;;) {
      const up = [a, b].every((ns) => /state UP/.test(sh(['ip', '-n', ns, 'link', 'show', ns === a ? 'veth-a' : 'veth-b'])));
      if (up) break;
      if (performance.now() > deadline) throw new Error('veth pair did not come up in 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (err) {
    await pair.cleanup();
    throw err;
  }
  return pair;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
