/** context.get / context.set: a plugin reads only what its manifest requires and writes only what it provides. */

import { ErrorCode, PentoraError } from '../errors.ts';
import type { HostCallEnv } from './env.ts';
import type { CallerInfo, HostCallImpl } from './types.ts';

function checkRead(caller: CallerInfo, key: string): void {
  const m = caller.manifest;
  if (m.requires.includes(key) || (m.optional ?? []).includes(key) || m.provides.includes(key)) return;
  throw new PentoraError(ErrorCode.ContextKey, `${caller.plugin} may not read "${key}": it is not in the manifest's requires or optional keys`, { key });
}

function checkWrite(caller: CallerInfo, key: string): void {
  if (caller.manifest.provides.includes(key)) return;
  throw new PentoraError(ErrorCode.ContextKey, `${caller.plugin} may not write "${key}": it is not in the manifest's provides`, { key });
}

export function contextGet(env: HostCallEnv): HostCallImpl<'context.get'> {
  return async (caller, req) => {
    if (typeof req?.key !== 'string') throw new PentoraError(ErrorCode.HostCall, 'context.get: "key" must be a string');
    checkRead(caller, req.key);
    return env.context.get(req.key);
  };
}

export function contextSet(env: HostCallEnv): HostCallImpl<'context.set'> {
  return async (caller, req) => {
    if (typeof req?.key !== 'string') throw new PentoraError(ErrorCode.HostCall, 'context.set: "key" must be a string');
    checkWrite(caller, req.key);
    return env.context.write({ module: caller.plugin, instance: caller.instanceId }, req.key, req.value, req.append === true);
  };
}
