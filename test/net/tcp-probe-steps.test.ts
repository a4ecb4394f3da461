// Conversation probes (net.tcp.probe `steps`, docs/service-probing.md) against
// real listeners on 127.0.0.1 (listen(0)), closed by the test. No fixed sleeps:
// servers answer on the bytes they receive.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { TcpProbe } from '../../host/hostcalls/types.ts';
import { Semaphore } from '../../host/net/rate-limit.ts';
import { Scope } from '../../host/net/scope.ts';
import { parseTargets } from '../../host/net/targets.ts';
import { MAX_READ_BYTES, expandTcpRequest, runTcpProbes, type TcpProbeOptions, type TcpProbeRecord } from '../../host/net/tcp-probe.ts';

const LO = '127.0.0.1';
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const text = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('latin1');

const closers: Array<() => Promise<void>> = [];
/** Server-side sockets of every listener, open ones only. */
const serverSide = new Set<Socket>();
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function listen(onSocket: (s: Socket) => void): Promise<number> {
  const alive = new Set<Socket>();
  const server = createServer((s) => {
    alive.add(s);
    serverSide.add(s);
    s.on('error', () => {}); // the prober closes with RST on purpose
    s.on('close', () => (alive.delete(s), serverSide.delete(s)));
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, LO, resolve));
  closers.push(async () => {
    const closing = [...alive].map((s) => new Promise((r) => (s.destroy(), s.once('close', r))));
    await Promise.all([...closing, new Promise((r) => server.close(r))]);
  });
  return (server.address() as AddressInfo).port;
}

/**
 * An SMTP-like server (RFC 5321 §4.2, §4.1.1.1): greets, answers each CRLF-ended
 * command only once it has arrived, and closes after QUIT. `got` collects
 * the commands as the server saw them.
 */
async function smtpLike(got: string[] = []): Promise<number> {
  return listen((s) => {
    s.write('220 mx.example.test ESMTP ready\r\n');
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\r\n'); nl !== -1; nl = buf.indexOf('\r\n')) {
        const cmd = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        got.push(cmd);
        if (cmd.startsWith('EHLO ')) s.write('250-mx.example.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n');
        else if (cmd === 'QUIT') s.end('221 2.0.0 Bye\r\n');
        else s.write('502 5.5.2 Error: command not recognized\r\n');
      }
    });
  });
}

async function options(over: Partial<TcpProbeOptions> = {}): Promise<TcpProbeOptions> {
  return { connectTimeoutMs: 2000, buckets: [], semaphore: new Semaphore(16), scope: new Scope(await parseTargets([LO])), plugin: 'test/steps', ...over };
}

const read = (extra: Record<string, number | string> = {}) => ({ max_bytes: 4096, timeout_ms: 10_000, idle_ms: 200, ...extra });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PentoraError);
    expect((e as PentoraError).code).toBe(ErrorCode.HostCall);
    return (e as Error).message;
  }
  throw new Error('expected the request to be refused');
}

