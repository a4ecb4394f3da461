/** The progress line: when it shows, what it says, and that a terminal gets it redrawn in place and erased. */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDuration, formatProgress, ProgressDisplay, progressMode } from '../../host/cli/progress.ts';
import { ProbeMeter, type MeterSnapshot } from '../../host/net/meter.ts';

const snap = (over: Partial<MeterSnapshot>): MeterSnapshot => ({ packets: 0, probed: 0, open: 0, hostsUp: null, expected: 0, elapsedMs: 0, ...over });

describe('progress', () => {
  afterEach(() => vi.useRealTimers());

  it('shows on a terminal stderr, on a pipe only when forced, never when quiet', () => {
    expect(progressMode({ stderrIsTTY: true, quiet: false, force: false })).toBe('tty');
    expect(progressMode({ stderrIsTTY: false, quiet: false, force: false })).toBe('off');
    expect(progressMode({ stderrIsTTY: false, quiet: false, force: true })).toBe('lines');
    expect(progressMode({ stderrIsTTY: true, quiet: true, force: true })).toBe('off');
  });

  it('formats probes, open ports, rate and ETA', () => {
    expect(formatProgress(snap({ packets: 29491, probed: 1000, open: 12, expected: 65535 }), 48210.4, 48000, 20)).toBe(
      '[#########...........]  45%  29,491/65,535 probes  12 open  48,210 pps  ETA 0:01',
    );
    expect(formatProgress(snap({ packets: 70000, probed: 65535, open: 3, expected: 65535, hostsUp: 1, elapsedMs: 61000 }), 0, 0, 10)).toBe(
      '[##########] 100%  65,535/65,535 probes  1 up  3 open  0 pps  elapsed 1:01',
    );
    expect(formatProgress(snap({ packets: 5, expected: 0, elapsedMs: 3_725_000 }), 5, 5)).toBe('5 probes  0 open  5 pps  elapsed 1:02:05');
    expect(formatDuration(59_400)).toBe('0:59');
  });

  it('on a terminal redraws one line in place, keeps notes above it, and erases it at the end', () => {
    vi.useFakeTimers();
    const meter = new ProbeMeter();
    meter.expected = 100;
    let out = '';
    const d = new ProgressDisplay(meter, { write: (t: string) => (out += t), columns: 200 }, 'tty');
    d.start();
    meter.packets = 50;
    vi.advanceTimersByTime(100);
    expect(out).toMatch(/^\r\[#{10}\.{10}\]  50%  50\/100 probes  0 open .*\x1b\[K$/);
    d.note('[1/3] icmp-discovery done');
    expect(out.endsWith('\r\x1b[K[1/3] icmp-discovery done\n')).toBe(true);
    d.stop();
    d.stop();
    expect(out.endsWith('\n')).toBe(true); // nothing drawn since the note: nothing to erase
    expect(out.split('\n').filter((l) => l.includes('probes'))).toHaveLength(1);
  });

  it('forced on a pipe, prints plain lines without control characters, and a last one at the end', () => {
    vi.useFakeTimers();
    const meter = new ProbeMeter();
    let out = '';
    const d = new ProgressDisplay(meter, { write: (t: string) => (out += t) }, 'lines');
    d.start();
    meter.probed = 7;
    vi.advanceTimersByTime(2000);
    d.stop();
    d.stop();
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.startsWith('7 probes  0 open'))).toBe(true);
    expect(out).not.toMatch(/[\r\x1b]/);
  });

  it('off prints nothing', () => {
    let out = '';
    const d = new ProgressDisplay(new ProbeMeter(), { write: (t: string) => (out += t) }, 'off');
    d.start();
    d.note('x');
    d.stop();
    expect(out).toBe('');
  });
});
