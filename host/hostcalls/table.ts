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
import { AUDIT_ENTRY, type HostCallEnv } from './env.ts';
import { clockNow, log } from './log.ts';
import { netIcmpEcho } from './net-icmp.ts';
import { netSynScan } from './net-syn.ts';
import { netTcpProbe } from './net-tcp.ts';
import { netUdpProbe } from './net-udp.ts';
import type { CallerInfo, HostCallName, HostCallTable } from './types.ts';

export function createHostCallTable(env: HostCallEnv): HostCallTable {
  return {
    'context.get': contextGet(env),
    'context.set': contextSet(env),
    log: log(env),
    'clock.now': clockNow(env),
    'net.tcp.probe': netTcpProbe(env),
    'net.udp.probe': netUdpProbe(env),
    'net.icmp.echo': netIcmpEcho(env),
    'net.syn.scan': netSynScan(env),
  } satisfies HostCallTable;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isImplemented(name: string, table: HostCallTable): name is HostCallName {
  return Object.hasOwn(table, name);
}

/** A summary of a reply for the transcript: counts, not whole DataContext values. */
function auditResult(name: HostCallName, req: unknown, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && AUDIT_ENTRY in value) return (value as { [AUDIT_ENTRY]: unknown })[AUDIT_ENTRY];
  if (name === 'context.get') {
    if (typeof value === 'number') return { total: value };
    const { offset } = req as { offset?: unknown };
    return { count: Array.isArray(value) ? value.length : 0, ...(typeof offset === 'number' ? { offset } : {}) };
  }
  if (name === 'net.tcp.probe') return { probes: (value as { results: unknown[] }).results.length };
  // Raw batches are audited per probe by the call itself; the call's entry is the summary.
  // (net.syn.scan writes its own summary, AUDIT_ENTRY above: closed ports are only counted.)
  if (name === 'net.syn.scan' || name === 'net.udp.probe') {
    const { counts, stats } = value as { counts: unknown; stats: unknown };
    return { counts, stats };
  }
  if (name === 'net.icmp.echo') {
    const { results, stats } = value as { results: Array<{ alive: boolean }>; stats: unknown };
    return { targets: results.length, alive: results.filter((r) => r.alive).length, stats };
  }
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
      if (name !== 'log') env.transcript.record({ plugin: caller.plugin, instance: caller.instanceId, op: name, ...(target ? { target } : {}), result: auditResult(name, req, value) });
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
