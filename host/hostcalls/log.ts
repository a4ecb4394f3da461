/** log and clock.now: always granted; the log is bounded so a plugin cannot flood stderr. */

import { ErrorCode, PentoraError } from '../errors.ts';
import type { HostCallEnv } from './env.ts';
import type { HostCallImpl, LogLevel } from './types.ts';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const MAX_MSG = 2000;
/** Log records one instance may emit; past it they are counted, not printed. */
const MAX_LOGS_PER_INSTANCE = 2000;

export function log(env: HostCallEnv): HostCallImpl<'log'> {
  const counts = new Map<string, number>();
  return async (caller, req) => {
    if (typeof req?.msg !== 'string') throw new PentoraError(ErrorCode.HostCall, 'log: "msg" must be a string');
    const level = LEVELS.includes(req.level) ? req.level : 'info';
    const n = (counts.get(caller.instanceId) ?? 0) + 1;
    counts.set(caller.instanceId, n);
    if (n > MAX_LOGS_PER_INSTANCE) {
      if (n === MAX_LOGS_PER_INSTANCE + 1) env.logger.warn({ plugin: caller.plugin, instance: caller.instanceId }, 'plugin log limit reached; further records dropped');
      return null;
    }
    const fields = typeof req.fields === 'object' && req.fields !== null ? req.fields : {};
    env.logger[level]({ ...fields, plugin: caller.plugin, instance: caller.instanceId }, req.msg.slice(0, MAX_MSG));
    return null;
  };
}

export function clockNow(env: HostCallEnv): HostCallImpl<'clock.now'> {
  return async () => ({ ms: Date.now(), mono_ms: Math.round(performance.now() - env.startedAt) });
}
