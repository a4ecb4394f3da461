/**
 * The socket engine behind `net.tcp.probe`: connect, optionally send a
 * payload, read a bounded reply, close. It knows no protocol; the plugin
 * decides what to send and what the bytes mean.
 *
 * Order of checks for a batch: request shape (expandTcpRequest), then the
 * scope of every probe, all before the first connect, so a batch with one
 * out-of-scope target sends nothing at all. Then each connect waits for a
 * concurrency permit and a token from every bucket.
 *
 * @example
 * const probes = expandTcpRequest({ targets: ['192.0.2.7'], ports: [22, 80], read: { max_bytes: 256, timeout_ms: 2000 } }, 10_000);
 * const results = await runTcpProbes(probes, { connectTimeoutMs: 1500, buckets: [pluginPps, globalPps],
 *   semaphore, scope, plugin: 'acme/banner', onRecord: (r) => transcript.write(r) });
 */

import { connect, type Socket } from 'node:net';
import { ErrorCode, PentoraError } from '../errors.ts';
import {
  MAX_TCP_STEPS,
  MAX_UNTIL_BYTES,
  type PortState,
  type ReadSpec,
  type StepReadSpec,
  type TcpProbe,
  type TcpProbeRequest,
  type TcpProbeResult,
  type TcpStep,
  type TcpStepResult,
} from '../hostcalls/types.ts';
import type { Semaphore, TokenBucket } from './rate-limit.ts';
import type { Scope } from './scope.ts';
import { canonicalIp } from './address.ts';
import { requestChecks } from './request-checks.ts';

// Request shape checks shared with the other network host calls (request-checks.ts).
const checks = requestChecks('net.tcp.probe');
const badRequest = checks.bad;
const checkArray = checks.array;
const checkHost = checks.host;
const checkPort = checks.port;
const checkBase64 = (v: unknown, where: string): string => checks.base64(v, where, MAX_READ_BYTES);

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

export interface TcpProbeOptions {
  connectTimeoutMs: number;
  /** Applied to probes without their own `read`. */
  defaultRead?: ReadSpec;
  /**
   * Every connect takes one token from each bucket, in this order. Put the
   * narrowest (per-plugin) first: a token taken from the shared bucket while
   * waiting on a slow plugin bucket would be wasted for everyone else.
   */
  buckets: readonly TokenBucket[];
  semaphore: Semaphore;
  scope: Scope;
  plugin: string;
  onRecord?: (rec: TcpProbeRecord) => void;
  signal?: AbortSignal;
}

/**
 * Runs a batch; results are in probe order. Throws a Scope error before any
 * connect if a probe is out of scope; rejects with signal.reason on abort,
 * after every socket it opened is closed.
 */
export async function runTcpProbes(probes: readonly TcpProbe[], opts: TcpProbeOptions): Promise<TcpProbeResult[]> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const addresses = await scopeCheck(probes, opts.scope, opts.plugin);
  const connectTimeoutMs = clampTimeout(opts.connectTimeoutMs);

  const results: TcpProbeResult[] = new Array(probes.length);
  const sockets = new Set<Socket>();
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  const onAbort = () => {
    for (const s of sockets) s.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < probes.length && !failure && !signal?.aborted; i++) {
      const probe = probes[i] as TcpProbe;
      const address = addresses[i] as string;
      // Acquired one at a time: a batch holds at most one place in each queue,
      // so batches from different plugins interleave fairly.
      let release: (() => void) | null = null;
      try {
        release = await opts.semaphore.acquire(signal);
        for (const bucket of opts.buckets) await bucket.take(1, signal);
        signal?.throwIfAborted();
      } catch (error) {
        release?.();
        failure = { error };
        break;
      }
      const done = release;
      // A conversation carries its own reads: the batch's default read is not for it.
      const outcome = probe.steps
        ? converseOne(address, probe, probe.steps, connectTimeoutMs, sockets)
        : probeOne(address, probe, effectiveRead(probe.read ?? opts.defaultRead), connectTimeoutMs, sockets);
      const task = outcome.then((out) => {
        results[i] = out.result;
        try {
          opts.onRecord?.(out.record);
        } catch (error) {
          failure ??= { error };
        }
      });
      const tracked: Promise<void> = task.finally(() => {
        done();
        running.delete(tracked);
      });
      running.add(tracked);
    }
    await Promise.all(running);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (failure) throw failure.error;
  return results;
}

