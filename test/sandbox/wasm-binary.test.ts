/**
 * host/sandbox/wasm-binary.ts: the memory rewrite and the import/memory
 * refusals, on modules assembled here (binaryen for well-formed ones, raw
 * bytes for malformed ones, so the exact byte layout is under test).
 */

import { describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { capWasmMemory } from '../../host/sandbox/wasm-binary.ts';
import { watToWasm } from '../hostile/wat.ts';

const WHERE = 'acme/fixture (plugin.wasm)';
const PAGE = 65536;

/** LEB128 as the spec writes it (§5.2.2), minimal length. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const name = (s: string): number[] => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const mod = (...sections: number[][]): Uint8Array => Uint8Array.from([...HEADER, ...sections.flat()]);
/** A memory section with one memory: flags byte, then the limits. */
const memSec = (flags: number, ...limits: number[]): number[] => section(5, [1, flags, ...limits.flatMap(leb)]);

function refusal(bytes: Uint8Array, cap = 16): PentoraError {
  let err: unknown = null;
  try {
    capWasmMemory(bytes, cap, WHERE);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a refusal').toBeInstanceOf(PentoraError);
  expect((err as PentoraError).message.startsWith(`${WHERE}: `)).toBe(true);
  return err as PentoraError;
}

/** Locates the memory section (id 5) of a well-formed module: [start, end). */
function findSection(bytes: Uint8Array, id: number): { start: number; end: number } {
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const sid = bytes[pos++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++]!;
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    pos += size;
    if (sid === id) return { start, end: pos };
  }
  throw new Error(`no section ${id}`);
}

describe('the memory rewrite', () => {
  // Data, a custom name section and code around the memory section, so "everything else" is non-trivial.
  const wat = (limits: string): string => `(module
    (memory (export "memory") ${limits})
    (data (i32.const 8) "pentora")
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))`;

  function rewriteCheck(limits: string, cap: number, min: number, max: number): Uint8Array {
    const input = watToWasm(wat(limits), 'fixture');
    const before = Uint8Array.from(input);
    const { bytes, inspection } = capWasmMemory(input, cap, WHERE);
    expect(input).toEqual(before); // the input is never modified
    expect(inspection.memory).toEqual({ min, max });

    const a = findSection(input, 5);
    const b = findSection(bytes, 5);
    expect(b.start).toBe(a.start);
    // Before and after the memory section: byte for byte the same.
    expect(Buffer.from(bytes.subarray(0, b.start)).equals(Buffer.from(input.subarray(0, a.start)))).toBe(true);
    expect(Buffer.from(bytes.subarray(b.end)).equals(Buffer.from(input.subarray(a.end)))).toBe(true);
    // The section itself: one memory, flags = has-max, min as declared, max = the cap.
    const body = [1, 0x01, ...leb(min), ...leb(max)];
    expect([...bytes.subarray(b.start, b.end)]).toEqual([5, body.length, ...body]);
    return bytes;
  }

  it('no declared maximum: max becomes the cap, min is kept', () => {
    rewriteCheck('2', 10, 2, 10);
  });

  it('a maximum above the cap is lowered to it', () => {
    rewriteCheck('3 65536', 10, 3, 10);
  });

  it('a maximum already below the cap is kept (it is within the cap)', () => {
    rewriteCheck('1 4', 10, 1, 4);
  });

  it('multi-byte LEB limits survive (min 200 pages, cap 300)', () => {
    rewriteCheck('200', 300, 200, 300);
  });

  it('min equal to the cap is allowed; one page more is refused with both numbers', () => {
    rewriteCheck('10', 10, 10, 10);
    const err = refusal(watToWasm(wat('11'), 'fixture'), 10);
    expect(err.code).toBe(ErrorCode.WasmMemory);
    expect(err.message).toContain('needs 11 pages at start, over its memory cap of 10 pages');
    expect(err.detail).toEqual({ min: 11, cap: 10 });
  });

  it('the result compiles and its memory cannot grow past the cap, from JS or from wasm', async () => {
    const cap = 6;
    const bytes = rewriteCheck('2', cap, 2, cap);
    const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(bytes));
    const memory = exports.memory as WebAssembly.Memory;
    const grow = exports.grow as (n: number) => number;
    const size = exports.size as () => number;
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(grow(cap - 2)).toBe(2); // up to the cap: fine, returns the old size
    expect(grow(1)).toBe(-1); // past it: memory.grow fails inside the guest
    expect(() => memory.grow(1)).toThrow(RangeError); // and from the host side
    expect(size()).toBe(cap);
    expect(memory.buffer.byteLength).toBe(cap * PAGE);
  });

  it('without the rewrite the same module grows far past that cap (control)', async () => {
    const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(watToWasm(wat('2'), 'fixture')));
    expect((exports.grow as (n: number) => number)(64)).toBe(2);
  });
});

