/**
 * A scan, end to end: parse targets (the host owns scope), plan or load the
 * DAG, then — only once every input is known good, so bad input never leaves
 * a half-made record — create the scan in the workspace, run the DAG, and
 * store results, transcript and artifacts.
 */

import fs from 'node:fs/promises';
import { ErrorCode, PentoraError, describeError } from './errors.ts';
import type { PentoraConfig } from './config/config.ts';
import type { Catalog, CatalogEntry } from './engine/catalog.ts';
import { DataContext } from './engine/context.ts';
import { parseDagYaml, validateDag, type Dag, type DagSpec } from './engine/dag.ts';
import { STANDARD_KEY_NAMES } from './engine/keys.ts';
import { planDag } from './engine/planner.ts';
import { defaultScanTypes, moduleFilter, type DiscoveryMode, type ScanType } from './engine/scan-types.ts';
import { runDag, type NodeOutcome } from './engine/scheduler.ts';
import type { HostCallEnv } from './hostcalls/env.ts';
import type { Logger } from './log.ts';
import type { SpareWorkers } from './sandbox/instance.ts';
import type { Manifest } from './sandbox/manifest.ts';
import { MeteredBucket, plannedProbes, ProbeMeter } from './net/meter.ts';
import { rawCapability, type RawCapability } from './net/raw/capability.ts';
import { Semaphore, TokenBucket } from './net/rate-limit.ts';
import { routedOverLoopback } from './net/local-addresses.ts';
import { checkPortSpec } from './net/ports.ts';
import { Scope } from './net/scope.ts';
import { parseTargets, readTargetFile, type Resolver, type Target } from './net/targets.ts';
import { resultRecords, type FindingRecord, type HostRecord, type PortRecord, type ServiceRecord } from './report.ts';
import { DISCOVERED_TARGETS, discoveredHosts } from './workspace/discovered.ts';
import { createScan, type NodeStatus, type ScanState } from './workspace/scan-record.ts';
import { Transcript } from './workspace/transcript.ts';

export interface ScanOptions {
  targets: string[];
  /** `-iL` files, one spec per line. */
  targetFiles?: string[];
  exclude?: string[];
  /** Overrides the `ports` option of every plugin that has one. */
  ports?: string;
  /** The N highest-ranked of the ports (all ports when `ports` is not given): sets `top_ports` of every plugin that has it. */
  topPorts?: number;
  profile?: string;
  /** Port scanners of the profile to run, by type (--scan-type); default: syn with raw sockets, else connect. */
  scanTypes?: readonly ScanType[];
  /** Host discovery as the profile has it, left out (-Pn), or alone (--only-discover). */
  discovery?: DiscoveryMode;
  /** Timing for scanner and discovery modules: sets their `retries`, and `timeout_ms` / `connect_timeout_ms`. */
  retries?: number;
  timeoutMs?: number;
  /** Whether raw sockets work here; default: asked of the process (CAP_NET_RAW and the raw-socket addon). */
  raw?: RawCapability;
  /** Live counters of the scan's probes, for a progress display. */
  meter?: ProbeMeter;
  /** A DAG file instead of the profile's plan. */
  dagFile?: string;
  config: PentoraConfig;
  catalog: Catalog;
  logger: Logger;
  resolve?: Resolver;
  onNode?: (o: NodeOutcome) => void;
  signal?: AbortSignal;
  /** Sandbox threads booted ahead of the first node (runDag closes them). */
  spares?: SpareWorkers;
}

export interface PreparedScan {
  targets: Target[];
  /** When the targets included @discovered: the scan whose live hosts they are. */
  discoveredFrom?: string;
  dag: Dag;
  dropped: Array<{ module: string; reason: string }>;
  /**
   * Every target is this machine (routed over loopback), so host discovery
   * was left out and each target counts as up, as nmap reports it
   * ("localhost-response"); only with the profile's default discovery.
   */
  localhostUp?: boolean;
}

export interface ScanResult {
  id: string;
  dir: string;
  state: ScanState;
  nodes: NodeOutcome[];
  hosts: HostRecord[];
  ports: PortRecord[];
  services: ServiceRecord[];
  findings: FindingRecord[];
  artifacts: string[];
}

