/**
 * One probe connection, as both `net.tcp.probe` paths use it: the
 * single-payload probe (tcp-probe.ts) and the conversation (tcp-converse.ts).
 * This file owns what they share: dialling with the connect timeout, the
 * self-connect check, the port state from connect errors, the RST close,
 * settling on 'close' with the result and transcript record, and the caps on
 * reads. The paths own what they send and how they read.
 *
 * @example
 * const outcome = dialProbe(address, probe, connectTimeoutMs, sockets, {
 *   open: (c) => c.socket.write(payload, () => c.socket.destroy()),
 *   timeout: (c) => c.finish('timeout'),
 *   closed: (result, record) => {},
 * });
 */

import { connect, type Socket } from 'node:net';
import type { PortState, ReadSpec, TcpProbe, TcpProbeResult } from '../hostcalls/types.ts';
import { canonicalIp } from './address.ts';

/** Hard caps applied whatever a plugin asks for. */
export const MAX_READ_BYTES = 1 << 20;
export const MAX_TIMEOUT_MS = 30_000;

/** One audit-transcript entry per probe (DESIGN §6). */
export interface TcpProbeRecord {
  /** `host:port` with the host as the plugin named it (IP literals canonical, `[v6]:port`). */
  target: string;
  /** The address actually dialled, after scope checks and resolution. */
  address: string;
  sent_b64?: string;
  recv_b64?: string;
  state: PortState;
  reason?: string;
  rtt_ms: number;
  /** A conversation probe's steps, one per step run (the bytes of each direction, base64). */
  steps?: TcpStepRecord[];
}

export interface TcpStepRecord {
  sent_b64?: string;
  recv_b64?: string;
  reason: string;
}

/** What one probe gives back: the plugin's result and the transcript's record. */
export interface ProbeOutcome {
  result: TcpProbeResult;
  record: TcpProbeRecord;
}

/** Whether a connected socket is connected to itself (TCP simultaneous open on loopback, RFC 793 §3.4). */
export function isSelfConnect(s: Pick<Socket, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): boolean {
  return s.localPort !== undefined && s.localPort === s.remotePort && s.localAddress === s.remoteAddress;
}

/**
 * The read actually performed for a requested spec: caps applied; null when
 * nothing is to be read. An idle_ms of 0 (or absent, or not above 0) is off
 * and left out; otherwise it is capped like timeout_ms.
 */
export function effectiveRead(read: ReadSpec | undefined): ReadSpec | null {
  if (!read) return null;
  const maxBytes = Math.min(MAX_READ_BYTES, Math.max(0, Math.floor(read.max_bytes) || 0));
  if (maxBytes === 0) return null;
  const out: ReadSpec = { max_bytes: maxBytes, timeout_ms: clampTimeout(read.timeout_ms) };
  if (read.idle_ms !== undefined && read.idle_ms > 0) out.idle_ms = clampTimeout(read.idle_ms);
  return out;
}

export function clampTimeout(ms: number): number {
  // 0 would mean "no timeout" to node's socket.setTimeout, i.e. wait forever:
  // take it as "as short as possible" instead. NaN/Infinity get the cap.
  if (!Number.isFinite(ms)) return MAX_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(ms)));
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The connection as a path sees it. */
export interface ProbeConnection {
  readonly socket: Socket;
  /** Why the probe ended; the first reason given wins (`finish`), a path may fill it in later. */
  reason: string | undefined;
  /** Whether the connect completed. */
  readonly connected: boolean;
  /** Ends the probe with `why` unless it already has a reason: RST after a connect, else a plain destroy. */
  finish(why?: string): void;
}

/** What a path does at each point of the connection's life. */
export interface ProbeHandlers {
  /** Connected, to a peer that is not ourselves: the state is open; start sending and reading. */
  open(c: ProbeConnection): void;
  /** The socket's own timeout fired: before connect it is the connect timeout; after, whatever the path armed. */
  timeout(c: ProbeConnection): void;
  /** Called first by `finish`, with its `why`, so the path can mark its own part (a step) as well. */
  finishing?(why: string | undefined): void;
  /** The socket closed: add the path's fields. Host, port, state and rtt are set; `reason` is not, the path places it. */
  closed(result: TcpProbeResult, record: TcpProbeRecord, c: ProbeConnection): void;
}

/**
 * Dials one probe and settles on the socket's 'close' event, so when a batch
 * resolves every handle is gone. No timer is created here: the connect
 * timeout is the socket's own idle timeout, which the path re-arms or clears.
 */
export function dialProbe(
  address: string,
  probe: TcpProbe,
  connectTimeoutMs: number,
  sockets: Set<Socket>,
  handlers: ProbeHandlers,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let rtt: number | null = null;
    let state: PortState = 'filtered';
    const socket = connect({ host: address, port: probe.port, noDelay: true, keepAlive: false, timeout: connectTimeoutMs });
    sockets.add(socket);

    const conn: ProbeConnection = {
      socket,
      reason: undefined,
      get connected() {
        return rtt !== null;
      },
      finish(why?: string) {
        handlers.finishing?.(why);
        if (why !== undefined) conn.reason ??= why;
        if (socket.destroyed) return;
        // After a connect, close with RST (SO_LINGER 0): no TIME_WAIT entry per probe,
        // which is what runs a scanner out of ephemeral ports on big sweeps.
        if (rtt !== null && !socket.connecting) socket.resetAndDestroy();
        else socket.destroy();
      },
    };

    socket.on('timeout', () => handlers.timeout(conn));
    socket.on('connect', () => {
      rtt = performance.now() - started;
      if (isSelfConnect(socket)) {
        state = 'closed';
        return conn.finish('self-connect');
      }
      state = 'open';
      handlers.open(conn);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      if (rtt === null) {
        state = CLOSED_ERRNOS.has(code) ? 'closed' : 'filtered';
        conn.finish(code);
      } else {
        conn.finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code);
      }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      const rttMs = round3(rtt ?? performance.now() - started);
      const result: TcpProbeResult = { host: probe.host, port: probe.port, state, rtt_ms: rttMs };
      const record: TcpProbeRecord = { target: targetLabel(probe), address, state, rtt_ms: rttMs };
      handlers.closed(result, record, conn);
      resolve({ result, record });
    });
  });
}

/**
 * Refused or reset before the handshake finished: something answered, so the
 * port is closed. Everything else (timeouts, unreachables, local firewall
 * EPERM/EACCES) means no answer: filtered, with the errno kept in `reason`.
 */
const CLOSED_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET']);

function targetLabel(probe: TcpProbe): string {
  const host = unbracket(probe.host);
  const label = canonicalIp(host) ?? host; // one spelling per address in the transcript
  return label.includes(':') ? `[${label}]:${probe.port}` : `${label}:${probe.port}`;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
