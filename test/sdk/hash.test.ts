/** The SDK's MD5 and SHA-256 (sdk/assemblyscript/hash.ts): RFC 1321 / FIPS 180-4 vectors, then node:crypto as an oracle. */

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, runAsUnit } from '../../sdk/testing/as-unit.ts';

const ENTRY = 'sdk/assemblyscript/test/hash.ts';
const results = await runAsUnit(ENTRY);

describe('SDK digests: known answers', () => {
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});

describe('SDK digests against node:crypto', () => {
  it('agrees on every length across the padding boundaries (0..200 bytes) and on a 64 KiB message', async () => {
    const mod = await instantiateAs(await compileAs(ENTRY));
    const inputs: Buffer[] = [];
    for (let n = 0; n <= 200; n++) inputs.push(Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff)));
    inputs.push(Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 2654435761) >>> 24)));
    for (const data of inputs) {
      const { rc, output } = mod.invokeBytes('digest', data);
      expect(rc).toBe(0);
      const want = `${createHash('md5').update(data).digest('hex')} ${createHash('sha256').update(data).digest('hex')}`;
      expect(output, `length ${data.length}`).toBe(want);
    }
  });
});
