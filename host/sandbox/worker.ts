/**
 * The worker side of a plugin instance: one per instance, holding nothing but
 * the compiled module and a message port to the parent. Host calls are JSPI
 * `Suspending` imports that forward the request bytes to the parent (which
 * owns sockets, the DataContext and the transcript) and resume the guest with
 * the reply. Output and payload caps are enforced here, before bytes are
 * copied; CPU and wall deadlines are enforced by the parent, which terminates
 * this thread.
 *
 * The plugin comes in workerData, or, for a spare worker booted before its
 * plugin was known (instance.ts, SpareWorkers), in the first message; no
 * other message is read before it.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { EntryPoint } from './abi.ts';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';

const port = parentPort!;
let init: WorkerInit;
const PAGE = 65536;
/** A trap with memory this full is reported as the memory cap, not a plain trap. */
const MEMORY_BLAME_FRACTION = 0.75;

/** Thrown from an import to unwind the guest when it breaks a limit. */
class LimitTrap extends Error {
  readonly limit: string;
  constructor(limit: string, message: string) {
    super(message);
    this.limit = limit;
  }
}

let memory: WebAssembly.Memory;
let pendingReply: Uint8Array | null = null;
let outputChunks: Uint8Array[] = [];
let outputSize = 0;
let seq = 0;
const waiting = new Map<number, (payload: Uint8Array) => void>();

function send(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Copies [ptr, ptr+len) out of guest memory after bounds-checking it. */
function readGuest(ptr: number, len: number, what: string): Uint8Array {
  const buf = memory.buffer;
  if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) {
    throw new LimitTrap('bounds', `${what}: range [${ptr}, ${ptr + len}) is outside the plugin's ${buf.byteLength}-byte memory`);
  }
  return new Uint8Array(buf, ptr, len).slice();
}

/** Reads an AssemblyScript string (UTF-16LE, byte length stored at ptr-4); best effort, bounded. */
function readAsString(ptr: number): string {
  const buf = memory.buffer;
  if (ptr < 4 || ptr > buf.byteLength) return '';
  const len = new DataView(buf).getUint32(ptr - 4, true);
  const n = Math.min(len, 1024, buf.byteLength - ptr) & ~1;
  return Buffer.from(buf, ptr, n).toString('utf16le');
}

function boot(plugin: WorkerInit): void {
  init = plugin;
  const imports = {
    pentora: {
      call: new WebAssembly.Suspending(async (op: number, ptr: number, len: number): Promise<number> => {
        if (len > init.limits.hostcallBytes) {
          throw new LimitTrap('hostcall_bytes', `host-call payload of ${len} bytes is over the ${init.limits.hostcallBytes}-byte cap`);
        }
        const payload = readGuest(ptr, len, 'host call');
        const id = ++seq;
        const reply = await new Promise<Uint8Array>((resolve) => {
          waiting.set(id, resolve);
          send({ t: 'call', seq: id, op, payload }, [payload.buffer as ArrayBuffer]);
        });
        pendingReply = reply;
        return reply.length;
      }),
      take: (dst: number): void => {
        const reply = pendingReply ?? new Uint8Array(0);
        pendingReply = null;
        const buf = memory.buffer;
        if (dst < 0 || dst + reply.length > buf.byteLength) {
          throw new LimitTrap('bounds', `take: destination [${dst}, ${dst + reply.length}) is outside the plugin's memory`);
        }
        new Uint8Array(buf, dst, reply.length).set(reply);
      },
      output: (ptr: number, len: number): void => {
        if (outputSize + len > init.limits.outputBytes) {
          throw new LimitTrap('output_bytes', `output of more than ${init.limits.outputBytes} bytes`);
        }
        outputChunks.push(readGuest(ptr, len, 'output'));
        outputSize += len;
      },
      abort: (msg: number, file: number, line: number, col: number): void => {
        const where = readAsString(file);
        throw new Error(`plugin aborted: ${readAsString(msg) || 'abort'}${where ? ` at ${where}:${line}:${col}` : ''}`);
      },
    },
  };

  const instance = new WebAssembly.Instance(init.module, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  const alloc = instance.exports.alloc as (len: number) => number;
  const dealloc = instance.exports.dealloc as (ptr: number, len: number) => void;
  const entries = {} as Record<EntryPoint, (...args: number[]) => Promise<number>>;
  for (const name of ['describe', 'configure', 'execute', 'cleanup'] as const) {
    entries[name] = WebAssembly.promising(instance.exports[name] as (...args: number[]) => number);
  }

  async function invoke(entry: EntryPoint, input: Uint8Array | null): Promise<number> {
    if (!input) return entries[entry]();
    // alloc runs guest code too; it may not suspend (it makes no host calls), so call it directly.
    const ptr = alloc(input.length);
    if (ptr <= 0 || ptr + input.length > memory.buffer.byteLength) {
      throw new LimitTrap('memory_pages', `alloc(${input.length}) failed inside the plugin`);
    }
    new Uint8Array(memory.buffer, ptr, input.length).set(input);
    const rc = await entries[entry](ptr, input.length);
    dealloc(ptr, input.length);
    return rc;
  }

  function classify(err: unknown): { message: string; limit?: string } {
    if (err instanceof LimitTrap) return { message: err.message, limit: err.limit };
    const message = err instanceof Error ? err.message : String(err);
    // A guest whose memory.grow fails (max = cap) traps or aborts; it may still
    // have free pages left if its last request was larger than what remained.
    // Near the cap, a trap is attributed to the cap, and the message says how full it was.
    const pages = memory.buffer.byteLength / PAGE;
    if (pages >= init.limits.memoryPages * MEMORY_BLAME_FRACTION) {
      return {
        message: `memory limit of ${init.limits.memoryPages} pages (${(init.limits.memoryPages * PAGE) >> 20} MiB) reached (${pages} pages in use): ${message}`,
        limit: 'memory_pages',
      };
    }
    if (err instanceof RangeError && /call stack/i.test(message)) return { message: `stack overflow: ${message}`, limit: 'stack' };
    return { message };
  }

  port.on('message', (msg: ParentMessage) => {
    if (msg.t === 'reply') {
      const resolve = waiting.get(msg.seq);
      waiting.delete(msg.seq);
      resolve?.(msg.payload);
      return;
    }
    if (msg.t !== 'invoke') return;
    // The parent queues calls, so at most one is in flight.
    outputChunks = [];
    outputSize = 0;
    invoke(msg.entry, msg.input).then(
      (rc) => {
        const output = new Uint8Array(outputSize);
        let off = 0;
        for (const c of outputChunks) {
          output.set(c, off);
          off += c.length;
        }
        outputChunks = [];
        send({ t: 'done', id: msg.id, rc, output }, [output.buffer as ArrayBuffer]);
      },
      (err: unknown) => {
        outputChunks = [];
        send({ t: 'trap', id: msg.id, ...classify(err) });
      },
    );
  });

  send({ t: 'ready' });
}

if (workerData) boot(workerData as WorkerInit);
else port.once('message', (m: ParentMessage) => (m.t === 'init' ? boot(m.init) : process.exit(1)));
