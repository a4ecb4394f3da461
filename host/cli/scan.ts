/** `pentora scan`: run a scan and print its ports, services and findings. */

import { ExitCode, UsageError } from '../errors.ts';
import type { NodeOutcome } from '../engine/scheduler.ts';
import { prepareScan, runScan, type ScanResult } from '../scan.ts';
import { globals, outputFormat, parse, positiveInt } from './args.ts';
import { jsonLines, table, writeOut } from './output.ts';
import { openCatalog, openRuntime } from './runtime.ts';

export const usage = `pentora scan --targets SPEC... [options]

  -t, --targets SPEC...   addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.1-20), hostnames
  -iL, --input-list FILE  read targets from FILE, one per line
  --exclude SPEC          leave these out (repeatable)
  -p, --ports LIST        ports for scanner plugins: 22,80,1-1000 or - for all
  --profile NAME          quick | standard (default from config: standard)
  --dag FILE              run this DAG instead of the profile's plan
  --rate PPS              scan-wide connect rate limit
  -o, --output FORMAT     table (default) | json | jsonl
  --workspace DIR         workspace root (default ~/.local/share/pentora)
  -v, -vv                 more logging on stderr`;

const EXIT_FOR_STATE = { completed: ExitCode.Ok, partial: ExitCode.Partial, failed: ExitCode.Failed, interrupted: ExitCode.Interrupted, running: ExitCode.Internal } as const;

function render(result: ScanResult, format: string): string {
  if (format === 'jsonl') return jsonLines([...result.ports, ...result.services, ...result.findings]);
  if (format === 'json') {
    const { id, dir, state, nodes, ports, services, findings, artifacts } = result;
    return JSON.stringify({ scan: { id, dir, state, artifacts }, nodes, ports, services, findings }, null, 2) + '\n';
  }
  const out: string[] = [];
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
  out.push(`\nscan ${result.id} ${result.state}: ${result.ports.length} open ports, ${result.services.length} services, ${result.findings.length} findings\nresults: ${result.dir}\n`);
  return out.join('');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      targets: { type: 'string', short: 't', multiple: true },
      'input-list': { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      ports: { type: 'string', short: 'p' },
      profile: { type: 'string' },
      dag: { type: 'string' },
      rate: { type: 'string' },
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
  const rt = await openRuntime(globals(values), rate ? { scan: { rate_pps: rate } } : {});
  const catalog = await openCatalog(rt);
  for (const e of catalog.entries) if (!e.verified) rt.logger.warn({ plugin: e.name }, `refused: ${e.error}`);
  const opts = {
    targets,
    targetFiles: values['input-list'] ?? [],
    exclude: values.exclude ?? [],
    ...(values.ports ? { ports: values.ports } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.dag ? { dagFile: values.dag } : {}),
    config: rt.config,
    catalog,
    logger: rt.logger,
  };
  const prepared = await prepareScan(opts);
  const ac = new AbortController();
  const onSigint = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const progress = process.stderr.isTTY && !values.quiet;
  let finished = 0;
  const onNode = (o: NodeOutcome): void => {
    if (o.state === 'running' || o.state === 'pending') return;
    finished++;
    if (progress) process.stderr.write(`[${finished}/${prepared.dag.nodes.length}] ${o.id} ${o.state}${o.error ? `: ${o.error}` : ''}\n`);
  };
  try {
    const result = await runScan({ ...opts, onNode, signal: ac.signal }, prepared);
    writeOut(render(result, format));
    return EXIT_FOR_STATE[result.state];
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
