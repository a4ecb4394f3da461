/** The probe meter behind the progress display: packets from the scan-wide bucket, probes from the audit transcript. */

import { describe, expect, it } from 'vitest';
import { MeteredBucket, plannedProbes, ProbeMeter } from '../../host/net/meter.ts';
import { checkPortSpec } from '../../host/net/ports.ts';
import type { Clock } from '../../host/net/rate-limit.ts';
import type { TranscriptInput } from '../../host/workspace/transcript.ts';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = timers.indexOf(h as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
  };
}

const probe = (op: string, state: string, target = '10.0.0.1:22'): TranscriptInput => ({ plugin: 'p', instance: 'i', op, target, result: { state } });

describe('ProbeMeter', () => {
  it('counts settled probes and open ports from per-probe net.* audit entries only', () => {
    const m = new ProbeMeter();
    const seen: TranscriptInput[] = [];
    const sink = m.tap({ record: (e: TranscriptInput) => (seen.push(e), { ...e, ts: '', seq: seen.length }) });
    sink.record(probe('net.syn.scan', 'open'));
    sink.record(probe('net.syn.scan', 'closed'));
    sink.record(probe('net.tcp.probe', 'filtered'));
    sink.record(probe('net.udp.probe', 'open'));
    sink.record({ plugin: 'p', instance: 'i', op: 'net.icmp.echo', target: '10.0.0.1', result: { alive: true } });
    // The call-level summary entry (no target) and DataContext reads are not probes.
    sink.record({ plugin: 'p', instance: 'i', op: 'net.syn.scan', result: { counts: { open: 1 } } });
    sink.record({ plugin: 'p', instance: 'i', op: 'context.get', target: 'targets', result: { count: 1 } });
    expect(seen).toHaveLength(7); // everything still reaches the transcript
    expect(m.snapshot()).toMatchObject({ probed: 5, open: 2, packets: 0 });
  });

  it('counts probes a batch only summarises (a SYN scan\'s closed ports) through settled, and passes it on', () => {
    const m = new ProbeMeter();
    const passed: number[] = [];
    const sink = m.tap({ record: (e: TranscriptInput) => ({ ...e, ts: '', seq: 1 }), settled: (_op: string, n: number) => passed.push(n) });
    sink.record(probe('net.syn.scan', 'open'));
    sink.settled?.('net.syn.scan', 128);
    sink.settled?.('net.syn.scan', 2);
    expect(m.snapshot()).toMatchObject({ probed: 131, open: 1 });
    expect(passed).toEqual([128, 2]);
  });

  it('a metered bucket counts every packet asked of it and still rate-limits', async () => {
    const clock = manualClock();
    const m = new ProbeMeter(clock);
    const b = new MeteredBucket(m, 10, 2, clock);
    let granted = 0;
    const all = Promise.all([b.take(), b.take(), b.take(1), b.take(2)].map((p) => p.then(() => granted++)));
    expect(m.packets).toBe(5);
    await Promise.resolve();
    expect(granted).toBe(2); // the burst of 2; the rest waits for tokens at 10/s
    clock.advance(100);
    await Promise.resolve();
    clock.advance(200);
    await all;
    expect(granted).toBe(4);
    expect(m.snapshot().elapsedMs).toBe(300);
  });

  it('plans probes per node: discovery over every target, scanners over the hosts found up', () => {
    const nodes = [
      { type: 'discovery', config: {} }, // a ping: one probe per host
      { type: 'discovery', config: { probe_ports: '22,80' } }, // a TCP ping: two probes per host
      { type: 'scanner', config: { ports: '-', top_ports: 1000 } },
      { type: 'scanner', config: { ports: '1-100', top_ports: 0 } },
      { type: 'grabber', config: { ports: '-' } }, // not a probing module
    ];
    expect(plannedProbes(nodes, 10, null, checkPortSpec)).toBe(10 + 20 + 10 * 1000 + 10 * 100);
    expect(plannedProbes(nodes, 10, 3, checkPortSpec)).toBe(10 + 20 + 3 * 1100);
    expect(plannedProbes([{ type: 'scanner', config: { ports: '1-10', top_ports: 50 } }], 1, null, checkPortSpec)).toBe(10);
    expect(plannedProbes([{ type: 'scanner', config: { ports: 'bogus' } }], 1, null, checkPortSpec)).toBe(0);
  });
});
