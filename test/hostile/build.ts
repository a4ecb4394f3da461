/**
 * Builds the hostile-plugin corpus (DESIGN §9, STYLE 8): every
 * `test/hostile/<name>/` folder holding a plugin.json and either
 *
 *   src/index.ts     AssemblyScript, compiled like a builtin (sdk/build), or
 *   src/module.wat   WebAssembly text, for what AssemblyScript cannot express
 *                    (imported/shared/64-bit/multiple memories, foreign imports,
 *                    wrong import signatures), assembled with binaryen
 *
 * into `test/hostile/dist/<name>/{plugin.wasm,manifest.json,manifest.sig}`,
 * signed by a test key (`dist/key.json`) trusted for `hostile/*` only, at tier
 * "test" (`dist/trusted/hostile.json`). Every package carries a valid
 * signature and digest, so a refusal can only come from the check under test
 * (limits, imports, memory), never from verification.
 *
 * Up-to-date plugins are skipped: `dist/<name>/.build-stamp` holds a sha256
 * over the folder, the SDK, the build code, the compiler versions and the key.
 *
 *   node test/hostile/build.ts [--force]
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, PentoraError, describeError } from '../../host/errors.ts';
import { parseManifest } from '../../host/sandbox/manifest.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { serializeEnvelope, signEnvelope, type SigningKey } from '../../host/trust/envelope.ts';
import { newSigningKey, readSigningKey, writeSigningKey } from '../../host/trust/keys.ts';
import { trustedKeyFile, TrustStore } from '../../host/trust/trust-store.ts';
import { writeFileAtomic } from '../../host/workspace/atomic.ts';
import { manifestBytes, readTemplate } from '../../sdk/build/build.ts';
import { compilePlugin, SDK_DIR } from '../../sdk/build/compile.ts';
import { watToWasm } from './wat.ts';

export const HOSTILE_DIR = import.meta.dirname;
export const HOSTILE_DIST = path.join(HOSTILE_DIR, 'dist');
export const HOSTILE_KEY_FILE = path.join(HOSTILE_DIST, 'key.json');
const TRUST_DIR = path.join(HOSTILE_DIST, 'trusted');
const REPO_ROOT = path.resolve(HOSTILE_DIR, '../..');
const STAMP = '.build-stamp';
const DIST_FILES = ['plugin.wasm', 'manifest.json', 'manifest.sig'];

type SourceKind = 'assemblyscript' | 'wat';

/** The corpus: every folder here with a plugin.json, sorted. */
export function hostileNames(): string[] {
  return fs
    .readdirSync(HOSTILE_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'dist' && fs.existsSync(path.join(HOSTILE_DIR, e.name, 'plugin.json')))
    .map((e) => e.name)
    .sort();
}

/** The built package of one corpus plugin; throws for a name that is not in the corpus. */
export function hostilePluginDir(name: string): string {
  if (!hostileNames().includes(name)) throw new PentoraError(ErrorCode.NotFound, `hostile corpus: no plugin folder test/hostile/${name}`);
  return path.join(HOSTILE_DIST, name);
}

/** The test key, created on first use together with its trust entry (hostile/*, tier test). */
export function hostileKey(): SigningKey {
  let key: SigningKey;
  if (fs.existsSync(HOSTILE_KEY_FILE)) {
    key = readSigningKey(HOSTILE_KEY_FILE);
  } else {
    key = newSigningKey();
    writeSigningKey(HOSTILE_KEY_FILE, key);
  }
  // Rewritten whenever it does not describe this key, so a half-deleted dist/ heals itself.
  const entryFile = path.join(TRUST_DIR, 'hostile.json');
  const entry = JSON.stringify(trustedKeyFile({ publicKey: key.publicKey, namespaces: ['hostile/*'], tier: 'test', label: 'hostile-plugin corpus test key' }), null, 2) + '\n';
  if (!fs.existsSync(entryFile) || fs.readFileSync(entryFile, 'utf8') !== entry) {
    fs.mkdirSync(TRUST_DIR, { recursive: true });
    fs.writeFileSync(entryFile, entry);
  }
  return key;
}

/** A trust store holding only the corpus key: it vouches for hostile/* and nothing else. */
export function hostileTrust(): TrustStore {
  hostileKey();
  return TrustStore.fromDirs([TRUST_DIR]);
}

/** The directory holding the corpus key's trust entry, for callers that combine stores with TrustStore.fromDirs. */
export const HOSTILE_TRUST_DIR = TRUST_DIR;

