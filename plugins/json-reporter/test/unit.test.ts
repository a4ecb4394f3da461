/** The reporter's pure functions (src/time.ts, src/hosts.ts, src/report.ts), table-driven in AssemblyScript. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

const results = await runAsUnit('plugins/json-reporter/src/__tests__/unit.ts');

describe('json-reporter pure functions', () => {
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});
