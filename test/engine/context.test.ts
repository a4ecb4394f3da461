/**
 * DataContext paging and the context.get host call's three forms (whole list,
 * page, count), through the real dispatcher so the replies and the transcript
 * entries are what a plugin and an auditor see.
 */

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DataContext } from '../../host/engine/context.ts';
import type { HostCallEnv } from '../../host/hostcalls/env.ts';
import { createDispatcher, createHostCallTable } from '../../host/hostcalls/table.ts';
import { MAX_CONTEXT_PAGE } from '../../host/hostcalls/types.ts';
import { Semaphore, TokenBucket } from '../../host/net/rate-limit.ts';
import { Scope } from '../../host/net/scope.ts';
import { OpCode } from '../../host/sandbox/abi.ts';
import type { Manifest } from '../../host/sandbox/manifest.ts';
import type { TranscriptInput } from '../../host/workspace/transcript.ts';

const port = (host: string, p: number) => ({ host, port: p, protocol: 'tcp', state: 'open' });

/** Three writers: 3 + 0 + 2 records of open_ports, and one other key in between. */
function context(): DataContext {
  const ctx = new DataContext();
  ctx.write({ module: 'a/scan', instance: '1' }, 'open_ports', [port('10.0.0.1', 1), port('10.0.0.1', 2), port('10.0.0.1', 3)]);
  ctx.write({ module: 'a/scan', instance: '1' }, 'targets', [{ host: '10.0.0.1' }]);
  ctx.write({ module: 'b/scan', instance: '1' }, 'open_ports', []);
  ctx.write({ module: 'c/scan', instance: '1' }, 'open_ports', [port('10.0.0.2', 4), port('10.0.0.2', 5)]);
  return ctx;
}

const ports = (items: unknown): number[] => (items as Array<{ port: number }>).map((r) => r.port);

describe('DataContext.page and count', () => {
  it('slices the merge across namespaces in get() order', () => {
    const ctx = context();
    expect(ports(ctx.get('open_ports'))).toEqual([1, 2, 3, 4, 5]);
    expect(ctx.count('open_ports')).toBe(5);
    expect(ctx.count('banners')).toBe(0);
    expect(ports(ctx.page('open_ports', 0, 2))).toEqual([1, 2]);
    expect(ports(ctx.page('open_ports', 2, 2))).toEqual([3, 4]);
    expect(ports(ctx.page('open_ports', 4, 2))).toEqual([5]);
    expect(ctx.page('open_ports', 5, 2)).toEqual([]);
    expect(ctx.page('open_ports', 0, 0)).toEqual([]);
    expect(ctx.page('banners', 0, 10)).toEqual([]);
  });

  it('stops a page at the byte bound, but never gives an empty page before the end', () => {
    const ctx = context();
    const one = Buffer.byteLength(JSON.stringify(ctx.page('open_ports', 0, 1)[0]));
    expect(ports(ctx.page('open_ports', 0, 10, one * 2))).toEqual([1, 2]);
    expect(ports(ctx.page('open_ports', 1, 10, 1))).toEqual([2]);
  });

  it('pages hold the stored records, not copies of the merged list', () => {
    const ctx = context();
    expect(ctx.page('open_ports', 3, 1)[0]).toBe(ctx.get('open_ports')![3]);
  });
});

function manifest(requires: string[]): Manifest {
  return {
    name: 'test/reader',
    version: '1.0.0',
    abi: 1,
    type: 'parser',
    wasm: { sha256: '0'.repeat(64), size: 100 },
    requires,
    provides: [],
    config: {},
    capabilities: {},
    limits: {},
  };
}

async function reader(ctx: DataContext): Promise<{ get: (req: unknown) => Promise<unknown>; audit: TranscriptInput[] }> {
  const audit: TranscriptInput[] = [];
  const env: HostCallEnv = {
    scanId: 'test',
    context: ctx,
    scope: new Scope([]),
    transcript: { record: (r) => (audit.push(r), { ...r, ts: '', seq: audit.length }) } as HostCallEnv['transcript'],
    logger: pino({ level: 'silent' }),
    startedAt: performance.now(),
    net: { globalBucket: new TokenBucket(1, 1), semaphore: new Semaphore(1), pps: 1, connectTimeoutMs: 1000, maxProbesPerCall: 1 },
  };
  const call = createDispatcher(createHostCallTable(env), env, { plugin: 'test/reader', instanceId: 'r', manifest: manifest(['open_ports', 'banners']) });
  const get = async (req: unknown) => JSON.parse(new TextDecoder().decode(await call(OpCode.ContextGet, new TextEncoder().encode(JSON.stringify(req))))) as unknown;
  return { get, audit };
}

