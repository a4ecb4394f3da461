/** The pure helpers of pentora/netservices (src/__tests__/unit.ts), in AssemblyScript. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

const results = await runAsUnit('plugins/netservices/src/__tests__/unit.ts');

describe('netservices helpers', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(15));
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});
