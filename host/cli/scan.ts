/** `pentora scan`: run a scan and print its ports, services and findings. */

import { ExitCode, UsageError } from '../errors.ts';
import type { NodeOutcome } from '../engine/scheduler.ts';
import { defaultScanTypes, parseScanTypes, type DiscoveryMode, type ScanType } from '../engine/scan-types.ts';
import { ProbeMeter } from '../net/meter.ts';
import { rawCapability } from '../net/raw/capability.ts';
import { SpareWorkers } from '../sandbox/instance.ts';
import { prepareScan, runScan, type ScanOptions, type ScanResult } from '../scan.ts';
import { globals, outputFormat, parse, positiveInt } from './args.ts';
import { jsonLines, table, writeOut } from './output.ts';
import { ProgressDisplay, progressMode } from './progress.ts';
import { openCatalog, openRuntime } from './runtime.ts';

export const usage = `pentora scan --targets SPEC... [options]

  -t, --targets SPEC...   addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.1-20), hostnames;
                          @discovered: the live hosts of the workspace's last discovery scan
  -iL, --input-list FILE  read targets from FILE, one per line
  --exclude SPEC          leave these out (repeatable)
  -p, --ports LIST        ports for scanner plugins: 22,80,1-1000 or - for all
  --top-ports N           the N most common ports (of --ports, if given), from pentora's ranking
  --scan-type TYPE        syn | connect | udp, or a comma list (syn,udp); default syn when
                          raw sockets are available (root or CAP_NET_RAW), else connect
                          (nmap spellings: -sS, -sT, -sU)
  --only-discover         host discovery only, no port scan (-sn)
  --skip-discovery        no host discovery: scan every target (-Pn)
  --profile NAME          quick | standard | portscan | discovery (default from config: standard)
  --dag FILE              run this DAG instead of the profile's plan
  --rate PPS              scan-wide packet rate limit (connects, SYNs, datagrams, pings)
  --retries N             extra tries for probes that got no answer (scanners, discovery)
  --timeout MS            how long a probe waits for an answer (scanners, discovery)
  --progress              show progress on stderr even when it is not a terminal
  -o, --output FORMAT     table (default) | json | jsonl
  --workspace DIR         workspace root (default ~/.local/share/pentora)
  -q, -v, -vv             less / more logging on stderr`;

/** nmap's spellings of the scan-type and discovery flags (parseArgs has only one-letter short options). */
const NMAP_FLAGS: Readonly<Record<string, string[]>> = {
  '-sS': ['--scan-type', 'syn'],
  '-sT': ['--scan-type', 'connect'],
  '-sU': ['--scan-type', 'udp'],
  '-sn': ['--only-discover'],
  '-Pn': ['--skip-discovery'],
};

function nmapSpellings(argv: string[]): string[] {
  return argv.flatMap((a) => NMAP_FLAGS[a] ?? [a]);
}

function nonNegativeInt(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new UsageError(`${flag} must be an integer in 0..${max}, got "${value}"`);
  return n;
}

const EXIT_FOR_STATE = { completed: ExitCode.Ok, partial: ExitCode.Partial, failed: ExitCode.Failed, interrupted: ExitCode.Interrupted, running: ExitCode.Internal } as const;

