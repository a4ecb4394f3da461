/**
 * The scan progress line on stderr: probes done of those expected, open
 * ports found, packets per second and time left, from the host's probe
 * meter (host/net/meter.ts). Never on stdout, where results go.
 *
 * On a terminal it is one line redrawn in place ten times a second and
 * erased at the end; `--progress` on a pipe prints a plain line a second
 * instead, so a log keeps one readable line per second and no control
 * characters. Node lines and notices go through `note`, which keeps the bar
 * below them.
 */

import type { MeterSnapshot, ProbeMeter } from '../net/meter.ts';

export type ProgressMode = 'tty' | 'lines' | 'off';

/**
 * Where progress goes: a redrawn line when stderr is a terminal, plain lines
 * when forced on a pipe, nothing when quiet. Whether stdout is machine-read
 * (-o json / jsonl) does not matter: progress never touches stdout.
 */
export function progressMode(o: { stderrIsTTY: boolean; quiet: boolean; force: boolean }): ProgressMode {
  if (o.quiet) return 'off';
  if (o.stderrIsTTY) return 'tty';
  return o.force ? 'lines' : 'off';
}

/** 1234567.8 -> "1,234,568" (by hand: an Intl formatter costs ~40 ms of ICU start-up on every scan). */
const int = {
  format(n: number): string {
    const s = String(Math.round(Math.max(0, n)));
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  },
};

/** h:mm:ss or m:ss. */
export function formatDuration(ms: number): string {
  const t = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Probes done: the larger of settled probes and packets let out, never past what is expected. */
export function progressDone(s: MeterSnapshot): number {
  const done = Math.max(s.probed, s.packets);
  return s.expected > 0 ? Math.min(done, s.expected) : done;
}

/**
 * One progress line. `pps` is the recent packet rate, `probesPerSec` the
 * recent rate of progress (for the ETA). Pure, so it is tested as text.
 *
 * @example formatProgress(snapshot, 48210, 48000, 20)
 *   // "[#########...........]  45%  29,491/65,535 probes  12 open  48,210 pps  ETA 0:01"
 */
export function formatProgress(s: MeterSnapshot, pps: number, probesPerSec: number, barWidth = 20): string {
  const done = progressDone(s);
  const parts: string[] = [];
  if (s.expected > 0) {
    const frac = done / s.expected;
    const filled = Math.min(barWidth, Math.floor(frac * barWidth));
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%`);
    parts.push(`${int.format(done)}/${int.format(s.expected)} probes`);
  } else {
    parts.push(`${int.format(done)} probes`);
  }
  if (s.hostsUp !== null) parts.push(`${int.format(s.hostsUp)} up`);
  parts.push(`${int.format(s.open)} open`);
  parts.push(`${int.format(pps)} pps`);
  if (s.expected > 0 && done < s.expected && probesPerSec > 0) parts.push(`ETA ${formatDuration(((s.expected - done) / probesPerSec) * 1000)}`);
  else parts.push(`elapsed ${formatDuration(s.elapsedMs)}`);
  return parts.join('  ');
}

interface Writable {
  write(text: string): unknown;
  columns?: number;
}

/** Samples the meter on a timer and draws; rates are over the last ~2 s. */
export class ProgressDisplay {
  readonly #meter: ProbeMeter;
  readonly #out: Writable;
  readonly #mode: ProgressMode;
  #timer: ReturnType<typeof setInterval> | null = null;
  #drawn = false;
  #stopped = false;
  readonly #samples: Array<{ at: number; packets: number; done: number }> = [];

  constructor(meter: ProbeMeter, out: Writable, mode: ProgressMode) {
    this.#meter = meter;
    this.#out = out;
    this.#mode = mode;
  }

  start(): void {
    if (this.#mode === 'off' || this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#mode === 'tty' ? 100 : 1000);
    this.#timer.unref();
  }

  /** Prints a line (a node finished, a notice) above the bar. */
  note(line: string): void {
    if (this.#mode === 'off') return;
    this.#clear();
    this.#out.write(line.endsWith('\n') ? line : line + '\n');
  }

  /** Stops (once), erasing the bar on a terminal; on a pipe, prints the final line. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#mode === 'tty') this.#clear();
    else if (this.#mode === 'lines') this.#out.write(this.#line() + '\n');
  }

  #line(): string {
    const s = this.#meter.snapshot();
    const now = s.elapsedMs;
    const done = progressDone(s);
    this.#samples.push({ at: now, packets: s.packets, done });
    while (this.#samples.length > 2 && now - (this.#samples[0] as { at: number }).at > 2000) this.#samples.shift();
    const first = this.#samples[0] as { at: number; packets: number; done: number };
    // Over the last ~2 s; on the first sample, over the run so far.
    const span = (now - first.at) / 1000;
    const all = now / 1000;
    const pps = span > 0 ? (s.packets - first.packets) / span : all > 0 ? s.packets / all : 0;
    const rate = span > 0 ? (done - first.done) / span : all > 0 ? done / all : 0;
    return formatProgress(s, pps, rate);
  }

  #tick(): void {
    const line = this.#line();
    if (this.#mode === 'lines') {
      this.#out.write(line + '\n');
      return;
    }
    const width = this.#out.columns || 100; // 0 on a terminal that never reported its size
    this.#out.write(`\r${line.slice(0, Math.max(20, width - 1))}\x1b[K`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#mode === 'tty' && this.#drawn) this.#out.write('\r\x1b[K');
    this.#drawn = false;
  }
}
