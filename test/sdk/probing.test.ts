/**
 * Conversation probes through the SDK (sdk/assemblyscript/test/probing.ts):
 * the request shape the AssemblyScript wrappers send is the host's (checked
 * by the host's own expandTcpRequest), and the replies come from the
 * harness's canned conversation (answerTcp), so the SDK, the request checks
 * and the canned replies are tested together.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { StepReadSpec, TcpProbe, TcpProbeRequest, TcpStep } from '../../host/hostcalls/types.ts';
import { expandTcpRequest } from '../../host/net/tcp-probe.ts';
import type { ExecuteInput } from '../../host/sandbox/abi.ts';
import { PluginInstance } from '../../host/sandbox/instance.ts';
import { readTranscript, type TranscriptEntry } from '../../host/workspace/transcript.ts';
import { compileAs, instantiateAs, StubError, type CallStub } from '../../sdk/testing/as-unit.ts';
import { answerTcp, runPlugin, type CannedTcp } from '../../sdk/testing/harness.ts';
import { recordTcpProbes } from '../../sdk/testing/live-host.ts';
import { replayServers } from '../../sdk/testing/replay-servers.ts';
import { cannedFromTranscript } from '../../sdk/testing/replay.ts';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const rd = (extra: Partial<StepReadSpec> = {}): StepReadSpec => ({ max_bytes: 4096, timeout_ms: 1500, idle_ms: 200, ...extra });

const canned: CannedTcp[] = [
  {
    port: 25,
    stayOpen: true,
    steps: [{ data: '220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n' }, { whenSent: /^EHLO /, data: '250-mx.example.test\r\n250 SMTPUTF8\r\n' }],
  },
  { port: 6379, whenSent: 'PING\r\n', data: '+PONG\r\n' },
];

const stub: CallStub = (op, req) => {
  if (op === 3) return null;
  if (op !== 16) throw new StubError('PENTORA_E_HOSTCALL', `unexpected op ${op}`);
  return { results: expandTcpRequest(req as TcpProbeRequest, 100).map((p) => answerTcp(canned, p)) };
};

const mod = await instantiateAs(await compileAs('sdk/assemblyscript/test/probing.ts'), stub);
const results = JSON.parse(mod.collect('run')) as Array<{ name: string; ok: boolean; detail: string }>;

describe('SDK conversation probes (AssemblyScript)', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(10));
  it.each(results)('$name', (r) => expect(r.ok, r.detail).toBe(true));

  it('sends steps with send_b64 and until_b64, and the single form as before', () => {
    expect(mod.calls.filter((c) => c.op === 16).map((c) => c.req)).toEqual([
      {
        probes: [
          {
            host: '127.0.0.1',
            port: 25,
            steps: [
              { read: { max_bytes: 4096, timeout_ms: 1500, idle_ms: 200, until_b64: b64('\r\n') } },
              { send_b64: b64('EHLO pentora.invalid\r\n'), read: { max_bytes: 4096, timeout_ms: 1500, idle_ms: 200 } },
            ],
          },
          { host: '127.0.0.1', port: 6379, payload_b64: b64('PING\r\n'), read: { max_bytes: 64, timeout_ms: 1000 } },
        ],
        connect_timeout_ms: 1000,
      },
    ]);
  });
});

describe('harness: canned conversations (answerTcp)', () => {
  const probe = (steps: TcpStep[]): TcpProbe => ({ host: '127.0.0.1', port: 25, steps });
  const text = (s: { data_b64?: string }) => Buffer.from(s.data_b64 ?? '', 'base64').toString('latin1');

  it('answers step i with canned step i, and a later step with nothing', () => {
    const r = answerTcp(canned, probe([{ read: rd() }, { send_b64: b64('EHLO x\r\n'), read: rd() }, { send_b64: b64('QUIT\r\n'), read: rd() }]));
    expect(r.steps?.map((s) => [s.reason, text(s)])).toEqual([
      ['idle', '220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n'],
      ['idle', '250-mx.example.test\r\n250 SMTPUTF8\r\n'],
      ['timeout', ''],
    ]);
    expect(r).toMatchObject({ state: 'open', reason: 'timeout' });
  });

  it('matches whenSent against each step send: another command finds no reply', () => {
    expect(answerTcp(canned, probe([{ read: rd() }, { send_b64: b64('HELO x\r\n'), read: rd() }]))).toMatchObject({ state: 'closed', reason: 'ECONNREFUSED' });
  });

  it('answers a conversation from a data-only reply: first step the data, then eof unless it stays open', () => {
    const greeting = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';
    const steps = [{ read: rd() }, { send_b64: b64('SSH-2.0-pentora\r\n'), read: rd() }];
    expect(answerTcp([{ port: 25, data: greeting }], probe(steps)).steps).toEqual([{ reason: 'eof', data_b64: b64(greeting) }]);
    expect(answerTcp([{ port: 25, data: greeting, stayOpen: true }], probe(steps)).steps).toEqual([{ reason: 'idle', data_b64: b64(greeting) }, { reason: 'timeout' }]);
  });

  it('ends a read at until and gives the rest to the next read; bytes not read wait for one', () => {
    const c: CannedTcp[] = [{ port: 25, steps: [{ data: '+OK ready\r\nextra' }, { data: ' more' }] }];
    const r = answerTcp(c, probe([{ read: rd({ until_b64: b64('\r\n') }) }, { send_b64: b64('x') }, { read: rd() }]));
    expect(r.steps).toEqual([{ reason: 'until', data_b64: b64('+OK ready\r\n') }, { reason: 'sent' }, { reason: 'eof', data_b64: b64('extra more') }]);
  });
});

describe('replay: a recorded conversation answers the same probe offline', () => {
  it('records a real conversation (net-tcp.ts), then replays it step by step from transcript.jsonl', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-steps-'));
    const servers = await replayServers([
      { name: 'smtp', greeting: '220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n', answers: [['EHLO ', '250-mx.example.test\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n']] },
    ]);
    try {
      const port = servers.get('smtp').port;
      const file = path.join(dir, 'transcript.jsonl');
      const steps: TcpStep[] = [
        { read: { max_bytes: 4096, timeout_ms: 5000, idle_ms: 5000, until_b64: b64('\r\n') } },
        { send_b64: b64('EHLO pentora.invalid\r\n'), read: { max_bytes: 4096, timeout_ms: 5000, idle_ms: 5000, until_b64: b64('250 ') } },
      ];
      const [live] = await recordTcpProbes({ file, plugin: 'test/steps', batches: [[{ host: '127.0.0.1', port, steps }]] });

      const entries: TranscriptEntry[] = [];
      for await (const e of readTranscript(file)) entries.push(e);
      expect(entries).toHaveLength(1);
      // The entry keeps each direction whole (as for a one-shot probe) and each step in result.steps.
      expect(Buffer.from(entries[0]?.sent_b64 ?? '', 'base64').toString()).toBe('EHLO pentora.invalid\r\n');
      expect(Buffer.from(entries[0]?.recv_b64 ?? '', 'base64').toString()).toBe('220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n250-mx.example.test\r\n250-PIPELINING\r\n250 ');
      expect((entries[0]?.result as { steps: unknown }).steps).toEqual([
        { recv_b64: b64('220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n'), reason: 'until' },
        { sent_b64: b64('EHLO pentora.invalid\r\n'), recv_b64: b64('250-mx.example.test\r\n250-PIPELINING\r\n250 '), reason: 'until' },
      ]);

      const replayed = answerTcp(await cannedFromTranscript(file), { host: '127.0.0.1', port, steps });
      expect(replayed).toEqual({ ...live![0], rtt_ms: 1 });
      // The same server does not answer another command on replay.
      const other = answerTcp(await cannedFromTranscript(file), { host: '127.0.0.1', port, steps: [steps[0]!, { send_b64: b64('HELP\r\n'), read: rd() }] });
      expect(other.state).toBe('closed');
    } finally {
      await servers.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('execute input: network', () => {
  it('reaches ExecuteContext.network (exports.ts), true when the host does not say', () => {
    const summary = (input: unknown) => (JSON.parse(mod.invoke('execute', JSON.stringify(input)).output) as { summary: { network: boolean } }).summary.network;
    const base = { scan_id: 's', instance_id: 'i', module: 'test/network-echo', config: {} };
    expect(summary({ ...base, network: false })).toBe(false);
    expect(summary({ ...base, network: true })).toBe(true);
    expect(summary(base)).toBe(true);
  });

  it('is built by the scheduler: true by default, false with its option (runPlugin passes it through)', async () => {
    const spy = vi.spyOn(PluginInstance.prototype, 'invoke');
    try {
      const banners = [{ host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: b64('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n') }];
      await runPlugin({ plugin: 'plugins/ssh-parser', context: { banners } });
      await runPlugin({ plugin: 'plugins/ssh-parser', context: { banners }, network: false });
      const inputs = spy.mock.calls.filter(([entry]) => entry === 'execute').map(([, input]) => input as ExecuteInput);
      expect(inputs.map((i) => i.network)).toEqual([true, false]);
      expect(inputs[0]).toEqual({ scan_id: 'test', instance_id: 'plugin', module: 'pentora/ssh-parser', config: {}, network: true });
    } finally {
      spy.mockRestore();
    }
  });

  it('runPlugin with network: false refuses net calls as pentora fingerprint does, listing the batch', async () => {
    const r = await runPlugin({
      plugin: 'plugins/banner-grabber',
      context: { open_ports: [{ host: '127.0.0.1', port: 22, protocol: 'tcp', state: 'open' }] },
      tcp: [{ port: 22, data: 'SSH-2.0-OpenSSH_9.2p1\r\n' }],
      network: false,
    });
    expect(r.probes.flat().map((p) => p.port)).toEqual([22]);
    expect(r.error).toContain('net.tcp.probe refused: pentora fingerprint uses no network');
  });
});
