/**
 * The 200-port listener bench: the seeded listener set of listeners.ts in its
 * own namespace, scanned by pentora and by nmap -sV; a port counts as
 * identified when the tool's service name is the protocol the listener speaks.
 */

import fs from 'node:fs';
import path from 'node:path';
import { CLI, createNamespace, fmt, log, measure, spawnPiped, table, tempDir, type Measured } from './common.ts';
import { plan, SILENT, TALKING, type ListenerSpec } from './listeners.ts';
import { nmapIdents, pentoraFailures, pentoraIdents, pentoraStages, sameService, type Ident } from './results.ts';

const HOST = '127.0.0.1';

export interface ToolRun {
  wallS: number;
  cpuS: number;
  rssMiB: number;
  timedOut: boolean;
  code: number | null;
  /** Talking ports whose service the tool named right. */
  identified: number;
  /** Talking ports it named as something else. */
  wrong: number;
  /** Silent ports it put a service name on. */
  silentNamed: number;
  byProtocol: Record<string, number>;
  /** pentora only: each DAG node's run time. */
  stages: string[];
  /** port → what the tool said (for the JSON). */
  idents: Record<number, string>;
}

export interface PortsResult {
  seed: number;
  listeners: Array<{ port: number; speaks: string; variant: string }>;
  pentora: ToolRun;
  nmap: ToolRun | null;
}

function score(specs: ListenerSpec[], idents: Map<number, Ident[]>, m: Measured): ToolRun {
  const run: ToolRun = { wallS: m.wallS, cpuS: m.cpuS, rssMiB: m.rssMiB, timedOut: m.timedOut, code: m.code, identified: 0, wrong: 0, silentNamed: 0, byProtocol: {}, idents: {}, stages: [] };
  for (const s of specs) {
    const list = idents.get(s.port) ?? [];
    if (list.length > 0) run.idents[s.port] = list.map((i) => `${i.service}${i.product ? ` ${i.product}` : ''}${i.version ? ` ${i.version}` : ''}`).join('; ');
    if (s.speaks === 'silent') {
      if (list.length > 0) run.silentNamed++;
      continue;
    }
    if (list.some((i) => sameService(i.service, s.speaks))) {
      run.identified++;
      run.byProtocol[s.speaks] = (run.byProtocol[s.speaks] ?? 0) + 1;
    } else if (list.length > 0) run.wrong++;
  }
  return run;
}

