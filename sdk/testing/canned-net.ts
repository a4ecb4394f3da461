/**
 * Canned replies for the raw-socket and UDP host calls (net.syn.scan,
 * net.icmp.echo, net.udp.probe), used by the harness in place of packets.
 * Each fake applies the same grant and scope checks as the real call, then
 * answers from the canned list; what the plugin asked for is recorded so a
 * test can check it.
 *
 * @example
 *   await runPlugin({ plugin: 'plugins/syn-scanner', context, syn: [{ port: 22 }, { port: 81, state: 'filtered' }] });
 *   await runPlugin({ plugin: 'plugins/syn-scanner', context, raw: false }); // the host has no CAP_NET_RAW
 *   await runPlugin({ plugin: 'plugins/udp-scanner', context, udp: [{ port: 53, whenSent: /version/, data: dnsReply }] });
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { HostCallEnv } from '../../host/hostcalls/env.ts';
import type {
  CallerInfo,
  HostCallImpl,
  IcmpEchoRequest,
  IcmpEchoResult,
  PortState,
  RawScanStats,
  SynScanRequest,
  SynScanResult,
  UdpPortState,
  UdpProbe,
  UdpProbeRequest,
  UdpProbeResult,
} from '../../host/hostcalls/types.ts';

/** A SYN reply: the first whose host/port match a probe answers it; unmatched probes are closed (RST). */
export interface CannedSyn {
  host?: string;
  port: number;
  /** Default open. */
  state?: PortState;
  ttl?: number;
}

/** An echo reply; targets without one do not answer. */
export interface CannedIcmp {
  host: string;
  /** Default true. */
  alive?: boolean;
  reason?: string;
  rtt_ms?: number;
}

/** A UDP reply; unmatched probes get ICMP port unreachable (closed). */
export interface CannedUdp {
  host?: string;
  port: number;
  /** Default open (with `data` as the reply). */
  state?: UdpPortState;
  data?: string | Uint8Array;
  /** Matches the payload the plugin sent (latin1). */
  whenSent?: string | RegExp;
}

export interface CannedNet {
  syn?: CannedSyn[];
  icmp?: CannedIcmp[];
  udp?: CannedUdp[];
  /** false: the host cannot open raw sockets, so net.syn.scan and net.icmp.echo reply PENTORA_E_RAW_UNAVAILABLE. Default true. */
  raw?: boolean;
}

/** What the plugin asked of each call, in call order (UDP probes expanded to one per datagram). */
export interface NetCalls {
  syn: SynScanRequest[];
  icmp: IcmpEchoRequest[];
  udp: UdpProbe[][];
  /** The net.udp.probe requests themselves (timing, states, max_bytes). */
  udpRequests: UdpProbeRequest[];
}

type RawOps = 'net.syn.scan' | 'net.icmp.echo' | 'net.udp.probe';

const NO_RAW = 'raw sockets unavailable: this process lacks CAP_NET_RAW (harness)';

function badRequest(op: string, problem: string): PentoraError {
  return new PentoraError(ErrorCode.HostCall, `${op}: ${problem}`);
}

function strings(v: unknown, op: string, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) throw badRequest(op, `${where} must be an array of host strings`);
  return v as string[];
}

function ports(v: unknown, op: string): number[] {
  if (!Array.isArray(v) || v.some((p) => !Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535)) throw badRequest(op, 'ports must be an array of ports in 1..65535');
  return v as number[];
}

function inScope(env: HostCallEnv, caller: CallerInfo, hosts: Iterable<string>): void {
  for (const h of hosts) if (!env.scope.has(h)) throw new PentoraError(ErrorCode.Scope, `${caller.plugin}: ${h} is outside the scan scope`);
}

function stats(sent: number, received: number): RawScanStats {
  return { sent, received, duration_ms: 1 };
}

function bytesOf(d: string | Uint8Array): Buffer {
  return typeof d === 'string' ? Buffer.from(d, 'latin1') : Buffer.from(d);
}

