/**
 * What host-call implementations may touch: one HostCallEnv per scan. Each
 * implementation receives it explicitly; there is no global state.
 */

import type { Logger } from 'pino';
import type { DataContext } from '../engine/context.ts';
import type { RawCapability } from '../net/raw/capability.ts';
import type { Semaphore, TokenBucket } from '../net/rate-limit.ts';
import type { Scope } from '../net/scope.ts';
import type { Transcript } from '../workspace/transcript.ts';

/**
 * Where host calls are audited (DESIGN §6): the scan's transcript.jsonl.
 * `settled` hears of probes a batch call summarises in its own entry instead
 * of one entry each (net.syn.scan's closed ports), so a progress display fed
 * by the transcript still counts them; the transcript itself ignores it.
 */
export type TranscriptSink = Pick<Transcript, 'record'> & { settled?(op: string, probes: number): void };

/**
 * A host call's reply may carry, under this symbol, what its transcript
 * entry should say instead of the default summary. JSON.stringify skips
 * symbol keys, so it never reaches the plugin.
 */
export const AUDIT_ENTRY: unique symbol = Symbol('pentora.auditEntry');

export interface NetSettings {
  /** The scan-wide bucket every connect takes a token from. */
  globalBucket: TokenBucket;
  /** Scan-wide cap on sockets open at once. */
  semaphore: Semaphore;
  /** Scan-wide packets (connects) per second; per-plugin buckets never exceed it. */
  pps: number;
  connectTimeoutMs: number;
  /** Probes in one net.tcp.probe / net.syn.scan / net.udp.probe batch. */
  maxProbesPerCall: number;
  /**
   * Whether raw sockets (net.syn.scan, net.icmp.echo) work here; default:
   * asked of the process once (CAP_NET_RAW and the raw-socket addon). Set
   * to tell the host they do not, e.g. to force the connect-scan fallback.
   */
  raw?: RawCapability;
}

export interface HostCallEnv {
  scanId: string;
  context: DataContext;
  scope: Scope;
  transcript: TranscriptSink;
  logger: Logger;
  /** performance.now() when the scan started, for clock.now's monotonic part. */
  startedAt: number;
  net: NetSettings;
  signal?: AbortSignal;
}
