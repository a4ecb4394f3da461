/**
 * A scan, end to end: parse targets (the host owns scope), plan or load the
 * DAG, then — only once every input is known good, so bad input never leaves
 * a half-made record — create the scan in the workspace, run the DAG, and
 * store results, transcript and artifacts.
 */

import fs from 'node:fs/promises';
import { ErrorCode, PentoraError, describeError } from './errors.ts';
import type { PentoraConfig } from './config/config.ts';
import type { Catalog } from './engine/catalog.ts';
import { DataContext } from './engine/context.ts';
import { parseDagYaml, validateDag, type Dag } from './engine/dag.ts';
import { STANDARD_KEY_NAMES } from './engine/keys.ts';
import { planDag } from './engine/planner.ts';
import { runDag, type NodeOutcome } from './engine/scheduler.ts';
import type { HostCallEnv } from './hostcalls/env.ts';
import type { Logger } from './log.ts';
import { Semaphore, TokenBucket } from './net/rate-limit.ts';
import { checkPortSpec } from './net/ports.ts';
import { Scope } from './net/scope.ts';
import { parseTargets, readTargetFile, type Resolver, type Target } from './net/targets.ts';
import { resultRecords, type FindingRecord, type PortRecord, type ServiceRecord } from './report.ts';
import { createScan, type NodeStatus, type ScanState } from './workspace/scan-record.ts';
import { Transcript } from './workspace/transcript.ts';

export interface ScanOptions {
  targets: string[];
  /** `-iL` files, one spec per line. */
  targetFiles?: string[];
  exclude?: string[];
  /** Overrides the `ports` option of every plugin that has one. */
  ports?: string;
  profile?: string;
  /** A DAG file instead of the profile's plan. */
  dagFile?: string;
  config: PentoraConfig;
  catalog: Catalog;
  logger: Logger;
  resolve?: Resolver;
  onNode?: (o: NodeOutcome) => void;
  signal?: AbortSignal;
}

export interface PreparedScan {
  targets: Target[];
  dag: Dag;
  dropped: Array<{ module: string; reason: string }>;
}

export interface ScanResult {
  id: string;
  dir: string;
  state: ScanState;
  nodes: NodeOutcome[];
  ports: PortRecord[];
  services: ServiceRecord[];
  findings: FindingRecord[];
  artifacts: string[];
}

/** Validates everything a scan needs without touching the network or the workspace. */
export async function prepareScan(opts: ScanOptions): Promise<PreparedScan> {
  const specs = [...opts.targets];
  for (const f of opts.targetFiles ?? []) specs.push(...(await readTargetFile(f, { maxHosts: opts.config.scan.max_hosts })));
  if (specs.length === 0) throw new PentoraError(ErrorCode.Usage, 'no targets: give --targets SPEC or -iL FILE');
  if (opts.ports !== undefined) checkPortSpec(opts.ports);
  const targets = await parseTargets(specs, {
    exclude: opts.exclude ?? [],
    maxHosts: opts.config.scan.max_hosts,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  });
  if (targets.length === 0) throw new PentoraError(ErrorCode.Target, 'targets: every address was excluded; nothing to scan');
  const lookup = (name: string) => opts.catalog.get(name)?.manifest ?? null;
  let dag: Dag;
  let dropped: PreparedScan['dropped'] = [];
  if (opts.dagFile) {
    let text: string;
    try {
      text = await fs.readFile(opts.dagFile, 'utf8');
    } catch (err) {
      throw new PentoraError(ErrorCode.Dag, `${opts.dagFile}: cannot read DAG file: ${describeError(err)}`);
    }
    dag = validateDag(parseDagYaml(text, opts.dagFile), lookup, opts.dagFile);
    if (opts.ports) {
      for (const n of dag.nodes) if (Object.hasOwn(n.manifest.config, 'ports')) n.config.ports = opts.ports;
    }
  } else {
    const profile = opts.profile ?? opts.config.scan.profile;
    const overrides: Record<string, unknown> = { ports: opts.ports ?? opts.config.scan.ports };
    const plan = planDag(opts.catalog.manifests(), { profile, overrides });
    if (plan.spec.nodes.length === 0) throw new PentoraError(ErrorCode.Dag, `profile "${profile}": no verified plugin belongs to it (see pentora plugin list)`);
    dag = validateDag(plan.spec, lookup, `profile "${profile}"`);
    dropped = plan.dropped;
  }
  return { targets, dag, dropped };
}

