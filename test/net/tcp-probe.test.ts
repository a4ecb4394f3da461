// Every socket here is on 127.0.0.1: listeners are created with listen(0) and
// closed by the test; out-of-scope addresses are refused before any connect.
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { TcpProbe } from '../../host/hostcalls/types.ts';
import { Semaphore, TokenBucket, type Clock } from '../../host/net/rate-limit.ts';
import { Scope } from '../../host/net/scope.ts';
import { parseTargets, type Resolver } from '../../host/net/targets.ts';
import {
  MAX_READ_BYTES,
  effectiveRead,
  expandTcpRequest,
  isSelfConnect,
  runTcpProbes,
  type TcpProbeOptions,
  type TcpProbeRecord,
} from '../../host/net/tcp-probe.ts';

const LO = '127.0.0.1';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString();

interface TestServer {
  port: number;
  connections: number;
  /** Accepted sockets not yet closed. */
  alive: Set<Socket>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Tracks a listener (on 127.0.0.1 unless `server` is already bound) and its accepted sockets. */
async function listen(onSocket: (s: Socket) => void = () => {}, server: Server = createServer()): Promise<TestServer> {
  const t: TestServer = { port: 0, connections: 0, alive: new Set(), close: async () => {} };
  server.on('connection', (s) => {
    t.connections++;
    t.alive.add(s);
    s.on('error', () => {}); // clients reset on purpose
    s.on('close', () => t.alive.delete(s));
    onSocket(s);
  });
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, LO, resolve));
  t.port = (server.address() as AddressInfo).port;
  t.close = async () => {
    const closing = [...t.alive].map((s) => new Promise((r) => (s.destroy(), s.once('close', r))));
    await Promise.all([...closing, new Promise((r) => server.close(r))]);
  };
  servers.push(t);
  return t;
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LO, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Waits for a condition on event-loop turns (no fixed sleep), bounded. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const handles = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

