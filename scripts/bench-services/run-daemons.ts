/**
 * The daemons part: start every daemon of DAEMONS inside a fresh namespace,
 * scan their ports with pentora (and nmap -sV when there), compare with the
 * dpkg-query versions.
 */

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, createNamespace, fmt, log, measure, spawnIn, table, tempDir, waitForPort, type Measured } from './common.ts';
import { DAEMONS, installedVersions, sameProduct, sameVersion, upstreamVersion, type Daemon } from './daemons.ts';
import { nmapIdents, pentoraFailures, pentoraIdents, pentoraStages, sameService, type Ident } from './results.ts';

export interface ToolCheck {
  ident: Ident | null;
  serviceOk: boolean;
  productOk: boolean;
  /** null: the service does not reveal it, so no verdict. */
  versionOk: boolean | null;
}

export interface DaemonRow {
  daemon: string;
  pkg: string;
  port: number;
  dpkg: string;
  upstream: string;
  started: boolean;
  revealsVersion: boolean;
  pentora: ToolCheck;
  nmap: ToolCheck | null;
}

export interface DaemonsResult {
  rows: DaemonRow[];
  /** Each pentora DAG node's run time. */
  stages: string[];
  pentora: Omit<Measured, 'stdout' | 'stderr'>;
  nmap: Omit<Measured, 'stdout' | 'stderr'> | null;
}

function check(idents: Ident[] | undefined, d: Daemon, upstream: string, nmapSpelling: boolean): ToolCheck {
  const list = idents ?? [];
  const want = nmapSpelling ? d.nmapProduct : d.product;
  // The identification that names the expected product wins; else the most confident one.
  const ident = list.find((i) => sameProduct(i.product, want)) ?? list[0] ?? null;
  const productOk = !!ident && sameProduct(ident.product, want);
  const version = ident?.version ?? null;
  return {
    ident,
    serviceOk: !!ident && sameService(ident.service, d.service),
    productOk,
    versionOk: d.revealsVersion ? productOk && sameVersion(version, upstream) : version ? sameVersion(version, upstream) : null,
  };
}

const strip = ({ stdout: _o, stderr: _e, ...m }: Measured) => m;

/**
 * Starts every daemon inside `ns` with its config under `work`/<name>, then waits (bounded)
 * until each port accepts. Returns which came up; a daemon that did not has its log's tail
 * printed.
 */
export async function startDaemons(ns: string, work: string): Promise<Map<string, boolean>> {
  const started = new Map<string, boolean>();
  const children = new Map<string, ChildProcess>();
  for (const d of DAEMONS) {
    if (!d.launch) continue;
    const dir = path.join(work, d.name);
    fs.mkdirSync(dir, { mode: 0o755 });
    try {
      children.set(d.name, spawnIn(ns, d.launch(dir), { cwd: dir, log: path.join(work, `${d.name}.log`) }));
    } catch (e) {
      log(`${d.name}: ${(e as Error).message}`);
    }
  }
  await Promise.all(
    DAEMONS.map(async (d) => {
      // A row without a launcher (dovecot's pop3) is served by the package family's launcher.
      const owner = d.launch ? d : DAEMONS.find((x) => x.launch && x.pkg.split('-')[0] === d.pkg.split('-')[0])!;
      const child = children.get(owner.name);
      const ok = await waitForPort(ns, '127.0.0.1', d.port, 30_000, () => !!child && child.exitCode === null && child.signalCode === null);
      started.set(d.name, ok);
      if (!ok) {
        const f = path.join(work, `${owner.name}.log`);
        const tail = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').slice(-5).join('\n    ') : '';
        log(`${d.name} did not accept on 127.0.0.1:${d.port} (${child && child.exitCode === null ? 'still starting after 30 s' : 'exited'})${tail ? `:\n    ${tail}` : ''}`);
      }
    }),
  );
  log(`daemons up in namespace ${ns}: ${DAEMONS.filter((d) => started.get(d.name)).map((d) => `${d.name}:${d.port}`).join(' ')}`);
  return started;
}

