/**
 * Reads just enough of the WebAssembly binary format (core spec §5) to decide
 * whether a module may run, and rewrites its memory limits to the plugin's cap.
 * It never trusts a length it has not bounds-checked.
 *
 * Checks: the import section holds only functions from the `pentora`
 * namespace with the exact ABI signatures (no imported memory, table, global
 * or tag); exactly one memory, defined by the module, 32-bit and unshared.
 * Rewrite: the memory section is re-encoded with max = cap (and the module is
 * refused when its initial size is already above the cap).
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { ALLOWED_IMPORTS, IMPORT_NAMESPACE } from './abi.ts';

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const IMPORT_KINDS = ['function', 'table', 'memory', 'global', 'tag'];

class Reader {
  pos: number;
  readonly bytes: Uint8Array;
  readonly end: number;
  readonly where: string;

  constructor(bytes: Uint8Array, where: string, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.where = where;
    this.pos = pos;
    this.end = end;
  }

  fail(msg: string): never {
    throw new PentoraError(ErrorCode.WasmInvalid, `${this.where}: malformed wasm at byte ${this.pos}: ${msg}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128, at most 32 bits (5 bytes). */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('LEB128 value over 32 bits');
        return result;
      }
    }
    return this.fail('LEB128 longer than 5 bytes');
  }

  name(): string {
    const len = this.u32();
    if (len > this.end - this.pos) this.fail('name runs past its section');
    const s = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(s);
    } catch {
      return this.fail('name is not UTF-8');
    }
  }
}

function encodeU32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offsets of the payload. */
  bodyStart: number;
  bodyEnd: number;
}

function sections(bytes: Uint8Array, where: string): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new PentoraError(ErrorCode.WasmInvalid, `${where}: not a WebAssembly module (bad magic)`);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new PentoraError(ErrorCode.WasmInvalid, `${where}: unsupported wasm version (core modules v1 only; components are refused)`);
  }
  const r = new Reader(bytes, where, 8);
  const out: Section[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    if (size > r.end - r.pos) r.fail(`section ${id} runs past the end of the module`);
    out.push({ id, start, bodyStart: r.pos, bodyEnd: r.pos + size });
    r.pos += size;
  }
  return out;
}

interface FuncType {
  params: string[];
  results: string[];
}

function readTypes(bytes: Uint8Array, s: Section, where: string): FuncType[] {
  const r = new Reader(bytes, where, s.bodyStart, s.bodyEnd);
  const n = r.u32();
  const types: FuncType[] = [];
  const vt = (): string => {
    const b = r.byte();
    return VALTYPES[b] ?? r.fail(`unsupported value type 0x${b.toString(16)} (GC/ref types are not part of ABI v1)`);
  };
  for (let i = 0; i < n; i++) {
    const form = r.byte();
    if (form !== 0x60) r.fail(`type ${i} is not a plain function type (0x${form.toString(16)})`);
    const np = r.u32();
    const params = Array.from({ length: np }, vt);
    const nr = r.u32();
    const results = Array.from({ length: nr }, vt);
    types.push({ params, results });
  }
  return types;
}

export interface MemoryLimits {
  min: number;
  max: number | null;
}

export interface WasmInspection {
  imports: Array<{ module: string; name: string; kind: string }>;
  memory: MemoryLimits;
}

/**
 * Validates imports and memory, and returns new bytes whose memory maximum is
 * `capPages`. The input is not modified; everything else is copied verbatim.
 */
