/**
 * Where the workspace lives and what it holds (DESIGN §8).
 *
 * Resolution order: `--workspace` flag > `PENTORA_WORKSPACE` > a `workspace:`
 * key from the system or user config > the platform's data directory. The
 * environment and platform are parameters so tests never read the real home.
 */

import { chmod, lstat, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';

/** The subdirectories of a workspace, in the order `ensureWorkspace` creates them. */
export const WORKSPACE_SUBDIRS = ['scans', 'queue', 'cache', 'plugins', 'keys', 'config'] as const;
export type WorkspaceSubdir = (typeof WORKSPACE_SUBDIRS)[number];

/** Absolute paths of a workspace's parts. */
export type WorkspaceLayout = { readonly root: string } & { readonly [K in WorkspaceSubdir]: string };

/** The process facts path resolution depends on; each defaults to the real one. */
export interface PlatformInfo {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  cwd?: string;
}

export interface ResolveWorkspaceOptions extends PlatformInfo {
  /** The `--workspace` flag. */
  flag?: string;
  /** A `workspace:` value from a config file (already absolute). */
  configured?: string;
}

/**
 * The workspace root the options point at, as an absolute path.
 *
 * @example
 *   resolveWorkspaceDir({ flag: undefined, env: { XDG_DATA_HOME: '/data' }, platform: 'linux' })
 *   // => '/data/pentora'
 */
export function resolveWorkspaceDir(options: ResolveWorkspaceOptions = {}): string {
  const env = options.env ?? process.env;
  const chosen = nonEmpty(options.flag) ?? nonEmpty(env['PENTORA_WORKSPACE']) ?? nonEmpty(options.configured);
  if (chosen !== undefined) return expandPath(chosen, options);
  return defaultWorkspaceDir(options);
}

/** The platform's data directory for pentora, ignoring flags and PENTORA_WORKSPACE. */
export function defaultWorkspaceDir(info: PlatformInfo = {}): string {
  const env = info.env ?? process.env;
  const platform = info.platform ?? process.platform;
  const home = info.homedir ?? os.homedir();
  const p = pathFor(platform);
  // The XDG spec says a relative XDG_* value is invalid and must be ignored.
  const xdg = nonEmpty(env['XDG_DATA_HOME']);
  if (xdg !== undefined && p.isAbsolute(xdg)) return p.join(xdg, 'pentora');
  switch (platform) {
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', 'Pentora');
    case 'win32':
      return p.join(nonEmpty(env['APPDATA']) ?? p.join(home, 'AppData', 'Roaming'), 'Pentora');
    default:
      return p.join(home, '.local', 'share', 'pentora');
  }
}

/**
 * Expands a leading `~` and makes the path absolute (relative to `base`, or
 * the working directory). Values from env vars and config files reach us
 * without a shell, so nobody else expanded the tilde.
 */
export function expandPath(value: string, info: PlatformInfo & { base?: string } = {}): string {
  const p = pathFor(info.platform ?? process.platform);
  const home = info.homedir ?? os.homedir();
  let v = value;
  if (v === '~') v = home;
  else if (v.startsWith('~/') || (p === path.win32 && v.startsWith('~\\'))) v = p.join(home, v.slice(2));
  return p.resolve(info.base ?? info.cwd ?? process.cwd(), v);
}

export function workspaceLayout(root: string): WorkspaceLayout {
  const abs = path.resolve(root);
  const parts = Object.fromEntries(WORKSPACE_SUBDIRS.map((d) => [d, path.join(abs, d)])) as Record<WorkspaceSubdir, string>;
  return { root: abs, ...parts };
}

/**
 * Creates the workspace and its subdirectories if missing and returns the
 * layout. A new root is 0700 because scan results map a network's weak
 * spots; `keys/` is forced to 0700 even when it already exists, because it
 * holds the build signing key.
 */
export async function ensureWorkspace(dir: string): Promise<WorkspaceLayout> {
  const layout = workspaceLayout(dir);
  await makeDir(layout.root, 0o700, false);
  for (const sub of WORKSPACE_SUBDIRS) {
    await makeDir(layout[sub], sub === 'keys' ? 0o700 : 0o755, sub === 'keys');
  }
  try {
    await chmod(layout.keys, 0o700);
  } catch (err) {
    throw new PentoraError(ErrorCode.Workspace, `${layout.keys}: cannot restrict permissions: ${describeError(err)}`, { path: layout.keys }, { cause: err });
  }
  return layout;
}

/**
 * A symlinked root or scans/ is a legitimate way to put the workspace on a
 * bigger disk; a symlinked keys/ is refused, since the chmod and every key
 * write would land wherever it points.
 */
async function makeDir(dir: string, mode: number, refuseSymlink: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode });
  } catch (err) {
    throw new PentoraError(ErrorCode.Workspace, `${dir}: cannot create workspace directory: ${describeError(err)}`, { path: dir }, { cause: err });
  }
  const st = refuseSymlink ? await lstat(dir) : await stat(dir);
  if (!st.isDirectory()) {
    throw new PentoraError(ErrorCode.Workspace, `${dir}: expected a directory, found ${st.isSymbolicLink() ? 'a symlink' : 'a file'}`, { path: dir });
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function pathFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}
