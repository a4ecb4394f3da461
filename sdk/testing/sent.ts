/**
 * What a plugin sent, read back from a run's `probes` (harness.ts
 * RunResult): the bytes of each conversation step as latin1 text, so a test
 * can say "EHLO then QUIT" in the protocol's own words.
 *
 * @example
 *   stepSends(r.probes.flat()[0]!) // ['', 'FEAT\r\n', 'SYST\r\n', 'QUIT\r\n'] (the first step only reads)
 *   sentBy(r)                      // [[5901, 'RFB 003.008\n'], [873, '@RSYNCD: 31.0\n#list\n']]
 */

import type { TcpProbe } from '../../host/hostcalls/types.ts';
import type { RunResult } from './harness.ts';

/** Each step's send as latin1 text, '' for a step that sends nothing; a single-form probe is one step. */
export function stepSends(p: TcpProbe): string[] {
  const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('latin1');
  return p.steps ? p.steps.map((s) => text(s.send_b64)) : [text(p.payload_b64)];
}

/** Every probe of the run, in order: its port and all it sent, joined. */
export function sentBy(r: RunResult): Array<[number, string]> {
  return r.probes.flat().map((p) => [p.port, stepSends(p).join('')]);
}
