/** `pentora dag validate FILE` and `pentora dag show [--profile P]`. */

import fs from 'node:fs/promises';
import { stringify } from 'yaml';
import { describeError, ErrorCode, ExitCode, PentoraError, UsageError } from '../errors.ts';
import { parseDagYaml, validateDag, type Dag } from '../engine/dag.ts';
import { planDag } from '../engine/planner.ts';
import { defaultScanTypes, moduleFilter, parseScanTypes } from '../engine/scan-types.ts';
import { rawCapability } from '../net/raw/capability.ts';
import { globals, outputFormat, parse } from './args.ts';
import { writeOut } from './output.ts';
import { openCatalog, openRuntime } from './runtime.ts';

export const usage = `pentora dag validate FILE     check a DAG file against the installed plugins
pentora dag show [--profile P] [--scan-type T] [-o yaml|json]   print the DAG a scan of a profile runs`;

function toSpec(dag: Dag) {
  return { name: dag.name, nodes: dag.nodes.map((n) => ({ instance_id: n.id, module_type: n.module, depends_on: n.dependsOn, config: n.config })) };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { profile: { type: 'string' }, 'scan-type': { type: 'string' }, output: { type: 'string', short: 'o' } }, 'dag');
  const [sub, file] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const catalog = await openCatalog(rt);
  const lookup = (name: string) => catalog.get(name)?.manifest ?? null;
  if (sub === 'validate') {
    if (!file) throw new UsageError('dag validate: give the DAG file');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new PentoraError(ErrorCode.Dag, `${file}: cannot read: ${describeError(err)}`);
    }
    try {
      const dag = validateDag(parseDagYaml(text, file), lookup, file);
      writeOut(`${file}: valid (${dag.nodes.length} nodes: ${dag.nodes.map((n) => n.id).join(' -> ')})\n`);
      return ExitCode.Ok;
    } catch (err) {
      const problems = err instanceof PentoraError && Array.isArray(err.detail.problems) ? (err.detail.problems as string[]) : null;
      if (!problems) throw err;
      for (const p of problems) process.stderr.write(`${file}: ${p}\n`);
      return ExitCode.Usage;
    }
  }
  if (sub === 'show') {
    const profile = values.profile ?? rt.config.scan.profile;
    // The scanners a scan would choose: --scan-type, else SYN with raw sockets and connect without.
    const raw = rawCapability().ok;
    const scanTypes = values['scan-type'] ? parseScanTypes(values['scan-type']) : defaultScanTypes(raw);
    const select = moduleFilter({ scanTypes, discovery: 'default', raw });
    const plan = planDag(catalog.manifests(), { profile, overrides: { ports: rt.config.scan.ports, top_ports: 0 }, select });
    const dag = validateDag(plan.spec, lookup, `profile "${profile}"`);
    const format = outputFormat(values.output, ['yaml', 'json'] as never, 'dag show') as string;
    writeOut(format === 'json' ? JSON.stringify(toSpec(dag), null, 2) + '\n' : stringify(toSpec(dag)));
    for (const d of plan.dropped) process.stderr.write(`left out: ${d.module}: ${d.reason}\n`);
    return ExitCode.Ok;
  }
  throw new UsageError(`dag: unknown subcommand "${sub}" (validate, show)`);
}