function finalState(nodes: NodeOutcome[], signal?: AbortSignal): ScanState {
  if (signal?.aborted) return 'interrupted';
  const done = nodes.filter((n) => n.state === 'done').length;
  if (done === nodes.length) return 'completed';
  return done === 0 ? 'failed' : 'partial';
}

export async function runScan(opts: ScanOptions, prepared?: PreparedScan): Promise<ScanResult> {
  const { targets, dag, dropped } = prepared ?? (await prepareScan(opts));
  const { config, logger } = opts;
  for (const d of dropped) logger.warn({ plugin: d.module }, `left out of the plan: ${d.reason}`);

  const request = {
    targets: opts.targets,
    target_files: opts.targetFiles ?? [],
    exclude: opts.exclude ?? [],
    ports: opts.ports ?? null,
    profile: opts.dagFile ? null : (opts.profile ?? config.scan.profile),
    dag: { name: dag.name, nodes: dag.nodes.map((n) => ({ instance_id: n.id, module_type: n.module, depends_on: n.dependsOn, config: n.config })) },
  };
  const scan = await createScan(config.workspace, request, { targets: targets.length });
  const log = logger.child({ scan: scan.id });
  log.info({ targets: targets.length, nodes: dag.nodes.length }, 'scan started');
  const transcript = await Transcript.open(`${scan.dir}/transcript.jsonl`);
  const context = new DataContext();
  context.write({ module: 'host', instance: 'host' }, 'targets', targets);

  const env: HostCallEnv = {
    scanId: scan.id,
    context,
    scope: new Scope(targets, opts.resolve ? { resolve: opts.resolve } : {}),
    transcript,
    logger: log,
    startedAt: performance.now(),
    net: {
      globalBucket: new TokenBucket(config.scan.rate_pps, Math.max(1, Math.ceil(config.scan.rate_pps / 10))),
      semaphore: new Semaphore(config.scan.concurrency),
      pps: config.scan.rate_pps,
      connectTimeoutMs: config.scan.connect_timeout_ms,
      maxProbesPerCall: 65_536,
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };

  const artifacts: string[] = [];
  const pendingWrites: Promise<unknown>[] = [];
  let nodes: NodeOutcome[] = [];
  let failure: unknown = null;
  try {
    nodes = await runDag({
      dag,
      plugins: (m) => opts.catalog.get(m),
      env,
      workers: config.workers,
      onNode: (o) => {
        opts.onNode?.(o);
        if (o.state === 'failed') log.warn({ node: o.id, plugin: o.module }, o.error ?? 'failed');
        else log.info({ node: o.id, plugin: o.module, state: o.state }, `node ${o.state}`);
        const node: Partial<NodeStatus> = { module: o.module, state: o.state };
        if (o.error !== undefined) node.error = o.error;
        if (o.startedAt !== undefined) node.started_at = o.startedAt;
        if (o.finishedAt !== undefined) node.finished_at = o.finishedAt;
        if (o.summary !== undefined) node.summary = o.summary;
        pendingWrites.push(scan.updateStatus({ nodes: { [o.id]: node } }));
      },
      onArtifact: (node, name, bytes) => {
        pendingWrites.push(
          scan.writeArtifact(name, bytes).then(
            (file) => artifacts.push(file),
            (err: unknown) => log.warn({ node: node.id }, `artifact ${name} not written: ${describeError(err)}`),
          ),
        );
      },
    });
  } catch (err) {
    failure = err;
  }
  // Whatever happened, what the plugins produced is stored and the record is closed.
  await Promise.allSettled(pendingWrites);
  const records = resultRecords(context);
  for (const key of STANDARD_KEY_NAMES) {
    const items = context.get(key);
    if (items && items.length > 0) await scan.appendResults(key, items);
  }
  await scan.appendResults('records', [...records.ports, ...records.services, ...records.findings]);
  const state = failure ? 'failed' : finalState(nodes, opts.signal);
  await transcript.close().catch((err: unknown) => log.warn(`transcript: ${describeError(err)}`));
  await scan.updateStatus({ state, finished_at: new Date().toISOString() });
  await scan.close();
  log.info({ state }, 'scan finished');
  if (failure) throw failure;
  return { id: scan.id, dir: scan.dir, state, nodes, ...records, artifacts };
}