describe('memory shapes that are refused', () => {
  it.each([
    { shape: 'imported', wat: '(module (import "env" "memory" (memory 1)))', code: ErrorCode.WasmImport, says: 'refused import "env"."memory": imported memory is not allowed' },
    { shape: 'imported from pentora', wat: '(module (import "pentora" "memory" (memory 1)))', code: ErrorCode.WasmImport, says: 'refused import "pentora"."memory": imported memory is not allowed' },
    { shape: 'shared', wat: '(module (memory 1 2 shared))', code: ErrorCode.WasmMemory, says: 'shared memory is not allowed' },
    { shape: '64-bit', wat: '(module (memory i64 1))', code: ErrorCode.WasmMemory, says: '64-bit memory is not allowed' },
    { shape: '64-bit with max', wat: '(module (memory i64 1 2))', code: ErrorCode.WasmMemory, says: '64-bit memory is not allowed' },
    { shape: 'two in one section', wat: '(module (memory 1) (memory 1))', code: ErrorCode.WasmMemory, says: 'the module defines 2 memories; exactly one is allowed' },
    { shape: 'none', wat: '(module)', code: ErrorCode.WasmMemory, says: 'the module defines no memory' },
  ])('$shape', ({ wat, code, says }) => {
    const bytes = watToWasm(wat, 'fixture');
    expect(WebAssembly.validate(bytes)).toBe(true); // V8 would take it: the refusal is ours
    const err = refusal(bytes);
    expect(err.code).toBe(code);
    expect(err.message).toContain(says);
  });

  it('two memory sections', () => {
    const err = refusal(mod(memSec(0, 1), memSec(0, 1)));
    expect(err.code).toBe(ErrorCode.WasmMemory);
    expect(err.message).toContain('more than one memory section');
  });

  it('unknown limits flags', () => {
    const err = refusal(mod(memSec(0x08, 1)));
    expect(err.code).toBe(ErrorCode.WasmMemory);
    expect(err.message).toContain('unsupported memory limits flags 0x8');
  });
});