describe('context.get host call', () => {
  it('without paging fields replies as in v1: the merged list, or null', async () => {
    const { get } = await reader(context());
    expect(await get({ key: 'open_ports' })).toMatchObject({ ok: true, value: [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }, { port: 5 }] });
    expect(await get({ key: 'banners' })).toEqual({ ok: true, value: null });
  });

  it('pages with offset/limit (always an array) and counts with count_only', async () => {
    const { get, audit } = await reader(context());
    expect(await get({ key: 'open_ports', offset: 1, limit: 3 })).toMatchObject({ ok: true, value: [{ port: 2 }, { port: 3 }, { port: 4 }] });
    expect(await get({ key: 'open_ports', offset: 4 })).toMatchObject({ ok: true, value: [{ port: 5 }] });
    expect(await get({ key: 'open_ports', limit: 1 })).toMatchObject({ ok: true, value: [{ port: 1 }] });
    expect(await get({ key: 'open_ports', offset: 99, limit: 10 })).toEqual({ ok: true, value: [] });
    expect(await get({ key: 'banners', offset: 0, limit: 10 })).toEqual({ ok: true, value: [] });
    expect(await get({ key: 'open_ports', offset: 0, max_bytes: 1 })).toMatchObject({ ok: true, value: [{ port: 1 }] });
    expect(await get({ key: 'open_ports', count_only: true })).toEqual({ ok: true, value: 5 });
    expect(await get({ key: 'banners', count_only: true })).toEqual({ ok: true, value: 0 });
    // The transcript says what was read, not the records.
    expect(audit.map((a) => a.result)).toEqual([
      { count: 3, offset: 1 },
      { count: 1, offset: 4 },
      { count: 1 },
      { count: 0, offset: 99 },
      { count: 0, offset: 0 },
      { count: 1, offset: 0 },
      { total: 5 },
      { total: 0 },
    ]);
  });

  it(`caps a page at ${MAX_CONTEXT_PAGE} records`, async () => {
    const ctx = new DataContext();
    ctx.write({ module: 'a/scan', instance: '1' }, 'open_ports', Array.from({ length: MAX_CONTEXT_PAGE + 5 }, (_, i) => port('10.0.0.1', (i % 65535) + 1)));
    const { get } = await reader(ctx);
    const r = (await get({ key: 'open_ports', offset: 0, limit: 1e9 })) as { value: unknown[] };
    expect(r.value).toHaveLength(MAX_CONTEXT_PAGE);
    expect(((await get({ key: 'open_ports', offset: MAX_CONTEXT_PAGE })) as { value: unknown[] }).value).toHaveLength(5);
  });

  it.each([
    [{ key: 'open_ports', offset: -1 }, 'context.get: "offset" must be a non-negative integer, got -1'],
    [{ key: 'open_ports', limit: 2.5 }, 'context.get: "limit" must be a non-negative integer, got 2.5'],
    [{ key: 'open_ports', offset: '3' }, 'context.get: "offset" must be a non-negative integer, got "3"'],
    [{ key: 'open_ports', max_bytes: null }, 'context.get: "max_bytes" must be a non-negative integer, got null'],
    [{ key: 'open_ports', count_only: 1 }, 'context.get: "count_only" must be a boolean'],
    [{ key: 'open_ports', count_only: true, limit: 5 }, 'context.get: "count_only" does not take "offset", "limit" or "max_bytes"'],
  ])('refuses %j', async (req, message) => {
    const { get } = await reader(context());
    expect(await get(req)).toEqual({ ok: false, error: { code: 'PENTORA_E_HOSTCALL', message } });
  });

  it('checks the manifest before paging or counting', async () => {
    const { get } = await reader(context());
    for (const req of [{ key: 'targets', offset: 0 }, { key: 'targets', count_only: true }]) {
      expect(await get(req)).toMatchObject({ ok: false, error: { code: 'PENTORA_E_CONTEXT_KEY' } });
    }
  });
});
