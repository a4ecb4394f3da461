/**
 * The slice of the WebAssembly JS API the host uses. TypeScript ships these
 * types only in lib.dom, which a Node program should not pull in, and no lib
 * has JSPI (`Suspending`, `promising`) yet.
 */
declare namespace WebAssembly {
  type ImportExportKind = 'function' | 'global' | 'memory' | 'table' | 'tag';
  interface ModuleExportDescriptor {
    kind: ImportExportKind;
    name: string;
  }
  interface ModuleImportDescriptor {
    kind: ImportExportKind;
    module: string;
    name: string;
  }
  class Module {
    constructor(bytes: BufferSource);
    static exports(module: Module): ModuleExportDescriptor[];
    static imports(module: Module): ModuleImportDescriptor[];
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  type ExportValue = Function | Memory | unknown;
  type Exports = Record<string, ExportValue>;
  type Imports = Record<string, Record<string, unknown>>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
  /** JSPI: an import that may return a Promise; the calling wasm stack suspends until it settles. */
  class Suspending {
    constructor(fn: (...args: never[]) => Promise<unknown>);
  }
  /** JSPI: wraps an export so that calling it returns a Promise and allows suspension inside. */
  function promising<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R>;
  function compile(bytes: BufferSource): Promise<Module>;
  function validate(bytes: BufferSource): boolean;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
