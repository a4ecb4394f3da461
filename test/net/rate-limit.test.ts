import { describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { Semaphore, TokenBucket, type Clock } from '../../host/net/rate-limit.ts';

/** A clock that only moves when the test says so; timers fire in due order during advance(). */
class ManualClock implements Clock {
  #now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pendingTimers(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing due timers and letting resolved promises run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets already-resolved promise chains run (a few microtask turns, no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('TokenBucket', () => {
  it('starts full, hands out the burst, then refuses without waiting', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([1, 2, 3, 4].map(() => bucket.tryTake())).toEqual([true, true, true, false]);
    expect(bucket.available).toBe(0);
  });

  it('grants exactly rate x time (+ burst) over a controlled clock', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(5, 2, clock);
    let granted = 0;
    const takers = Array.from({ length: 100 }, () => bucket.take().then(() => granted++));
    await settle();
    expect(granted).toBe(2); // the burst
    expect(bucket.waiting).toBe(98);
    await clock.advance(10_000); // 10 s at 5/s
    expect(granted).toBe(52);
    await clock.advance(200); // exactly one period
    expect(granted).toBe(53);
    await clock.advance(199);
    expect(granted).toBe(53);
    await clock.advance(1);
    expect(granted).toBe(54);
    await clock.advance(10_000);
    await Promise.all(takers);
    expect(granted).toBe(100);
  });

  it('keeps at most one timer however many are waiting', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1, 1, clock);
    bucket.tryTake();
    const takers = Array.from({ length: 50 }, () => bucket.take());
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(50_000);
    await Promise.all(takers);
    expect(clock.pendingTimers).toBe(0);
  });

  it('serves waiters first-in first-out, including larger takes, and newcomers do not barge', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1, 3, clock);
    expect(bucket.tryTake(3)).toBe(true);
    const order: string[] = [];
    const a = bucket.take(2).then(() => order.push('a:2'));
    const b = bucket.take(1).then(() => order.push('b:1'));
    await clock.advance(1000); // 1 token: a (needs 2) is at the head, so b must not pass it
    expect(order).toEqual([]);
    expect(bucket.tryTake()).toBe(false); // nor may a newcomer
    await clock.advance(1000);
    expect(order).toEqual(['a:2']);
    await clock.advance(1000);
    await Promise.all([a, b]);
    expect(order).toEqual(['a:2', 'b:1']);
  });

  it('does not accumulate beyond the burst while idle', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(100, 4, clock);
    await clock.advance(60_000);
    expect(bucket.available).toBe(4);
  });

  it('drops an aborted waiter and serves the next', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1, 1, clock);
    bucket.tryTake();
    const ctl = new AbortController();
    const first = bucket.take(1, ctl.signal);
    const second = bucket.take(1);
    ctl.abort(new Error('stop'));
    await expect(first).rejects.toThrow('stop');
    expect(bucket.waiting).toBe(1);
    await clock.advance(1000);
    await expect(second).resolves.toBeUndefined();
    await expect(bucket.take(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('refuses impossible requests with a Limit error', () => {
    const bucket = new TokenBucket(1, 2, new ManualClock());
    for (const fn of [() => bucket.tryTake(3), () => bucket.take(0), () => new TokenBucket(0, 1), () => new TokenBucket(1, 0)]) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PentoraError);
      expect((err as PentoraError).code).toBe(ErrorCode.Limit);
    }
  });
});

describe('Semaphore', () => {
  it('never lets more than max run, and hands permits over in FIFO order', async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 6 }, async (_, i) => {
      const release = await sem.acquire();
      order.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      release();
    });
    await settle();
    expect(order).toEqual([0, 1]);
    expect(sem.waiting).toBe(4);
    // Open one gate at a time (bounded): each release admits exactly the next waiter.
    for (let i = 0; i < 10 && gates.length > 0; i++) {
      gates.shift()?.();
      await settle();
      expect(running).toBeLessThanOrEqual(2);
    }
    await Promise.all(tasks);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(sem.active).toBe(0);
  });

  it('ignores a second release, and tryAcquire does not barge past waiters', async () => {
    const sem = new Semaphore(1);
    const r1 = sem.tryAcquire();
    expect(r1).not.toBeNull();
    expect(sem.tryAcquire()).toBeNull();
    const waiter = sem.acquire();
    r1?.();
    r1?.(); // must not free a second permit
    const r2 = await waiter;
    expect(sem.active).toBe(1);
    expect(sem.tryAcquire()).toBeNull();
    r2();
    expect(sem.active).toBe(0);
  });

  it('removes an aborted waiter', async () => {
    const sem = new Semaphore(1);
    const held = sem.tryAcquire();
    const ctl = new AbortController();
    const a = sem.acquire(ctl.signal);
    const b = sem.acquire();
    ctl.abort(new Error('cancelled'));
    await expect(a).rejects.toThrow('cancelled');
    held?.();
    const rb = await b;
    expect(sem.active).toBe(1);
    expect(sem.waiting).toBe(0);
    rb();
  });
});
