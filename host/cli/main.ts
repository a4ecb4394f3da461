/**
 * The CLI entry: wires commands, nothing else. Each command is a thin file
 * over the library; errors become one line on stderr and a documented exit
 * code (see README "Exit codes").
 */

import { describeError, exitCodeFor, ExitCode, PentoraError } from '../errors.ts';

interface Command {
  run: (argv: string[]) => Promise<number>;
  usage: string;
}

// Each command's module is imported when it runs: a scan need not load the registry,
// bundle and key tooling (~40 ms of a start-up that the benchmark against nmap counts).
const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: () => import('./scan.ts'),
  fingerprint: () => import('./fingerprint.ts'),
  dag: () => import('./dag.ts'),
  plugin: () => import('./plugin.ts'),
  keys: () => import('./keys.ts'),
  registry: () => import('./registry.ts'),
  bundle: () => import('./bundle.ts'),
  workspace: () => import('./workspace.ts'),
};

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return `pentora — network security scanner built from signed, sandboxed WASM plugins

usage: pentora <command> [options]

${all.map((c) => c.usage.split('\n')[0]).join('\n')}

Run "pentora <command> --help" for a command's options.
Global options: --workspace DIR, -v/-vv (logs on stderr), -q`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await usage()) + '\n');
    return name ? ExitCode.Ok : ExitCode.Usage;
  }
  if (name === '--version') {
    process.stdout.write('pentora 0.1.0\n');
    return ExitCode.Ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`pentora: unknown command "${name}"\n${await usage()}\n`);
    return ExitCode.Usage;
  }
  try {
    return await (await load()).run(rest);
  } catch (err) {
    const msg = err instanceof PentoraError ? err.message : `internal error: ${describeError(err)}`;
    process.stderr.write(`pentora ${name}: ${msg.split('\n')[0]}\n`);
    if (!(err instanceof PentoraError) && process.env.PENTORA_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return exitCodeFor(err);
  }
}
