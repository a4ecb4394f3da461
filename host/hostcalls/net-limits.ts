/**
 * The per-plugin packet budget shared by every network host call of a plugin
 * instance (net.tcp.probe, net.syn.scan, net.udp.probe, net.icmp.echo): one
 * token bucket per instance and scan, at the manifest's `rate.pps` capped by
 * the scan's rate. Shared so that a plugin cannot multiply its rate by
 * spreading probes over several kinds of call.
 */

import { TokenBucket } from '../net/rate-limit.ts';
import type { HostCallEnv } from './env.ts';
import type { CallerInfo } from './types.ts';

// Keyed by the scan's env, so each scan starts from fresh buckets and nothing outlives it.
const byEnv = new WeakMap<HostCallEnv, Map<string, TokenBucket>>();

export function pluginBucket(env: HostCallEnv, caller: CallerInfo): TokenBucket {
  let buckets = byEnv.get(env);
  if (!buckets) {
    buckets = new Map();
    byEnv.set(env, buckets);
  }
  let b = buckets.get(caller.instanceId);
  if (!b) {
    const pps = Math.min(caller.manifest.capabilities.rate?.pps ?? env.net.pps, env.net.pps);
    b = new TokenBucket(pps, Math.max(1, Math.ceil(pps / 10)));
    buckets.set(caller.instanceId, b);
  }
  return b;
}

/** Every packet takes a token from each, narrowest first (see TcpProbeOptions.buckets). */
export function packetBuckets(env: HostCallEnv, caller: CallerInfo): TokenBucket[] {
  return [pluginBucket(env, caller), env.net.globalBucket];
}
