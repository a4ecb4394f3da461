/**
 * The loader: verify -> cap memory -> compile, in that order, over bytes read
 * once into memory. Nothing about a plugin is parsed before its manifest's
 * signature verifies, and the wasm that is compiled is derived from the very
 * buffer whose digest was checked, so swapping the file on disk after the
 * check changes nothing.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../errors.ts';
import { sha256Hex } from '../trust/ed25519.ts';
import { verifyEnvelope } from '../trust/envelope.ts';
import { namespaceCovers, type TrustedKey, type TrustStore } from '../trust/trust-store.ts';
import { REQUIRED_EXPORTS } from './abi.ts';
import { effectiveLimits, type EffectiveLimits } from './limits.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { capWasmMemory } from './wasm-binary.ts';

const MAX_MANIFEST_BYTES = 256 * 1024;
const MAX_SIG_BYTES = 64 * 1024;
const MAX_WASM_BYTES = 64 * 1024 * 1024;

/** The three files of a plugin version (DESIGN §5). */
export interface PluginFiles {
  manifest: string;
  sig: string;
  wasm: string;
}

export function pluginFilesIn(dir: string): PluginFiles {
  return { manifest: path.join(dir, 'manifest.json'), sig: path.join(dir, 'manifest.sig'), wasm: path.join(dir, 'plugin.wasm') };
}

export interface LoadedPlugin {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  /** Compiled from the capped copy of the verified wasm bytes. */
  module: WebAssembly.Module;
  wasmSha256: string;
  signers: TrustedKey[];
  limits: EffectiveLimits;
  files: PluginFiles;
}

export interface LoadOptions {
  trust: TrustStore;
  ceilings?: EffectiveLimits;
  /** Extra check after the digest matched (revocation, lockfile pin); throw to refuse. */
  checkArtifact?: (info: { manifest: Manifest; wasmSha256: string; signers: TrustedKey[] }) => void;
}

/** Reads a whole file with a size cap checked on the open descriptor (no TOCTOU between stat and read). */
export function readCapped(file: string, cap: number, what: string): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PentoraError(code === 'ENOENT' ? ErrorCode.Signature : ErrorCode.Manifest, `${file}: cannot read ${what} (${code ?? 'error'})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new PentoraError(ErrorCode.Manifest, `${file}: ${what} is not a regular file`);
    if (st.size > cap) throw new PentoraError(ErrorCode.Manifest, `${file}: ${what} is ${st.size} bytes, over the ${cap}-byte cap`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** Verifies the signature and the manifest, without touching the wasm. */
export function verifyManifest(files: PluginFiles, trust: TrustStore): { manifest: Manifest; manifestBytes: Uint8Array; signers: TrustedKey[] } {
  const sigBytes = readCapped(files.sig, MAX_SIG_BYTES, 'signature');
  const manifestBytes = readCapped(files.manifest, MAX_MANIFEST_BYTES, 'manifest');
  const { keys } = verifyEnvelope(manifestBytes, sigBytes, trust, { where: files.sig });
  const manifest = parseManifest(manifestBytes, files.manifest);
  const signers = keys.filter((k) => k.namespaces.some((ns) => namespaceCovers(ns, manifest.name)));
  if (signers.length === 0) {
    const who = keys.map((k) => `${k.keyid.slice(0, 16)}… (${k.tier}: ${k.namespaces.join(', ')})`).join('; ');
    throw new PentoraError(ErrorCode.Trust, `${files.manifest}: ${manifest.name} is signed by ${who}, which is not trusted for that name`);
  }
  return { manifest, manifestBytes, signers };
}

export async function loadPlugin(files: PluginFiles, opts: LoadOptions): Promise<LoadedPlugin> {
  const { manifest, manifestBytes, signers } = verifyManifest(files, opts.trust);
  const wasm = readCapped(files.wasm, MAX_WASM_BYTES, 'wasm');
  const wasmSha256 = sha256Hex(wasm);
  if (wasm.length !== manifest.wasm.size || wasmSha256 !== manifest.wasm.sha256) {
    throw new PentoraError(
      ErrorCode.Digest,
      `${files.wasm}: ${manifest.name} wasm does not match its signed manifest (expected sha256 ${manifest.wasm.sha256} size ${manifest.wasm.size}, got sha256 ${wasmSha256} size ${wasm.length})`,
      { expected: manifest.wasm, actual: { sha256: wasmSha256, size: wasm.length } },
    );
  }
  opts.checkArtifact?.({ manifest, wasmSha256, signers });
  const limits = effectiveLimits(manifest.limits, opts.ceilings);
  const capped = capWasmMemory(wasm, limits.memoryPages, `${manifest.name} (${files.wasm})`);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(capped.bytes);
  } catch (err) {
    throw new PentoraError(ErrorCode.WasmInvalid, `${files.wasm}: ${manifest.name} does not compile: ${(err as Error).message}`);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const name of REQUIRED_EXPORTS) {
    const kind = exports.get(name);
    const want = name === 'memory' ? 'memory' : 'function';
    if (kind !== want) {
      throw new PentoraError(ErrorCode.WasmInvalid, `${files.wasm}: ${manifest.name} does not export the ${want} "${name}" required by ABI v1`);
    }
  }
  return { manifest, manifestBytes, module, wasmSha256, signers, limits, files };
}
