/**
 * The AssemblyScript SDK, compiled from source and run directly (no
 * sandbox): the table-driven self-test in sdk/assemblyscript/test/selftest.ts,
 * a differential check of the JSON parser against JSON.parse, and the ABI
 * entry points in exports.ts.
 */

import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, StubError, type AsModule, type CallStub } from '../../sdk/testing/as-unit.ts';

const SELFTEST = 'sdk/assemblyscript/test/selftest.ts';

const stubHost: CallStub = (op, req) => {
  const r = req as Record<string, unknown>;
  switch (op) {
    case 1:
      if (r.key === 'targets') return [{ host: '10.0.0.1' }, { host: '10.0.0.2' }];
      if (r.key === 'denied') throw new StubError('PENTORA_E_CONTEXT_KEY', 'not in requires');
      if (r.key === 'pages') {
        const all = [0, 1, 2, 3, 4].map((id) => ({ id }));
        if (r.count_only === true) return all.length;
        const offset = (r.offset as number | undefined) ?? 0;
        return all.slice(offset, offset + ((r.limit as number | undefined) ?? 10_000));
      }
      return null;
    case 2:
      return { count: (r.value as unknown[]).length };
    case 3:
      return null;
    case 4:
      return { ms: 1700000000123, mono_ms: 5 };
    case 16:
      if (r.probes) throw new StubError('PENTORA_E_SCOPE', '10.0.0.9 is outside the scan scope');
      return {
        results: [
          { host: '10.0.0.1', port: 22, state: 'open', rtt_ms: 1.5, data_b64: Buffer.from('SSH-2.0-x\r\n').toString('base64') },
          { host: '10.0.0.1', port: 80, state: 'closed', rtt_ms: 0.2, reason: 'ECONNREFUSED' },
        ],
      };
    default:
      throw new StubError('PENTORA_E_HOSTCALL', `unknown op ${op}`);
  }
};

const wasm = await compileAs(SELFTEST);
const selftest = await instantiateAs(wasm, stubHost);
const results = JSON.parse(selftest.collect('run')) as Array<{ name: string; ok: boolean; detail: string }>;

describe('AssemblyScript SDK self-test', () => {
  it('reports a full table of checks', () => {
    expect(results.length).toBeGreaterThan(150);
  });
  it.each(results)('$name', (r) => {
    expect(r.ok, r.detail).toBe(true);
  });
});

describe('host-call wrappers send the request shapes of host/hostcalls/types.ts', () => {
  const sent = (op: number) => selftest.calls.filter((c) => c.op === op).map((c) => c.req);
  it('context.get / context.set', () => {
    const page = (key: string, offset: number, limit: number) => ({ key, offset, limit, max_bytes: 1 << 20 });
    expect(sent(1)).toEqual([
      { key: 'targets' },
      { key: 'denied' },
      { key: 'unwritten' },
      { key: 'pages', offset: 1, limit: 2 },
      { key: 'pages', count_only: true },
      // ContextPages, then ContextRecords: pages of 2 until the empty one
      ...[0, 2, 4, 5, 0, 2, 4, 5].map((offset) => page('pages', offset, 2)),
      page('denied', 0, 256),
    ]);
    expect(sent(2)).toEqual([{ key: 'open_ports', value: [{ host: 'h' }], append: true }]);
  });
  it('a failed context.get is logged, not trapped', () => {
    expect(sent(3)).toEqual([
      { level: 'error', msg: 'context.get denied failed: PENTORA_E_CONTEXT_KEY: not in requires' },
      { level: 'error', msg: 'context.get denied failed: PENTORA_E_CONTEXT_KEY: not in requires' },
    ]);
  });
  it('net.tcp.probe in both batch forms', () => {
    expect(sent(16)).toEqual([
      { targets: ['10.0.0.1'], ports: [22, 80], connect_timeout_ms: 250 },
      {
        probes: [{ host: '10.0.0.9', port: 25, payload_b64: Buffer.from('EHLO x\r\n').toString('base64'), read: { max_bytes: 512, timeout_ms: 900, idle_ms: 250 } }],
        connect_timeout_ms: 100,
      },
    ]);
  });
});

/** JSON text with sorted keys, so documents compare regardless of member order (JS puts integer-like keys first). */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

function randomValue(r: (n: number) => number, depth: number): unknown {
  const pick = r(depth > 6 ? 5 : 7);
  const chars = ['a', 'é', '"', '\\', '\n', '\u0001', '\u2028', '😀', '\ud800', '/', ' ', 'Z', '\u00ff'];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r(2) === 0;
    case 2:
      return [0, -0, 1, -1, 2 ** 53 + 2, 123456789012345678, 1e21, 1e-7, 0.1, -2.5e-300, 1.7976931348623157e308, 5e-324][r(12)];
    case 3:
      return (r(2) ? -1 : 1) * r(1_000_000) * 10 ** (r(40) - 20);
    case 4:
      return Array.from({ length: r(6) }, () => chars[r(chars.length)]).join('');
    case 5:
      return Array.from({ length: r(5) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r(5) }, () => [['k', '1', 'é', 'a"b', ''][r(5)]!, randomValue(r, depth + 1)]));
  }
}

function roundTrip(mod: AsModule, text: string): string {
  return mod.invoke('roundTrip', text).output;
}

