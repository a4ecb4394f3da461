import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, loadConfig, userConfigPath, workspaceConfigPath } from '../../host/config/config.ts';
import type { LoadConfigOptions } from '../../host/config/config.ts';
import { ErrorCode, PentoraError } from '../../host/errors.ts';

let tmp: string;
let sys: string;
let user: string;
let ws: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pentora-config-'));
  sys = path.join(tmp, 'etc', 'config.yaml');
  user = path.join(tmp, 'home', '.config', 'pentora', 'config.yaml');
  ws = path.join(tmp, 'ws');
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function put(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** Every path and env var injected, so the real /etc and home are never read. */
function opts(extra: LoadConfigOptions = {}): LoadConfigOptions {
  return { systemPath: sys, userPath: user, workspaceDir: ws, env: {}, homedir: path.join(tmp, 'home'), platform: 'linux', cwd: tmp, ...extra };
}

async function configError(o: LoadConfigOptions): Promise<PentoraError> {
  const err = await loadConfig(o).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  expect((err as PentoraError).code).toBe(ErrorCode.Config);
  return err as PentoraError;
}

describe('loadConfig layers', () => {
  it('returns the defaults, frozen, when no file exists', async () => {
    const { config, sources } = await loadConfig(opts());
    expect(sources).toEqual([]);
    expect(config).toEqual(defaultConfig(ws));
    expect(config.scan.rate_pps).toBe(5000);
    expect(config.limits.output_bytes).toBe(16 * 1024 * 1024);
    expect(config.workers).toBe(Math.max(8, os.availableParallelism()));
    expect(Object.isFrozen(config.scan)).toBe(true);
    expect(Object.isFrozen(config.plugins.dirs)).toBe(true);
    expect(() => {
      (config.scan as { rate_pps: number }).rate_pps = 1;
    }).toThrow(TypeError);
  });

  it('applies system < user < workspace < flags, merging objects and replacing arrays', async () => {
    await put(sys, 'scan:\n  rate_pps: 100\n  ports: "1-100"\nplugins:\n  disabled: [a/one, a/two]\nlimits:\n  cpu_ms: 500\n');
    await put(user, 'scan:\n  rate_pps: 200\nplugins:\n  disabled: [b/three]\n');
    await put(workspaceConfigPath(ws), 'scan:\n  rate_pps: 300\n  profile: quick\n');
    const { config, sources } = await loadConfig(opts({ flags: { scan: { rate_pps: 400 } } }));
    expect(sources).toEqual([sys, user, workspaceConfigPath(ws)]);
    expect(config.scan).toEqual({ ...defaultConfig(ws).scan, rate_pps: 400, ports: '1-100', profile: 'quick' });
    expect(config.plugins.disabled).toEqual(['b/three']);
    expect(config.limits).toEqual({ ...defaultConfig(ws).limits, cpu_ms: 500 });
  });

  it('lets flags win and ignores flags left undefined by the CLI parser', async () => {
    await put(user, 'log_level: info\nscan:\n  concurrency: 64\n');
    const { config } = await loadConfig(opts({ flags: { log_level: 'debug', scan: { concurrency: undefined, ports: '22' } } }));
    expect(config.log_level).toBe('debug');
    expect(config.scan.concurrency).toBe(64);
    expect(config.scan.ports).toBe('22');
  });

  it('treats an empty file and an emptied section as empty layers', async () => {
    await put(sys, '# nothing yet\n');
    await put(user, 'scan:\n  # rate_pps: 10\n');
    const { config, sources } = await loadConfig(opts());
    expect(sources).toEqual([sys, user]);
    expect(config.scan).toEqual(defaultConfig(ws).scan);
  });

  it('resolves relative plugin dirs against the file that names them', async () => {
    await put(user, 'plugins:\n  dirs: [./extra, ~/more, /abs]\n');
    const { config } = await loadConfig(opts({ flags: { plugins: { disabled: ['x/y'] } } }));
    expect(config.plugins.dirs).toEqual([path.join(path.dirname(user), 'extra'), path.join(tmp, 'home', 'more'), '/abs']);
    expect(config.plugins.disabled).toEqual(['x/y']);
  });
});

describe('workspace selection', () => {
  it('reads the workspace named in the user config, then that workspace\'s own file', async () => {
    const elsewhere = path.join(tmp, 'elsewhere');
    await put(user, 'workspace: ~/../elsewhere\n');
    await put(workspaceConfigPath(elsewhere), 'scan:\n  profile: deep\n');
    const { config, sources } = await loadConfig(opts({ workspaceDir: undefined }));
    expect(config.workspace).toBe(elsewhere);
    expect(config.scan.profile).toBe('deep');
    expect(sources).toEqual([user, workspaceConfigPath(elsewhere)]);
  });

  it('ranks the flag over PENTORA_WORKSPACE over the config file', async () => {
    await put(user, `workspace: ${path.join(tmp, 'from-file')}\n`);
    const env = { PENTORA_WORKSPACE: path.join(tmp, 'from-env') };
    expect((await loadConfig(opts({ workspaceDir: undefined, env }))).config.workspace).toBe(path.join(tmp, 'from-env'));
    const flagged = await loadConfig(opts({ workspaceDir: undefined, env, flags: { workspace: 'from-flag' } }));
    expect(flagged.config.workspace).toBe(path.join(tmp, 'from-flag'));
  });

  it('falls back to $XDG_DATA_HOME/pentora', async () => {
    const { config } = await loadConfig(opts({ workspaceDir: undefined, env: { XDG_DATA_HOME: '/data' } }));
    expect(config.workspace).toBe('/data/pentora');
  });

  it('refuses a workspace key inside the workspace config', async () => {
    await put(workspaceConfigPath(ws), 'scan:\n  profile: quick\nworkspace: /other\n');
    const err = await configError(opts());
    expect(err.message).toMatch(new RegExp(`^${escape(workspaceConfigPath(ws))}:3:1: workspace cannot be set`));
  });

  it('finds the user file under XDG_CONFIG_HOME when it is absolute, and ignores a relative one', () => {
    expect(userConfigPath({ env: { XDG_CONFIG_HOME: '/cfg' }, homedir: '/home/u', platform: 'linux' })).toBe('/cfg/pentora/config.yaml');
    expect(userConfigPath({ env: { XDG_CONFIG_HOME: 'rel' }, homedir: '/home/u', platform: 'linux' })).toBe('/home/u/.config/pentora/config.yaml');
  });
});

describe('loadConfig errors', () => {
  it('names the file, line, column and key path of an unknown key', async () => {
    await put(user, 'scan:\n  ports: "1-100"\n  rate: 5\n');
    const err = await configError(opts());
    expect(err.message).toBe(`${user}:3:3: unknown key scan.rate`);
    expect(err.detail['file']).toBe(user);
  });

  it('reports a malformed YAML file as file:line:col', async () => {
    await put(sys, 'scan:\n  ports: [1, 2\nlog_level: info\n');
    const err = await configError(opts());
    expect(err.message).toBe(`${sys}:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  it('reports a duplicate key at the second occurrence', async () => {
    await put(user, 'scan:\n  rate_pps: 1\n  rate_pps: 2\n');
    expect((await configError(opts())).message).toBe(`${user}:3:3: Map keys must be unique`);
  });

  it('points a type error at the value, with the expected type', async () => {
    await put(user, 'scan:\n  rate_pps: fast\n');
    const err = await configError(opts());
    expect(err.message).toBe(`${user}:2:13: scan.rate_pps: expected an integer in 1..1000000, got string "fast"`);
  });

  it('rejects values out of range, wrong enums and bad list items, counting the rest', async () => {
    await put(sys, 'scan:\n  concurrency: 0\nlog_level: loud\nplugins:\n  dirs: [ok, 3]\n');
    const err = await configError(opts());
    expect(err.message).toBe(`${sys}:2:16: scan.concurrency: expected an integer in 1..65536, got number 0 (and 2 more)`);
    expect(err.detail['issues']).toEqual([
      `${sys}:2:16: scan.concurrency: expected an integer in 1..65536, got number 0`,
      `${sys}:3:12: log_level: expected one of trace|debug|info|warn|error, got string "loud"`,
      `${sys}:5:14: plugins.dirs[1]: expected a non-empty string, got number 3`,
    ]);
  });

  it('rejects a file whose top level is not a mapping', async () => {
    await put(user, '- a\n- b\n');
    expect((await configError(opts())).message).toBe(`${user}:1:1: top level: expected a mapping, got a list`);
  });

  it('names "flags" for a bad flag', async () => {
    const err = await configError(opts({ flags: { scan: { rate_pps: 2_000_000 }, bogus: 1 } as never }));
    expect(err.message).toBe('flags: scan.rate_pps: expected an integer in 1..1000000, got number 2000000 (and 1 more)');
    expect(err.detail['issues']).toContain('flags: unknown key bogus');
  });

  it('fails instead of skipping a config path it cannot read', async () => {
    await mkdir(sys, { recursive: true });
    const err = await configError(opts());
    expect(err.message).toMatch(new RegExp(`^${escape(sys)}: cannot read: .*EISDIR`));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