describe('net.tcp.probe steps: conversations', () => {
  it('reads the greeting, then the answer to a command sent after it', async () => {
    const got: string[] = [];
    const port = await smtpLike(got);
    const records: TcpProbeRecord[] = [];
    const probe: TcpProbe = {
      host: LO,
      port,
      steps: [{ read: read({ until_b64: b64('\r\n') }) }, { send_b64: b64('EHLO pentora.invalid\r\n'), read: read({ until_b64: b64('250 ') }) }],
    };
    const [r] = await runTcpProbes([probe], await options({ onRecord: (x) => records.push(x) }));
    expect(r).toMatchObject({ state: 'open', reason: 'until' });
    expect(r?.data_b64).toBeUndefined();
    expect(r?.steps?.map((s) => [s.reason, text(s.data_b64)])).toEqual([
      ['until', '220 mx.example.test ESMTP ready\r\n'],
      ['until', '250-mx.example.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 '],
    ]);
    expect(got).toEqual(['EHLO pentora.invalid']);
    expect(records[0]?.steps).toEqual([
      { recv_b64: b64('220 mx.example.test ESMTP ready\r\n'), reason: 'until' },
      { sent_b64: b64('EHLO pentora.invalid\r\n'), recv_b64: r?.steps?.[1]?.data_b64, reason: 'until' },
    ]);
  });

  it('ends a read at `until` without waiting for idle_ms or timeout_ms', async () => {
    const port = await listen((s) => s.write('+OK POP3 server ready <1896.697170952@dbc.mailcom.example>\r\n'));
    const started = performance.now();
    // Idle and timeout of 10 s each: only `until` can end this read in test time.
    const [r] = await runTcpProbes([{ host: LO, port, steps: [{ read: { max_bytes: 4096, timeout_ms: 10_000, idle_ms: 10_000, until_b64: b64('\r\n') } }] }], await options());
    expect(r?.steps).toEqual([{ reason: 'until', data_b64: b64('+OK POP3 server ready <1896.697170952@dbc.mailcom.example>\r\n') }]);
    expect(r?.reason).toBe('until');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('finds `until` split across chunks, and leaves the bytes after it to the next read', async () => {
    const port = await listen((s) => {
      // The gap is the behaviour under test: "\r" and "\n" arrive in different chunks.
      s.write('* OK [CAPABILITY IMAP4rev1] ready\r');
      const t = setTimeout(() => s.write('\nA1 OK done\r\n'), 30);
      s.on('close', () => clearTimeout(t));
    });
    const [r] = await runTcpProbes(
      [{ host: LO, port, steps: [{ read: read({ until_b64: b64('\r\n'), idle_ms: 10_000 }) }, { read: read({ until_b64: b64('OK done\r\n'), idle_ms: 10_000 }) }] }],
      await options(),
    );
    expect(r?.steps?.map((s) => [s.reason, text(s.data_b64)])).toEqual([
      ['until', '* OK [CAPABILITY IMAP4rev1] ready\r\n'],
      ['until', 'A1 OK done\r\n'],
    ]);
  });

  it('keeps bytes that arrive before a read (a greeting during a send-only step) for that read', async () => {
    const got: string[] = [];
    const port = await smtpLike(got);
    const [r] = await runTcpProbes(
      [{ host: LO, port, steps: [{ send_b64: b64('EHLO pentora.invalid\r\n') }, { read: read({ until_b64: b64('250 STARTTLS\r\n') }) }] }],
      await options(),
    );
    expect(r?.steps?.map((s) => s.reason)).toEqual(['sent', 'until']);
    expect(r?.steps?.[0]?.data_b64).toBeUndefined();
    expect(text(r?.steps?.[1]?.data_b64)).toMatch(/^220 mx.example.test ESMTP ready\r\n250-mx.example.test greets you\r\n[^]*250 STARTTLS\r\n$/);
  });

  it('stops at eof: later steps are not run', async () => {
    const got: string[] = [];
    const port = await smtpLike(got);
    const [r] = await runTcpProbes(
      [
        {
          host: LO,
          port,
          steps: [{ read: read({ until_b64: b64('\r\n') }) }, { send_b64: b64('QUIT\r\n'), read: read() }, { send_b64: b64('NOOP\r\n'), read: read() }],
        },
      ],
      await options(),
    );
    expect(r?.reason).toBe('eof');
    expect(r?.steps?.map((s) => [s.reason, text(s.data_b64)])).toEqual([
      ['until', '220 mx.example.test ESMTP ready\r\n'],
      ['eof', '221 2.0.0 Bye\r\n'],
    ]);
    expect(got).toEqual(['QUIT']);
  });

  it('stops at a reset mid-conversation', async () => {
    const port = await listen((s) => {
      s.write('hello\r\n');
      s.once('data', () => s.resetAndDestroy());
    });
    const [r] = await runTcpProbes(
      [{ host: LO, port, steps: [{ read: read({ until_b64: b64('\r\n') }) }, { send_b64: b64('x\r\n'), read: read() }, { read: read() }] }],
      await options(),
    );
    expect(r?.steps?.map((s) => s.reason)).toEqual(['until', 'reset']);
    expect(r?.reason).toBe('reset');
  });

  it('ends each step by idle or max_bytes and goes on; the next read gets the rest of a cut chunk', async () => {
    const port = await listen((s) => s.write('0123456789'));
    const [r] = await runTcpProbes([{ host: LO, port, steps: [{ read: read({ max_bytes: 4 }) }, { read: read({ idle_ms: 50 }) }] }], await options());
    expect(r?.steps).toEqual([
      { reason: 'max_bytes', data_b64: b64('0123') },
      { reason: 'idle', data_b64: b64('456789') },
    ]);
  });

  it('ends a silent step at timeout_ms and still runs the next one', async () => {
    const got: string[] = [];
    const port = await listen((s) => s.on('data', (d: Buffer) => (got.push(d.toString()), s.write('pong\n'))));
    const [r] = await runTcpProbes([{ host: LO, port, steps: [{ read: { max_bytes: 64, timeout_ms: 30 } }, { send_b64: b64('ping\n'), read: read({ until_b64: b64('\n') }) }] }], await options());
    expect(r?.steps).toEqual([{ reason: 'timeout' }, { reason: 'until', data_b64: b64('pong\n') }]);
    expect(got).toEqual(['ping\n']);
  });

  it('sends a last step without read and closes gracefully, so the peer gets every byte', async () => {
    let seen = '';
    let peerEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => (peerEnded = resolve));
    const port = await listen((s) => {
      s.write('ready\n');
      s.on('data', (d: Buffer) => (seen += d.toString()));
      s.on('end', () => peerEnded());
    });
    const [r] = await runTcpProbes([{ host: LO, port, steps: [{ read: read({ until_b64: b64('\n') }) }, { send_b64: b64('one\n') }, { send_b64: b64('two\n') }] }], await options());
    expect(r?.steps).toEqual([{ reason: 'until', data_b64: b64('ready\n') }, { reason: 'sent' }, { reason: 'sent' }]);
    await ended; // a FIN, not an RST
    expect(seen).toBe('one\ntwo\n');
  });

  it('caps the reads of all steps together at MAX_READ_BYTES', async () => {
    const port = await listen((s) => s.write(Buffer.alloc(MAX_READ_BYTES + 4096, 0x41)));
    const big = { max_bytes: MAX_READ_BYTES, timeout_ms: 10_000, idle_ms: 2000 };
    const [r] = await runTcpProbes([{ host: LO, port, steps: [{ read: { ...big, max_bytes: 1000 } }, { read: big }, { read: big }] }], await options());
    const sizes = r?.steps?.map((s) => Buffer.from(s.data_b64 ?? '', 'base64').length);
    expect(sizes).toEqual([1000, MAX_READ_BYTES - 1000, 0]);
    expect(r?.steps?.map((s) => s.reason)).toEqual(['max_bytes', 'max_bytes', 'max_bytes']);
  });

  it('reports a refused port with no steps, and leaves the single-payload form untouched', async () => {
    const port = await listen((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, LO, resolve));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const [a, b] = await runTcpProbes(
      [
        { host: LO, port: dead, steps: [{ read: read() }] },
        { host: LO, port, read: { max_bytes: 256, timeout_ms: 2000 } },
      ],
      await options({ defaultRead: { max_bytes: 1, timeout_ms: 1 } }),
    );
    expect(a).toEqual({ host: LO, port: dead, state: 'closed', reason: 'ECONNREFUSED', rtt_ms: a?.rtt_ms });
    expect(b).toEqual({ host: LO, port, state: 'open', reason: 'eof', rtt_ms: b?.rtt_ms, data_b64: b64('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n') });
  });
});

describe('net.tcp.probe steps: resources', () => {
  const handles = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
  /** Waits (event-loop turns, bounded) for the servers to see every client close, so only client handles are counted. */
  const serversDone = async () => {
    for (let i = 0; i < 5000 && serverSide.size > 0; i++) await new Promise((r) => setImmediate(r));
    expect(serverSide.size).toBe(0);
  };

  it('leaves no socket or timer behind after conversations', async () => {
    const port = await smtpLike();
    const before = { sockets: handles('TCPSocketWrap'), timers: handles('Timeout') };
    const steps = [{ read: read({ idle_ms: 20 }) }, { send_b64: b64('EHLO a\r\n'), read: read({ idle_ms: 20 }) }, { send_b64: b64('NOOP\r\n'), read: read({ until_b64: b64('\r\n') }) }];
    const results = await runTcpProbes(Array.from({ length: 10 }, () => ({ host: LO, port, steps })), await options());
    expect(results.map((r) => r.steps?.map((s) => s.reason).join())).toEqual(Array(10).fill('idle,idle,until'));
    await serversDone();
    expect(handles('TCPSocketWrap')).toBe(before.sockets);
    expect(handles('Timeout')).toBeLessThanOrEqual(before.timers);
  });

  it('aborts mid-conversation: rejects with the reason and closes the socket', async () => {
    let accepted: () => void = () => {};
    const connected = new Promise<void>((r) => (accepted = r));
    const port = await listen(() => accepted());
    const before = handles('TCPSocketWrap');
    const ac = new AbortController();
    const running = runTcpProbes([{ host: LO, port, steps: [{ read: { max_bytes: 64, timeout_ms: 30_000 } }, { read: { max_bytes: 64, timeout_ms: 30_000 } }] }], await options({ signal: ac.signal }));
    await connected;
    ac.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    await serversDone();
    expect(handles('TCPSocketWrap')).toBe(before);
  });
});

describe('net.tcp.probe steps: request checks', () => {
  const one = (p: Record<string, unknown>) => () => expandTcpRequest({ probes: [{ host: LO, port: 25, ...p } as unknown as TcpProbe] }, 10);

  it('accepts up to 8 steps and keeps their fields', () => {
    const steps = Array.from({ length: 8 }, (_, i) => ({ send_b64: b64(`C${i}\r\n`), read: { max_bytes: 64, timeout_ms: 100, until_b64: b64('\r\n') } }));
    expect(one({ steps })()).toEqual([{ host: LO, port: 25, steps }]);
  });

  it('refuses bad step lists with messages naming the field', () => {
    const step = { read: { max_bytes: 64, timeout_ms: 100 } };
    expect(refusal(one({ steps: Array(9).fill(step) }))).toBe('net.tcp.probe: probes[0].steps must have 1..8 steps, got 9');
    expect(refusal(one({ steps: [] }))).toBe('net.tcp.probe: probes[0].steps must have 1..8 steps, got 0');
    expect(refusal(one({ steps: step }))).toBe('net.tcp.probe: probes[0].steps must be an array');
    expect(refusal(one({ steps: [step], payload_b64: b64('x') }))).toBe('net.tcp.probe: probes[0]: give steps or payload_b64/read, not both');
    expect(refusal(one({ steps: [step], read: step.read }))).toBe('net.tcp.probe: probes[0]: give steps or payload_b64/read, not both');
    expect(refusal(one({ steps: [step, {}] }))).toBe('net.tcp.probe: probes[0].steps[1] must have send_b64, read or both');
    expect(refusal(one({ steps: [{ send_b64: 'not base64!' }] }))).toBe('net.tcp.probe: probes[0].steps[0].send_b64 must be standard padded base64');
    expect(refusal(one({ steps: [{ read: { ...step.read, until_b64: b64('x'.repeat(65)) } }] }))).toBe('net.tcp.probe: probes[0].steps[0].read.until_b64 is larger than 64 bytes');
    expect(refusal(one({ steps: [{ read: { ...step.read, until_b64: '' } }] }))).toBe('net.tcp.probe: probes[0].steps[0].read.until_b64 must hold 1..64 bytes');
    expect(refusal(one({ steps: [{ read: { timeout_ms: 100 } }] }))).toBe('net.tcp.probe: probes[0].steps[0].read.max_bytes must be a non-negative integer');
    expect(refusal(one({ steps: [{ send_b64: Buffer.alloc(MAX_READ_BYTES + 1).toString('base64') }] }))).toBe(
      `net.tcp.probe: probes[0].steps[0].send_b64 is larger than ${MAX_READ_BYTES} bytes`,
    );
  });

  it('keeps until_b64 to step reads, and steps to explicit probes', () => {
    expect(refusal(one({ read: { max_bytes: 8, timeout_ms: 10, until_b64: b64('\n') } }))).toBe(
      'net.tcp.probe: probes[0].read.until_b64 is only allowed in the read of a step (probes[i].steps[j].read)',
    );
    const batch = { targets: [LO], ports: [25], steps: [{ read: { max_bytes: 8, timeout_ms: 10 } }] };
    expect(refusal(() => expandTcpRequest(batch as never, 10))).toBe('net.tcp.probe: steps are given per probe (probes[i].steps), not for targets x ports');
  });
});
