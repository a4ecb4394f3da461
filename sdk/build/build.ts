/**
 * Builds one plugin folder into a signed package (DESIGN §5):
 *
 *   <plugin>/plugin.json     the manifest template: everything but `wasm`
 *   <plugin>/src/index.ts    the AssemblyScript entry
 *   ->  <plugin>/dist/plugin.wasm, manifest.json, manifest.sig
 *
 * The template is validated before compiling and the finished manifest again
 * with the loader's own `parseManifest`, so what the build signs is exactly
 * what the loader will accept.
 *
 * @example
 *   const key = loadOrCreateKey('keys/local', 'build', {...});
 *   const { manifest } = await buildPlugin('plugins/json-reporter', { key });
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { parseManifest, type Manifest } from '../../host/sandbox/manifest.ts';
import { serializeEnvelope, signEnvelope, type SigningKey } from '../../host/trust/envelope.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { writeFileAtomic } from '../../host/workspace/atomic.ts';
import { compilePlugin } from './compile.ts';
import { generateRules } from './rules.ts';

export interface BuildOptions {
  /** Signs manifest.sig. */
  key: SigningKey;
  /** -O3 (default true); false compiles faster with debug names. */
  optimize?: boolean;
}

export interface BuildOutput {
  manifest: Manifest;
  /** The dist/ folder holding plugin.wasm, manifest.json and manifest.sig. */
  dir: string;
}

/** Manifest fields in the order they are written, so rebuilding an unchanged plugin gives identical bytes. */
const KEY_ORDER = [
  'name',
  'version',
  'abi',
  'type',
  'description',
  'wasm',
  'requires',
  'optional',
  'provides',
  'profiles',
  'config',
  'capabilities',
  'limits',
] as const;

/** build-all's up-to-date marker in dist/; any build invalidates it until build-all rewrites it. */
export const STAMP_FILE = '.build-stamp';

/** A digest-shaped placeholder so the template can be checked with the real schema before compiling. */
const PLACEHOLDER_WASM = { sha256: '0'.repeat(64), size: 8 };

/** Reads and checks `<pluginDir>/plugin.json`. */
export function readTemplate(pluginDir: string): Record<string, unknown> {
  const file = path.join(pluginDir, 'plugin.json');
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PentoraError(ErrorCode.Manifest, `${file}: cannot read the manifest template: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PentoraError(ErrorCode.Manifest, `${file}: the manifest template must be a JSON object`);
  }
  const template = doc as Record<string, unknown>;
  if ('wasm' in template) {
    throw new PentoraError(ErrorCode.Manifest, `${file}: the template must not contain "wasm"; the build computes the digest`);
  }
  // Same schema as the loader, with a stand-in digest: a bad template fails before a slow compile.
  parseManifest(manifestBytes(template, PLACEHOLDER_WASM), file);
  return template;
}

/** The manifest bytes: template + wasm digest, stable key order, 2-space JSON and a newline. */
export function manifestBytes(template: Record<string, unknown>, wasm: { sha256: string; size: number }): Uint8Array {
  const merged: Record<string, unknown> = { ...template, wasm };
  const ordered: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (merged[k] !== undefined) ordered[k] = merged[k];
  // Unknown fields are kept (last) so parseManifest refuses them by name instead of the build dropping them.
  for (const k of Object.keys(merged).sort()) if (!(k in ordered)) ordered[k] = merged[k];
  return Buffer.from(JSON.stringify(ordered, null, 2) + '\n', 'utf8');
}

/** Compiles, checks, writes and signs one plugin. */
export async function buildPlugin(pluginDir: string, opts: BuildOptions): Promise<BuildOutput> {
  const dir = path.resolve(pluginDir);
  const templateFile = path.join(dir, 'plugin.json');
  const template = readTemplate(dir);
  const label = typeof template.name === 'string' ? template.name : path.basename(dir);
  // rules.yaml -> src/rules.generated.ts; a bad rules file stops the build with FILE:LINE messages.
  await generateRules(dir);
  const wasm = await compilePlugin(dir, label, opts.optimize ?? true);
  const bytes = manifestBytes(template, { sha256: sha256Hex(wasm), size: wasm.length });
  const manifest = parseManifest(bytes, templateFile);
  const sig = serializeEnvelope(signEnvelope(bytes, [opts.key]));
  const dist = path.join(dir, 'dist');
  fs.mkdirSync(dist, { recursive: true });
  // A build by other means (another key, cli.ts) must not leave build-all believing dist/ is its own.
  fs.rmSync(path.join(dist, STAMP_FILE), { force: true });
  // The wasm first and the signature last: a reader racing the build sees a
  // digest or signature mismatch (refused), never a signed manifest for the wrong wasm.
  await writeFileAtomic(path.join(dist, 'plugin.wasm'), wasm);
  await writeFileAtomic(path.join(dist, 'manifest.json'), bytes);
  await writeFileAtomic(path.join(dist, 'manifest.sig'), sig);
  return { manifest, dir: dist };
}
