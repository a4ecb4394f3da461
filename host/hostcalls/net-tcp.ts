/**
 * net.tcp.probe: a batch of TCP connects (optionally send bytes, read a
 * reply). Capability first, then ports, then scope (inside the socket engine,
 * before any connect), then the scan-wide and per-plugin rate limits.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { expandTcpRequest, runTcpProbes, type TcpStepRecord } from '../net/tcp-probe.ts';
import { TRANSCRIPT_BYTES_CAP } from '../workspace/transcript.ts';
import type { HostCallEnv } from './env.ts';
import { packetBuckets } from './net-limits.ts';
import type { CallerInfo, HostCallImpl } from './types.ts';

function checkGrant(caller: CallerInfo): { ports: 'any' | Set<number> } {
  const grant = caller.manifest.capabilities.net?.tcp;
  if (!grant) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.tcp grant (capabilities.net.tcp is not requested in its manifest)`, { grant: 'net.tcp' });
  return { ports: grant.ports === 'any' ? 'any' : new Set(grant.ports) };
}

export function netTcpProbe(env: HostCallEnv): HostCallImpl<'net.tcp.probe'> {
  return async (caller, req) => {
    const { ports } = checkGrant(caller);
    const probes = expandTcpRequest(req ?? {}, env.net.maxProbesPerCall);
    if (ports !== 'any') {
      const bad = probes.find((p) => !ports.has(p.port));
      if (bad) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} may not connect to port ${bad.port}: its net.tcp grant lists only ${[...ports].join(', ')}`, { grant: 'net.tcp.ports' });
    }
    const results = await runTcpProbes(probes, {
      connectTimeoutMs: Math.min(req.connect_timeout_ms ?? env.net.connectTimeoutMs, 30_000),
      ...(req.read ? { defaultRead: req.read } : {}),
      // Narrowest bucket first (see TcpProbeOptions.buckets).
      buckets: packetBuckets(env, caller),
      semaphore: env.net.semaphore,
      scope: env.scope,
      plugin: caller.plugin,
      onRecord: (rec) => {
        const { sent, recv } = rec.steps ? joinSteps(rec.steps) : { sent: rec.sent_b64, recv: rec.recv_b64 };
        env.transcript.record({
          plugin: caller.plugin,
          instance: caller.instanceId,
          op: 'net.tcp.probe',
          target: rec.target,
          ...(sent ? { sent: Buffer.from(sent, 'base64') } : {}),
          ...(recv ? { recv: Buffer.from(recv, 'base64') } : {}),
          result: {
            state: rec.state,
            address: rec.address,
            rtt_ms: rec.rtt_ms,
            ...(rec.reason ? { reason: rec.reason } : {}),
            ...(rec.steps ? { steps: cappedSteps(rec.steps) } : {}),
          },
        });
      },
      ...(env.signal ? { signal: env.signal } : {}),
    });
    return { results };
  };
}

/** A conversation's bytes per direction, all steps in order: the entry's sent_b64/recv_b64, as for a one-shot probe. */
function joinSteps(steps: readonly TcpStepRecord[]): { sent: string | undefined; recv: string | undefined } {
  const join = (parts: Array<string | undefined>) => {
    const bytes = Buffer.concat(parts.filter((p): p is string => p !== undefined).map((p) => Buffer.from(p, 'base64')));
    return bytes.length > 0 ? bytes.toString('base64') : undefined;
  };
  return { sent: join(steps.map((s) => s.sent_b64)), recv: join(steps.map((s) => s.recv_b64)) };
}

/**
 * The steps as the transcript keeps them (`result.steps`), for replay: each
 * direction's bytes capped at TRANSCRIPT_BYTES_CAP over all steps, like the
 * entry's own sent_b64/recv_b64; a step cut short says `truncated: true`.
 */
function cappedSteps(steps: readonly TcpStepRecord[]): Array<TcpStepRecord & { truncated?: true }> {
  const room = { sent_b64: TRANSCRIPT_BYTES_CAP, recv_b64: TRANSCRIPT_BYTES_CAP };
  return steps.map((s) => {
    const out: TcpStepRecord & { truncated?: true } = { reason: s.reason };
    for (const k of ['sent_b64', 'recv_b64'] as const) {
      const v = s[k];
      if (v === undefined) continue;
      const bytes = Buffer.from(v, 'base64');
      if (bytes.length > room[k]) out.truncated = true;
      const kept = bytes.subarray(0, room[k]);
      room[k] -= kept.length;
      if (kept.length > 0) out[k] = kept.toString('base64');
    }
    return out;
  });
}
