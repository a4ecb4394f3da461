/**
 * Hostile input for parser tests, built in the test from a seed or from a
 * captured fixture, never stored: noise, every prefix of a capture (what a
 * read cut short gives), and one-byte corruptions. A parser must give null
 * or a bounded reading for each, and never trap; the tests say which.
 *
 * @example
 *   for (const part of prefixes(fixture('redis-7.0.15-info.bin'))) identify(part, 'redis-info'); // never throws
 *   t.yieldsNothing([['64 KiB of noise', noise(65536, 7)]], 22);
 */

/**
 * `n` bytes of deterministic noise: the top byte of each state of a 32-bit
 * linear congruential generator (a = 1103515245, c = 12345), from `seed`.
 */
export function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Every prefix of `data`, shortest first: from `from` bytes (default 0, the empty one) to `data` whole. */
export function prefixes(data: Buffer, from = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let n = from; n <= data.length; n++) out.push(data.subarray(0, n));
  return out;
}

/** Copies of `data` with one byte flipped (xor 0xa5), at every `step`-th offset from 0. */
export function corruptions(data: Buffer, step = 1): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += step) {
    const bad = Buffer.from(data);
    bad[at] = bad[at]! ^ 0xa5;
    out.push(bad);
  }
  return out;
}