function render(result: ScanResult, format: string, onlyDiscover: boolean): string {
  if (format === 'jsonl') return jsonLines([...result.hosts, ...result.ports, ...result.services, ...result.findings]);
  if (format === 'json') {
    const { id, dir, state, nodes, hosts, ports, services, findings, artifacts } = result;
    return JSON.stringify({ scan: { id, dir, state, artifacts }, nodes, hosts, ports, services, findings }, null, 2) + '\n';
  }
  const out: string[] = [];
  if (onlyDiscover) {
    out.push(table(['HOST', 'STATE', 'FOUND BY', 'RTT MS'], result.hosts.map((h) => [h.host, h.state, h.methods.join(','), h.rtt_ms])));
    for (const n of result.nodes.filter((x) => x.state === 'failed' || x.state === 'skipped')) out.push(`\n! ${n.id} (${n.module}) ${n.state}: ${n.error ?? ''}`);
    out.push(`\nscan ${result.id} ${result.state}: ${result.hosts.length} hosts up\nresults: ${result.dir}\n`);
    return out.join('');
  }
  // One row per service; a port with several (web server + language) gets several rows.
  const rows: Array<Array<string | number | null | undefined>> = [];
  for (const p of result.ports) {
    const services = result.services.filter((s) => s.host === p.host && s.port === p.port);
    if (services.length === 0) rows.push([p.host, `${p.port}/${p.protocol}`, p.state]);
    services.forEach((s, i) => rows.push([i === 0 ? p.host : '', i === 0 ? `${p.port}/${p.protocol}` : '', i === 0 ? p.state : '', s.service, s.product, s.version, s.confidence, s.cpe]));
  }
  out.push(table(['HOST', 'PORT', 'STATE', 'SERVICE', 'PRODUCT', 'VERSION', 'CONF', 'CPE'], rows));
  if (result.findings.length > 0) {
    out.push('\n' + table(['HOST', 'PORT', 'SEVERITY', 'ID', 'TITLE'], result.findings.map((f) => [f.host, f.port, f.severity, f.id, f.title])));
  }
  const bad = result.nodes.filter((n) => n.state === 'failed' || n.state === 'skipped');
  for (const n of bad) out.push(`\n! ${n.id} (${n.module}) ${n.state}: ${n.error ?? ''}`);
  const up = result.nodes.some((n) => n.state === 'done' && n.summary && 'up' in n.summary) ? `${result.hosts.length} hosts up, ` : '';
  const open = result.ports.filter((p) => p.state === 'open').length;
  const maybe = result.ports.length - open; // UDP open|filtered
  out.push(`\nscan ${result.id} ${result.state}: ${up}${open} open ports${maybe ? ` (+${maybe} open|filtered)` : ''}, ${result.services.length} services, ${result.findings.length} findings\nresults: ${result.dir}\n`);
  return out.join('');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    nmapSpellings(argv),
    {
      targets: { type: 'string', short: 't', multiple: true },
      'input-list': { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      ports: { type: 'string', short: 'p' },
      'top-ports': { type: 'string' },
      'scan-type': { type: 'string', multiple: true },
      'only-discover': { type: 'boolean' },
      'skip-discovery': { type: 'boolean' },
      profile: { type: 'string' },
      dag: { type: 'string' },
      rate: { type: 'string' },
      retries: { type: 'string' },
      timeout: { type: 'string' },
      progress: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    'scan',
  );
  if (values.help) return (writeOut(usage + '\n'), ExitCode.Ok);
  // `--targets a b c`: values after the first are positionals.
  const targets = [...(values.targets ?? []), ...positionals];
  const format = outputFormat(values.output, ['table', 'json', 'jsonl'], 'scan');
  if (targets.length === 0 && !values['input-list']) throw new UsageError('scan: no targets: give --targets SPEC or -iL FILE');
  const rate = positiveInt(values.rate, '--rate');
  const topPorts = positiveInt(values['top-ports'], '--top-ports');
  if (topPorts !== undefined && topPorts > 65535) throw new UsageError(`--top-ports must be at most 65535, got ${topPorts}`);
  const retries = nonNegativeInt(values.retries, '--retries', 10);
  const timeoutMs = positiveInt(values.timeout, '--timeout');
  const discovery: DiscoveryMode = values['only-discover'] ? 'only' : values['skip-discovery'] ? 'skip' : 'default';
  if (values['only-discover'] && values['skip-discovery']) throw new UsageError('scan: --only-discover and --skip-discovery exclude each other');
  let scanTypes: ScanType[] | undefined = values['scan-type'] ? parseScanTypes(values['scan-type'].join(',')) : undefined;
  if (scanTypes && values.dag) throw new UsageError('scan: --scan-type chooses among a profile\'s scanners; a --dag file names its own');
  if (scanTypes && discovery === 'only') throw new UsageError('scan: --only-discover runs no port scan; leave out --scan-type');

  // The first plugin's sandbox thread boots on the other core while config, catalog and plan load.
  const spares = new SpareWorkers(1);
  try {
    const rt = await openRuntime(globals(values), rate ? { scan: { rate_pps: rate } } : {});
    const raw = rawCapability();
    // nmap's rule: a SYN scan when privileged, else a connect scan, said once (below).
    const defaulted = !scanTypes && !values.dag && discovery !== 'only';
    if (defaulted) scanTypes = defaultScanTypes(raw.ok);
    // Lazy: only the plugins the plan uses are verified and compiled (the rest cost nothing);
    // a planned one that fails is left out of the plan with its error (prepareScan).
    const catalog = await openCatalog(rt, { lazy: true });
    for (const e of catalog.entries) if (e.error !== null) rt.logger.warn({ plugin: e.name }, `refused: ${e.error}`);
    const meter = new ProbeMeter();
    const opts: ScanOptions = {
      targets,
      targetFiles: values['input-list'] ?? [],
      exclude: values.exclude ?? [],
      ...(values.ports ? { ports: values.ports } : {}),
      ...(topPorts !== undefined ? { topPorts } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values.dag ? { dagFile: values.dag } : {}),
      ...(scanTypes ? { scanTypes } : {}),
      discovery,
      ...(retries !== undefined ? { retries } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      raw,
      meter,
      config: rt.config,
      catalog,
      logger: rt.logger,
      spares,
    };
    const prepared = await prepareScan(opts);
    if (defaulted && !raw.ok && prepared.dag.nodes.some((n) => n.manifest.type === 'scanner')) {
      rt.logger.warn(`connect scan instead of SYN: ${raw.reason}; ${raw.advice}`);
    }
    if (prepared.discoveredFrom) rt.logger.info(`@discovered: ${prepared.targets.length} live host(s) from scan ${prepared.discoveredFrom}`);
    const ac = new AbortController();
    const onSigint = (): void => ac.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    const display = new ProgressDisplay(meter, process.stderr, progressMode({ stderrIsTTY: process.stderr.isTTY === true, quiet: values.quiet === true, force: values.progress === true }));
    let finished = 0;
    const onNode = (o: NodeOutcome): void => {
      if (o.state === 'running' || o.state === 'pending') return;
      finished++;
      display.note(`[${finished}/${prepared.dag.nodes.length}] ${o.id} ${o.state}${o.error ? `: ${o.error}` : ''}`);
    };
    display.start();
    try {
      const result = await runScan({ ...opts, onNode, signal: ac.signal }, prepared);
      display.stop();
      writeOut(render(result, format, discovery === 'only'));
      return EXIT_FOR_STATE[result.state];
    } finally {
      display.stop();
      process.removeListener('SIGINT', onSigint);
    }
  } finally {
    await spares.close();
  }
}
