/**
 * Rate and concurrency limits for the socket engine: a token bucket (packets
 * or connects per second, with a burst) and a counting semaphore (sockets in
 * flight). Both serve waiters strictly first-in first-out, and a newcomer
 * never overtakes a waiter, so one busy plugin cannot starve another that
 * shares the scan-wide limit.
 *
 * Time comes from an injectable Clock, so tests count tokens against a clock
 * they move by hand instead of measuring real time.
 *
 * @example
 * const pps = new TokenBucket(1000, 100); // 1000/s sustained, bursts of 100
 * const sockets = new Semaphore(256);
 * const release = await sockets.acquire();
 * try { await pps.take(); connect(); } finally { release(); }
 */

import { ErrorCode, PentoraError } from '../errors.ts';

/** Monotonic milliseconds plus one-shot timers; the real one uses performance.now and setTimeout. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Waiter<T> {
  grant(value: T): void;
  reject(reason: unknown): void;
}

/**
 * A FIFO queue of waiters that can be cancelled through an AbortSignal. The
 * array is compacted lazily so dequeuing stays O(1) amortised with thousands
 * of waiters.
 */
class WaitQueue<T, W extends Waiter<T> = Waiter<T>> {
  #items: Array<W | undefined> = [];
  #head = 0;
  #count = 0;

  get length(): number {
    return this.#count;
  }

  peek(): W | undefined {
    return this.#items[this.#head];
  }

  shift(): W | undefined {
    const w = this.#items[this.#head];
    if (!w) return undefined;
    this.#items[this.#head++] = undefined;
    this.#count--;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#skipHoles();
    return w;
  }

  /** Enqueues `w`; if `signal` aborts first, removes it, rejects it and calls onCancel. */
  push(w: W, signal: AbortSignal | undefined, onCancel: () => void): void {
    this.#items.push(w);
    this.#count++;
    if (!signal) return;
    const abort = () => {
      const i = this.#items.indexOf(w, this.#head);
      if (i < 0) return;
      this.#items[i] = undefined;
      this.#count--;
      this.#skipHoles();
      w.reject(signal.reason);
      onCancel();
    };
    signal.addEventListener('abort', abort, { once: true });
    const { grant, reject } = w;
    // Drop the abort listener once the waiter is settled either way.
    w.grant = (v) => {
      signal.removeEventListener('abort', abort);
      grant(v);
    };
    w.reject = (r) => {
      signal.removeEventListener('abort', abort);
      reject(r);
    };
  }

  #skipHoles(): void {
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++;
    if (this.#count === 0) {
      this.#items = [];
      this.#head = 0;
    }
  }
}

interface TokenWaiter extends Waiter<void> {
  n: number;
}

/**
 * Tokens refill continuously at `ratePerSec` up to `burst`. `take(n)` resolves
 * once n tokens are granted; at most one timer is pending at any time (for the
 * head waiter), so a thousand waiters cost one timer, not a thousand.
 */
export class TokenBucket {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  readonly #queue = new WaitQueue<void, TokenWaiter>();
  #timer: unknown = null;

  constructor(ratePerSec: number, burst: number, clock: Clock = systemClock) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) {
      throw new PentoraError(ErrorCode.Limit, `rate limit: rate must be a positive number per second, got ${ratePerSec}`);
    }
    if (!Number.isSafeInteger(burst) || burst < 1) {
      throw new PentoraError(ErrorCode.Limit, `rate limit: burst must be a positive integer, got ${burst}`);
    }
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.#clock = clock;
    this.#tokens = burst; // start full: the first burst goes out at once
    this.#last = clock.now();
  }

  /** Tokens available now (fractional while refilling). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Number of callers waiting in take(). */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Takes n tokens if they are available now and nobody is queued ahead; never waits. */
  tryTake(n = 1): boolean {
    this.#check(n);
    this.#refill();
    if (this.#queue.length > 0 || this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Waits (FIFO) until n tokens are granted. Rejects with signal.reason if aborted while queued. */
  take(n = 1, signal?: AbortSignal): Promise<void> {
    this.#check(n);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake(n)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ n, grant: resolve, reject }, signal, () => this.#pump());
      this.#pump();
    });
  }

  #check(n: number): void {
    if (!Number.isSafeInteger(n) || n < 1 || n > this.burst) {
      throw new PentoraError(ErrorCode.Limit, `rate limit: cannot take ${n} tokens from a bucket of burst ${this.burst}`);
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.ratePerSec) / 1000);
      this.#last = now;
    }
  }

  /** Grants what can be granted, then arms a single timer for the next head waiter. */
  #pump(): void {
    if (this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#refill();
    for (let head = this.#queue.peek(); head; head = this.#queue.peek()) {
      // Tolerate float residue (0.9999999 tokens after exactly one period).
      if (this.#tokens + 1e-9 < head.n) break;
      this.#tokens = Math.max(0, this.#tokens - head.n);
      this.#queue.shift();
      head.grant();
    }
    const head = this.#queue.peek();
    if (!head) return;
    const ms = Math.max(1, Math.ceil(((head.n - this.#tokens) * 1000) / this.ratePerSec));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, ms);
  }
}

/** Returned by Semaphore.acquire; calling it more than once is harmless. */
export type Release = () => void;

/** A counting semaphore with FIFO hand-off: a released permit goes straight to the oldest waiter. */
export class Semaphore {
  readonly max: number;
  #active = 0;
  readonly #queue = new WaitQueue<Release>();

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new PentoraError(ErrorCode.Limit, `concurrency limit must be a positive integer, got ${max}`);
    }
    this.max = max;
  }

  /** Permits currently held. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting in acquire(). */
  get waiting(): number {
    return this.#queue.length;
  }

  tryAcquire(): Release | null {
    if (this.#queue.length > 0 || this.#active >= this.max) return null;
    this.#active++;
    return this.#release();
  }

  /** Resolves with a release function once a permit is held. Rejects with signal.reason if aborted while queued. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Release>((resolve, reject) => {
      this.#queue.push({ grant: resolve, reject }, signal, () => {});
    });
  }

  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // Hand-off keeps #active unchanged, so a tryAcquire in between cannot barge in.
      if (next) next.grant(this.#release());
      else this.#active--;
    };
  }
}