async function options(over: Partial<TcpProbeOptions> = {}): Promise<TcpProbeOptions> {
  return {
    connectTimeoutMs: 2000,
    buckets: [],
    semaphore: new Semaphore(64),
    scope: new Scope(await parseTargets([LO])),
    plugin: 'test/probe',
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('runTcpProbes: port states and reads', () => {
  it('reads a banner until the peer closes', async () => {
    const srv = await listen((s) => s.end('SSH-2.0-Test_1.0\r\n'));
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 1024, timeout_ms: 5000 } }], await options());
    expect(r).toMatchObject({ host: LO, port: srv.port, state: 'open', reason: 'eof' });
    expect(text(r?.data_b64)).toBe('SSH-2.0-Test_1.0\r\n');
    expect(r?.rtt_ms).toBeGreaterThanOrEqual(0);
  });

  it('sends the payload to a silent service and reads the reply, up to max_bytes', async () => {
    const srv = await listen((s) => s.on('data', (d) => d.toString().includes('PING') && s.write('PONG and more')));
    const records: TcpProbeRecord[] = [];
    const [r] = await runTcpProbes(
      [{ host: LO, port: srv.port, payload_b64: b64('PING\n'), read: { max_bytes: 4, timeout_ms: 5000 } }],
      await options({ onRecord: (rec) => records.push(rec) }),
    );
    expect(r).toMatchObject({ state: 'open', reason: 'max_bytes' });
    expect(text(r?.data_b64)).toBe('PONG');
    expect(records).toEqual([
      { target: `${LO}:${srv.port}`, address: LO, state: 'open', reason: 'max_bytes', rtt_ms: r?.rtt_ms, sent_b64: b64('PING\n'), recv_b64: b64('PONG') },
    ]);
  });

  it('ends a read of a silent service at its timeout, with no data', async () => {
    const srv = await listen();
    const [r] = await runTcpProbes([{ host: LO, port: srv.port }], await options({ defaultRead: { max_bytes: 16, timeout_ms: 50 } }));
    expect(r).toEqual({ host: LO, port: srv.port, state: 'open', reason: 'timeout', rtt_ms: r?.rtt_ms });
  });

  it('sends a payload even when nothing is to be read', async () => {
    const got: Buffer[] = [];
    const srv = await listen((s) => s.on('data', (d) => got.push(d)));
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, payload_b64: b64('hello') }], await options());
    expect(r?.state).toBe('open');
    await until(() => Buffer.concat(got).toString() === 'hello', 'the payload at the server');
  });

  it('reports a reset after connect as open with reason "reset"', async () => {
    // The server resets only once the payload arrived, i.e. after the client saw connect
    // (a reset racing the handshake is "closed", as for nmap).
    const srv = await listen((s) => s.once('data', () => s.write('partial', () => s.resetAndDestroy())));
    const [r] = await runTcpProbes(
      [{ host: LO, port: srv.port, payload_b64: b64('go'), read: { max_bytes: 1024, timeout_ms: 5000 } }],
      await options(),
    );
    expect(r).toMatchObject({ state: 'open', reason: 'reset' });
    // Linux may drop unread bytes when the RST lands first; what did arrive is kept.
    expect(['', 'partial']).toContain(text(r?.data_b64));
  });

  it('probes IPv6 loopback, however the plugin spells it', async (ctx) => {
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!bound) return ctx.skip(); // no IPv6 loopback on this machine
    const srv = await listen((s) => s.end('six'), server);
    const records: TcpProbeRecord[] = [];
    const read = { max_bytes: 8, timeout_ms: 5000 };
    const results = await runTcpProbes(
      [{ host: '[::1]', port: srv.port, read }, { host: '0:0::1', port: srv.port, read }],
      await options({ scope: new Scope(await parseTargets(['::1'])), onRecord: (r) => records.push(r) }),
    );
    expect(results.map((r) => [r.host, r.state, text(r.data_b64)])).toEqual([
      ['[::1]', 'open', 'six'],
      ['0:0::1', 'open', 'six'],
    ]);
    expect(records.map((r) => [r.target, r.address])).toEqual([
      [`[::1]:${srv.port}`, '::1'],
      [`[::1]:${srv.port}`, '::1'],
    ]);
  });

  it('reports a port with no listener as closed (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const [r] = await runTcpProbes([{ host: LO, port, read: { max_bytes: 10, timeout_ms: 1000 } }], await options());
    expect(r).toEqual({ host: LO, port, state: 'closed', reason: 'ECONNREFUSED', rtt_ms: r?.rtt_ms });
  });

  it('reports a listener in the ephemeral port range as open, not as a self-connect', async () => {
    const srv = await listen();
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(srv.port).toBeGreaterThanOrEqual(range[0] ?? 0);
    expect(srv.port).toBeLessThanOrEqual(range[1] ?? 65535);
    const results = await runTcpProbes(Array.from({ length: 20 }, () => ({ host: LO, port: srv.port })), await options());
    expect(results.map((r) => `${r.state}:${r.reason ?? ''}`)).toEqual(Array(20).fill('open:'));
  });

  it('reports filtered on connect timeout (a listener whose accept queue is full)', async () => {
    // The worker's event loop is parked in Atomics.wait, so it never accepts: once the
    // kernel's accept queue (backlog + 1) is full, further SYNs are dropped unanswered.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const srv = require('node:net').createServer();
       srv.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         parentPort.postMessage(srv.address().port);
         Atomics.wait(workerData, 0, 0, 20000);
         srv.close();
         parentPort.close();
       });`,
      { eval: true, workerData: flag },
    );
    try {
      const port = await new Promise<number>((resolve) => worker.once('message', resolve));
      const probes = Array.from({ length: 4 }, () => ({ host: LO, port }));
      const results = await runTcpProbes(probes, await options({ connectTimeoutMs: 200, semaphore: new Semaphore(1) }));
      const states = results.map((r) => `${r.state}:${r.reason ?? ''}`).join(',');
      expect(states).toMatch(/^(open:,)+(filtered:timeout,?)+$/);
    } finally {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await new Promise((r) => worker.once('exit', r));
    }
  });

  it('caps a read at 1 MiB whatever the plugin asks', async () => {
    const big = Buffer.alloc(MAX_READ_BYTES + 512 * 1024, 0x41);
    const srv = await listen((s) => s.end(big));
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 64 << 20, timeout_ms: 10_000 } }], await options());
    expect(r?.reason).toBe('max_bytes');
    expect(Buffer.from(r?.data_b64 ?? '', 'base64').length).toBe(MAX_READ_BYTES);
    expect(effectiveRead({ max_bytes: 1e9, timeout_ms: 1e9 })).toEqual({ max_bytes: MAX_READ_BYTES, timeout_ms: 30_000 });
    expect(effectiveRead({ max_bytes: 0, timeout_ms: 100 })).toBeNull();
    expect(effectiveRead({ max_bytes: 8, timeout_ms: 0 })).toEqual({ max_bytes: 8, timeout_ms: 1 });
  });

  it('returns results in probe order and one record per probe', async () => {
    const a = await listen((s) => s.end('A'));
    const b = await listen((s) => s.end('B'));
    const closed = await closedPort();
    const read = { max_bytes: 8, timeout_ms: 5000 };
    const probes: TcpProbe[] = [b, a, { port: closed }, a, b].map((t) => ({ host: LO, port: t.port, read }));
    let records = 0;
    const results = await runTcpProbes(probes, await options({ onRecord: () => records++ }));
    expect(results.map((r) => (r.state === 'open' ? text(r.data_b64) : r.state))).toEqual(['B', 'A', 'closed', 'A', 'B']);
    expect(records).toBe(5);
  });
});

describe('runTcpProbes: idle reads', () => {
  it('ends the read of a server that greets and stays open at idle_ms, with reason "idle"', async () => {
    const srv = await listen((s) => s.write('220 ready\r\n'));
    // Without idle_ms this read would run its full 30 s: reason "timeout".
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 4096, timeout_ms: 30_000, idle_ms: 50 } }], await options());
    expect(r).toMatchObject({ state: 'open', reason: 'idle' });
    expect(text(r?.data_b64)).toBe('220 ready\r\n');
  });

  it('reads two chunks sent closer together than idle_ms as one reply', async () => {
    // The gap is the behaviour under test: shorter than idle_ms, so the read goes on.
    const srv = await listen((s) => {
      s.write('first ');
      const t = setTimeout(() => s.write('second'), 50);
      s.on('close', () => clearTimeout(t));
    });
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 4096, timeout_ms: 30_000, idle_ms: 1500 } }], await options());
    expect(r).toMatchObject({ state: 'open', reason: 'idle' });
    expect(text(r?.data_b64)).toBe('first second');
  });

  it('does not arm before the first byte: a silent server still ends at timeout_ms', async () => {
    const srv = await listen();
    const [r] = await runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 16, timeout_ms: 50, idle_ms: 10 } }], await options());
    expect(r).toEqual({ host: LO, port: srv.port, state: 'open', reason: 'timeout', rtt_ms: r?.rtt_ms });
  });

  it('still ends at eof or max_bytes when those come first', async () => {
    const closes = await listen((s) => s.end('bye'));
    const floods = await listen((s) => s.write('x'.repeat(64)));
    const read = { max_bytes: 8, timeout_ms: 30_000, idle_ms: 5000 };
    const [a, b] = await runTcpProbes([{ host: LO, port: closes.port, read: { ...read, max_bytes: 64 } }, { host: LO, port: floods.port, read }], await options());
    expect([a?.reason, text(a?.data_b64)]).toEqual(['eof', 'bye']);
    expect([b?.reason, text(b?.data_b64)]).toEqual(['max_bytes', 'xxxxxxxx']);
  });

  it('leaves no socket or timer behind after idle reads', async () => {
    const srv = await listen((s) => s.write('hello'));
    const before = { sockets: handles('TCPSocketWrap'), timers: handles('Timeout') };
    const read = { max_bytes: 1024, timeout_ms: 30_000, idle_ms: 20 };
    const results = await runTcpProbes(Array.from({ length: 10 }, () => ({ host: LO, port: srv.port, read })), await options());
    expect(results.map((r) => r.reason)).toEqual(Array(10).fill('idle'));
    await until(() => srv.connections === 10 && srv.alive.size === 0, 'the server side to see the resets');
    expect(handles('TCPSocketWrap')).toBe(before.sockets);
    expect(handles('Timeout')).toBeLessThanOrEqual(before.timers);
  });

  it('caps idle_ms like timeout_ms, and takes 0 as off', () => {
    expect(effectiveRead({ max_bytes: 8, timeout_ms: 100, idle_ms: 1e9 })).toEqual({ max_bytes: 8, timeout_ms: 100, idle_ms: 30_000 });
    expect(effectiveRead({ max_bytes: 8, timeout_ms: 100, idle_ms: 0.2 })).toEqual({ max_bytes: 8, timeout_ms: 100, idle_ms: 1 });
    expect(effectiveRead({ max_bytes: 8, timeout_ms: 100, idle_ms: 0 })).toEqual({ max_bytes: 8, timeout_ms: 100 });
    const [p] = expandTcpRequest({ probes: [{ host: LO, port: 1, read: { max_bytes: 8, timeout_ms: 100, idle_ms: 300 } }] }, 10);
    expect(p?.read).toEqual({ max_bytes: 8, timeout_ms: 100, idle_ms: 300 });
  });
});

describe('runTcpProbes: self-connect detection', () => {
  it('recognises a real kernel self-connect and not a normal connection', async () => {
    // Binding the local port to the target port forces TCP simultaneous open with itself.
    const port = await closedPort();
    const self = connect({ host: LO, port, localAddress: LO, localPort: port });
    const outcome = await new Promise<boolean | string>((resolve) => {
      self.once('connect', () => resolve(isSelfConnect(self)));
      self.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    self.destroy();
    expect(outcome).toBe(true);

    const srv = await listen();
    const normal = connect({ host: LO, port: srv.port });
    await new Promise((r) => normal.once('connect', r));
    expect(isSelfConnect(normal)).toBe(false);
    normal.destroy();
  });
});

describe('runTcpProbes: scope', () => {
  it('refuses the whole batch before any connect when one probe is out of scope', async () => {
    const srv = await listen();
    const bucket = new TokenBucket(1000, 10);
    const opts = await options({ buckets: [bucket] });
    for (const host of ['127.0.0.2', '::ffff:127.0.0.2', '::1', 'localhost']) {
      const err = await rejection(runTcpProbes([{ host: LO, port: srv.port }, { host, port: srv.port }], opts));
      expect(err).toBeInstanceOf(PentoraError);
      expect((err as PentoraError).code).toBe(ErrorCode.Scope);
      expect((err as PentoraError).message).toContain('test/probe may not reach');
    }
    expect(bucket.available).toBeGreaterThanOrEqual(10); // no token was ever taken
    expect(opts.semaphore.active).toBe(0);
    // A control probe: the listener sees its connection as the first and only one.
    await runTcpProbes([{ host: LO, port: srv.port }], opts);
    await until(() => srv.connections > 0, 'the control connection');
    expect(srv.connections).toBe(1);
  });

  it('dials a target hostname at its in-scope address, resolving it once per batch', async () => {
    const asked: string[] = [];
    const resolve: Resolver = async (name) => (asked.push(name), name === 'svc.test' ? [LO] : []);
    const scope = new Scope(await parseTargets(['svc.test'], { resolve }), { resolve });
    asked.length = 0;
    const srv = await listen((s) => s.end('hi'));
    const records: TcpProbeRecord[] = [];
    const read = { max_bytes: 8, timeout_ms: 5000 };
    const results = await runTcpProbes(
      [{ host: 'svc.test', port: srv.port, read }, { host: 'SVC.TEST', port: srv.port, read }, { host: 'svc.test', port: srv.port, read }],
      await options({ scope, onRecord: (r) => records.push(r) }),
    );
    expect(results.map((r) => [r.host, r.state, text(r.data_b64)])).toEqual([
      ['svc.test', 'open', 'hi'],
      ['SVC.TEST', 'open', 'hi'],
      ['svc.test', 'open', 'hi'],
    ]);
    expect(records[0]).toMatchObject({ target: `svc.test:${srv.port}`, address: LO });
    expect(asked).toEqual(['svc.test', 'svc.test']); // "svc.test" and "SVC.TEST" are distinct strings, each once
  });
});

describe('runTcpProbes: limits and resources', () => {
  it('waits for tokens: N tokens, N connects, the rest only as the clock moves', async () => {
    let now = 0;
    const timers: Array<{ at: number; fn: () => void }> = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (h) => {
        const i = timers.indexOf(h as { at: number; fn: () => void });
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const advance = (ms: number) => {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) (timers.splice(timers.indexOf(t), 1), t.fn());
    };
    const perPlugin = new TokenBucket(1, 2, clock); // 1/s, burst 2
    const global = new TokenBucket(1000, 100, { ...clock, now: () => 0 }); // frozen: counts, never refills
    const srv = await listen();
    let done = false;
    const run = runTcpProbes(
      Array.from({ length: 4 }, () => ({ host: LO, port: srv.port })),
      await options({ buckets: [perPlugin, global] }),
    ).then((r) => ((done = true), r));
    await until(() => srv.connections === 2 && perPlugin.waiting === 1, 'the burst of 2');
    expect(done).toBe(false);
    advance(1000);
    await until(() => srv.connections === 3 && perPlugin.waiting === 1, 'the third token');
    expect(done).toBe(false);
    advance(1000);
    const results = await run;
    expect(results.map((r) => r.state)).toEqual(['open', 'open', 'open', 'open']);
    expect(srv.connections).toBe(4);
    expect(global.available).toBe(96); // every bucket paid one token per connect
  });

  it('probes 1000 closed ports without leaking sockets or timers', async () => {
    const port = await closedPort();
    const before = { sockets: handles('TCPSocketWrap'), timers: handles('Timeout') };
    const results = await runTcpProbes(
      Array.from({ length: 1000 }, () => ({ host: LO, port })),
      await options({ semaphore: new Semaphore(256) }),
    );
    expect(results.every((r) => r.state === 'closed' && r.reason === 'ECONNREFUSED')).toBe(true);
    expect(handles('TCPSocketWrap')).toBe(before.sockets);
    expect(handles('Timeout')).toBeLessThanOrEqual(before.timers);
  });

  it('leaves no client socket or read timer behind after reads', async () => {
    const srv = await listen((s) => s.write('x'));
    const before = { sockets: handles('TCPSocketWrap'), timers: handles('Timeout') };
    const read = { max_bytes: 1, timeout_ms: 30_000 };
    await runTcpProbes(Array.from({ length: 10 }, () => ({ host: LO, port: srv.port, read })), await options());
    await until(() => srv.connections === 10 && srv.alive.size === 0, 'the server side to see the resets');
    expect(handles('TCPSocketWrap')).toBe(before.sockets);
    expect(handles('Timeout')).toBeLessThanOrEqual(before.timers);
  });

  it('aborts: rejects with the reason and closes what it opened', async () => {
    const srv = await listen();
    const baseline = handles('TCPSocketWrap');
    const ctl = new AbortController();
    const run = runTcpProbes([{ host: LO, port: srv.port, read: { max_bytes: 10, timeout_ms: 30_000 } }], await options({ signal: ctl.signal }));
    await until(() => srv.connections === 1, 'the connection');
    ctl.abort(new Error('scan cancelled'));
    await expect(run).rejects.toThrow('scan cancelled');
    await until(() => srv.alive.size === 0, 'the server side to close');
    expect(handles('TCPSocketWrap')).toBe(baseline);
    const pre = await rejection(runTcpProbes([{ host: LO, port: srv.port }], await options({ signal: AbortSignal.abort(new Error('early')) })));
    expect(String(pre)).toContain('early');
    expect(srv.connections).toBe(1);
  });
});

describe('expandTcpRequest', () => {
  it('flattens targets x ports, then explicit probes', () => {
    const read = { max_bytes: 64, timeout_ms: 500 };
    const out = expandTcpRequest(
      { targets: ['a.test', '[::1]'], ports: [22, 80], payload_b64: b64('x'), read, probes: [{ host: LO, port: 443 }] },
      100,
    );
    expect(out).toEqual([
      { host: 'a.test', port: 22, payload_b64: b64('x'), read },
      { host: 'a.test', port: 80, payload_b64: b64('x'), read },
      { host: '[::1]', port: 22, payload_b64: b64('x'), read },
      { host: '[::1]', port: 80, payload_b64: b64('x'), read },
      { host: LO, port: 443 },
    ]);
  });

  it.each([
    [{ targets: [LO], ports: [0] }, 'ports[0] must be an integer port in 1..65535, got 0'],
    [{ targets: [LO], ports: [65536] }, 'ports[0] must be an integer port in 1..65535, got 65536'],
    [{ targets: [LO], ports: ['80'] }, 'ports[0] must be an integer port in 1..65535, got "80"'],
    [{ targets: [LO], ports: [80.5] }, 'ports[0] must be an integer port in 1..65535, got 80.5'],
    [{ targets: [7], ports: [80] }, 'targets[0] must be a host name or IP address string'],
    [{ targets: [''], ports: [80] }, 'targets[0] must be a host name or IP address string'],
    [{ targets: [LO] }, 'targets and ports must be given together'],
    [{}, 'no probes: give targets and ports, or probes'],
    [{ probes: [{ host: LO, port: 1, payload_b64: 'not base64!' }] }, 'probes[0].payload_b64 must be standard padded base64'],
    [{ probes: [{ host: LO, port: 1, read: { max_bytes: -1, timeout_ms: 1 } }] }, 'probes[0].read.max_bytes must be a non-negative integer'],
    [{ probes: [{ host: LO, port: 1, read: { max_bytes: 8, timeout_ms: 1, idle_ms: -5 } }] }, 'probes[0].read.idle_ms must be a non-negative number of ms'],
    [{ targets: [LO], ports: [1], read: { max_bytes: 8, timeout_ms: 1, idle_ms: '300' } }, 'read.idle_ms must be a non-negative number of ms'],
    [{ probes: [null] }, 'probes[0] must be an object'],
    [{ probes: 'x' }, 'probes must be an array'],
  ])('refuses %j', (req, problem) => {
    let err: unknown;
    try {
      expandTcpRequest(req as never, 100);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.HostCall);
    expect((err as PentoraError).message).toBe(`net.tcp.probe: ${problem}`);
  });

  it('refuses batches above maxProbes with a Limit error naming the count', () => {
    let err: unknown;
    try {
      expandTcpRequest({ targets: Array(100).fill(LO), ports: Array.from({ length: 100 }, (_, i) => i + 1) }, 5000);
    } catch (e) {
      err = e;
    }
    expect((err as PentoraError).code).toBe(ErrorCode.Limit);
    expect((err as PentoraError).message).toBe('net.tcp.probe: 10000 probes in one call, more than the limit of 5000');
  });
});