function sourceKind(dir: string): SourceKind {
  const as = fs.existsSync(path.join(dir, 'src', 'index.ts'));
  const wat = fs.existsSync(path.join(dir, 'src', 'module.wat'));
  if (as === wat) {
    throw new PentoraError(ErrorCode.Plugin, `${dir}: a corpus plugin needs exactly one of src/index.ts (AssemblyScript) or src/module.wat`);
  }
  return as ? 'assemblyscript' : 'wat';
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .map((rel) => path.join(dir, rel))
    .filter((f) => fs.statSync(f).isFile() && !f.endsWith('.test.ts'))
    .sort();
}

function packageVersion(name: string): string {
  const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Everything the package depends on, length-prefixed so no two inputs collide. */
function stampOf(dir: string, kind: SourceKind, keyid: string): string {
  const h = createHash('sha256');
  const part = (label: string, data: string | Uint8Array): void => {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    h.update(`${label}\0${b.length}\0`).update(b);
  };
  part('stamp', 'pentora-hostile/1');
  part('key', keyid);
  part('kind', kind);
  part(kind === 'wat' ? 'binaryen' : 'asc', packageVersion(kind === 'wat' ? 'binaryen' : 'assemblyscript'));
  const inputs = [
    path.join(dir, 'plugin.json'),
    ...filesUnder(path.join(dir, 'src')),
    path.join(HOSTILE_DIR, 'build.ts'),
    path.join(HOSTILE_DIR, 'wat.ts'),
    ...(kind === 'assemblyscript' ? [...filesUnder(SDK_DIR), ...filesUnder(path.join(REPO_ROOT, 'sdk', 'build'))] : []),
  ];
  for (const f of inputs) part(path.relative(REPO_ROOT, f), fs.readFileSync(f));
  return h.digest('hex');
}

function upToDate(out: string, stamp: string): boolean {
  try {
    return fs.readFileSync(path.join(out, STAMP), 'utf8').trim() === stamp && DIST_FILES.every((f) => fs.existsSync(path.join(out, f)));
  } catch {
    return false;
  }
}

async function buildOne(name: string, key: SigningKey, force: boolean): Promise<'built' | 'up-to-date'> {
  const dir = path.join(HOSTILE_DIR, name);
  const kind = sourceKind(dir);
  const out = path.join(HOSTILE_DIST, name);
  const stamp = stampOf(dir, kind, key.keyid);
  if (!force && upToDate(out, stamp)) return 'up-to-date';
  const template = readTemplate(dir);
  if (template.name !== `hostile/${name}`) {
    throw new PentoraError(ErrorCode.Manifest, `${dir}/plugin.json: name must be "hostile/${name}" (the folder name), not ${JSON.stringify(template.name)}`);
  }
  // No -O3: faster builds, and the hostile behaviour is exactly what the source says.
  const wasm = kind === 'assemblyscript'
    ? await compilePlugin(dir, `hostile/${name}`, false)
    : watToWasm(fs.readFileSync(path.join(dir, 'src', 'module.wat'), 'utf8'), `${dir}/src/module.wat`);
  const bytes = manifestBytes(template, { sha256: sha256Hex(wasm), size: wasm.length });
  parseManifest(bytes, `${dir}/plugin.json`);
  fs.mkdirSync(out, { recursive: true });
  // Same order as sdk/build: a reader racing the build sees a mismatch, never a signed manifest for the wrong wasm.
  await writeFileAtomic(path.join(out, 'plugin.wasm'), wasm);
  await writeFileAtomic(path.join(out, 'manifest.json'), bytes);
  await writeFileAtomic(path.join(out, 'manifest.sig'), serializeEnvelope(signEnvelope(bytes, [key])));
  await writeFileAtomic(path.join(out, STAMP), `${stamp}\n`);
  return 'built';
}

export interface HostileBuildOptions {
  force?: boolean;
  log?: (line: string) => void;
}

/** Builds (or confirms up to date) every corpus plugin; throws naming the first that fails. */
export async function buildHostileCorpus(opts: HostileBuildOptions = {}): Promise<void> {
  const log = opts.log ?? (() => undefined);
  const key = hostileKey();
  for (const name of hostileNames()) {
    const t0 = performance.now();
    let status: 'built' | 'up-to-date';
    try {
      status = await buildOne(name, key, opts.force === true);
    } catch (err) {
      throw new PentoraError(ErrorCode.Plugin, `hostile corpus: building ${name} failed: ${describeError(err)}`, {}, { cause: err });
    }
    log(`hostile/${name}: ${status}${status === 'built' ? ` (${((performance.now() - t0) / 1000).toFixed(1)}s)` : ''}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildHostileCorpus({ force: process.argv.includes('--force'), log: (l) => process.stderr.write(`${l}\n`) });
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
  }
}
