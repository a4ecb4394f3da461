/**
 * The CLI entry: wires commands, nothing else. Each command is a thin file
 * over the library; errors become one line on stderr and a documented exit
 * code (see README "Exit codes").
 */

import { describeError, exitCodeFor, ExitCode, PentoraError } from '../errors.ts';
import * as bundle from './bundle.ts';
import * as dag from './dag.ts';
import * as keys from './keys.ts';
import * as plugin from './plugin.ts';
import * as registry from './registry.ts';
import * as scan from './scan.ts';
import * as workspace from './workspace.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = { scan, dag, plugin, keys, registry, bundle, workspace };

const USAGE = `pentora — network security scanner built from signed, sandboxed WASM plugins

usage: pentora <command> [options]

${Object.values(COMMANDS)
  .map((c) => c.usage.split('\n')[0])
  .join('\n')}

Run "pentora <command> --help" for a command's options.
Global options: --workspace DIR, -v/-vv (logs on stderr), -q`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? ExitCode.Ok : ExitCode.Usage;
  }
  if (name === '--version') {
    process.stdout.write('pentora 0.1.0\n');
    return ExitCode.Ok;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`pentora: unknown command "${name}"\n${USAGE}\n`);
    return ExitCode.Usage;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    const msg = err instanceof PentoraError ? err.message : `internal error: ${describeError(err)}`;
    process.stderr.write(`pentora ${name}: ${msg.split('\n')[0]}\n`);
    if (!(err instanceof PentoraError) && process.env.PENTORA_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return exitCodeFor(err);
  }
}
