/**
 * Capability approval (DESIGN §6): what a plugin asks for is shown to the
 * operator and pinned, by digest, when approved. A later version whose
 * capabilities digest differs installs disabled until approved again, so an
 * update can never widen what runs without someone saying yes.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { Manifest } from '../../host/sandbox/manifest.ts';

/** Lines describing what a plugin asks for, shown before approval. */
export function describeCapabilities(manifest: Manifest): string[] {
  const caps = manifest.capabilities;
  const lines: string[] = [];
  const net = caps.net ?? {};
  const grant = (g: { ports: 'any' | number[] }): string => `targets in the scan's scope, ports ${g.ports === 'any' ? 'any' : g.ports.join(',')}`;
  if (net.tcp) lines.push(`net.tcp    connect to ${grant(net.tcp)}`);
  if (net.udp) lines.push(`net.udp    send to ${grant(net.udp)}`);
  if (net.icmp) lines.push('net.icmp   raw ICMP (needs root or CAP_NET_RAW)');
  if (net.syn) lines.push('net.syn    raw SYN scanning (needs root or CAP_NET_RAW)');
  if (caps.rate?.pps !== undefined || caps.rate?.concurrent !== undefined) {
    lines.push(`rate       ${caps.rate.pps ?? 'scan default'} pps, ${caps.rate.concurrent ?? 'scan default'} concurrent connections`);
  }
  if (lines.length === 0) lines.push('(no network access: reads and writes scan data only)');
  const lim = Object.entries(manifest.limits).map(([k, v]) => `${k}=${v}`);
  lines.push(`limits     ${lim.length ? lim.join(' ') : 'host defaults'}`);
  return lines;
}

export type ApprovalOutcome = 'already-approved' | 'approved' | 'pending';

export interface ApprovalQuestion {
  name: string;
  version: string;
  /** The digest the new version asks for. */
  capabilitiesSha256: string;
  /** What the lock says was approved for this name before (null: first install). */
  approvedBefore: string | null;
  yes: boolean;
  /** Interactive y/N; absent when there is no terminal to ask on. */
  confirm?: () => Promise<boolean>;
}

/**
 * Decides approval. A first install with nobody to ask and no --yes is
 * refused (exit 2); an update whose capabilities changed installs disabled
 * (`pending`). Saying no at the prompt aborts the install.
 */
export async function decideApproval(q: ApprovalQuestion): Promise<ApprovalOutcome> {
  if (q.approvedBefore === q.capabilitiesSha256) return 'already-approved';
  if (q.yes) return 'approved';
  if (q.confirm) {
    if (await q.confirm()) return 'approved';
    throw new PentoraError(ErrorCode.Usage, `${q.name} ${q.version}: not approved; nothing was installed`);
  }
  if (q.approvedBefore !== null) return 'pending';
  throw new PentoraError(
    ErrorCode.Usage,
    `${q.name} ${q.version}: installing needs approval of the capabilities above and there is no terminal to ask on; re-run with --yes to approve them`,
  );
}