/** Validates everything a scan needs without touching the network or the workspace. */
export async function prepareScan(opts: ScanOptions): Promise<PreparedScan> {
  const specs = opts.targets.filter((t) => t !== DISCOVERED_TARGETS);
  let discoveredFrom: string | undefined;
  if (specs.length < opts.targets.length) {
    const found = await discoveredHosts(opts.config.workspace);
    specs.push(...found.hosts);
    discoveredFrom = found.scanId;
  }
  for (const f of opts.targetFiles ?? []) specs.push(...(await readTargetFile(f, { maxHosts: opts.config.scan.max_hosts })));
  if (specs.length === 0) throw new PentoraError(ErrorCode.Usage, 'no targets: give --targets SPEC or -iL FILE');
  if (opts.ports !== undefined) checkPortSpec(opts.ports);
  if (opts.topPorts !== undefined && !(Number.isSafeInteger(opts.topPorts) && opts.topPorts >= 1 && opts.topPorts <= 65535)) {
    throw new PentoraError(ErrorCode.Usage, `--top-ports must be an integer in 1..65535, got ${opts.topPorts}`);
  }
  // --ports and --top-ports always travel together, so a plugin's own top_ports default never narrows an explicit --ports.
  const portConfig = { ports: opts.ports ?? (opts.topPorts !== undefined ? '-' : opts.config.scan.ports), top_ports: opts.topPorts ?? 0 };
  const targets = await parseTargets(specs, {
    exclude: opts.exclude ?? [],
    maxHosts: opts.config.scan.max_hosts,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  });
  if (targets.length === 0) throw new PentoraError(ErrorCode.Target, 'targets: every address was excluded; nothing to scan');
  const lookup = (name: string) => opts.catalog.get(name)?.manifest ?? null;
  let dag: Dag;
  let dropped: PreparedScan['dropped'] = [];
  let localhostUp = false;
  if (opts.dagFile) {
    let text: string;
    try {
      text = await fs.readFile(opts.dagFile, 'utf8');
    } catch (err) {
      throw new PentoraError(ErrorCode.Dag, `${opts.dagFile}: cannot read DAG file: ${describeError(err)}`);
    }
    const spec = parseDagYaml(text, opts.dagFile);
    // A lazy catalog verifies the plugins the file names now; one that fails is reported by validateDag as unknown.
    if (Array.isArray(spec?.nodes)) dropped = refused(await opts.catalog.ensure(spec.nodes.map((n) => String(n?.module_type))));
    // A DAG file names its own ports; only flags given on the command line replace them.
    const given: Record<string, unknown> = {};
    if (opts.ports !== undefined || opts.topPorts !== undefined) Object.assign(given, portConfig);
    applyConfig(spec, lookup, given, timingConfig(opts));
    dag = validateDag(spec, lookup, opts.dagFile);
  } else {
    const profile = opts.profile ?? opts.config.scan.profile;
    const raw = (opts.raw ?? rawCapability()).ok;
    // nmap sends no discovery probe to this machine's own addresses (islocalhost(): "localhost-response").
    const discovery = opts.discovery ?? 'default';
    localhostUp = discovery === 'default' && targets.every((t) => routedOverLoopback(t.host));
    const select = moduleFilter({ scanTypes: opts.scanTypes ?? defaultScanTypes(raw), discovery: localhostUp ? 'skip' : discovery, raw });
    // Plan over what the plugins declare, verify what the plan uses, and plan
    // again without any that failed: only planned plugins pay for verification.
    let plan = planDag(opts.catalog.candidates(), { profile, overrides: portConfig, select });
    const refusedPlugins: PreparedScan['dropped'] = [];
    for (let round = 0; round <= opts.catalog.entries.length; round++) {
      const failed = await opts.catalog.ensure(plan.spec.nodes.map((n) => n.module_type));
      if (failed.length === 0) break;
      refusedPlugins.push(...refused(failed));
      plan = planDag(opts.catalog.candidates(), { profile, overrides: portConfig, select });
    }
    if (plan.spec.nodes.length === 0) throw new PentoraError(ErrorCode.Dag, `profile "${profile}": no verified plugin belongs to it (see pentora plugin list)`);
    // scan.read_timeout_ms is the passive read's wait (the grabber's read_timeout_ms).
    applyConfig(plan.spec, lookup, { read_timeout_ms: opts.config.scan.read_timeout_ms }, timingConfig(opts));
    dag = validateDag(plan.spec, lookup, `profile "${profile}"`);
    dropped = [...refusedPlugins, ...plan.dropped];
  }
  return { targets, dag, dropped, ...(discoveredFrom ? { discoveredFrom } : {}), ...(localhostUp ? { localhostUp } : {}) };
}

/** Plugins that failed verification when the plan needed them, as dropped modules. */
function refused(entries: readonly CatalogEntry[]): PreparedScan['dropped'] {
  return entries.map((e) => ({ module: e.name, reason: `refused: ${e.error ?? 'not verified'}` }));
}

/** --retries / --timeout as plugin options: the ones probing modules name them by. */
function timingConfig(opts: ScanOptions): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (opts.retries !== undefined) t.retries = opts.retries;
  if (opts.timeoutMs !== undefined) {
    t.timeout_ms = opts.timeoutMs;
    t.connect_timeout_ms = opts.timeoutMs;
  }
  return t;
}

/**
 * Sets `all` on every node whose plugin has an option of that name, and
 * `probing` only on scanner and discovery nodes (a banner grabber's read
 * timeout is not what --timeout tunes). Unknown modules are left for
 * validateDag to report.
 */
function applyConfig(spec: DagSpec, lookup: (name: string) => Manifest | null, all: Record<string, unknown>, probing: Record<string, unknown>): void {
  if (!Array.isArray(spec?.nodes)) return;
  for (const node of spec.nodes) {
    if (typeof node?.module_type !== 'string') continue;
    const m = lookup(node.module_type);
    if (!m) continue;
    const config = (node.config ??= {});
    for (const [k, v] of Object.entries(all)) if (Object.hasOwn(m.config, k)) config[k] = v;
    if (m.type !== 'scanner' && m.type !== 'discovery') continue;
    for (const [k, v] of Object.entries(probing)) if (Object.hasOwn(m.config, k)) config[k] = v;
  }
}

