/** Argument parsing shared by the commands: node:util parseArgs plus nmap-style spellings. */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import type { GlobalFlags } from './runtime.ts';
import type { OutputFormat } from './output.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  workspace: { type: 'string' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** nmap users type `-iL file`; parseArgs only knows one-letter short options. */
function normalise(argv: string[]): string[] {
  return argv.map((a) => (a === '-iL' ? '--input-list' : a));
}

export function parse<O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: normalise(argv), options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function globals(values: { workspace?: string | undefined; verbose?: boolean[] | undefined; quiet?: boolean | undefined }): GlobalFlags {
  const g: GlobalFlags = { verbose: values.verbose?.length ?? 0 };
  if (values.workspace) g.workspace = values.workspace;
  if (values.quiet) g.quiet = true;
  return g;
}

export function outputFormat(value: string | undefined, allowed: OutputFormat[], command: string): OutputFormat {
  const v = (value ?? allowed[0]) as OutputFormat;
  if (!allowed.includes(v)) throw new UsageError(`${command}: -o must be one of ${allowed.join(', ')}, got "${value}"`);
  return v;
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
