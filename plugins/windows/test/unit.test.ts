/** The pure helpers of pentora/windows (src/__tests__/unit.ts), in AssemblyScript. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

const results = await runAsUnit('plugins/windows/src/__tests__/unit.ts');

describe('windows helpers', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(10));
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});
