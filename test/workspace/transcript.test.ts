import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { TRANSCRIPT_BYTES_CAP, Transcript, readTranscript } from '../../host/workspace/transcript.ts';
import type { TranscriptEntry } from '../../host/workspace/transcript.ts';

let tmp: string;
let file: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pentora-transcript-'));
  file = path.join(tmp, 'transcript.jsonl');
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function readAll(p: string): Promise<TranscriptEntry[]> {
  const out: TranscriptEntry[] = [];
  for await (const e of readTranscript(p)) out.push(e);
  return out;
}

const probe = { plugin: 'pentora/ssh-banner', instance: 'ssh-banner.0', op: 'net.tcp.probe' };

describe('Transcript', () => {
  it('records calls as JSON lines that read back with their bytes', async () => {
    const t = await Transcript.open(file);
    const sent = new TextEncoder().encode('SSH-2.0-pentora\r\n');
    const recv = new Uint8Array([0, 255, 10, 13, 128]);
    const first = t.record({ ...probe, target: '192.0.2.1:22', sent, recv, result: { state: 'open', rtt_ms: 3 } });
    t.record({ plugin: 'pentora/ssh-banner', instance: 'ssh-banner.0', op: 'clock.now', result: { ms: 1 } });
    await t.close();

    expect(first.seq).toBe(1);
    const entries = await readAll(file);
    expect(entries).toHaveLength(2);
    const [a, b] = entries;
    expect(a).toEqual(first);
    expect(Buffer.from(a?.sent_b64 ?? '', 'base64').toString()).toBe('SSH-2.0-pentora\r\n');
    expect(new Uint8Array(Buffer.from(a?.recv_b64 ?? '', 'base64'))).toEqual(recv);
    expect(a?.truncated).toBeUndefined();
    expect(b).toMatchObject({ seq: 2, op: 'clock.now', result: { ms: 1 } });
    expect(b && 'target' in b).toBe(false);
    expect(Date.parse(b?.ts ?? '')).not.toBeNaN();
  });

  it('caps each direction at 64 KiB of source bytes and marks the entry truncated', async () => {
    const t = await Transcript.open(file);
    const big = new Uint8Array(TRANSCRIPT_BYTES_CAP + 1000).map((_, i) => i % 251);
    t.record({ ...probe, sent: new Uint8Array(10), recv: big, result: null });
    t.record({ ...probe, recv: big.subarray(0, TRANSCRIPT_BYTES_CAP), result: null });
    await t.close();
    const [capped, exact] = await readAll(file);
    const kept = Buffer.from(capped?.recv_b64 ?? '', 'base64');
    expect(kept.length).toBe(TRANSCRIPT_BYTES_CAP);
    expect(new Uint8Array(kept)).toEqual(big.subarray(0, TRANSCRIPT_BYTES_CAP));
    expect(Buffer.from(capped?.sent_b64 ?? '', 'base64').length).toBe(10);
    expect(capped?.truncated).toBe(true);
    expect(exact?.truncated).toBeUndefined();
  });

  it('has every buffered line on disk, in order, when close resolves', async () => {
    const t = await Transcript.open(file);
    for (let i = 0; i < 5000; i++) t.record({ ...probe, target: `192.0.2.${i % 256}:${i}`, recv: new Uint8Array(64), result: { i } });
    await t.close();
    await t.close(); // idempotent
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(lines.map((l) => (JSON.parse(l) as TranscriptEntry).seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(() => t.record({ ...probe, result: null })).toThrow(/closed/);
  });

  it('appends to an existing transcript (a resumed scan)', async () => {
    const first = await Transcript.open(file);
    first.record({ ...probe, result: 'before' });
    await first.close();
    const second = await Transcript.open(file);
    second.record({ ...probe, result: 'after' });
    await second.close();
    expect((await readAll(file)).map((e) => e.result)).toEqual(['before', 'after']);
  });

  it('still records a call whose result JSON cannot hold', async () => {
    const t = await Transcript.open(file);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    t.record({ ...probe, result: { big: 10n } });
    t.record({ ...probe, result: cyclic });
    await t.close();
    const entries = await readAll(file);
    expect(entries).toHaveLength(2);
    expect(entries[0]?.result).toEqual({ unserialisable: expect.stringContaining('BigInt') });
    expect(entries[1]?.result).toEqual({ unserialisable: expect.stringContaining('circular') });
  });

  it('fails to open in a missing directory with a workspace error', async () => {
    const err = await Transcript.open(path.join(tmp, 'missing', 't.jsonl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.Workspace);
  });
});

describe('readTranscript', () => {
  const good = JSON.stringify({ ts: '2025-01-01T00:00:00.000Z', seq: 1, ...probe, result: null });

  async function firstError(text: string): Promise<{ read: number; err: PentoraError }> {
    await writeFile(file, text);
    let read = 0;
    try {
      for await (const _ of readTranscript(file)) read++;
    } catch (err) {
      expect(err).toBeInstanceOf(PentoraError);
      return { read, err: err as PentoraError };
    }
    throw new Error('expected readTranscript to fail');
  }

  it('names file:line for a line that is not JSON, after yielding the lines before it', async () => {
    const { read, err } = await firstError(`${good}\n\n{"ts": "2025-01-01T00:00:00.000Z", "seq": 2,\n${good}\n`);
    expect(read).toBe(1);
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid JSON: `));
    expect(err.detail['line']).toBe(3);
  });

  it('names file:line and the field for an entry of the wrong shape', async () => {
    const noResult = JSON.stringify({ ts: '2025-01-01T00:00:00.000Z', seq: 2, ...probe });
    expect((await firstError(`${good}\n${noResult}\n`)).err.message).toBe(`${file}:2: result is missing`);
    const badB64 = JSON.stringify({ ts: '2025-01-01T00:00:00.000Z', seq: 1, ...probe, recv_b64: 'not base64!', result: 1 });
    expect((await firstError(`${badB64}\n`)).err.message).toBe(`${file}:1: recv_b64 is not base64`);
    expect((await firstError('[1,2]\n')).err.message).toBe(`${file}:1: not a JSON object`);
    const badSeq = JSON.stringify({ ts: '2025-01-01T00:00:00.000Z', seq: 0, ...probe, result: 1 });
    expect((await firstError(`${badSeq}\r\n`)).err.message).toBe(`${file}:1: seq is not a positive integer`);
  });

  it('reads an empty transcript as no entries and a missing one as a workspace error', async () => {
    await writeFile(file, '');
    expect(await readAll(file)).toEqual([]);
    const err = await readAll(path.join(tmp, 'missing.jsonl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PentoraError);
    expect((err as PentoraError).code).toBe(ErrorCode.Workspace);
    expect((err as PentoraError).message).toContain('ENOENT');
  });
});