export async function runDaemons(opts: { nmap: boolean; timeoutS: number; nmapTimeoutS: number }): Promise<DaemonsResult> {
  const ns = createNamespace(`pentora-svc-${process.pid}`);
  const work = tempDir('pentora-svc-');
  fs.chmodSync(work, 0o755);
  const versions = installedVersions([...new Set(DAEMONS.map((d) => d.pkg))]);
  const started = await startDaemons(ns, work);

  const ports = DAEMONS.map((d) => d.port).join(',');
  const ws = path.join(work, 'ws');
  fs.mkdirSync(ws);
  log(`pentora scan -p ${ports}`);
  const p = await measure(ns, [process.execPath, CLI, 'scan', '--targets', '127.0.0.1', '-p', ports, '-o', 'json', '-q', '--workspace', ws], work, opts.timeoutS);
  if (p.timedOut) log(`pentora timed out after ${opts.timeoutS} s`);
  else if (p.code !== 0) log(`pentora exited ${p.code}: ${[...pentoraFailures(p.stdout), ...p.stderr.trim().split('\n').slice(-3)].filter(Boolean).join(' | ')}`);
  const pIdents = pentoraIdents(p.stdout, '127.0.0.1');

  let n: Measured | null = null;
  let nIdents = new Map<number, Ident[]>();
  if (opts.nmap) {
    log(`nmap -sV -p ${ports}`);
    n = await measure(ns, ['nmap', '-sV', '-n', '-Pn', '-p', ports, '127.0.0.1', '-oX', '-', '--host-timeout', `${opts.nmapTimeoutS}s`], work, opts.nmapTimeoutS + 60);
    if (n.timedOut) log(`nmap killed after ${opts.nmapTimeoutS + 60} s`);
    nIdents = nmapIdents(n.stdout);
  }

  const rows: DaemonRow[] = DAEMONS.map((d) => {
    const dpkg = versions.get(d.pkg) ?? '';
    const upstream = dpkg ? upstreamVersion(dpkg) : '';
    return {
      daemon: d.name,
      pkg: d.pkg,
      port: d.port,
      dpkg,
      upstream,
      started: started.get(d.name) ?? false,
      revealsVersion: d.revealsVersion,
      pentora: check(pIdents.get(d.port), d, upstream, false),
      nmap: opts.nmap ? check(nIdents.get(d.port), d, upstream, true) : null,
    };
  });
  return { rows, stages: pentoraStages(p.stdout), pentora: strip(p), nmap: n ? strip(n) : null };
}

function verdict(ok: boolean | null): string {
  return ok === null ? '-' : ok ? 'OK' : 'MISS';
}

function identText(i: Ident | null): string {
  if (!i) return '(none)';
  return `${i.service} ${i.product ?? '?'} ${i.version ?? ''}`.trim() + (i.confidence !== null ? ` (${i.confidence})` : '');
}

export function daemonsReport(r: DaemonsResult): string {
  const head = ['daemon', 'port', 'dpkg version', 'pentora', 'prod', 'ver'];
  if (r.nmap) head.push('nmap -sV', 'prod', 'ver');
  const body = r.rows.map((row) => {
    const cells = [row.daemon + (row.started ? '' : ' (not up)'), String(row.port), row.dpkg, identText(row.pentora.ident), verdict(row.pentora.productOk), verdict(row.pentora.versionOk)];
    if (row.nmap) cells.push(identText(row.nmap.ident), verdict(row.nmap.productOk), verdict(row.nmap.versionOk));
    return cells;
  });
  const lines = [table(head, body)];
  const count = (k: 'pentora' | 'nmap', f: (c: ToolCheck) => boolean | null) => r.rows.filter((x) => x[k] && f(x[k]!) === true).length;
  const reveal = r.rows.filter((x) => x.revealsVersion).length;
  const sum = (k: 'pentora' | 'nmap', m: Omit<Measured, 'stdout' | 'stderr'>) =>
    `${k.padEnd(7)}: products ${count(k, (c) => c.productOk)}/${r.rows.length}, versions ${count(k, (c) => c.versionOk)}/${reveal}, wall ${fmt(m.wallS)} s, CPU ${fmt(m.cpuS)} s, peak RSS ${fmt(m.rssMiB, 1)} MiB`;
  lines.push(sum('pentora', r.pentora));
  if (r.stages.length) lines.push(`  stages: ${r.stages.join(', ')}`);
  if (r.nmap) {
    lines.push(sum('nmap', r.nmap));
    lines.push(`time ratio pentora/nmap: wall ${fmt(r.pentora.wallS / r.nmap.wallS, 3)}, CPU ${fmt(r.pentora.cpuS / r.nmap.cpuS, 3)}`);
  }
  return lines.join('\n') + '\n';
}