async function startListeners(ns: string, specs: ListenerSpec[]): Promise<void> {
  const child = spawnPiped(ns, [process.execPath, path.join(import.meta.dirname, 'listener-server.ts')]);
  child.stdin!.write(JSON.stringify({ host: HOST, listeners: specs }) + '\n');
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('listeners not ready after 30 s')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (/^ready \d+/m.test(buf)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listener-server exited (${code}) before it was ready`));
    });
  });
}

export async function runPorts(opts: { nmap: boolean; seed: number; timeoutS: number; nmapTimeoutS: number }): Promise<PortsResult> {
  const specs = plan(opts.seed);
  const ns = createNamespace(`pentora-svcports-${process.pid}`);
  const work = tempDir('pentora-svcports-');
  await startListeners(ns, specs);
  const counts = new Map<string, number>();
  for (const s of specs) counts.set(s.speaks, (counts.get(s.speaks) ?? 0) + 1);
  log(`namespace ${ns}: ${specs.length} listeners (${TALKING} talking, ${SILENT} silent), seed ${opts.seed}: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const sorted = [...specs].sort((a, b) => a.port - b.port);
  log(`ports: ${sorted.map((s) => `${s.port}/${s.speaks}`).join(' ')}`);
  const ports = sorted.map((s) => s.port).join(',');

  const ws = path.join(work, 'ws');
  fs.mkdirSync(ws);
  log('pentora scan (200 ports)');
  const p = await measure(ns, [process.execPath, CLI, 'scan', '--targets', HOST, '-p', ports, '-o', 'json', '-q', '--workspace', ws], work, opts.timeoutS);
  if (p.timedOut) log(`pentora timed out after ${opts.timeoutS} s`);
  else if (p.code !== 0) log(`pentora exited ${p.code}: ${[...pentoraFailures(p.stdout), ...p.stderr.trim().split('\n').slice(-3)].filter(Boolean).join(' | ')}`);
  const pentora = score(specs, pentoraIdents(p.stdout, HOST), p);
  pentora.stages = pentoraStages(p.stdout);
  log(`pentora: ${fmt(p.wallS)} s, ${pentora.identified}/${TALKING} identified`);

  let nmap: ToolRun | null = null;
  if (opts.nmap) {
    log(`nmap -sV (200 ports; minutes: silent ports wait out every probe; bounded at ${opts.nmapTimeoutS} s)`);
    const xml = path.join(work, 'nmap.xml');
    let last = 0;
    const n = await measure(
      ns,
      ['nmap', '-sV', '-n', '-Pn', '-p', ports, HOST, '-oX', xml, '--host-timeout', `${opts.nmapTimeoutS}s`, '--stats-every', '30s'],
      work,
      opts.nmapTimeoutS + 60,
      (chunk) => {
        const m = /Service scan Timing: About ([\d.]+)% done(?:; ETC: (\S+) \(([\d:]+) remaining\))?/.exec(chunk);
        if (m && Date.now() - last > 29_000) {
          last = Date.now();
          log(`  nmap: service scan ${m[1]}% done${m[3] ? `, ${m[3]} remaining by its estimate` : ''}`);
        }
      },
    );
    if (n.timedOut) log(`nmap killed after ${opts.nmapTimeoutS + 60} s`);
    else if (/host timeout/i.test(n.stdout)) log(`nmap gave up on the host at --host-timeout ${opts.nmapTimeoutS}s: it reports nothing for it`);
    nmap = score(specs, nmapIdents(fs.existsSync(xml) ? fs.readFileSync(xml, 'utf8') : ''), n);
    log(`nmap: ${fmt(n.wallS)} s, ${nmap.identified}/${TALKING} identified`);
  }
  return { seed: opts.seed, listeners: sorted.map(({ port, speaks, variant }) => ({ port, speaks, variant })), pentora, nmap };
}

export function portsReport(r: PortsResult): string {
  const tools: Array<[string, ToolRun]> = [['pentora', r.pentora]];
  if (r.nmap) tools.push(['nmap -sV', r.nmap]);
  const main = table(
    ['tool', 'identified', 'wrong name', 'silent named', 'wall s', 'CPU s', 'peak RSS MiB', 'note'],
    tools.map(([name, t]) => [name, `${t.identified}/${TALKING}`, String(t.wrong), `${t.silentNamed}/${SILENT}`, fmt(t.wallS), fmt(t.cpuS), fmt(t.rssMiB, 1), t.timedOut ? 'timed out' : t.code ? `exit ${t.code}` : '']),
  );
  const protocols = [...new Set(r.listeners.filter((l) => l.speaks !== 'silent').map((l) => l.speaks))];
  const per = table(
    ['protocol', 'listeners', ...tools.map(([n]) => n)],
    protocols.map((p) => [p, String(r.listeners.filter((l) => l.speaks === p).length), ...tools.map(([, t]) => String(t.byProtocol[p] ?? 0))]),
  );
  const lines = [main, per];
  if (r.pentora.stages.length) lines.push(`pentora stages: ${r.pentora.stages.join(', ')}\n`);
  if (r.nmap) lines.push(`time ratio pentora/nmap: wall ${fmt(r.pentora.wallS / r.nmap.wallS, 3)} (target <= 0.100), CPU ${fmt(r.pentora.cpuS / r.nmap.cpuS, 3)}, peak RSS ${fmt(r.pentora.rssMiB / r.nmap.rssMiB, 2)}\n`);
  return lines.join('\n');
}