/**
 * Flattens a request into probes (targets x ports first, then explicit
 * probes), validating every field a guest could have got wrong. Refuses
 * batches above maxProbes with a Limit error before allocating them.
 */
export function expandTcpRequest(req: TcpProbeRequest, maxProbes: number): TcpProbe[] {
  const r: unknown = req;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw badRequest('the request must be an object');
  const targets = req.targets === undefined ? [] : checkArray(req.targets, 'targets');
  const ports = req.ports === undefined ? [] : checkArray(req.ports, 'ports');
  const explicit = req.probes === undefined ? [] : checkArray(req.probes, 'probes');
  if ((targets.length === 0) !== (ports.length === 0)) throw badRequest('targets and ports must be given together');
  if (req.connect_timeout_ms !== undefined) checkMs(req.connect_timeout_ms, 'connect_timeout_ms');
  const count = targets.length * ports.length + explicit.length;
  if (count === 0) throw badRequest('no probes: give targets and ports, or probes');
  if (count > maxProbes) {
    throw new PentoraError(ErrorCode.Limit, `net.tcp.probe: ${count} probes in one call, more than the limit of ${maxProbes}`, {
      count,
      limit: maxProbes,
    });
  }
  const hosts = targets.map((t, i) => checkHost(t, `targets[${i}]`));
  const portNumbers = ports.map((p, i) => checkPort(p, `ports[${i}]`));
  const payload = req.payload_b64 === undefined ? undefined : checkBase64(req.payload_b64, 'payload_b64');
  const read = req.read === undefined ? undefined : checkRead(req.read, 'read');
  if ((req as { steps?: unknown }).steps !== undefined) throw badRequest('steps are given per probe (probes[i].steps), not for targets x ports');

  const out: TcpProbe[] = [];
  for (const host of hosts) {
    for (const port of portNumbers) out.push(withOptional({ host, port }, payload, read));
  }
  explicit.forEach((p: unknown, i) => {
    const where = `probes[${i}]`;
    if (typeof p !== 'object' || p === null) throw badRequest(`${where} must be an object`);
    const probe = p as Partial<Record<keyof TcpProbe, unknown>>;
    const host = checkHost(probe.host, `${where}.host`);
    const port = checkPort(probe.port, `${where}.port`);
    const pPayload = probe.payload_b64 === undefined ? undefined : checkBase64(probe.payload_b64, `${where}.payload_b64`);
    const pRead = probe.read === undefined ? undefined : checkRead(probe.read, `${where}.read`);
    if (probe.steps !== undefined) {
      if (pPayload !== undefined || pRead !== undefined) throw badRequest(`${where}: give steps or payload_b64/read, not both`);
      out.push({ host, port, steps: checkSteps(probe.steps, `${where}.steps`) });
      return;
    }
    out.push(withOptional({ host, port }, pPayload, pRead));
  });
  return out;
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

// ---------------------------------------------------------------------------

interface ProbeOutcome {
  result: TcpProbeResult;
  record: TcpProbeRecord;
}

/**
 * One connection. Settles on the socket's 'close' event, so when the batch
 * resolves every handle is gone. No timer is created unless a read is
 * requested: the connect timeout is the socket's own idle timeout, and so is
 * a read's idle_ms, armed at the first byte (node resets it on every chunk
 * and drops it with the socket).
 */
function probeOne(
  address: string,
  probe: TcpProbe,
  read: ReadSpec | null,
  connectTimeoutMs: number,
  sockets: Set<Socket>,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let rtt: number | null = null;
    let state: PortState = 'filtered';
    let reason: string | undefined;
    let sent: Buffer | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let readTimer: ReturnType<typeof setTimeout> | undefined;

    const socket = connect({ host: address, port: probe.port, noDelay: true, keepAlive: false, timeout: connectTimeoutMs });
    sockets.add(socket);

    /** Ends the probe with `why` unless it already has a reason. */
    const finish = (why?: string) => {
      if (why !== undefined) reason ??= why;
      if (socket.destroyed) return;
      // After a connect, close with RST (SO_LINGER 0): no TIME_WAIT entry per probe,
      // which is what runs a scanner out of ephemeral ports on big sweeps.
      if (rtt !== null && !socket.connecting) socket.resetAndDestroy();
      else socket.destroy();
    };

    // Before connect: the connect timeout (state stays filtered). After connect it is
    // left armed for a payload-only write, so a peer that never reads cannot stall us,
    // and re-armed with idle_ms once a read has its first byte.
    socket.on('timeout', () => finish(received > 0 ? 'idle' : 'timeout'));
    socket.on('connect', () => {
      rtt = performance.now() - started;
      if (read || !probe.payload_b64) socket.setTimeout(0);
      if (isSelfConnect(socket)) {
        state = 'closed';
        return finish('self-connect');
      }
      state = 'open';
      const payload = probe.payload_b64 ? Buffer.from(probe.payload_b64, 'base64') : undefined;
      if (!read) {
        if (!payload) return finish();
        sent = payload;
        // Nothing to read: send, then close gracefully (FIN): an RST would make the
        // kernel drop bytes still queued for the peer.
        socket.write(payload, () => socket.destroy());
        return;
      }
      readTimer = setTimeout(() => finish('timeout'), read.timeout_ms);
      socket.on('data', (chunk: Buffer) => {
        const room = read.max_bytes - received;
        if (received === 0 && read.idle_ms !== undefined) socket.setTimeout(read.idle_ms);
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        received += Math.min(chunk.length, room);
        if (received >= read.max_bytes) finish('max_bytes');
      });
      socket.on('end', () => finish('eof'));
      if (payload) {
        sent = payload;
        socket.write(payload);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      if (rtt === null) {
        state = CLOSED_ERRNOS.has(code) ? 'closed' : 'filtered';
        finish(code);
      } else {
        finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code);
      }
    });
    socket.on('close', () => {
      clearTimeout(readTimer);
      sockets.delete(socket);
      const rttMs = round3(rtt ?? performance.now() - started);
      const data = received > 0 ? Buffer.concat(chunks, received).toString('base64') : undefined;
      const result: TcpProbeResult = { host: probe.host, port: probe.port, state, rtt_ms: rttMs };
      if (data !== undefined) result.data_b64 = data;
      if (reason !== undefined) result.reason = reason;
      const record: TcpProbeRecord = { target: targetLabel(probe), address, state, rtt_ms: rttMs };
      if (sent) record.sent_b64 = sent.toString('base64');
      if (data !== undefined) record.recv_b64 = data;
      if (reason !== undefined) record.reason = reason;
      resolve({ result, record });
    });
  });
}

