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
import { readOpenFile } from '../workspace/read-capped.ts';

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

/** What `checkArtifact` sees: the verified manifest and signers, and the digests of the exact bytes read. */
export interface ArtifactInfo {
  manifest: Manifest;
  wasmSha256: string;
  manifestSha256: string;
  sigSha256: string;
  signers: TrustedKey[];
}

export interface LoadOptions {
  trust: TrustStore;
  ceilings?: EffectiveLimits;
  /** Extra check after the digest matched (revocation, lockfile pin); throw to refuse. */
  checkArtifact?: (info: ArtifactInfo) => void;
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
    const r = readOpenFile(fd, cap);
    if (r.kind === 'not-file') throw new PentoraError(ErrorCode.Manifest, `${file}: ${what} is not a regular file`);
    if (r.kind === 'too-big') throw new PentoraError(ErrorCode.Manifest, `${file}: ${what} is ${r.size} bytes, over the ${cap}-byte cap`);
    return r.bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** The three files' bytes, already in memory (the workspace store reads them hash-checked). */
export interface PluginBytes {
  manifest: Uint8Array;
  sig: Uint8Array;
  wasm: Uint8Array;
}

/** Verifies the signature and the manifest, without touching the wasm. */
/** A manifest whose signature verified, with its signers and the digest of the signature bytes. */
export interface VerifiedManifest {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  signers: TrustedKey[];
  sigSha256: string;
}

export function verifyManifest(files: PluginFiles, trust: TrustStore): VerifiedManifest {
  const { manifest, sig } = readManifestFiles(files);
  return verifyManifestBytes(manifest, sig, trust, files);
}

/** The manifest and signature bytes of a plugin folder, under the loader's caps. */
export function readManifestFiles(files: PluginFiles): { manifest: Uint8Array; sig: Uint8Array } {
  const sig = readCapped(files.sig, MAX_SIG_BYTES, 'signature');
  const manifest = readCapped(files.manifest, MAX_MANIFEST_BYTES, 'manifest');
  return { manifest, sig };
}

/**
 * The same check over bytes already read; `files` only names them in errors.
 * The caps are the ones readCapped applies to files.
 */
export function verifyManifestBytes(
  manifestBytes: Uint8Array,
  sigBytes: Uint8Array,
  trust: TrustStore,
  files: PluginFiles,
): VerifiedManifest {
  if (sigBytes.length > MAX_SIG_BYTES) throw new PentoraError(ErrorCode.Manifest, `${files.sig}: signature is ${sigBytes.length} bytes, over the ${MAX_SIG_BYTES}-byte cap`);
  if (manifestBytes.length > MAX_MANIFEST_BYTES) throw new PentoraError(ErrorCode.Manifest, `${files.manifest}: manifest is ${manifestBytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte cap`);
  const { keys } = verifyEnvelope(manifestBytes, sigBytes, trust, { where: files.sig });
  const manifest = parseManifest(manifestBytes, files.manifest);
  const signers = keys.filter((k) => k.namespaces.some((ns) => namespaceCovers(ns, manifest.name)));
  if (signers.length === 0) {
    const who = keys.map((k) => `${k.keyid.slice(0, 16)}… (${k.tier}: ${k.namespaces.join(', ')})`).join('; ');
    throw new PentoraError(ErrorCode.Trust, `${files.manifest}: ${manifest.name} is signed by ${who}, which is not trusted for that name`);
  }
  return { manifest, manifestBytes, signers, sigSha256: sha256Hex(sigBytes) };
}

export async function loadPlugin(files: PluginFiles, opts: LoadOptions): Promise<LoadedPlugin> {
  return loadVerifiedPlugin(verifyManifest(files, opts.trust), files, opts);
}

/**
 * The rest of loadPlugin for a manifest verifyManifest has just verified (so
 * a caller that needs the verified name first checks the signature once,
 * not twice): reads the wasm, checks it against that manifest, compiles.
 */
export async function loadVerifiedPlugin(verified: VerifiedManifest, files: PluginFiles, opts: LoadOptions): Promise<LoadedPlugin> {
  const wasm = readCapped(files.wasm, MAX_WASM_BYTES, 'wasm');
  return finishLoad(verified, wasm, opts, files);
}

/**
 * loadPlugin over bytes the caller already holds (an install verifying what it
 * downloaded, or the store's hash-checked blobs): the same checks in the same
 * order, and the module is compiled from exactly these bytes. `files` names
 * them in errors and in the result.
 */
export async function loadPluginFromBytes(bytes: PluginBytes, opts: LoadOptions, files: PluginFiles): Promise<LoadedPlugin> {
  const verified = verifyManifestBytes(bytes.manifest, bytes.sig, opts.trust, files);
  if (bytes.wasm.length > MAX_WASM_BYTES) throw new PentoraError(ErrorCode.Manifest, `${files.wasm}: wasm is ${bytes.wasm.length} bytes, over the ${MAX_WASM_BYTES}-byte cap`);
  return finishLoad(verified, bytes.wasm, opts, files);
}

async function finishLoad(
  verified: VerifiedManifest,
  wasm: Uint8Array,
  opts: LoadOptions,
  files: PluginFiles,
): Promise<LoadedPlugin> {
  const { manifest, manifestBytes, signers } = verified;
  const wasmSha256 = sha256Hex(wasm);
  if (wasm.length !== manifest.wasm.size || wasmSha256 !== manifest.wasm.sha256) {
    throw new PentoraError(
      ErrorCode.Digest,
      `${files.wasm}: ${manifest.name} wasm does not match its signed manifest (expected sha256 ${manifest.wasm.sha256} size ${manifest.wasm.size}, got sha256 ${wasmSha256} size ${wasm.length})`,
      { expected: manifest.wasm, actual: { sha256: wasmSha256, size: wasm.length } },
    );
  }
  opts.checkArtifact?.({ manifest, wasmSha256, manifestSha256: sha256Hex(manifestBytes), sigSha256: verified.sigSha256, signers });
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
