/**
 * Turns a scan's transcript.jsonl into canned replies, so a plugin can be
 * re-run offline against exactly what the network said (DESIGN §6).
 */

import { readTranscript } from '../../host/workspace/transcript.ts';
import type { CannedStep, CannedTcp } from './harness.ts';

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
    const result = (e.result ?? {}) as { state?: CannedTcp['state']; steps?: unknown };
    const c: CannedTcp = { host: t.host, port: t.port, state: result.state ?? 'closed' };
    if (Array.isArray(result.steps)) {
      // A conversation (net-tcp.ts keeps each step in result.steps): replayed step by step,
      // each answer only after the same bytes were sent, and open at the end unless it ended at eof.
      const steps = result.steps as Array<{ sent_b64?: unknown; recv_b64?: unknown; reason?: unknown }>;
      c.steps = steps.map((st) => {
        const step: CannedStep = {};
        if (typeof st.sent_b64 === 'string' && st.sent_b64) step.whenSent = Buffer.from(st.sent_b64, 'base64').toString('latin1');
        if (typeof st.recv_b64 === 'string' && st.recv_b64) step.data = Buffer.from(st.recv_b64, 'base64');
        return step;
      });
      if (steps[steps.length - 1]?.reason !== 'eof') c.stayOpen = true;
      out.push(c);
      continue;
    }
    if (e.recv_b64) c.data = Buffer.from(e.recv_b64, 'base64');
    // Replies that answered a payload only answer that payload on replay.
    if (e.sent_b64) c.whenSent = Buffer.from(e.sent_b64, 'base64').toString('latin1');
    out.push(c);
  }
  // A probe that sent something should match its own record before a passive one.
  const specific = (c: CannedTcp) => Number(c.whenSent !== undefined || (c.steps ?? []).some((st) => st.whenSent !== undefined));
  return out.sort((a, b) => specific(b) - specific(a));
}
