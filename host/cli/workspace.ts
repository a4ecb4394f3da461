/** `pentora workspace list|show ID`. */

import { ExitCode, UsageError } from '../errors.ts';
import { listScans, readScan } from '../workspace/scan-record.ts';
import { globals, outputFormat, parse } from './args.ts';
import { table, writeOut } from './output.ts';
import { openRuntime } from './runtime.ts';

export const usage = `pentora workspace list [-o table|json]   scans in the workspace, newest first
pentora workspace show ID                 one scan's request, status, result counts and artifacts`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { output: { type: 'string', short: 'o' } }, 'workspace');
  const [sub, id] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  if (sub === 'list') {
    const scans = await listScans(rt.config.workspace);
    const format = outputFormat(values.output, ['table', 'json'], 'workspace list');
    if (format === 'json') writeOut(JSON.stringify(scans, null, 2) + '\n');
    else writeOut(table(['ID', 'STATE', 'STARTED', 'TARGETS', 'RESULTS'], scans.map((s) => [s.id, s.state, s.started_at, s.targets, Object.entries(s.counts ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')])));
    return ExitCode.Ok;
  }
  if (sub === 'show') {
    if (!id) throw new UsageError('workspace show: give a scan id (see pentora workspace list)');
    writeOut(JSON.stringify(await readScan(rt.config.workspace, id), null, 2) + '\n');
    return ExitCode.Ok;
  }
  throw new UsageError(`workspace: unknown subcommand "${sub}" (list, show)`);
}
