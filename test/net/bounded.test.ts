/**
 * runBounded (host/net/bounded.ts), the batch runner behind net.tcp.probe and
 * net.udp.probe: results in item order whatever the finishing order, no more
 * tasks at once than the semaphore allows, the first failure stops new starts
 * but waits for the running ones, and an abort rejects with its reason after
 * onAbort has closed what was open.
 */

import { describe, expect, it } from 'vitest';
import { runBounded } from '../../host/net/bounded.ts';
import { Semaphore, TokenBucket } from '../../host/net/rate-limit.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = () => [new TokenBucket(1e9, 1e9)];

describe('runBounded', () => {
  it('gives results in item order and never runs more tasks than the semaphore allows', async () => {
    let running = 0;
    let peak = 0;
    const out = await runBounded([30, 5, 20, 1, 10], async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await wait(ms);
      running--;
      return ms * 2;
    }, { semaphore: new Semaphore(2), buckets: fast() });
    expect(out).toEqual([60, 10, 40, 2, 20]);
    expect(peak).toBe(2);
  });

  it('stops starting after the first failure, waits for the running tasks, then rejects with it', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const run = runBounded([0, 1, 2, 3, 4, 5], async (i) => {
      started.push(i);
      if (i === 1) throw new Error('boom 1');
      await wait(20);
      settled.push(i);
      return i;
    }, { semaphore: new Semaphore(2), buckets: fast() });
    await expect(run).rejects.toThrow('boom 1');
    expect(started.length).toBeLessThan(6);
    expect(settled).toEqual(started.filter((i) => i !== 1));
  });

  it('on abort calls onAbort once and rejects with the signal reason after the running tasks settle', async () => {
    const ac = new AbortController();
    let aborted = 0;
    const open = new Set<number>();
    const run = runBounded([0, 1, 2, 3], async (i) => {
      open.add(i);
      await wait(i === 0 ? 10 : 1000);
      open.delete(i);
      return i;
    }, { semaphore: new Semaphore(4), buckets: fast(), signal: ac.signal, onAbort: () => { aborted++; open.clear(); } });
    await wait(30);
    ac.abort(new Error('stop now'));
    await expect(run).rejects.toThrow('stop now');
    expect(aborted).toBe(1);
    expect(open.size).toBe(0);
  });
});
