/**
 * The audit transcript (DESIGN §6): one JSON line per host call, with the
 * plugin, the target and the bytes that crossed the wire. It answers "what
 * did this community plugin send to my network?" and lets sdk/testing replay
 * a plugin offline.
 *
 * Host calls are hot, so `record()` is synchronous and only buffers; the
 * stream batches lines into few writes. `close()` is the durability point.
 */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { WriteStream } from 'node:fs';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';

/** Bytes kept per direction per call; a transcript must not grow by a whole download. */
export const TRANSCRIPT_BYTES_CAP = 64 * 1024;

/**
 * One line of transcript.jsonl.
 *
 * @example
 *   {"ts":"2025-01-01T12:00:00.000Z","seq":7,"plugin":"pentora/ssh-banner","instance":"ssh-banner.0",
 *    "op":"net.tcp.probe","target":"192.0.2.1:22","sent_b64":"","recv_b64":"U1NILTIuMC0K","result":{"state":"open"}}
 */
export interface TranscriptEntry {
  ts: string;
  /** 1-based, per transcript, in the order calls were recorded. */
  seq: number;
  plugin: string;
  instance: string;
  op: string;
  target?: string;
  sent_b64?: string;
  recv_b64?: string;
  /** Set when `sent_b64` or `recv_b64` holds only the first TRANSCRIPT_BYTES_CAP bytes. */
  truncated?: true;
  result: unknown;
}

/** What a host call hands to `record()`: raw bytes, which the transcript encodes and caps. */
export interface TranscriptInput {
  plugin: string;
  instance: string;
  op: string;
  target?: string;
  sent?: Uint8Array;
  recv?: Uint8Array;
  result: unknown;
}

export class Transcript {
  readonly path: string;
  #fh: FileHandle;
  #stream: WriteStream;
  #seq = 0;
  #error: unknown = null;
  #closing: Promise<void> | null = null;

  private constructor(file: string, fh: FileHandle) {
    this.path = file;
    this.#fh = fh;
    // autoClose off: the handle must outlive the stream's 'finish' so close() can fsync it.
    this.#stream = fh.createWriteStream({ autoClose: false, emitClose: false });
    // A failed write must not crash the host through an unhandled 'error'; close() reports it.
    this.#stream.on('error', (err) => {
      this.#error ??= err;
    });
  }

  /** Opens `file` for appending (creating it if needed), so a resumed scan extends its transcript. */
  static async open(file: string): Promise<Transcript> {
    try {
      return new Transcript(file, await open(file, 'a'));
    } catch (err) {
      throw new PentoraError(ErrorCode.Workspace, `${file}: cannot open transcript: ${describeError(err)}`, { path: file }, { cause: err });
    }
  }

  /** Buffers one entry and returns it as written. */
  record(input: TranscriptInput): TranscriptEntry {
    if (this.#closing) throw new PentoraError(ErrorCode.Internal, `${this.path}: transcript is closed`);
    const entry: TranscriptEntry = {
      ts: new Date().toISOString(),
      seq: ++this.#seq,
      plugin: input.plugin,
      instance: input.instance,
      op: input.op,
      result: input.result,
    };
    if (input.target !== undefined) entry.target = input.target;
    let truncated = false;
    if (input.sent !== undefined) {
      entry.sent_b64 = capped(input.sent);
      truncated ||= input.sent.byteLength > TRANSCRIPT_BYTES_CAP;
    }
    if (input.recv !== undefined) {
      entry.recv_b64 = capped(input.recv);
      truncated ||= input.recv.byteLength > TRANSCRIPT_BYTES_CAP;
    }
    if (truncated) entry.truncated = true;
    this.#stream.write(`${serialise(entry)}\n`);
    return entry;
  }

  /** Flushes, fsyncs and closes; resolves once every recorded line is on disk. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    try {
      await new Promise<void>((resolve) => {
        if (this.#error) resolve();
        else this.#stream.end(resolve);
      });
      if (!this.#error) await this.#fh.sync();
    } catch (err) {
      this.#error ??= err;
    } finally {
      // The stream holds a reference on the handle until destroyed, and
      // FileHandle.close() waits for every reference: without this it never settles.
      this.#stream.destroy();
      await this.#fh.close().catch(() => undefined);
    }
    if (this.#error) {
      throw new PentoraError(ErrorCode.Workspace, `${this.path}: transcript write failed: ${describeError(this.#error)}`, { path: this.path }, { cause: this.#error });
    }
  }
}

function capped(bytes: Uint8Array): string {
  const view = bytes.byteLength > TRANSCRIPT_BYTES_CAP ? bytes.subarray(0, TRANSCRIPT_BYTES_CAP) : bytes;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/**
 * A result holding a BigInt or a cycle must not lose the whole line (and with
 * it the record that the call happened): the result is replaced by the reason.
 */
function serialise(entry: TranscriptEntry): string {
  try {
    return JSON.stringify(entry);
  } catch (err) {
    return JSON.stringify({ ...entry, result: { unserialisable: describeError(err) } });
  }
}

/**
 * Reads a transcript line by line. A line that is not a transcript entry
 * stops the iteration with an error naming `file:line`.
 *
 * @example
 *   for await (const e of readTranscript(scan.transcriptPath)) if (e.op === 'net.tcp.probe') console.log(e.target);
 */
export async function* readTranscript(file: string): AsyncGenerator<TranscriptEntry> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (err) {
        throw new PentoraError(ErrorCode.Workspace, `${file}:${n}: invalid JSON: ${describeError(err)}`, { path: file, line: n });
      }
      const problem = entryProblem(v);
      if (problem) throw new PentoraError(ErrorCode.Workspace, `${file}:${n}: ${problem}`, { path: file, line: n });
      yield v as TranscriptEntry;
    }
  } catch (err) {
    if (err instanceof PentoraError) throw err;
    throw new PentoraError(ErrorCode.Workspace, `${file}: cannot read transcript: ${describeError(err)}`, { path: file }, { cause: err });
  } finally {
    lines.close();
    input.destroy();
  }
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function entryProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const e = v as Record<string, unknown>;
  if (typeof e['ts'] !== 'string' || Number.isNaN(Date.parse(e['ts']))) return 'ts is not an ISO timestamp';
  if (!Number.isSafeInteger(e['seq']) || (e['seq'] as number) < 1) return 'seq is not a positive integer';
  for (const k of ['plugin', 'instance', 'op'] as const) {
    if (typeof e[k] !== 'string' || e[k] === '') return `${k} is not a non-empty string`;
  }
  if (e['target'] !== undefined && typeof e['target'] !== 'string') return 'target is not a string';
  for (const k of ['sent_b64', 'recv_b64'] as const) {
    const b = e[k];
    if (b !== undefined && (typeof b !== 'string' || b.length % 4 !== 0 || !B64_RE.test(b))) return `${k} is not base64`;
  }
  if (e['truncated'] !== undefined && e['truncated'] !== true) return 'truncated is not true';
  if (!('result' in e)) return 'result is missing';
  return null;
}