function finalState(nodes: NodeOutcome[], signal?: AbortSignal): ScanState {
  if (signal?.aborted) return 'interrupted';
  const done = nodes.filter((n) => n.state === 'done').length;
  if (done === nodes.length) return 'completed';
  return done === 0 ? 'failed' : 'partial';
}

export async function runScan(opts: ScanOptions, prepared?: PreparedScan): Promise<ScanResult> {
  const { targets, dag, dropped, discoveredFrom, localhostUp } = prepared ?? (await prepareScan(opts));
  const { config, logger } = opts;
  for (const d of dropped) logger.warn({ plugin: d.module }, `left out of the plan: ${d.reason}`);

  const request = {
    targets: opts.targets,
    target_files: opts.targetFiles ?? [],
    exclude: opts.exclude ?? [],
    ...(discoveredFrom ? { discovered_from: discoveredFrom, resolved_targets: targets.map((t) => t.host) } : {}),
    ports: opts.ports ?? null,
    top_ports: opts.topPorts ?? null,
    profile: opts.dagFile ? null : (opts.profile ?? config.scan.profile),
    scan_types: opts.dagFile ? null : (opts.scanTypes ?? null),
    discovery: localhostUp ? 'localhost' : (opts.discovery ?? 'default'),
    retries: opts.retries ?? null,
    timeout_ms: opts.timeoutMs ?? null,
    dag: { name: dag.name, nodes: dag.nodes.map((n) => ({ instance_id: n.id, module_type: n.module, depends_on: n.dependsOn, config: n.config })) },
  };
  const scan = await createScan(config.workspace, request, { targets: targets.length });
  const log = logger.child({ scan: scan.id });
  log.info({ targets: targets.length, nodes: dag.nodes.length }, 'scan started');
  const transcript = await Transcript.open(`${scan.dir}/transcript.jsonl`);
  const context = new DataContext();
  context.write({ module: 'host', instance: 'host' }, 'targets', targets);
  if (localhostUp) {
    log.info({ targets: targets.length }, 'every target is this machine (routed over loopback): up without discovery probes, as nmap reports localhost-response');
    context.write({ module: 'host', instance: 'host' }, 'discovered_hosts', targets.map((t) => ({ host: t.host, alive: true, method: 'localhost', reason: 'localhost-response' })));
  }

  const { meter } = opts;
  const burst = Math.max(1, Math.ceil(config.scan.rate_pps / 10));
  // Which node is which kind, for the meter's estimate of the probes to come.
  const planned = dag.nodes.map((n) => ({ id: n.id, type: n.manifest.type, config: n.config }));
  if (meter) {
    if (localhostUp) meter.hostsUp = targets.length;
    meter.expected = plannedProbes(planned, targets.length, null, checkPortSpec);
  }
  const env: HostCallEnv = {
    scanId: scan.id,
    context,
    scope: new Scope(targets, opts.resolve ? { resolve: opts.resolve } : {}),
    transcript: meter ? meter.tap(transcript) : transcript,
    logger: log,
    startedAt: performance.now(),
    net: {
      // Every packet of every host call takes a token here first, so a metered bucket counts them all.
      globalBucket: meter ? new MeteredBucket(meter, config.scan.rate_pps, burst) : new TokenBucket(config.scan.rate_pps, burst),
      semaphore: new Semaphore(config.scan.concurrency),
      pps: config.scan.rate_pps,
      connectTimeoutMs: config.scan.connect_timeout_ms,
      maxProbesPerCall: 65_536,
      ...(opts.raw ? { raw: opts.raw } : {}),
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
      ...(opts.spares ? { spares: opts.spares } : {}),
      onNode: (o) => {
        if (meter && o.state !== 'running' && o.state !== 'pending' && planned.some((p) => p.id === o.id && p.type === 'discovery')) {
          // Scanners only probe the hosts discovery found up: the estimate shrinks to them.
          const up = new Set((context.get('discovered_hosts') ?? []).filter((r) => r.alive === true).map((r) => String(r.host))).size;
          const seen = (context.get('discovered_hosts') ?? []).length > 0;
          meter.hostsUp = seen ? up : null;
          meter.expected = plannedProbes(planned, targets.length, seen ? up : null, checkPortSpec);
        }
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
  await scan.appendResults('records', [...records.hosts, ...records.ports, ...records.services, ...records.findings]);
  const state = failure ? 'failed' : finalState(nodes, opts.signal);
  await transcript.close().catch((err: unknown) => log.warn(`transcript: ${describeError(err)}`));
  await scan.updateStatus({ state, finished_at: new Date().toISOString() });
  await scan.close();
  log.info({ state }, 'scan finished');
  if (failure) throw failure;
  return { id: scan.id, dir: scan.dir, state, nodes, ...records, artifacts };
}