describe('imports that are refused', () => {
  const ok = '(import "pentora" "call" (func (param i32 i32 i32) (result i32))) (import "pentora" "take" (func (param i32))) (import "pentora" "output" (func (param i32 i32))) (import "pentora" "abort" (func (param i32 i32 i32 i32)))';

  it('the four ABI imports with their exact signatures pass (control)', () => {
    const { inspection } = capWasmMemory(watToWasm(`(module ${ok} (memory 1))`, 'fixture'), 16, WHERE);
    expect(inspection.imports.map((i) => `${i.module}.${i.name}`)).toEqual(['pentora.call', 'pentora.take', 'pentora.output', 'pentora.abort']);
  });

  it.each([
    { what: 'a function from env', imp: '(import "env" "something" (func))', says: 'refused import "env"."something": only the "pentora" namespace is allowed' },
    { what: 'WASI', imp: '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))', says: 'refused import "wasi_snapshot_preview1"."fd_write": only the "pentora" namespace is allowed' },
    { what: 'a pentora name outside ABI v1', imp: '(import "pentora" "exec" (func (param i32 i32) (result i32)))', says: 'refused import "pentora"."exec": not a function of ABI v1 (call, take, output, abort)' },
    { what: 'call with a missing parameter', imp: '(import "pentora" "call" (func (param i32 i32) (result i32)))', says: 'refused import "pentora"."call": signature (i32, i32) -> (i32) does not match ABI v1 (i32, i32, i32) -> (i32)' },
    { what: 'take returning a value', imp: '(import "pentora" "take" (func (param i32) (result i32)))', says: 'signature (i32) -> (i32) does not match ABI v1 (i32) -> ()' },
    { what: 'output with i64 pointers', imp: '(import "pentora" "output" (func (param i64 i64)))', says: 'signature (i64, i64) -> () does not match' },
    { what: 'a table', imp: '(import "pentora" "table" (table 1 funcref))', says: 'refused import "pentora"."table": imported table is not allowed' },
    { what: 'a global', imp: '(import "pentora" "g" (global i32))', says: 'refused import "pentora"."g": imported global is not allowed' },
  ])('$what', ({ imp, says }) => {
    const bytes = watToWasm(`(module ${ok} ${imp} (memory 1))`, 'fixture');
    expect(WebAssembly.validate(bytes)).toBe(true);
    const err = refusal(bytes);
    expect(err.code).toBe(ErrorCode.WasmImport);
    expect(err.message).toContain(says);
  });

  it('a function import naming a type that does not exist is malformed', () => {
    const imports = section(2, [1, ...name('pentora'), ...name('call'), 0x00, 7]);
    const err = refusal(mod(section(1, [0]), imports, memSec(0, 1)));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('names type 7, which does not exist');
  });
});

describe('malformed binaries', () => {
  it('bad magic', () => {
    const err = refusal(Uint8Array.from([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0]));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('not a WebAssembly module (bad magic)');
  });

  it('shorter than the header', () => {
    expect(refusal(Uint8Array.from([0x00, 0x61, 0x73])).message).toContain('bad magic');
  });

  it('a component (layer 1, version 0x0d), not a core module', () => {
    const err = refusal(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('unsupported wasm version');
  });

  it('a section whose size runs past the end of the module', () => {
    const bytes = mod(memSec(0, 1)).slice(0, -1);
    const err = refusal(bytes);
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toMatch(/malformed wasm at byte \d+: section 5 runs past the end of the module/);
  });

  it('a section cut inside its size LEB', () => {
    const err = refusal(Uint8Array.from([...HEADER, 5, 0x80]));
    expect(err.message).toContain('unexpected end');
  });

  it('an import name longer than its section', () => {
    const imports = section(2, [1, 50, 0x70]);
    const err = refusal(mod(imports, memSec(0, 1)));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('name runs past its section');
  });

  it('LEB128 over 32 bits (5 bytes, high bits set)', () => {
    const err = refusal(Uint8Array.from([...HEADER, 5, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('LEB128 value over 32 bits');
  });

  it('LEB128 longer than 5 bytes', () => {
    const err = refusal(Uint8Array.from([...HEADER, 5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('LEB128 longer than 5 bytes');
  });

  it('a memory limit LEB over 32 bits inside the section', () => {
    const err = refusal(mod(section(5, [1, 0x00, 0xff, 0xff, 0xff, 0xff, 0x1f])));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('LEB128 value over 32 bits');
  });

  it('an import name that is not UTF-8', () => {
    const imports = section(2, [1, 2, 0xc3, 0x28, ...name('call'), 0x00, 0]);
    const err = refusal(mod(section(1, [1, 0x60, 0, 0]), imports, memSec(0, 1)));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('name is not UTF-8');
  });

  it('trailing bytes in the memory section', () => {
    const err = refusal(mod(section(5, [1, 0x00, 1, 0xaa])));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('trailing bytes in the memory section');
  });

  it('a type that is not a plain function type (GC rec group)', () => {
    const imports = section(2, [1, ...name('pentora'), ...name('take'), 0x00, 0]);
    const err = refusal(mod(section(1, [1, 0x4e, 0]), imports, memSec(0, 1)));
    expect(err.code).toBe(ErrorCode.WasmInvalid);
    expect(err.message).toContain('type 0 is not a plain function type (0x4e)');
  });
});
