/**
 * The socket engine behind `net.tcp.probe`: connect, optionally send a
 * payload, read a bounded reply, close. It knows no protocol; the plugin
 * decides what to send and what the bytes mean.
 *
 * This file holds the batch, the request checks and the single-payload path;
 * a probe with `steps` is run by tcp-converse.ts; both dial through
 * tcp-connection.ts (connect, port state, RST close, the result and record).
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

import type { Socket } from 'node:net';
import {
  MAX_TCP_STEPS,
  MAX_UNTIL_BYTES,
  type ReadSpec,
  type StepReadSpec,
  type TcpProbe,
  type TcpProbeRequest,
  type TcpProbeResult,
  type TcpStep,
} from '../hostcalls/types.ts';
import type { Semaphore, TokenBucket } from './rate-limit.ts';
import type { Scope } from './scope.ts';
import { requestChecks } from './request-checks.ts';
import { MAX_READ_BYTES, clampTimeout, dialProbe, effectiveRead, unbracket, type ProbeOutcome, type TcpProbeRecord } from './tcp-connection.ts';
import { converseOne } from './tcp-converse.ts';
import { runBounded } from './bounded.ts';

export { MAX_READ_BYTES, MAX_TIMEOUT_MS, effectiveRead, isSelfConnect } from './tcp-connection.ts';
export type { TcpProbeRecord, TcpStepRecord } from './tcp-connection.ts';

// Request shape checks shared with the other network host calls (request-checks.ts).
const checks = requestChecks('net.tcp.probe');
const badRequest = checks.bad;
const checkArray = checks.array;
const checkHost = checks.host;
const checkPort = checks.port;
const checkBase64 = (v: unknown, where: string): string => checks.base64(v, where, MAX_READ_BYTES);

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

  const sockets = new Set<Socket>();
  return runBounded(
    probes,
    async (probe, i) => {
      const address = addresses[i] as string;
      // A conversation carries its own reads: the batch's default read is not for it.
      const out = await (probe.steps
        ? converseOne(address, probe, probe.steps, connectTimeoutMs, sockets)
        : probeOne(address, probe, effectiveRead(probe.read ?? opts.defaultRead), connectTimeoutMs, sockets));
      opts.onRecord?.(out.record);
      return out.result;
    },
    {
      semaphore: opts.semaphore,
      buckets: opts.buckets,
      signal,
      onAbort: () => {
        for (const s of sockets) s.destroy();
      },
    },
  );
}

/**
 * Flattens a request into probes (targets x ports first, then explicit
 * probes), validating every field a guest could have got wrong. Refuses
 * batches above maxProbes with a Limit error before allocating them.
 */
export function expandTcpRequest(req: TcpProbeRequest, maxProbes: number): TcpProbe[] {
  const { hosts, ports: portNumbers, explicit } = checks.batch(req, maxProbes);
  if (req.connect_timeout_ms !== undefined) checkMs(req.connect_timeout_ms, 'connect_timeout_ms');
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

// ---------------------------------------------------------------------------

/**
 * One connection that sends the probe's payload (if any) and reads a bounded
 * reply (if asked). No timer is created unless a read is requested: the
 * connect timeout is the socket's own idle timeout, and so is a read's
 * idle_ms, armed at the first byte (node resets it on every chunk and drops
 * it with the socket).
 */
function probeOne(
  address: string,
  probe: TcpProbe,
  read: ReadSpec | null,
  connectTimeoutMs: number,
  sockets: Set<Socket>,
): Promise<ProbeOutcome> {
  let sent: Buffer | undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  let readTimer: ReturnType<typeof setTimeout> | undefined;

  return dialProbe(address, probe, connectTimeoutMs, sockets, {
    // Before connect: the connect timeout (state stays filtered). After connect it is
    // left armed for a payload-only write, so a peer that never reads cannot stall us,
    // and re-armed with idle_ms once a read has its first byte.
    timeout: (c) => c.finish(received > 0 ? 'idle' : 'timeout'),
    open: (c) => {
      const socket = c.socket;
      if (read || !probe.payload_b64) socket.setTimeout(0);
      const payload = probe.payload_b64 ? Buffer.from(probe.payload_b64, 'base64') : undefined;
      if (!read) {
        if (!payload) return c.finish();
        sent = payload;
        // Nothing to read: send, then close gracefully (FIN): an RST would make the
        // kernel drop bytes still queued for the peer.
        socket.write(payload, () => socket.destroy());
        return;
      }
      readTimer = setTimeout(() => c.finish('timeout'), read.timeout_ms);
      socket.on('data', (chunk: Buffer) => {
        const room = read.max_bytes - received;
        if (received === 0 && read.idle_ms !== undefined) socket.setTimeout(read.idle_ms);
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        received += Math.min(chunk.length, room);
        if (received >= read.max_bytes) c.finish('max_bytes');
      });
      socket.on('end', () => c.finish('eof'));
      if (payload) {
        sent = payload;
        socket.write(payload);
      }
    },
    closed: (result, record, c) => {
      clearTimeout(readTimer);
      const data = received > 0 ? Buffer.concat(chunks, received).toString('base64') : undefined;
      if (data !== undefined) result.data_b64 = data;
      if (c.reason !== undefined) result.reason = c.reason;
      if (sent) record.sent_b64 = sent.toString('base64');
      if (data !== undefined) record.recv_b64 = data;
      if (c.reason !== undefined) record.reason = c.reason;
    },
  });
}

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
