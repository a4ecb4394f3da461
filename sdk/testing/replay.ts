/**
 * Turns a scan's transcript.jsonl into canned replies, so a plugin can be
 * re-run offline against exactly what the network said (DESIGN §6).
 */

import { readTranscript } from '../../host/workspace/transcript.ts';
import type { CannedTcp } from './harness.ts';

function splitTarget(target: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

export async function cannedFromTranscript(file: string): Promise<CannedTcp[]> {
  const out: CannedTcp[] = [];
  for await (const e of readTranscript(file)) {
    if (e.op !== 'net.tcp.probe' || !e.target) continue;
    const t = splitTarget(e.target);
    if (!t) continue;
    const result = (e.result ?? {}) as { state?: CannedTcp['state'] };
    const c: CannedTcp = { host: t.host, port: t.port, state: result.state ?? 'closed' };
    if (e.recv_b64) c.data = Buffer.from(e.recv_b64, 'base64');
    // Replies that answered a payload only answer that payload on replay.
    if (e.sent_b64) c.whenSent = Buffer.from(e.sent_b64, 'base64').toString('latin1');
    out.push(c);
  }
  // A probe that sent something should match its own record before a passive one.
  return out.sort((a, b) => Number(b.whenSent !== undefined) - Number(a.whenSent !== undefined));
}