export function capWasmMemory(bytes: Uint8Array, capPages: number, where: string): { bytes: Uint8Array; inspection: WasmInspection } {
  const secs = sections(bytes, where);
  const typeSec = secs.find((s) => s.id === SECTION_TYPE);
  const types = typeSec ? readTypes(bytes, typeSec, where) : [];
  const imports: WasmInspection['imports'] = [];

  const importSec = secs.find((s) => s.id === SECTION_IMPORT);
  if (importSec) {
    const r = new Reader(bytes, where, importSec.bodyStart, importSec.bodyEnd);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const module = r.name();
      const name = r.name();
      const kindByte = r.byte();
      const kind = IMPORT_KINDS[kindByte] ?? `kind 0x${kindByte.toString(16)}`;
      const label = `"${module}"."${name}"`;
      if (kindByte !== 0) {
        const what = kindByte === 2 ? 'imported memory' : `imported ${kind}`;
        throw new PentoraError(ErrorCode.WasmImport, `${where}: refused import ${label}: ${what} is not allowed (plugins may import only functions from "${IMPORT_NAMESPACE}")`, { import: `${module}.${name}` });
      }
      const typeIdx = r.u32();
      if (module !== IMPORT_NAMESPACE) {
        throw new PentoraError(ErrorCode.WasmImport, `${where}: refused import ${label}: only the "${IMPORT_NAMESPACE}" namespace is allowed`, { import: `${module}.${name}` });
      }
      const want = ALLOWED_IMPORTS[name];
      if (!want) {
        throw new PentoraError(ErrorCode.WasmImport, `${where}: refused import ${label}: not a function of ABI v1 (${Object.keys(ALLOWED_IMPORTS).join(', ')})`, { import: `${module}.${name}` });
      }
      const got = types[typeIdx] ?? r.fail(`import ${label} names type ${typeIdx}, which does not exist`);
      if (got.params.join(',') !== want.params.join(',') || got.results.join(',') !== want.results.join(',')) {
        throw new PentoraError(
          ErrorCode.WasmImport,
          `${where}: refused import ${label}: signature (${got.params.join(', ')}) -> (${got.results.join(', ')}) does not match ABI v1 (${want.params.join(', ')}) -> (${want.results.join(', ')})`,
          { import: `${module}.${name}` },
        );
      }
      imports.push({ module, name, kind });
    }
  }

  const memSecs = secs.filter((s) => s.id === SECTION_MEMORY);
  if (memSecs.length > 1) throw new PentoraError(ErrorCode.WasmMemory, `${where}: more than one memory section`);
  const memSec = memSecs[0];
  if (!memSec) throw new PentoraError(ErrorCode.WasmMemory, `${where}: the module defines no memory (ABI v1 requires one exported memory)`);
  const r = new Reader(bytes, where, memSec.bodyStart, memSec.bodyEnd);
  const count = r.u32();
  if (count !== 1) throw new PentoraError(ErrorCode.WasmMemory, `${where}: the module defines ${count} memories; exactly one is allowed`);
  const flags = r.byte();
  if (flags & 0x02) throw new PentoraError(ErrorCode.WasmMemory, `${where}: shared memory is not allowed`);
  if (flags & 0x04) throw new PentoraError(ErrorCode.WasmMemory, `${where}: 64-bit memory is not allowed`);
  if (flags & ~0x01) throw new PentoraError(ErrorCode.WasmMemory, `${where}: unsupported memory limits flags 0x${flags.toString(16)}`);
  const min = r.u32();
  const max = flags & 0x01 ? r.u32() : null;
  if (r.pos !== memSec.bodyEnd) r.fail('trailing bytes in the memory section');
  if (min > capPages) {
    throw new PentoraError(ErrorCode.WasmMemory, `${where}: the module needs ${min} pages at start, over its memory cap of ${capPages} pages`, { min, cap: capPages });
  }
  const newMax = max === null ? capPages : Math.min(max, capPages);
  const body = [1, 0x01, ...encodeU32(min), ...encodeU32(newMax)];
  const section = Uint8Array.from([SECTION_MEMORY, ...encodeU32(body.length), ...body]);

  const out = new Uint8Array(bytes.length - (memSec.bodyEnd - memSec.start) + section.length);
  out.set(bytes.subarray(0, memSec.start), 0);
  out.set(section, memSec.start);
  out.set(bytes.subarray(memSec.bodyEnd), memSec.start + section.length);
  return { bytes: out, inspection: { imports, memory: { min, max: newMax } } };
}
