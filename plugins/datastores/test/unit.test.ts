/** The AssemblyScript unit checks of pentora/datastores (src/__tests__/unit.ts): BSON bounds, probe bytes, parser edges. */

import { describe, expect, it } from 'vitest';
import { runAsUnit } from '../../../sdk/testing/as-unit.ts';

describe('datastores: unit', async () => {
  const results = await runAsUnit('plugins/datastores/src/__tests__/unit.ts');
  it.each(results)('$name', (r) => expect(r.ok, r.detail).toBe(true));
});