/**
 * One conversation on one connection: each step sends its bytes (if any)
 * then reads as its `read` says (if any). Between reads the socket is paused,
 * so bytes that arrive early stay queued for the next read instead of being
 * lost. A step's read ends by idle, timeout, until or max_bytes and the next
 * step runs; eof, reset or an error end the conversation. Connect timeout,
 * self-connect check, RST close and settling on 'close' are as in probeOne.
 */
function converseOne(address: string, probe: TcpProbe, steps: readonly TcpStep[], connectTimeoutMs: number, sockets: Set<Socket>): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let rtt: number | null = null;
    let state: PortState = 'filtered';
    let reason: string | undefined;
    /** Steps run so far; the last one is the current one. */
    const done: Array<{ sent?: Buffer; chunks: Buffer[]; received: number; reason?: string }> = [];
    /** Bytes read by all steps, against MAX_READ_BYTES. */
    let total = 0;
    let index = -1;
    /** The current step's read, while one is running. */
    let read: { max: number; until: Buffer | null; tail: Buffer; idleMs: number | undefined } | null = null;
    let readTimer: ReturnType<typeof setTimeout> | undefined;

    const socket = connect({ host: address, port: probe.port, noDelay: true, keepAlive: false, timeout: connectTimeoutMs });
    sockets.add(socket);

    /** Ends the conversation; `why` goes to the running step (if it has no reason yet) and to the probe. */
    const finish = (why?: string) => {
      const current = done[index];
      if (why !== undefined && current && current.reason === undefined) current.reason = why;
      if (why !== undefined) reason ??= why;
      if (socket.destroyed) return;
      if (rtt !== null && !socket.connecting) socket.resetAndDestroy();
      else socket.destroy();
    };

    /** Ends the running step's read and starts the next step. */
    const endRead = (why: string) => {
      const current = done[index];
      if (!read || !current) return;
      current.reason = why;
      read = null;
      clearTimeout(readTimer);
      socket.setTimeout(0);
      socket.pause();
      next();
    };

    const next = () => {
      if (socket.destroyed) return;
      index++;
      const step = steps[index];
      if (!step) {
        // A last step that only sends closes gracefully (FIN), as a payload-only probe does.
        const last = steps[steps.length - 1];
        if (last && !last.read) {
          reason ??= done[done.length - 1]?.reason;
          socket.destroy();
          return;
        }
        return finish(done[done.length - 1]?.reason);
      }
      const current: (typeof done)[number] = { chunks: [], received: 0 };
      done.push(current);
      const payload = step.send_b64 ? Buffer.from(step.send_b64, 'base64') : undefined;
      const spec = effectiveRead(step.read);
      if (payload && payload.length > 0) current.sent = payload;
      if (!spec) {
        if (!current.sent) {
          current.reason = 'none'; // a read of max_bytes 0 and nothing to send
          return next();
        }
        socket.setTimeout(connectTimeoutMs);
        socket.write(current.sent, (err) => {
          if (err || socket.destroyed) return;
          current.reason = 'sent';
          socket.setTimeout(0);
          next();
        });
        return;
      }
      const max = Math.min(spec.max_bytes, MAX_READ_BYTES - total);
      if (current.sent) socket.write(current.sent);
      if (max <= 0) {
        current.reason = 'max_bytes';
        return next();
      }
      const until = step.read?.until_b64 ? Buffer.from(step.read.until_b64, 'base64') : null;
      read = { max, until, tail: Buffer.alloc(0), idleMs: spec.idle_ms };
      readTimer = setTimeout(() => endRead('timeout'), spec.timeout_ms);
      socket.resume();
    };

    // Armed only while a read has had its first byte (idle_ms) or a step without read is
    // sending (the connect timeout, so a peer that never reads cannot stall us).
    socket.on('timeout', () => (read ? endRead('idle') : finish('timeout')));
    socket.on('connect', () => {
      rtt = performance.now() - started;
      socket.setTimeout(0);
      if (isSelfConnect(socket)) {
        state = 'closed';
        return finish('self-connect');
      }
      state = 'open';
      socket.on('data', onData);
      socket.on('end', () => finish('eof'));
      socket.pause();
      next();
    });

    /** Puts bytes back at the front of the stream for the next read. Paused first, or unshift would re-emit them at once. */
    const giveBack = (rest: Buffer) => {
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
    };

    const onData = (chunk: Buffer) => {
      const current = done[index];
      if (!read || !current) return giveBack(chunk); // not while paused; kept for the next read if it happens
      if (current.received === 0 && read.idleMs !== undefined) socket.setTimeout(read.idleMs);
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
      giveBack(chunk.subarray(kept.length));
      endRead(why);
    };

    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      if (rtt === null) {
        state = CLOSED_ERRNOS.has(code) ? 'closed' : 'filtered';
        finish(code);
      } else {
        finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code);
      }
    });
    socket.on('close', () => {
      clearTimeout(readTimer);
      sockets.delete(socket);
      const rttMs = round3(rtt ?? performance.now() - started);
      const result: TcpProbeResult = { host: probe.host, port: probe.port, state, rtt_ms: rttMs };
      const record: TcpProbeRecord = { target: targetLabel(probe), address, state, rtt_ms: rttMs };
      if (reason !== undefined) result.reason = record.reason = reason;
      if (rtt !== null && done.length > 0) {
        result.steps = [];
        record.steps = [];
        for (const st of done) {
          const why = st.reason ?? reason ?? 'closed';
          const data = st.received > 0 ? Buffer.concat(st.chunks, st.received).toString('base64') : undefined;
          const res: TcpStepResult = { reason: why };
          const rec: TcpStepRecord = { reason: why };
          if (data !== undefined) res.data_b64 = rec.recv_b64 = data;
          if (st.sent) rec.sent_b64 = st.sent.toString('base64');
          result.steps.push(res);
          record.steps.push(rec);
        }
      }
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

/** Checks every probe against the scope, resolving each distinct name once, before anything is dialled. */
async function scopeCheck(probes: readonly TcpProbe[], scope: Scope, plugin: string): Promise<string[]> {
  const byHost = new Map<string, Promise<string[]>>();
  const lookups = probes.map((p) => {
    const host = unbracket(p.host);
    let pending = byHost.get(host);
    if (!pending) {
      pending = scope.resolve(host, plugin);
      pending.catch(() => {}); // reported through Promise.all below; avoid an unhandled duplicate
      byHost.set(host, pending);
    }
    return pending;
  });
  // The first in-scope address is dialled: IPv4 first, as resolve() sorts them.
  return (await Promise.all(lookups)).map((addrs) => addrs[0] as string);
}

function clampTimeout(ms: number): number {
  // 0 would mean "no timeout" to node's socket.setTimeout, i.e. wait forever:
  // take it as "as short as possible" instead. NaN/Infinity get the cap.
  if (!Number.isFinite(ms)) return MAX_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(ms)));
}

