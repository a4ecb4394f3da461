/**
 * The conversation path of `net.tcp.probe` (a probe with `steps`,
 * docs/service-probing.md): one connection, each step sends its bytes (if
 * any) then reads as its `read` says (if any). Dialling, the self-connect
 * check, port states, the RST close and settling on 'close' are
 * tcp-connection.ts's, shared with the single-payload path in tcp-probe.ts.
 *
 * @example
 * const { result, record } = await converseOne('127.0.0.1', probe, probe.steps, 1500, sockets);
 * // result.steps: [{ data_b64: '...', reason: 'until' }, { reason: 'idle' }]
 */

import type { Socket } from 'node:net';
import type { TcpProbe, TcpStep, TcpStepResult } from '../hostcalls/types.ts';
import { MAX_READ_BYTES, dialProbe, effectiveRead, type ProbeConnection, type ProbeOutcome, type TcpStepRecord } from './tcp-connection.ts';

/** A step that has run or is running. */
interface StepRun {
  sent?: Buffer;
  chunks: Buffer[];
  received: number;
  reason?: string;
}

/**
 * Runs the steps in order. Between reads the socket is paused, so bytes that
 * arrive early stay queued for the next read instead of being lost. A step's
 * read ends by idle, timeout, until or max_bytes and the next step runs; eof,
 * reset or an error end the conversation.
 */
export function converseOne(
  address: string,
  probe: TcpProbe,
  steps: readonly TcpStep[],
  connectTimeoutMs: number,
  sockets: Set<Socket>,
): Promise<ProbeOutcome> {
  /** Steps run so far; the last one is the current one. */
  const done: StepRun[] = [];
  /** Bytes read by all steps, against MAX_READ_BYTES. */
  let total = 0;
  let index = -1;
  /** The current step's read, while one is running. */
  let read: { max: number; until: Buffer | null; tail: Buffer; idleMs: number | undefined } | null = null;
  let readTimer: ReturnType<typeof setTimeout> | undefined;

  return dialProbe(address, probe, connectTimeoutMs, sockets, {
    // Armed only while a read has had its first byte (idle_ms) or a step without read is
    // sending (the connect timeout, so a peer that never reads cannot stall us).
    timeout: (c) => (read ? endRead(c, 'idle') : c.finish('timeout')),
    // `why` also goes to the running step, if it has no reason yet.
    finishing: (why) => {
      const current = done[index];
      if (why !== undefined && current && current.reason === undefined) current.reason = why;
    },
    open: (c) => {
      c.socket.setTimeout(0);
      c.socket.on('data', (chunk: Buffer) => onData(c, chunk));
      c.socket.on('end', () => c.finish('eof'));
      c.socket.pause();
      next(c);
    },
    closed: (result, record, c) => {
      clearTimeout(readTimer);
      if (c.reason !== undefined) result.reason = record.reason = c.reason;
      if (!c.connected || done.length === 0) return;
      result.steps = [];
      record.steps = [];
      for (const st of done) {
        const why = st.reason ?? c.reason ?? 'closed';
        const data = st.received > 0 ? Buffer.concat(st.chunks, st.received).toString('base64') : undefined;
        const res: TcpStepResult = { reason: why };
        const rec: TcpStepRecord = { reason: why };
        if (data !== undefined) res.data_b64 = rec.recv_b64 = data;
        if (st.sent) rec.sent_b64 = st.sent.toString('base64');
        result.steps.push(res);
        record.steps.push(rec);
      }
    },
  });

  /** Ends the running step's read and starts the next step. */
  function endRead(c: ProbeConnection, why: string): void {
    const current = done[index];
    if (!read || !current) return;
    current.reason = why;
    read = null;
    clearTimeout(readTimer);
    c.socket.setTimeout(0);
    c.socket.pause();
    next(c);
  }

  function next(c: ProbeConnection): void {
    const socket = c.socket;
    if (socket.destroyed) return;
    index++;
    const step = steps[index];
    if (!step) {
      // A last step that only sends closes gracefully (FIN), as a payload-only probe does.
      const last = steps[steps.length - 1];
      if (last && !last.read) {
        c.reason ??= done[done.length - 1]?.reason;
        socket.destroy();
        return;
      }
      return c.finish(done[done.length - 1]?.reason);
    }
    const current: StepRun = { chunks: [], received: 0 };
    done.push(current);
    const payload = step.send_b64 ? Buffer.from(step.send_b64, 'base64') : undefined;
    const spec = effectiveRead(step.read);
    if (payload && payload.length > 0) current.sent = payload;
    if (!spec) {
      if (!current.sent) {
        current.reason = 'none'; // a read of max_bytes 0 and nothing to send
        return next(c);
      }
      socket.setTimeout(connectTimeoutMs);
      socket.write(current.sent, (err) => {
        if (err || socket.destroyed) return;
        current.reason = 'sent';
        socket.setTimeout(0);
        next(c);
      });
      return;
    }
    const max = Math.min(spec.max_bytes, MAX_READ_BYTES - total);
    if (current.sent) socket.write(current.sent);
    if (max <= 0) {
      current.reason = 'max_bytes';
      return next(c);
    }
    const until = step.read?.until_b64 ? Buffer.from(step.read.until_b64, 'base64') : null;
    read = { max, until, tail: Buffer.alloc(0), idleMs: spec.idle_ms };
    readTimer = setTimeout(() => endRead(c, 'timeout'), spec.timeout_ms);
    socket.resume();
  }

  /** Puts bytes back at the front of the stream for the next read. Paused first, or unshift would re-emit them at once. */
  function giveBack(socket: Socket, rest: Buffer): void {
    socket.pause();
    if (rest.length > 0) socket.unshift(rest);
  }

  function onData(c: ProbeConnection, chunk: Buffer): void {
    const current = done[index];
    if (!read || !current) return giveBack(c.socket, chunk); // not while paused; kept for the next read if it happens
    if (current.received === 0 && read.idleMs !== undefined) c.socket.setTimeout(read.idleMs);
    let kept = chunk.length > read.max - current.received ? chunk.subarray(0, read.max - current.received) : chunk;
    let why: string | null = null;
    if (read.until) {
      // Only the new bytes and the last len-1 old ones can hold a match not seen before.
      const window = read.tail.length > 0 ? Buffer.concat([read.tail, kept]) : kept;
      const at = window.indexOf(read.until);
      if (at !== -1) {
        // The step's bytes end with the sequence; what follows is the next read's.
        kept = kept.subarray(0, at + read.until.length - read.tail.length);
        why = 'until';
      } else {
        read.tail = Buffer.from(window.subarray(Math.max(0, window.length - (read.until.length - 1))));
      }
    }
    current.chunks.push(kept);
    current.received += kept.length;
    total += kept.length;
    if (why === null && current.received >= read.max) why = 'max_bytes';
    if (why === null) return;
    giveBack(c.socket, chunk.subarray(kept.length));
    endRead(c, why);
  }
}
