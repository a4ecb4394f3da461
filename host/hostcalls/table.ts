/**
 * The v1 host-call table and the dispatcher that serves a plugin instance's
 * `call(op, ptr, len)`: decode, look up, run, wrap the reply, audit. Every
 * failure becomes an error reply the guest can read; nothing throws back
 * into the sandbox.
 */

import { describeError, ErrorCode, PentoraError } from '../errors.ts';
import { OpCode, OpName, type HostCallReply } from '../sandbox/abi.ts';
import type { HostCallHandler } from '../sandbox/instance.ts';
import { contextGet, contextSet } from './context.ts';
import type { HostCallEnv } from './env.ts';
import { clockNow, log } from './log.ts';
import { netTcpProbe } from './net-tcp.ts';
import type { CallerInfo, HostCallName, HostCallTable } from './types.ts';

export function createHostCallTable(env: HostCallEnv): HostCallTable {
  return {
    'context.get': contextGet(env),
    'context.set': contextSet(env),
    log: log(env),
    'clock.now': clockNow(env),
    'net.tcp.probe': netTcpProbe(env),
  } satisfies HostCallTable;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isImplemented(name: string, table: HostCallTable): name is HostCallName {
  return Object.hasOwn(table, name);
}

/** A summary of a reply for the transcript: counts, not whole DataContext values. */
function auditResult(name: HostCallName, value: unknown): unknown {
  if (name === 'context.get') return { count: Array.isArray(value) ? value.length : 0 };
  if (name === 'net.tcp.probe') return { probes: (value as { results: unknown[] }).results.length };
  return value;
}

export function createDispatcher(table: HostCallTable, env: HostCallEnv, caller: CallerInfo): HostCallHandler {
  return async (op, payload) => {
    const name = OpName[op as OpCode] ?? `op ${op}`;
    let reply: HostCallReply<unknown>;
    let target: string | undefined;
    try {
      if (!isImplemented(name, table)) throw new PentoraError(ErrorCode.HostCall, `${name} is not a host call of this host`);
      let req: unknown;
      try {
        req = JSON.parse(decoder.decode(payload));
      } catch (err) {
        throw new PentoraError(ErrorCode.HostCall, `${name}: request is not valid UTF-8 JSON: ${describeError(err)}`);
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new PentoraError(ErrorCode.HostCall, `${name}: request must be a JSON object`);
      if (name === 'context.get' || name === 'context.set') target = String((req as { key?: unknown }).key);
      const impl = table[name] as (c: CallerInfo, r: unknown) => Promise<unknown>;
      const value = await impl(caller, req);
      reply = { ok: true, value: value ?? null };
      if (name !== 'log') env.transcript.record({ plugin: caller.plugin, instance: caller.instanceId, op: name, ...(target ? { target } : {}), result: auditResult(name, value) });
    } catch (err) {
      const code = err instanceof PentoraError ? err.code : ErrorCode.Internal;
      const message = err instanceof PentoraError ? err.message : `${name}: ${describeError(err)}`;
      reply = { ok: false, error: { code, message } };
      env.transcript.record({ plugin: caller.plugin, instance: caller.instanceId, op: name, ...(target ? { target } : {}), result: { error: code, message } });
      env.logger.debug({ plugin: caller.plugin, op: name, code }, message);
    }
    return encoder.encode(JSON.stringify(reply));
  };
}