function targetLabel(probe: TcpProbe): string {
  const host = unbracket(probe.host);
  const label = canonicalIp(host) ?? host; // one spelling per address in the transcript
  return label.includes(':') ? `[${label}]:${probe.port}` : `${label}:${probe.port}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function withOptional(probe: TcpProbe, payload: string | undefined, read: ReadSpec | undefined): TcpProbe {
  if (payload !== undefined) probe.payload_b64 = payload;
  if (read !== undefined) probe.read = read;
  return probe;
}

function checkMs(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(`${where} must be a non-negative number of ms`);
  return v;
}

function checkRead(v: unknown, where: string): ReadSpec {
  if (typeof v !== 'object' || v === null) throw badRequest(`${where} must be an object`);
  const r = v as Partial<Record<keyof StepReadSpec, unknown>>;
  if (r.until_b64 !== undefined) throw badRequest(`${where}.until_b64 is only allowed in the read of a step (probes[i].steps[j].read)`);
  if (typeof r.max_bytes !== 'number' || !Number.isInteger(r.max_bytes) || r.max_bytes < 0) {
    throw badRequest(`${where}.max_bytes must be a non-negative integer`);
  }
  // Values above the caps are accepted and clamped at run time, as documented.
  const out: ReadSpec = { max_bytes: r.max_bytes, timeout_ms: checkMs(r.timeout_ms, `${where}.timeout_ms`) };
  if (r.idle_ms !== undefined) out.idle_ms = checkMs(r.idle_ms, `${where}.idle_ms`);
  return out;
}

function checkSteps(v: unknown, where: string): TcpStep[] {
  const list = checkArray(v, where);
  if (list.length === 0 || list.length > MAX_TCP_STEPS) throw badRequest(`${where} must have 1..${MAX_TCP_STEPS} steps, got ${list.length}`);
  return list.map((st: unknown, j) => {
    const at = `${where}[${j}]`;
    if (typeof st !== 'object' || st === null || Array.isArray(st)) throw badRequest(`${at} must be an object`);
    const raw = st as Partial<Record<keyof TcpStep, unknown>>;
    if (raw.send_b64 === undefined && raw.read === undefined) throw badRequest(`${at} must have send_b64, read or both`);
    const step: TcpStep = {};
    if (raw.send_b64 !== undefined) step.send_b64 = checkBase64(raw.send_b64, `${at}.send_b64`);
    if (raw.read !== undefined) {
      const r = raw.read as Partial<Record<keyof StepReadSpec, unknown>> | null;
      const until = typeof r === 'object' && r !== null ? r.until_b64 : undefined;
      const read: StepReadSpec = checkRead(until === undefined ? r : { ...r, until_b64: undefined }, `${at}.read`);
      if (until !== undefined) {
        read.until_b64 = checks.base64(until, `${at}.read.until_b64`, MAX_UNTIL_BYTES);
        if (read.until_b64.length === 0) throw badRequest(`${at}.read.until_b64 must hold 1..${MAX_UNTIL_BYTES} bytes`);
      }
      step.read = read;
    }
    return step;
  });
}
