/**
 * The batch runner shared by the probing host calls (`net.tcp.probe`,
 * `net.udp.probe`): starts one task per item, in order, each once it holds a
 * concurrency permit and a token from every bucket, and gathers the results
 * in item order.
 *
 * Permits and tokens are taken one item at a time: a batch holds at most one
 * place in each queue, so batches from different plugins interleave fairly.
 * The first failure (a rejected task, or a permit or token that could not be
 * had) stops new starts; the tasks already running are awaited, so every
 * socket they opened is closed before the batch settles. An abort rejects
 * with signal.reason, after the same wait; `onAbort` (closing the batch's
 * sockets) is what makes that wait short.
 *
 * @example
 * const results = await runBounded(probes, (p) => probeOne(p, sockets), {
 *   semaphore, buckets: [pluginPps, globalPps], signal, onAbort: () => closeAll(sockets) });
 */

import type { Semaphore, TokenBucket } from './rate-limit.ts';

export interface BoundedOptions {
  /** One permit per running task, released when the task settles. */
  semaphore: Semaphore;
  /**
   * Each start takes one token from each bucket, in this order. Put the
   * narrowest (per-plugin) first: a token taken from the shared bucket while
   * waiting on a slow plugin bucket would be wasted for everyone else.
   */
  buckets: readonly TokenBucket[];
  signal?: AbortSignal | undefined;
  /** Called once if the signal aborts while the batch runs (not after it settled). */
  onAbort?: () => void;
}

/**
 * Runs `start` for every item under the limits; results are in item order.
 * Rejects with signal.reason on abort, else with the first failure, once
 * every started task has settled.
 */
export async function runBounded<I, R>(
  items: readonly I[],
  start: (item: I, index: number) => Promise<R>,
  opts: BoundedOptions,
): Promise<R[]> {
  const { signal } = opts;
  const results: R[] = new Array(items.length);
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const onAbort = opts.onAbort;
  if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < items.length && !failure && !signal?.aborted; i++) {
      let release: (() => void) | null = null;
      try {
        release = await opts.semaphore.acquire(signal);
        for (const bucket of opts.buckets) await bucket.take(1, signal);
        signal?.throwIfAborted();
      } catch (error) {
        release?.();
        failure = { error };
        break;
      }
      const done = release;
      const task = start(items[i] as I, i).then(
        (result) => {
          results[i] = result;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      );
      const tracked: Promise<void> = task.finally(() => {
        done();
        running.delete(tracked);
      });
      running.add(tracked);
    }
    await Promise.all(running);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (failure) throw failure.error;
  return results;
}
