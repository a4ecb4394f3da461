/**
 * Runs AssemblyScript unit tests of pure plugin code without the sandbox: the
 * test entry is compiled with the plugin flags and instantiated directly with
 * a synchronous stub of the `pentora` imports. Host calls, when a test makes
 * any, are answered by `onCall`. Use the sandbox harness (harness.ts) for
 * anything that should behave exactly as in a scan.
 *
 * @example
 *   const results = await runAsUnit('plugins/ssh-parser/src/__tests__/unit.ts');
 *   it.each(results)('$name', (r) => expect(r.ok, r.detail).toBe(true));
 */

import path from 'node:path';
import { compileAssemblyScript } from '../build/compile.ts';
import { REPO_ROOT } from '../build/build-all.ts';

export interface UnitResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** A host-call stub: gets the op code and parsed request, returns the reply's `value`, or throws to reply with an error. */
export type CallStub = (op: number, req: unknown) => unknown;

/** A stub error: `code` becomes the reply's error code. */
export class StubError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface AsModule {
  exports: WebAssembly.Exports;
  memory: WebAssembly.Memory;
  /** Host-call requests the guest made, in order. */
  calls: Array<{ op: number; req: unknown }>;
  /** Calls an entry point with `input` (UTF-8 JSON) copied into guest memory, as the sandbox does. */
  invoke(entry: string, input?: string): { rc: number; output: string };
  /** The same with raw bytes (which need not be valid UTF-8). */
  invokeBytes(entry: string, input: Uint8Array): { rc: number; output: string };
  /** Calls a no-argument export and returns what it wrote through `output`. */
  collect(entry: string): string;
}

const compiled = new Map<string, Promise<Uint8Array>>();

/** Compiles an AssemblyScript entry (relative to the repo or absolute), once per process. */
export function compileAs(entry: string, optimize = false): Promise<Uint8Array> {
  const file = path.resolve(REPO_ROOT, entry);
  const key = `${file}:${optimize}`;
  let p = compiled.get(key);
  if (!p) {
    p = compileAssemblyScript(file, { baseDir: REPO_ROOT, optimize, label: path.relative(REPO_ROOT, file) });
    compiled.set(key, p);
  }
  return p;
}

/** An AssemblyScript string at `ptr`: UTF-16LE, byte length in the u32 before it. */
export function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const len = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return Buffer.from(memory.buffer, ptr, len).toString('utf16le');
}

export async function instantiateAs(wasm: Uint8Array, onCall: CallStub = () => null): Promise<AsModule> {
  let memory: WebAssembly.Memory | undefined;
  let out: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const calls: AsModule['calls'] = [];
  const mem = (): WebAssembly.Memory => memory!;
  const imports = {
    pentora: {
      call: (op: number, ptr: number, len: number): number => {
        const req: unknown = JSON.parse(Buffer.from(mem().buffer, ptr, len).toString('utf8'));
        calls.push({ op, req });
        let reply: unknown;
        try {
          reply = { ok: true, value: onCall(op, req) ?? null };
        } catch (err) {
          reply = { ok: false, error: { code: err instanceof StubError ? err.code : 'PENTORA_E_HOSTCALL', message: (err as Error).message } };
        }
        pending = Buffer.from(JSON.stringify(reply), 'utf8');
        return pending.length;
      },
      take: (dst: number): void => {
        new Uint8Array(mem().buffer, dst, pending.length).set(pending);
      },
      output: (ptr: number, len: number): void => {
        out.push(Buffer.from(new Uint8Array(mem().buffer, ptr, len)));
      },
      abort: (msg: number, file: number, line: number, col: number): void => {
        throw new Error(`abort: ${readAsString(mem(), msg)} at ${readAsString(mem(), file)}:${line}:${col}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  const take = (): string => {
    const s = Buffer.concat(out).toString('utf8');
    out = [];
    return s;
  };
  const invokeBytes = (entry: string, bytes: Uint8Array): { rc: number; output: string } => {
    const fn = instance.exports[entry] as (ptr: number, len: number) => number;
    const ptr = (instance.exports.alloc as (n: number) => number)(bytes.length);
    new Uint8Array(mem().buffer, ptr, bytes.length).set(bytes);
    try {
      return { rc: fn(ptr, bytes.length), output: take() };
    } finally {
      (instance.exports.dealloc as (p: number, n: number) => void)(ptr, bytes.length);
    }
  };
  return {
    exports: instance.exports,
    memory,
    calls,
    invoke(entry, input) {
      if (input === undefined) return { rc: (instance.exports[entry] as () => number)(), output: take() };
      return invokeBytes(entry, Buffer.from(input, 'utf8'));
    },
    invokeBytes,
    collect(entry) {
      (instance.exports[entry] as () => unknown)();
      return take();
    },
  };
}

/** Compiles and runs a unit-test entry's `run()`; returns its recorded checks. */
export async function runAsUnit(entry: string, onCall?: CallStub): Promise<UnitResult[]> {
  const mod = await instantiateAs(await compileAs(entry), onCall);
  const text = mod.collect('run');
  const results = JSON.parse(text) as UnitResult[];
  if (!Array.isArray(results) || results.length === 0) throw new Error(`${entry}: run() reported no checks`);
  return results;
}
