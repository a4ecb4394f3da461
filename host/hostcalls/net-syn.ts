/**
 * net.syn.scan: a batch SYN scan over raw sockets. Grant first
 * (`capabilities.net.syn === true`), then the batch size, then scope and the
 * host's raw-socket capability (inside synScan, before any packet), then the
 * per-plugin and scan-wide packet rates.
 *
 * Audit (DESIGN §6, docs/decisions.md): every open or filtered probe is one
 * transcript entry; closed ports (an RST, the bulk of a -p- scan) are not
 * listed one by one but summarised in the call's own entry, which names the
 * targets, the ports (as a spec), the counts and stats, and the open and
 * filtered ports per host. A 65,535-port scan of one host writes a few
 * hundred lines instead of 65,536, and the audit still says what was
 * probed and what answered what.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { synScan } from '../net/raw/syn.ts';
import { formatPortSpec } from '../net/ports.ts';
import { AUDIT_ENTRY, type HostCallEnv } from './env.ts';
import { packetBuckets } from './net-limits.ts';
import type { CallerInfo, HostCallImpl, PortState } from './types.ts';

const STATES: readonly PortState[] = ['open', 'closed', 'filtered'];
/** The states audited one entry per probe; closed ports are counted in the call's entry. */
const AUDITED: readonly PortState[] = ['open', 'filtered'];

function checkGrant(caller: CallerInfo): void {
  if (caller.manifest.capabilities.net?.syn !== true) {
    throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.syn grant (capabilities.net.syn is not true in its manifest)`, { grant: 'net.syn' });
  }
}

function bad(problem: string): PentoraError {
  return new PentoraError(ErrorCode.HostCall, `net.syn.scan: ${problem}`);
}

/** host -> ports, as each host's ports spec, for the call's audit entry. */
function byHost(m: Map<string, number[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [host, ports] of m) out[host] = formatPortSpec(ports);
  return out;
}

export function netSynScan(env: HostCallEnv): HostCallImpl<'net.syn.scan'> {
  return async (caller, req) => {
    checkGrant(caller);
    if (!Array.isArray(req.targets) || req.targets.length === 0) throw bad('targets must be a non-empty array');
    if (!Array.isArray(req.ports) || req.ports.length === 0) throw bad('ports must be a non-empty array');
    for (const [i, t] of req.targets.entries()) {
      if (typeof t !== 'string' || t.length === 0 || t.length > 255) throw bad(`targets[${i}] must be a host name or IP address string`);
    }
    const count = req.targets.length * req.ports.length;
    if (count > env.net.maxProbesPerCall) {
      throw new PentoraError(ErrorCode.Limit, `net.syn.scan: ${count} probes in one call, more than the limit of ${env.net.maxProbesPerCall}`, { count, limit: env.net.maxProbesPerCall });
    }
    if (req.states !== undefined && (!Array.isArray(req.states) || req.states.some((s) => !STATES.includes(s)))) {
      throw bad(`states must be a list of ${STATES.join(', ')}`);
    }
    const open = new Map<string, number[]>();
    const filtered = new Map<string, number[]>();
    const out = await synScan({
      targets: req.targets,
      ports: req.ports,
      scope: env.scope,
      plugin: caller.plugin,
      buckets: packetBuckets(env, caller),
      ...(req.retries !== undefined ? { retries: req.retries } : {}),
      ...(req.timeout_ms !== undefined ? { timeoutMs: req.timeout_ms } : {}),
      ...(req.states ? { states: req.states } : {}),
      ...(env.signal ? { signal: env.signal } : {}),
      ...(env.net.raw ? { capability: env.net.raw } : {}),
      audit: AUDITED,
      onRecord: (rec) => {
        const list = rec.state === 'open' ? open : filtered;
        const ports = list.get(rec.host);
        if (ports) ports.push(rec.port);
        else list.set(rec.host, [rec.port]);
        env.transcript.record({
          plugin: caller.plugin,
          instance: caller.instanceId,
          op: 'net.syn.scan',
          target: rec.target,
          result: { state: rec.state, reason: rec.reason, ...(rec.rtt_ms !== undefined ? { rtt_ms: rec.rtt_ms, ttl: rec.ttl } : {}) },
        });
      },
      onSettled: (probes) => env.transcript.settled?.('net.syn.scan', probes),
    });
    const { rounds: _rounds, source_port: _sport, ...stats } = out.stats;
    const audit = { targets: req.targets, ports: formatPortSpec(req.ports), counts: out.counts, stats, open: byHost(open), filtered: byHost(filtered) };
    return Object.assign({ results: out.results, counts: out.counts, stats }, { [AUDIT_ENTRY]: audit });
  };
}