/** The three fakes, for HostCallTable's raw entries. */
export function cannedNetCalls(env: HostCallEnv, canned: CannedNet, calls: NetCalls): { [K in RawOps]: HostCallImpl<K> } {
  const raw = canned.raw ?? true;
  return {
    'net.syn.scan': async (caller, req) => {
      if (caller.manifest.capabilities.net?.syn !== true) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.syn grant`, { grant: 'net.syn' });
      if (!raw) throw new PentoraError(ErrorCode.RawUnavailable, `net.syn.scan: ${NO_RAW}; use --scan-type connect`);
      const targets = strings(req.targets, 'net.syn.scan', 'targets');
      const portList = ports(req.ports, 'net.syn.scan');
      inScope(env, caller, targets);
      calls.syn.push(req);
      const want = new Set<string>(req.states ?? ['open', 'closed', 'filtered']);
      const counts: Record<PortState, number> = { open: 0, closed: 0, filtered: 0 };
      const results: SynScanResult[] = [];
      for (const host of targets) {
        for (const port of portList) {
          const c = (canned.syn ?? []).find((x) => x.port === port && (x.host === undefined || x.host === host));
          const state = c ? (c.state ?? 'open') : 'closed';
          counts[state]++;
          if (!want.has(state)) continue;
          const reason = state === 'open' ? 'syn-ack' : state === 'closed' ? 'rst' : 'no-response';
          results.push({ host, port, state, reason, ...(state === 'filtered' ? {} : { rtt_ms: 0.5, ttl: c?.ttl ?? 64 }) });
        }
      }
      return { results, counts, stats: stats(targets.length * portList.length, counts.open + counts.closed) };
    },
    'net.icmp.echo': async (caller, req) => {
      if (caller.manifest.capabilities.net?.icmp !== true) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.icmp grant`, { grant: 'net.icmp' });
      if (!raw) throw new PentoraError(ErrorCode.RawUnavailable, `net.icmp.echo: ${NO_RAW}; use --scan-type connect`);
      const targets = strings(req.targets, 'net.icmp.echo', 'targets');
      inScope(env, caller, targets);
      calls.icmp.push(req);
      const results: IcmpEchoResult[] = targets.map((host) => {
        const c = (canned.icmp ?? []).find((x) => x.host === host);
        if (!c) return { host, alive: false, reason: 'no-response' };
        const alive = c.alive ?? true;
        return { host, alive, reason: c.reason ?? (alive ? 'echo-reply' : 'no-response'), ...(alive ? { rtt_ms: c.rtt_ms ?? 0.2, ttl: 64 } : {}) };
      });
      return { results, stats: stats(targets.length, results.filter((r) => r.alive).length) };
    },
    'net.udp.probe': async (caller, req) => {
      if (!caller.manifest.capabilities.net?.udp) throw new PentoraError(ErrorCode.Capability, `${caller.plugin} has no net.udp grant`, { grant: 'net.udp' });
      const probes: UdpProbe[] = [];
      if (req.targets !== undefined || req.ports !== undefined) {
        const targets = strings(req.targets, 'net.udp.probe', 'targets');
        for (const host of targets) {
          for (const port of ports(req.ports, 'net.udp.probe')) probes.push(req.payload_b64 ? { host, port, payload_b64: req.payload_b64 } : { host, port });
        }
      }
      if (req.probes !== undefined) {
        if (!Array.isArray(req.probes)) throw badRequest('net.udp.probe', 'probes must be an array');
        for (const p of req.probes) {
          strings([p?.host], 'net.udp.probe', 'probes[].host');
          ports([p.port], 'net.udp.probe');
          probes.push(p);
        }
      }
      if (probes.length === 0) throw badRequest('net.udp.probe', 'no probes: give targets and ports, or probes');
      inScope(env, caller, probes.map((p) => p.host));
      calls.udp.push(probes);
      calls.udpRequests.push(req);
      const want = new Set<string>(req.states ?? ['open', 'closed', 'filtered', 'open|filtered']);
      const counts: Record<UdpPortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0 };
      const results: UdpProbeResult[] = [];
      const max = req.max_bytes ?? 1500;
      for (const p of probes) {
        const sent = p.payload_b64 ? Buffer.from(p.payload_b64, 'base64').toString('latin1') : '';
        const c = (canned.udp ?? []).find(
          (x) =>
            x.port === p.port &&
            (x.host === undefined || x.host === p.host) &&
            (x.whenSent === undefined || (typeof x.whenSent === 'string' ? sent.includes(x.whenSent) : x.whenSent.test(sent))),
        );
        const state: UdpPortState = c ? (c.state ?? 'open') : 'closed';
        counts[state]++;
        if (!want.has(state)) continue;
        const reason = { open: 'udp-response', closed: 'port-unreachable', filtered: 'icmp-unreachable (type 3 code 13)', 'open|filtered': 'no-response' }[state];
        const r: UdpProbeResult = { host: p.host, port: p.port, state, reason };
        if (state === 'open' || state === 'closed') r.rtt_ms = 0.3;
        if (state === 'open' && c?.data !== undefined) r.data_b64 = bytesOf(c.data).subarray(0, max).toString('base64');
        results.push(r);
      }
      return { results, counts, stats: stats(probes.length, counts.open + counts.closed + counts.filtered) };
    },
  };
}
