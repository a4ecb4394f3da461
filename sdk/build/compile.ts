/**
 * Compiles an AssemblyScript plugin with the compiler's programmatic API and
 * checks the result against the ABI before anything is written or signed.
 *
 * Flags, and why:
 *   --runtime incremental   a real GC: parsers allocate freely over long scans
 *   --use abort=…           AssemblyScript's abort goes to `pentora.abort`
 *                           instead of `env.abort`, which the loader refuses
 *   -O3                     when `optimize` (the default); otherwise -O0 with
 *                           debug names, for readable traps while developing
 * Assertions stay on (no --noAssert): in code that parses bytes from the
 * network, a failed bounds assertion must trap the instance, not read on.
 */

import fs from 'node:fs';
import path from 'node:path';
import asc from 'assemblyscript/asc';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { ALLOWED_IMPORTS, IMPORT_NAMESPACE, REQUIRED_EXPORTS } from '../../host/sandbox/abi.ts';

/** The SDK folder; its abort.ts is added as an entry so `--use abort=` resolves however the plugin imports the SDK. */
export const SDK_DIR = path.resolve(import.meta.dirname, '../assemblyscript');
const ABORT_FILE = path.join(SDK_DIR, 'abort.ts');

/** Why a plugin might import from `env`: AssemblyScript std features that need the embedder. */
const ENV_HINTS: Readonly<Record<string, string>> = {
  seed: 'Math.random needs a seed from the host; plugins get no randomness',
  'Date.now': 'Date needs the host clock; use clockNow()',
  trace: 'trace() prints through the host; use logDebug()',
  abort: 'AssemblyScript abort was not redirected; build with sdk/build',
};

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** The first ERROR block of asc's plain-text diagnostics, as one line plus its location. */
function firstDiagnostic(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.startsWith('ERROR'));
  if (start < 0) return stderr.trim().split('\n')[0] ?? 'unknown compiler error';
  const head = lines[start]!.trim();
  for (let i = start + 1; i < lines.length && lines[i]!.trim() !== ''; i++) {
    const m = /in (.+\(\d+,\d+\))\s*$/.exec(lines[i]!);
    if (m) return `${head} at ${m[1]}`;
  }
  return head;
}

/**
 * Compiles `<pluginDir>/src/index.ts`; returns the wasm bytes, checked
 * against the ABI. `label` names the plugin in errors.
 */
export async function compilePlugin(pluginDir: string, label: string, optimize: boolean): Promise<Uint8Array> {
  const entry = path.join(pluginDir, 'src', 'index.ts');
  if (!fs.existsSync(entry)) throw new PentoraError(ErrorCode.Plugin, `${label}: no entry file at ${entry}`);
  const wasm = await compileAssemblyScript(entry, { baseDir: pluginDir, optimize, label });
  checkWasmInterface(wasm, label);
  return wasm;
}

export interface CompileOptions {
  /** asc's baseDir: sources are named relative to it. Default: the entry's folder. */
  baseDir?: string;
  optimize: boolean;
  /** Names the thing being compiled in errors. */
  label: string;
}

/**
 * Compiles one AssemblyScript entry file with the plugin flags (see the top
 * of this file); returns the wasm without checking its interface, so test
 * modules with their own exports can use it too.
 */
export async function compileAssemblyScript(entryFile: string, opts: CompileOptions): Promise<Uint8Array> {
  const baseDir = path.resolve(opts.baseDir ?? path.dirname(entryFile));
  const { label } = opts;
  // asc names every source by its path relative to baseDir, minus ".ts";
  // `--use` must spell the abort function the same way.
  const abortRel = posix(path.relative(baseDir, ABORT_FILE));
  const abortSymbol = `${abortRel.replace(/\.ts$/, '')}/pentoraAbort`;
  const argv = [
    posix(path.relative(baseDir, path.resolve(entryFile))),
    abortRel,
    '--baseDir',
    baseDir,
    '--outFile',
    'plugin.wasm',
    '--runtime',
    'incremental',
    '--use',
    `abort=${abortSymbol}`,
    '--noColors',
    ...(opts.optimize ? ['-O3'] : ['-O0', '--debug']),
  ];
  const outputs = new Map<string, Uint8Array>();
  let stderr = '';
  const { error } = await asc.main(argv, {
    stdout: { write: () => undefined },
    stderr: {
      write: (chunk: Uint8Array | string) => {
        stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      },
    },
    // Keep outputs in memory: nothing reaches dist/ until the wasm has passed the checks.
    writeFile: (name: string, contents: Uint8Array | string) => {
      outputs.set(path.basename(name), typeof contents === 'string' ? Buffer.from(contents) : contents);
    },
  });
  if (error) {
    throw new PentoraError(ErrorCode.Plugin, `${label}: compile failed: ${firstDiagnostic(stderr || error.message)}`, {
      plugin: label,
      diagnostics: stderr,
    });
  }
  const wasm = outputs.get('plugin.wasm');
  if (!wasm) throw new PentoraError(ErrorCode.Plugin, `${label}: compiler produced no wasm`);
  return wasm;
}

/**
 * The loader's import rule, applied at build time so a bad plugin fails here
 * with a hint rather than at load: only `pentora.*` functions with the ABI's
 * signatures, and every required export present.
 */
export function checkWasmInterface(wasm: Uint8Array, label: string): void {
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(wasm);
  } catch (err) {
    throw new PentoraError(ErrorCode.WasmInvalid, `${label}: compiled wasm does not validate: ${(err as Error).message}`);
  }
  for (const imp of WebAssembly.Module.imports(mod)) {
    const full = `${imp.module}.${imp.name}`;
    if (imp.module !== IMPORT_NAMESPACE || imp.kind !== 'function' || !Object.hasOwn(ALLOWED_IMPORTS, imp.name)) {
      const hint = imp.module === 'env' ? ENV_HINTS[imp.name] : undefined;
      throw new PentoraError(
        ErrorCode.WasmImport,
        `${label}: plugin.wasm imports ${imp.kind} "${full}"; only the ${IMPORT_NAMESPACE}.{${Object.keys(ALLOWED_IMPORTS).join(',')}} functions are allowed${hint ? ` (${hint})` : ''}`,
        { import: full },
      );
    }
  }
  const exported = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((e) => !exported.has(e));
  if (missing.length > 0) {
    throw new PentoraError(
      ErrorCode.WasmInvalid,
      `${label}: plugin.wasm lacks the export(s) ${missing.join(', ')}; re-export the SDK entry points with \`export * from "…/sdk/assemblyscript/exports"\``,
      { missing },
    );
  }
}
