/**
 * Live counters of a scan's network work, for the progress display. Fed by
 * the host, never by plugins:
 *
 * - packets: every connect, SYN, datagram and echo request takes a token
 *   from the scan-wide bucket first, so a MeteredBucket in that place counts
 *   packets as they are let out, whichever host call sends them;
 * - probes done and ports found open: every net.* host call audits each probe
 *   as it settles (DESIGN §6), so observing the transcript counts them; the
 *   closed ports of a SYN batch, summarised in the call's entry rather than
 *   one entry each, arrive through the sink's `settled`.
 *
 * @example
 *   const meter = new ProbeMeter();
 *   const bucket = new MeteredBucket(meter, 5000, 500);   // the scan-wide bucket
 *   const sink = meter.tap(transcript);                  // the env's transcript
 *   meter.snapshot(); // { packets, probed, open, hostsUp, expected, elapsedMs }
 */

import type { TranscriptSink } from '../hostcalls/env.ts';
import type { TranscriptInput } from '../workspace/transcript.ts';
import { systemClock, TokenBucket, type Clock } from './rate-limit.ts';

export interface MeterSnapshot {
  /** Packets (connects, SYNs, datagrams, echo requests) let out so far, retries included. */
  packets: number;
  /** Probes settled (answered, refused or timed out). */
  probed: number;
  /** Ports found open (TCP open, UDP open). */
  open: number;
  /** Hosts known up after discovery, or null before any discovery finished. */
  hostsUp: number | null;
  /** Probes the scan is expected to make in all (0 when unknown). */
  expected: number;
  elapsedMs: number;
}

export class ProbeMeter {
  packets = 0;
  probed = 0;
  open = 0;
  hostsUp: number | null = null;
  expected = 0;
  readonly #clock: Clock;
  readonly #started: number;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
    this.#started = clock.now();
  }

  /** Counts one audit entry: a per-probe net.* record (one naming a target) is a settled probe. */
  observe(entry: TranscriptInput): void {
    if (!entry.op.startsWith('net.') || entry.target === undefined) return;
    this.probed++;
    const result = entry.result as { state?: unknown } | null;
    if (result?.state === 'open') this.open++;
  }

  /** A transcript sink that records through `sink` and counts what passes, and the probes a batch only summarises. */
  tap<T extends TranscriptSink>(sink: T): TranscriptSink {
    return {
      record: (entry) => {
        this.observe(entry);
        return sink.record(entry);
      },
      settled: (op, probes) => {
        this.probed += probes;
        sink.settled?.(op, probes);
      },
    };
  }

  snapshot(): MeterSnapshot {
    return { packets: this.packets, probed: this.probed, open: this.open, hostsUp: this.hostsUp, expected: this.expected, elapsedMs: this.#clock.now() - this.#started };
  }
}

/** A token bucket that counts the tokens asked of it (one per packet) into a meter. */
export class MeteredBucket extends TokenBucket {
  readonly #meter: ProbeMeter;

  constructor(meter: ProbeMeter, ratePerSec: number, burst: number, clock: Clock = systemClock) {
    super(ratePerSec, burst, clock);
    this.#meter = meter;
  }

  // Counted when asked rather than when granted: no extra promise per packet
  // on the hot path, and the difference is at most what is queued right now.
  override take(n = 1, signal?: AbortSignal): Promise<void> {
    this.#meter.packets += n;
    return super.take(n, signal);
  }
}

/** What plannedProbes needs of a DAG node: its module type and resolved config. */
export interface PlannedNode {
  type: string;
  config: Readonly<Record<string, unknown>>;
}

/**
 * The ports a node's config selects: `ports` narrowed by `top_ports`, or a
 * discovery module's `probe_ports`; 1 for a module with neither (a ping is
 * one probe per host).
 */
function portsOf(config: Readonly<Record<string, unknown>>, count: (spec: string) => number): number {
  const spec = typeof config.ports === 'string' ? config.ports : typeof config.probe_ports === 'string' ? config.probe_ports : null;
  if (spec === null) return 1;
  let n: number;
  try {
    n = count(spec);
  } catch {
    return 0;
  }
  const top = typeof config.top_ports === 'number' ? config.top_ports : 0;
  return top > 0 ? Math.min(top, n) : n;
}

/**
 * Probes a scan is expected to make: discovery modules probe every target,
 * scanners every host left after discovery (`liveHosts` once known, else
 * every target), each over the ports its config selects. An estimate for
 * the progress display (retries and refusals make the real count differ).
 */
export function plannedProbes(nodes: readonly PlannedNode[], targets: number, liveHosts: number | null, count: (spec: string) => number): number {
  let total = 0;
  for (const n of nodes) {
    if (n.type === 'discovery') total += targets * portsOf(n.config, count);
    else if (n.type === 'scanner') total += (liveHosts ?? targets) * portsOf(n.config, count);
  }
  return total;
}
