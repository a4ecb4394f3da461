/**
 * The first block of most service plugins' table tests (parser-table.ts):
 * every case's captured banner in one sandbox run, then a test that the run
 * wrote one service and one fingerprint per case, and one test per case
 * checking its only fingerprint and, where the case lists them, its fields.
 *
 * @example
 *   describe('mail: greetings', () => {
 *     const run = capturedPrints(t, CASES, 11000, 'greeting');
 *     it('names implicit-TLS greetings imaps and pop3s', async () => { ... });
 *   });
 */

import { expect, it } from 'vitest';
import type { RunResult } from './harness.ts';
import type { FixtureCase, ParserTable, Rec } from './parser-table.ts';

/** A table row that names its service and, optionally, fields its parsed_services record must hold. */
export interface PrintCase extends FixtureCase {
  service: string;
  fields?: Rec;
}

/**
 * Registers the run (case i at `basePort + i`) and its tests; `what` names a
 * banner in the count test ("one service and one fingerprint per <what>").
 * Gives the run, for the block's own tests.
 */
export function capturedPrints<C extends PrintCase>(t: ParserTable, cases: C[], basePort: number, what: string): { result: () => RunResult; portOf: (file: string) => number } {
  const run = t.captured(cases, basePort);
  it(`one service and one fingerprint per ${what}`, () => {
    t.expectOnePerCase(run.result(), cases.length);
  });
  it.each(run.cases)('$file', (c) => {
    const r = run.result();
    t.expectOnePrint(r, c.port, { ...c });
    if (c.fields) expect(t.fieldsAt(r, c.port)).toMatchObject(c.fields);
  });
  return run;
}
