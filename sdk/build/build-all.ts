/**
 * Builds every builtin plugin (`npm run build`, `prepare`, and the test
 * global setup): each `plugins/<name>/` holding a plugin.json, signed with
 * the local build key (DESIGN §5), which is created on first use in the
 * git-ignored keys/local and trusted for `pentora/*` only.
 *
 *   node sdk/build/build-all.ts [--force] [--debug] [plugin-dir...]
 *
 * A plugin is skipped when dist/.build-stamp matches a sha256 over its
 * plugin.json, rules.yaml, src/ (but the rules.generated.ts made from
 * rules.yaml), the SDK, the build scripts, the compiler version and the key
 * id; --force rebuilds anyway. Builds run one at a time: the compiler is
 * single-threaded and shares one binaryen instance per process.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../../host/errors.ts';
import { loadOrCreateKey } from '../../host/trust/keys.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { buildPlugin, STAMP_FILE } from './build.ts';
import { SDK_DIR } from './compile.ts';
import { GENERATED_FILE, RULES_FILE } from './rules.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const DIST_FILES = ['plugin.wasm', 'manifest.json', 'manifest.sig'];

export interface BuildAllOptions {
  /** Plugin folders; default every plugins/* with a plugin.json. */
  dirs?: string[];
  force?: boolean;
  /** Default true. */
  optimize?: boolean;
  /** Default: the local build key in <repo>/keys/local. */
  key?: SigningKey;
  /** One line per plugin; default stderr. */
  log?: (line: string) => void;
}

export interface BuiltPlugin {
  dir: string;
  name: string;
  status: 'built' | 'up-to-date';
}

/** The local build key, created (with its trust entry for pentora/* at tier "build") on first use. */
export function localBuildKey(root = REPO_ROOT): SigningKey {
  const date = new Date().toISOString().slice(0, 10);
  return loadOrCreateKey(path.join(root, 'keys', 'local'), 'build', {
    namespaces: ['pentora/*'],
    tier: 'build',
    label: `local build key (${os.hostname()}, ${date})`,
  });
}

/** Every plugins/<name>/ that has a plugin.json, sorted. */
export function listPluginDirs(root = REPO_ROOT): string[] {
  const base = path.join(root, 'plugins');
  let names: string[];
  try {
    names = fs.readdirSync(base).sort();
  } catch {
    return [];
  }
  return names.map((n) => path.join(base, n)).filter((d) => fs.existsSync(path.join(d, 'plugin.json')));
}

function filesUnder(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(d, e.name);
      if (skip(path.relative(dir, full))) continue;
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** The digest that decides whether dist/ is current. Each part is length-prefixed so no two inputs collide. */
export function buildStamp(pluginDir: string, keyid: string, optimize: boolean): string {
  const h = createHash('sha256');
  const part = (label: string, data: string | Uint8Array): void => {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    h.update(`${label}\0${b.length}\0`).update(b);
  };
  const ascPkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/assemblyscript/package.json'), 'utf8')) as { version: string };
  part('stamp', 'pentora-build/1');
  part('asc', ascPkg.version);
  part('key', keyid);
  part('optimize', String(optimize));
  part('plugin.json', fs.readFileSync(path.join(pluginDir, 'plugin.json')));
  const rulesFile = path.join(pluginDir, RULES_FILE);
  if (fs.existsSync(rulesFile)) part(RULES_FILE, fs.readFileSync(rulesFile));
  const generated = path.normalize(GENERATED_FILE.slice('src/'.length));
  const inputs = [
    // src/__tests__ holds unit-test entries, which never reach plugin.wasm; the generated rules follow rules.yaml.
    ...filesUnder(
      path.join(pluginDir, 'src'),
      (rel) => rel === '__tests__' || rel.startsWith(`__tests__${path.sep}`) || rel === generated,
    ),
    ...filesUnder(SDK_DIR, (rel) => rel === 'test' || rel.startsWith(`test${path.sep}`)),
    ...filesUnder(import.meta.dirname, (rel) => rel.endsWith('.test.ts')),
  ];
  for (const f of inputs) part(path.relative(REPO_ROOT, f), fs.readFileSync(f));
  return h.digest('hex');
}

function upToDate(pluginDir: string, stamp: string): boolean {
  const dist = path.join(pluginDir, 'dist');
  try {
    return fs.readFileSync(path.join(dist, STAMP_FILE), 'utf8').trim() === stamp && DIST_FILES.every((f) => fs.existsSync(path.join(dist, f)));
  } catch {
    return false;
  }
}

/** Builds the plugins; throws (naming the plugin) at the first failure. */
export async function buildAll(opts: BuildAllOptions = {}): Promise<BuiltPlugin[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const key = opts.key ?? localBuildKey();
  const optimize = opts.optimize ?? true;
  const dirs = (opts.dirs ?? listPluginDirs()).map((d) => path.resolve(d));
  const results: BuiltPlugin[] = [];
  for (const dir of dirs) {
    const stamp = buildStamp(dir, key.keyid, optimize);
    if (!opts.force && upToDate(dir, stamp)) {
      const name = (JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as { name: string }).name;
      log(`build ${name}: up to date`);
      results.push({ dir, name, status: 'up-to-date' });
      continue;
    }
    const t0 = performance.now();
    const { manifest, dir: dist } = await buildPlugin(dir, { key, optimize });
    fs.writeFileSync(path.join(dist, STAMP_FILE), `${stamp}\n`);
    const size = fs.statSync(path.join(dist, 'plugin.wasm')).size;
    log(`build ${manifest.name} ${manifest.version}: built (${(size / 1024).toFixed(1)} KiB, ${((performance.now() - t0) / 1000).toFixed(1)}s)`);
    results.push({ dir, name: manifest.name, status: 'built' });
  }
  return results;
}

async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const optimize = !argv.includes('--debug');
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--force' && a !== '--debug');
  if (unknown.length > 0) {
    process.stderr.write(`build-all: unknown option ${unknown[0]}\nusage: node sdk/build/build-all.ts [--force] [--debug] [plugin-dir...]\n`);
    return 2;
  }
  const dirs = argv.filter((a) => !a.startsWith('-'));
  try {
    await buildAll({ force, optimize, ...(dirs.length > 0 ? { dirs } : {}) });
    return 0;
  } catch (err) {
    process.stderr.write(`build failed: ${describeError(err)}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
