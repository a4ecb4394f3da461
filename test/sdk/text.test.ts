/** The SDK's text helpers and numeric reply lines (sdk/assemblyscript/{text,lines}.ts), table-driven in AssemblyScript. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../sdk/testing/as-unit.ts';

const results = await runAsUnit('sdk/assemblyscript/test/text.ts');

describe('SDK text helpers and numeric replies', () => {
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});
