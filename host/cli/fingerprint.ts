/** `pentora fingerprint`: service records for banners read from JSON lines, with no network. */

import fs from 'node:fs/promises';
import { describeError, ExitCode, UsageError } from '../errors.ts';
import { parseFingerprintInput, runFingerprint } from '../fingerprint.ts';
import { SpareWorkers } from '../sandbox/instance.ts';
import { globals, outputFormat, parse } from './args.ts';
import { jsonLines, writeOut } from './output.ts';
import { openCatalog, openRuntime } from './runtime.ts';

export const usage = `pentora fingerprint [--input FILE] [-o jsonl|json]   match banners from JSON lines, no network

  --input FILE            read JSON lines from FILE (without it, or "-": stdin), one banner each:
                          {"port": 22, "banner": "SSH-2.0-...", "id": "a1", "host": "10.0.0.5"}
                          banner (text) or banner_b64; protocol tcp|udp; transport plain|tls
  -o, --output FORMAT     jsonl (default): one service record per line, with the line's id
                          (default: its line number) and host (when given) | json
  --workspace DIR         where the configuration and installed plugins are read from
  -q, -v, -vv             less / more logging on stderr`;

async function readInput(file: string | undefined): Promise<{ text: string; name: string }> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), name: 'stdin' };
  }
  try {
    return { text: await fs.readFile(file, 'utf8'), name: file };
  } catch (err) {
    throw new UsageError(`--input ${file}: cannot read: ${describeError(err)}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { input: { type: 'string' }, output: { type: 'string', short: 'o' } }, 'fingerprint');
  if (values.help) return (writeOut(usage + '\n'), ExitCode.Ok);
  if (positionals.length > 0) throw new UsageError(`fingerprint: unexpected argument "${positionals[0]}" (input comes from stdin or --input FILE)`);
  const format = outputFormat(values.output, ['jsonl', 'json'], 'fingerprint');
  // The whole input is checked before any plugin runs: a bad line prints nothing.
  const { text, name } = await readInput(values.input);
  const inputs = parseFingerprintInput(text, name);
  const spares = new SpareWorkers(1);
  try {
    const rt = await openRuntime(globals(values));
    const catalog = await openCatalog(rt);
    for (const e of catalog.entries) if (!e.verified) rt.logger.warn({ plugin: e.name }, `refused: ${e.error}`);
    const ac = new AbortController();
    const onSigint = (): void => ac.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    try {
      const started = performance.now();
      const result = await runFingerprint(inputs, { catalog, logger: rt.logger, workers: rt.config.workers, spares, signal: ac.signal });
      for (const n of result.nodes) if (n.state !== 'done') rt.logger.warn({ plugin: n.module }, `${n.state}: ${n.error ?? ''}`);
      rt.logger.info({ lines: inputs.length, services: result.services.length, ms: Math.round(performance.now() - started) }, 'fingerprint finished');
      writeOut(format === 'json' ? JSON.stringify(result, null, 2) + '\n' : jsonLines(result.services));
      if (ac.signal.aborted) return ExitCode.Interrupted;
      const done = result.nodes.filter((n) => n.state === 'done').length;
      return done === result.nodes.length ? ExitCode.Ok : done === 0 ? ExitCode.Failed : ExitCode.Partial;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  } finally {
    await spares.close();
  }
}