describe('JSON parser agrees with JSON.parse', () => {
  it('on 3000 random documents with random whitespace', () => {
    const r = rng(20240501);
    for (let i = 0; i < 3000; i++) {
      const doc = randomValue(r, 0);
      const text = JSON.stringify(doc, null, r(3) === 0 ? '\t' : r(2) === 0 ? 1 : undefined);
      const out = roundTrip(selftest, text);
      expect(out, text).not.toBe('!');
      expect(canon(JSON.parse(out)), text).toBe(canon(JSON.parse(text)));
    }
  });

  it('on 6000 mutated documents: same accept/reject, same value', () => {
    const r = rng(7);
    const alphabet = '{}[]":,\\/ u0123456789abcdefEtrnl-+.\t\n';
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      let text = JSON.stringify(randomValue(r, 2));
      for (let e = 1 + r(3); e > 0; e--) {
        const at = r(text.length + 1);
        const c = alphabet[r(alphabet.length)]!;
        text = [text.slice(0, at) + c + text.slice(at), text.slice(0, at) + text.slice(at + 1), text.slice(0, at) + c + text.slice(at + 1)][r(3)]!;
      }
      // A mutation can split a surrogate pair; UTF-8 would carry the half as U+FFFD, so compare on the well-formed text.
      text = text.toWellFormed();
      let want: string;
      try {
        want = canon(JSON.parse(text));
      } catch {
        want = '!';
      }
      const out = roundTrip(selftest, text);
      expect(out === '!' ? '!' : canon(JSON.parse(out)), text).toBe(want);
      if (out !== '!') accepted++;
    }
    expect(accepted).toBeGreaterThan(100); // the mutations leave plenty of valid documents to compare
  });

  it('survives arbitrary bytes, including invalid UTF-8', () => {
    const r = rng(99);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: r(64) }, () => r(256)));
      expect(() => roundTrip(selftest, bytes.toString('latin1'))).not.toThrow();
    }
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: r(64) }, () => r(256));
      expect(() => selftest.invokeBytes('roundTrip', bytes)).not.toThrow();
    }
    // A string holding bytes that are not UTF-8 still parses: they decode to U+FFFD.
    expect(selftest.invokeBytes('roundTrip', Uint8Array.from([0x22, 0xff, 0xc3, 0x22])).output).toBe('"\ufffd\ufffd"');
  });
});

describe('ABI entry points (exports.ts)', () => {
  it('describe writes name, version and abi', () => {
    expect(selftest.invoke('describe')).toEqual({ rc: 0, output: '{"name":"pentora/selftest","version":"1.2.3","abi":1}' });
  });

  it('configure accepts an object, refuses what the module refuses or what is not an object', async () => {
    const m = await instantiateAs(wasm, stubHost);
    expect(m.invoke('configure', '{"x":1}')).toEqual({ rc: 0, output: '' });
    expect(m.invoke('configure', '{"reject":"too fast"}')).toEqual({ rc: 1, output: '{"error":"rejected: too fast"}' });
    expect(m.invoke('configure', '[1]')).toEqual({ rc: 1, output: '{"error":"configure: config is not a JSON object"}' });
    expect(m.invoke('configure', '{"x":')).toEqual({ rc: 1, output: '{"error":"configure: config is not a JSON object"}' });
    const ok = m.invoke('execute', JSON.stringify({ scan_id: 's1', instance_id: 'i1', module: 'pentora/selftest', config: {} }));
    expect(ok.rc).toBe(0);
    expect(JSON.parse(ok.output)).toEqual({
      summary: { scan: 's1', instance: 'i1', module: 'pentora/selftest', configured: '{"x":1}' },
      artifacts: [{ name: 'out.txt', media_type: 'text/plain', text: 'line\né' }],
    });
  });

  it('execute turns a module error into {"error"} and rc 1', () => {
    const r = selftest.invoke('execute', JSON.stringify({ scan_id: 'q"uote', instance_id: 'i', module: 'm', config: { mode: 'fail' } }));
    expect(r.rc).toBe(1);
    expect(JSON.parse(r.output)).toEqual({ error: 'asked to fail "q"uote"' });
  });

  it('execute refuses malformed input without trapping', () => {
    for (const bad of ['', 'null', '[]', '{"scan_id":', '\u0000']) {
      expect(selftest.invoke('execute', bad)).toEqual({ rc: 1, output: '{"error":"execute: input is not a JSON object"}' });
    }
  });

  it('an AssemblyScript abort reaches pentora.abort with its message and location', async () => {
    const m = await instantiateAs(wasm, stubHost);
    expect(() => m.invoke('execute', JSON.stringify({ scan_id: 's', instance_id: 'i', module: 'm', config: { mode: 'trap', index: 7 } }))).toThrow(
      /abort: Index out of range at ~lib\/array\.ts:\d+:\d+/,
    );
  });

  it('alloc returns memory the GC leaves alone, and dealloc gives it back', async () => {
    const m = await instantiateAs(wasm, stubHost);
    const alloc = m.exports.alloc as (n: number) => number;
    const dealloc = m.exports.dealloc as (p: number, n: number) => void;
    const ptr = alloc(4096);
    const pattern = Buffer.alloc(4096, 0xa5);
    new Uint8Array(m.memory.buffer, ptr, 4096).set(pattern);
    m.collect('run'); // allocates heavily: the incremental GC runs many cycles
    expect(Buffer.from(m.memory.buffer, ptr, 4096).equals(pattern)).toBe(true);
    dealloc(ptr, 4096);
    const before = m.memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) dealloc(alloc(1 << 20), 1 << 20);
    expect(m.memory.buffer.byteLength - before).toBeLessThanOrEqual(2 << 20); // 200 MiB churned in at most ~2 MiB of growth
  });
});
