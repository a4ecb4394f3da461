/**
 * net.tcp.probe: a batch of TCP connects (optionally send bytes, read a
 * reply). Capability first, then ports, then scope (inside the socket engine,
 * before any connect), then the scan-wide and per-plugin rate limits.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { expandTcpRequest, runTcpProbes } from '../net/tcp-probe.ts';
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
      onRecord: (rec) =>
        env.transcript.record({
          plugin: caller.plugin,
          instance: caller.instanceId,
          op: 'net.tcp.probe',
          target: rec.target,
          ...(rec.sent_b64 ? { sent: Buffer.from(rec.sent_b64, 'base64') } : {}),
          ...(rec.recv_b64 ? { recv: Buffer.from(rec.recv_b64, 'base64') } : {}),
          result: { state: rec.state, address: rec.address, rtt_ms: rec.rtt_ms, ...(rec.reason ? { reason: rec.reason } : {}) },
        }),
      ...(env.signal ? { signal: env.signal } : {}),
    });
    return { results };
  };
}
