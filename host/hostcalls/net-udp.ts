/**
 * net.udp.probe: a batch of UDP datagrams, each answered open / closed /
 * filtered / open|filtered. Grant first (`capabilities.net.udp`, with its
 * port list), then the request shape and size, then scope (inside udpProbe,
 * before any datagram), then the packet rates and the scan's socket cap.
 * Needs no raw sockets. Every probe is audited with the bytes sent and
 * received.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { expandUdpRequest, udpProbe, UDP_STATES } from '../net/raw/udp.ts';
import type { HostCallEnv } from './env.ts';
import { packetBuckets } from './net-limits.ts';
import type { CallerInfo, HostCallImpl } from './types.ts';

function checkGrant(caller: CallerInfo): 'any' | Set<number> {
  const grant = caller.manifest.capabilities.net?.udp;
  if (!grant) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.udp grant (capabilities.net.udp is not requested in its manifest)`, { grant: 'net.udp' });
  return grant.ports === 'any' ? 'any' : new Set(grant.ports);
}

export function netUdpProbe(env: HostCallEnv): HostCallImpl<'net.udp.probe'> {
  return async (caller, req) => {
    const ports = checkGrant(caller);
    const probes = expandUdpRequest(req ?? {}, env.net.maxProbesPerCall);
    if (ports !== 'any') {
      const badPort = probes.find((p) => !ports.has(p.port));
      if (badPort) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} may not send to UDP port ${badPort.port}: its net.udp grant lists only ${[...ports].join(', ')}`, { grant: 'net.udp.ports' });
    }
    if (req.states !== undefined && (!Array.isArray(req.states) || req.states.some((s) => !UDP_STATES.includes(s)))) {
      throw new PentoraError(ErrorCode.HostCall, `net.udp.probe: states must be a list of ${UDP_STATES.join(', ')}`);
    }
    return udpProbe({
      probes,
      scope: env.scope,
      plugin: caller.plugin,
      buckets: packetBuckets(env, caller),
      semaphore: env.net.semaphore,
      ...(req.retries !== undefined ? { retries: req.retries } : {}),
      ...(req.timeout_ms !== undefined ? { timeoutMs: req.timeout_ms } : {}),
      ...(req.max_bytes !== undefined ? { maxBytes: req.max_bytes } : {}),
      ...(req.states ? { states: req.states } : {}),
      ...(env.signal ? { signal: env.signal } : {}),
      onRecord: (rec) =>
        env.transcript.record({
          plugin: caller.plugin,
          instance: caller.instanceId,
          op: 'net.udp.probe',
          target: rec.target,
          sent: rec.sent,
          ...(rec.recv ? { recv: rec.recv } : {}),
          result: { state: rec.state, reason: rec.reason, ...(rec.rtt_ms !== undefined ? { rtt_ms: rec.rtt_ms } : {}) },
        }),
    });
  };
}
