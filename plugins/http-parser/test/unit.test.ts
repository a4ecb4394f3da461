/**
 * http-parser's pure AssemblyScript (src/__tests__/unit.ts), and the
 * MurmurHash3 vectors it uses checked against an independent JavaScript
 * implementation, so a wrong vector cannot hide a wrong hash.
 */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

const results = await runAsUnit('plugins/http-parser/src/__tests__/unit.ts');

/** MurmurHash3_x86_32, written from Appleby's reference C, signed like Python's mmh3.hash. */
function mmh3(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = data.length >> 2;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mixK = (k: number): number => Math.imul(((Math.imul(k, c1) << 15) | (Math.imul(k, c1) >>> 17)) >>> 0, c2) >>> 0;
  for (let i = 0; i < blocks; i++) {
    h ^= mixK(dv.getUint32(i * 4, true));
    h = ((h << 13) | (h >>> 19)) >>> 0;
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  let k = 0;
  const t = blocks * 4;
  const rest = data.length & 3;
  if (rest === 3) k ^= data[t + 2]! << 16;
  if (rest >= 2) k ^= data[t + 1]! << 8;
  if (rest >= 1) {
    k ^= data[t]!;
    h ^= mixK(k);
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Python's base64.encodebytes: 76-char lines, each ended by a newline. */
const encodebytes = (b: Uint8Array): Buffer => Buffer.from((Buffer.from(b).toString('base64').match(/.{1,76}/g) ?? []).map((l) => l + '\n').join(''));
const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);

describe('http-parser pure functions (AssemblyScript)', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(60));
  it.each(results)('$name', (r) => expect(r.ok, r.detail).toBe(true));
});

describe('the MurmurHash3 vectors, by an independent implementation', () => {
  const table: Array<[number, number, number, number]> = [
    [0, 0, -340344280, 0], [1, 1753412482, -1348383476, 1615126829], [17, -2084939796, -941846983, 1295489726],
    [57, -339658840, -2142786905, -1645475644], [58, -443713787, -494857841, -1163514741], [255, -1541540753, -1174977536, -1562052886],
  ];
  it.each(table)('pattern of %i bytes', (n, h0, hs, shodan) => {
    expect(mmh3(pattern(n))).toBe(h0);
    expect(mmh3(pattern(n), 0x9747b28c)).toBe(hs);
    expect(mmh3(encodebytes(pattern(n)))).toBe(shodan);
  });
  it('text vectors', () => {
    expect(mmh3(Buffer.from('hello'))).toBe(613153351);
    expect(mmh3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(799549133);
  });
});

