/** The udp-scanner's payload builders (src/payloads.ts, over the SDK's wire.ts and ber.ts), byte for byte, in AssemblyScript. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

const results = await runAsUnit('plugins/udp-scanner/src/__tests__/unit.ts');

describe('udp-scanner payloads', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(40));
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});
