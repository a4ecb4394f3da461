/**
 * The SDK's scanning helpers in AssemblyScript (sdk/assemblyscript/test/net.ts):
 * port rankings, batch plan, and the net.syn.scan / net.icmp.echo /
 * net.udp.probe wrappers against a stub host, checking both what they parse
 * and the requests they send.
 */

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRanking, readRanking, renderModule, TOP_PORTS_MODULE } from '../../sdk/build/gen-top-ports.ts';
import { compileAs, instantiateAs, StubError, type CallStub } from '../../sdk/testing/as-unit.ts';

const stub: CallStub = (op, req) => {
  const r = req as Record<string, unknown>;
  if (op === 3) return null; // log
  if (op === 19) {
    if ((r.targets as string[])[0] === '10.0.0.9') throw new StubError('PENTORA_E_RAW_UNAVAILABLE', 'no CAP_NET_RAW');
    return {
      results: [{ host: '10.0.0.2', port: 22, state: 'open', rtt_ms: 0.21, reason: 'syn-ack', ttl: 64 }],
      counts: { open: 1, closed: 2, filtered: 1 },
      stats: { sent: 5, received: 3, duration_ms: 4.5 },
    };
  }
  if (op === 18) {
    return {
      results: [
        { host: '10.0.0.2', alive: true, rtt_ms: 0.1, ttl: 63, reason: 'echo-reply' },
        { host: '10.0.0.3', alive: false, reason: 'unreachable (type 3 code 1)', from: '10.0.0.1' },
      ],
      stats: { sent: 3, received: 1, duration_ms: 1000 },
    };
  }
  if (op === 17) {
    if (r.probes) {
      return {
        results: [
          { host: '10.0.0.2', port: 53, state: 'open', rtt_ms: 0.3, reason: 'udp-response', data_b64: Buffer.from('answer').toString('base64') },
          { host: '10.0.0.2', port: 9, state: 'open|filtered', reason: 'no-response' },
        ],
        counts: { open: 1, closed: 0, filtered: 0, 'open|filtered': 1 },
        stats: { sent: 3, received: 1, duration_ms: 2000 },
      };
    }
    return { results: [], counts: { open: 0, closed: 2, filtered: 0, 'open|filtered': 0 }, stats: { sent: 2, received: 2, duration_ms: 1 } };
  }
  throw new StubError('PENTORA_E_HOSTCALL', `unexpected op ${op}`);
};

const mod = await instantiateAs(await compileAs('sdk/assemblyscript/test/net.ts'), stub);
const results = JSON.parse(mod.collect('run')) as Array<{ name: string; ok: boolean; detail: string }>;
const sent = (op: number) => mod.calls.filter((c) => c.op === op).map((c) => c.req);

describe('SDK scanning helpers (AssemblyScript)', () => {
  it('runs the whole table', () => expect(results.length).toBeGreaterThan(40));
  it.each(results)('$name', (r) => expect(r.ok, r.detail).toBe(true));
});

describe('raw-socket and UDP wrappers send the request shapes of host/hostcalls/types.ts', () => {
  it('net.syn.scan: targets x ports, and only the options that were set', () => {
    expect(sent(19)).toEqual([
      { targets: ['10.0.0.2'], ports: [22, 80, 443], retries: 2, timeout_ms: 300, states: ['open'] },
      { targets: ['10.0.0.9'], ports: [22] },
    ]);
  });
  it('net.icmp.echo: targets only by default', () => {
    expect(sent(18)).toEqual([{ targets: ['10.0.0.2', '10.0.0.3'] }]);
  });
  it('net.udp.probe: explicit probes with base64 payloads (none when empty), or targets x ports', () => {
    expect(sent(17)).toEqual([
      { probes: [{ host: '10.0.0.2', port: 53, payload_b64: Buffer.from('q').toString('base64') }, { host: '10.0.0.2', port: 9 }] },
      { targets: ['10.0.0.2'], ports: [161, 162], states: ['open'], max_bytes: 512 },
    ]);
  });
});

describe('port rankings (sdk/assemblyscript/data)', () => {
  it('the generated AssemblyScript module matches the rankings (node sdk/build/gen-top-ports.ts)', () => {
    expect(fs.readFileSync(TOP_PORTS_MODULE, 'utf8')).toBe(renderModule(readRanking('tcp'), readRanking('udp')));
  });
  it('TCP ranks ~700 distinct ports led by the web, remote access and Windows services', () => {
    const tcp = readRanking('tcp').map((r) => r.port);
    expect(tcp.length).toBeGreaterThanOrEqual(700);
    expect(tcp.slice(0, 10)).toEqual([80, 443, 22, 445, 3389, 139, 135, 21, 25, 53]);
    for (const p of [3306, 5432, 6379, 27017, 8080, 8443, 9200, 11211, 2375, 6443, 10250, 5985, 1883]) expect(tcp.slice(0, 100)).toContain(p);
    expect(tcp.slice(0, 500)).toContain(502); // industrial control: rarer, but in any top 1000
  });
  it('UDP ranks the services a UDP scan exists for first', () => {
    const udp = readRanking('udp').map((r) => r.port);
    expect(udp.slice(0, 4)).toEqual([53, 123, 161, 137]);
    for (const p of [1900, 5353, 11211, 500, 69, 111, 623, 5683, 3478, 5060, 5351]) expect(udp.slice(0, 60)).toContain(p);
  });
  it('refuses a duplicate or a bad line, naming it', () => {
    expect(() => parseRanking('80 http\n# c\n443 https\n80 again\n', 'x.txt')).toThrow('x.txt:4: port 80 is already ranked on line 1');
    expect(() => parseRanking('70000 big\n', 'x.txt')).toThrow(/x\.txt:1: expected "PORT NAME"/);
    expect(() => parseRanking('22\n', 'x.txt')).toThrow(/x\.txt:1/);
    expect(parseRanking('  22 ssh  # comment\n\n', 'x.txt')).toEqual([{ port: 22, name: 'ssh' }]);
  });
});
