/**
 * context.get / context.set: a plugin reads only what its manifest requires and
 * writes only what it provides. context.get also pages and counts (see
 * ContextGetRequest), so a reader need not hold a whole list at once.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import type { HostCallEnv } from './env.ts';
import { MAX_CONTEXT_PAGE, type CallerInfo, type ContextGetRequest, type HostCallImpl } from './types.ts';

function checkRead(caller: CallerInfo, key: string): void {
  const m = caller.manifest;
  if (m.requires.includes(key) || (m.optional ?? []).includes(key) || m.provides.includes(key)) return;
  throw new PentoraError(ErrorCode.ContextKey, `${caller.plugin} may not read "${key}": it is not in the manifest's requires or optional keys`, { key });
}

function checkWrite(caller: CallerInfo, key: string): void {
  if (caller.manifest.provides.includes(key)) return;
  throw new PentoraError(ErrorCode.ContextKey, `${caller.plugin} may not write "${key}": it is not in the manifest's provides`, { key });
}

/** A paging field: absent, or a non-negative integer (a guest could send anything). */
function pagingField(req: ContextGetRequest, name: 'offset' | 'limit' | 'max_bytes'): number | undefined {
  const v: unknown = req[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new PentoraError(ErrorCode.HostCall, `context.get: "${name}" must be a non-negative integer, got ${String(JSON.stringify(v)).slice(0, 40)}`);
  }
  return v;
}

export function contextGet(env: HostCallEnv): HostCallImpl<'context.get'> {
  return async (caller, req) => {
    if (typeof req?.key !== 'string') throw new PentoraError(ErrorCode.HostCall, 'context.get: "key" must be a string');
    checkRead(caller, req.key);
    const countOnly: unknown = req.count_only;
    if (countOnly !== undefined && typeof countOnly !== 'boolean') throw new PentoraError(ErrorCode.HostCall, 'context.get: "count_only" must be a boolean');
    const offset = pagingField(req, 'offset');
    const limit = pagingField(req, 'limit');
    const maxBytes = pagingField(req, 'max_bytes');
    const paged = offset !== undefined || limit !== undefined || maxBytes !== undefined;
    if (countOnly === true) {
      if (paged) throw new PentoraError(ErrorCode.HostCall, 'context.get: "count_only" does not take "offset", "limit" or "max_bytes"');
      return env.context.count(req.key);
    }
    // No paging field: the v1 reply, the whole merged list or null.
    if (!paged) return env.context.get(req.key);
    return env.context.page(req.key, offset ?? 0, Math.min(limit ?? MAX_CONTEXT_PAGE, MAX_CONTEXT_PAGE), maxBytes ?? Infinity);
  };
}

export function contextSet(env: HostCallEnv): HostCallImpl<'context.set'> {
  return async (caller, req) => {
    if (typeof req?.key !== 'string') throw new PentoraError(ErrorCode.HostCall, 'context.set: "key" must be a string');
    checkWrite(caller, req.key);
    return env.context.write({ module: caller.plugin, instance: caller.instanceId }, req.key, req.value, req.append === true);
  };
}
