/**
 * The host's logger: pino, always on stderr, because stdout carries results
 * (JSON lines a pipeline reads). The destination is synchronous so the last
 * lines before `process.exit` or a fatal error are never lost in a buffer.
 *
 * Level: PENTORA_LOG_LEVEL > -v/-vv > config `log_level` > warn.
 */

import { writeSync } from 'node:fs';
import { pino } from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger as PinoLogger } from 'pino';
import { ErrorCode, PentoraError } from './errors.ts';

export type Logger = PinoLogger;
/** How many `-v` flags were given (more than two counts as two). */
export type Verbosity = 0 | 1 | 2;

export interface LoggerOptions {
  verbosity?: Verbosity;
  /** JSON lines (the default when stderr is not a terminal) or one readable line per record. */
  json?: boolean;
  /** The config file's `log_level`, used when no -v was given. */
  level?: Level;
  env?: NodeJS.ProcessEnv;
  /** Where lines go; defaults to fd 2, synchronously. Tests pass a collector. */
  destination?: DestinationStream;
}

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const VERBOSITY_LEVEL: Readonly<Record<Verbosity, Level>> = { 0: 'warn', 1: 'info', 2: 'debug' };

/** The level the options select. */
export function resolveLogLevel(options: LoggerOptions = {}): LevelWithSilent {
  const fromEnv = (options.env ?? process.env)['PENTORA_LOG_LEVEL'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const level = fromEnv.toLowerCase();
    if (!isLevel(level)) {
      throw new PentoraError(ErrorCode.Config, `PENTORA_LOG_LEVEL: unknown level ${JSON.stringify(fromEnv)} (expected ${LEVELS.join('|')})`);
    }
    return level;
  }
  const v = options.verbosity ?? 0;
  if (v > 0) return VERBOSITY_LEVEL[v];
  return options.level ?? VERBOSITY_LEVEL[0];
}

/**
 * @example
 *   const log = createLogger({ verbosity: 1 });
 *   log.info({ targets: 256 }, 'scan started');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = resolveLogLevel(options);
  const json = options.json ?? !process.stderr.isTTY;
  const sink = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level,
      // pid and hostname on every line are noise for a CLI; the scan id is bound where it matters.
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    json ? sink : humanDestination(options.destination),
  );
}

/**
 * A logger for one plugin instance; every line it writes names the plugin,
 * so an operator can tell a community module's output from the host's.
 */
export function pluginLogger(parent: Logger, plugin: string, instance?: string): Logger {
  return parent.child(instance === undefined ? { plugin } : { plugin, instance });
}

function isLevel(s: string): s is LevelWithSilent {
  return (LEVELS as readonly string[]).includes(s);
}

/** Renders pino's JSON line as `12:00:01.123 WARN  [plugin instance] msg key=value`. */
export function formatHuman(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { time, level, msg, plugin, instance, err, ...rest } = rec;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const who = plugin === undefined ? '' : ` [${String(plugin)}${instance === undefined ? '' : ` ${String(instance)}`}]`;
  let out = `${clock} ${String(level).toUpperCase().padEnd(5)}${who} ${typeof msg === 'string' ? msg : ''}`;
  for (const [k, v] of Object.entries(rest)) out += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  if (typeof err === 'object' && err !== null && 'message' in err) out += ` err=${JSON.stringify(String(err.message))}`;
  return `${out}\n`;
}

function humanDestination(inner: DestinationStream | undefined): DestinationStream {
  return {
    write(line: string): void {
      const text = formatHuman(line);
      if (inner) inner.write(text);
      else writeSync(2, text);
    },
  };
}
