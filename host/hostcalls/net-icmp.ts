/**
 * net.icmp.echo: a batch of ICMP/ICMPv6 echo requests over raw sockets.
 * Grant first (`capabilities.net.icmp === true`), then scope and the host's
 * raw-socket capability (inside icmpEcho, before any packet), then the
 * packet rates. One transcript entry per target.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { icmpEcho } from '../net/raw/icmp.ts';
import type { HostCallEnv } from './env.ts';
import { packetBuckets } from './net-limits.ts';
import type { CallerInfo, HostCallImpl } from './types.ts';

function checkGrant(caller: CallerInfo): void {
  if (caller.manifest.capabilities.net?.icmp !== true) {
    throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.icmp grant (capabilities.net.icmp is not true in its manifest)`, { grant: 'net.icmp' });
  }
}

export function netIcmpEcho(env: HostCallEnv): HostCallImpl<'net.icmp.echo'> {
  return async (caller, req) => {
    checkGrant(caller);
    if (!Array.isArray(req.targets) || req.targets.length === 0) throw new PentoraError(ErrorCode.HostCall, 'net.icmp.echo: targets must be a non-empty array');
    for (const [i, t] of req.targets.entries()) {
      if (typeof t !== 'string' || t.length === 0 || t.length > 255) throw new PentoraError(ErrorCode.HostCall, `net.icmp.echo: targets[${i}] must be a host name or IP address string`);
    }
    if (req.targets.length > env.net.maxProbesPerCall) {
      throw new PentoraError(ErrorCode.Limit, `net.icmp.echo: ${req.targets.length} targets in one call, more than the limit of ${env.net.maxProbesPerCall}`);
    }
    const out = await icmpEcho({
      targets: req.targets,
      scope: env.scope,
      plugin: caller.plugin,
      buckets: packetBuckets(env, caller),
      ...(req.retries !== undefined ? { retries: req.retries } : {}),
      ...(req.timeout_ms !== undefined ? { timeoutMs: req.timeout_ms } : {}),
      ...(req.payload_size !== undefined ? { payloadSize: req.payload_size } : {}),
      ...(env.signal ? { signal: env.signal } : {}),
      ...(env.net.raw ? { capability: env.net.raw } : {}),
      onRecord: ({ target, ...result }) => env.transcript.record({ plugin: caller.plugin, instance: caller.instanceId, op: 'net.icmp.echo', target, result }),
    });
    const { rounds: _rounds, ...stats } = out.stats;
    return { results: out.results, stats };
  };
}
