/**
 * `pentora registry init|add-publisher|publish|timestamp|revoke|serve`: thin
 * wrappers over registry/tuf/repository.ts (the signing side) and
 * registry/client/serve.ts. Secret keys live in a key directory beside the
 * registry (default `<DIR>-keys`), never inside the directory that is served.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../errors.ts';
import { createLogger, type Verbosity } from '../log.ts';
import { fingerprint } from '../trust/ed25519.ts';
import type { SigningKey } from '../trust/envelope.ts';
import { newSigningKey, readSigningKey, writeSigningKey } from '../trust/keys.ts';
import { pluginDirOf } from '../../registry/client/install.ts';
import { isLoopback, serveRegistry } from '../../registry/client/serve.ts';
import { addPublisher, initRepository, publishPlugin, refreshTimestamp, revoke, rotateRoot } from '../../registry/tuf/repository.ts';
import type { TopRole } from '../../registry/tuf/metadata.ts';
import { parse, positiveInt } from './args.ts';
import { writeOut } from './output.ts';

export const usage = `pentora registry init DIR [--root-keys N] [--root-threshold M]   new registry; role keys go to DIR-keys
pentora registry add-publisher DIR NAME --key PUBLISHER.key.json...  delegate NAME/* to the publisher's keys
pentora registry publish DIR PLUGIN_DIR --key PUBLISHER.key.json     sign and publish a built plugin (its dist/)
pentora registry timestamp DIR [--snapshot]                          re-sign the short-lived roles (cron this)
pentora registry revoke DIR [KEYID...] [--artifact SHA256...]         add to the registry's signed revocation list
pentora registry rotate-root DIR [--roles root,targets,snapshot,timestamp] [--root-keys N] [--root-threshold M]
                                                                     new keys for those roles in root N+1 (signed by old and new root keys)
pentora registry serve DIR [--port N] [--host 127.0.0.1]             static HTTP server for DIR (loopback by default)

  --keys DIR   where the registry's own secret keys are (default: DIR-keys beside the registry)`;

const ROLES: readonly TopRole[] = ['root', 'targets', 'snapshot', 'timestamp'];

function keysDirFor(registryDir: string, flag: string | undefined): string {
  const reg = path.resolve(registryDir);
  const dir = flag ? path.resolve(flag) : `${reg}-keys`;
  const rel = path.relative(reg, dir);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UsageError(`--keys ${dir} is inside the registry directory, which is served as is; keep secret keys elsewhere`);
  }
  return dir;
}

/** The role's keys in the key directory: `<role>.key.json`, `<role>-2.key.json`, ... */
function roleKeys(keysDir: string, role: TopRole): SigningKey[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(keysDir).filter((n) => new RegExp(`^${role}(-[0-9]+)?\\.key\\.json$`).test(n)).sort();
  } catch {
    // reported below
  }
  if (names.length === 0) throw new UsageError(`no ${role} key in ${keysDir} (${role}.key.json); is --keys right?`);
  return names.map((n) => readSigningKey(path.join(keysDir, n)));
}

function keyFiles(values: string[] | undefined, what: string): SigningKey[] {
  if (!values || values.length === 0) throw new UsageError(`${what}: give the publisher's signing key with --key FILE (from pentora keys generate)`);
  return values.map((f) => readSigningKey(f));
}

async function serve(dir: string, port: number, host: string | undefined, verbose: number): Promise<number> {
  const logger = createLogger({ verbosity: Math.min(verbose, 2) as Verbosity });
  if (host !== undefined && !isLoopback(host)) {
    process.stderr.write(`pentora registry serve: WARNING: serving on ${host}, reachable beyond this machine\n`);
  }
  const srv = await serveRegistry({
    root: dir,
    port,
    ...(host !== undefined ? { host, allowNonLoopback: true } : {}),
    onRequest: (r) => logger.info(r, 'request'),
  });
  writeOut(`serving ${path.resolve(dir)} at ${srv.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await srv.close();
  process.stderr.write('pentora registry serve: stopped\n');
  return ExitCode.Ok;
}

/**
 * Root rotation (TUF §5.3.4): new keys for the chosen roles, root N+1 signed by
 * a threshold of the old root keys and of the new ones. The new secret keys
 * are written before anything is signed (a rotation whose keys were lost could
 * never be signed again); the old ones move to `retired-root-v<N>/`.
 */
async function rotateRootCommand(dir: string, keysDir: string, rolesSpec: string, rootKeysFlag?: string, rootThresholdFlag?: string): Promise<number> {
  const roles = rolesSpec.split(',').map((r) => r.trim());
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new UsageError(`--roles: "${r}" is not one of ${ROLES.join(', ')}`);
  const current = Object.fromEntries(ROLES.map((r) => [r, roleKeys(keysDir, r)])) as Record<TopRole, SigningKey[]>;
  const nRoot = positiveInt(rootKeysFlag, '--root-keys') ?? current.root.length;
  const tRoot = positiveInt(rootThresholdFlag, '--root-threshold');
  if (tRoot !== undefined && tRoot > (roles.includes('root') ? nRoot : current.root.length)) throw new UsageError(`--root-threshold ${tRoot} is more than the root keys`);
  const fresh: Partial<Record<TopRole, SigningKey[]>> = {};
  for (const r of roles as TopRole[]) fresh[r] = Array.from({ length: r === 'root' ? nRoot : 1 }, () => newSigningKey());
  const staged = path.join(keysDir, `.rotating-${process.pid}`);
  fs.mkdirSync(staged, { recursive: true, mode: 0o700 });
  const fileOf = (r: TopRole, i: number): string => `${r}${i === 0 ? '' : `-${i + 1}`}.key.json`;
  for (const [r, ks] of Object.entries(fresh) as Array<[TopRole, SigningKey[]]>) ks.forEach((k, i) => writeSigningKey(path.join(staged, fileOf(r, i)), k));
  const version = await rotateRoot(dir, {
    oldRootKeys: current.root,
    keys: fresh,
    ...(tRoot !== undefined ? { thresholds: { root: tRoot } } : {}),
    signers: { targets: current.targets, snapshot: current.snapshot, timestamp: current.timestamp },
  });
  const retired = path.join(keysDir, `retired-root-v${version - 1}`);
  fs.mkdirSync(retired, { recursive: true, mode: 0o700 });
  for (const r of Object.keys(fresh) as TopRole[]) {
    for (const n of fs.readdirSync(keysDir).filter((f) => new RegExp(`^${r}(-[0-9]+)?\\.key\\.json$`).test(f))) fs.renameSync(path.join(keysDir, n), path.join(retired, n));
    for (const n of fs.readdirSync(staged).filter((f) => f.startsWith(r))) fs.renameSync(path.join(staged, n), path.join(keysDir, n));
  }
  fs.rmSync(staged, { recursive: true, force: true });
  writeOut(
    `wrote ${version}.root.json: new keys for ${roles.join(', ')}; old keys moved to ${retired}\n` +
      (fresh.root ? `new root keys:\n${fresh.root.map((k) => `  ${fingerprint(k.keyid)}\n`).join('')}` : ''),
  );
  return ExitCode.Ok;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      keys: { type: 'string' },
      key: { type: 'string', multiple: true },
      'root-keys': { type: 'string' },
      'root-threshold': { type: 'string' },
      threshold: { type: 'string' },
      snapshot: { type: 'boolean' },
      artifact: { type: 'string', multiple: true },
      port: { type: 'string' },
      host: { type: 'string' },
      roles: { type: 'string' },
    },
    'registry',
  );
  const [sub, dir, ...rest] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  if (!dir) throw new UsageError(`registry ${sub}: give the registry directory`);
  switch (sub) {
    case 'init': {
      const keysDir = keysDirFor(dir, values.keys);
      const nRoot = positiveInt(values['root-keys'], '--root-keys') ?? 1;
      const tRoot = positiveInt(values['root-threshold'], '--root-threshold') ?? 1;
      if (tRoot > nRoot) throw new UsageError(`--root-threshold ${tRoot} is more than the ${nRoot} root keys`);
      const existing = ROLES.filter((r) => fs.existsSync(path.join(keysDir, `${r}.key.json`)));
      if (existing.length > 0) throw new UsageError(`${keysDir} already holds ${existing.join(', ')} keys; refusing to overwrite`);
      const keys = {} as Record<TopRole, SigningKey[]>;
      for (const role of ROLES) keys[role] = Array.from({ length: role === 'root' ? nRoot : 1 }, () => newSigningKey());
      fs.mkdirSync(keysDir, { recursive: true, mode: 0o700 });
      // Keys first: a registry whose keys were lost could never be signed again.
      const written: string[] = [];
      for (const role of ROLES) {
        keys[role].forEach((k, i) => {
          const file = path.join(keysDir, `${role}${i === 0 ? '' : `-${i + 1}`}.key.json`);
          writeSigningKey(file, k);
          written.push(file);
        });
      }
      try {
        await initRepository(dir, { keys, thresholds: { root: tRoot } });
      } catch (err) {
        for (const f of written) fs.rmSync(f, { force: true });
        throw err;
      }
      writeOut(
        `registry initialised in ${path.resolve(dir)}\n` +
          `pin ${path.join(path.resolve(dir), '1.root.json')} in clients (config registry.root); root keys:\n` +
          keys.root.map((k) => `  ${fingerprint(k.keyid)}\n`).join('') +
          `secret keys in ${keysDir}: move the root keys offline\n`,
      );
      return ExitCode.Ok;
    }
    case 'add-publisher': {
      const [name] = rest;
      if (!name) throw new UsageError('registry add-publisher: give the publisher name (it owns NAME/*)');
      const keysDir = keysDirFor(dir, values.keys);
      const publisher = keyFiles(values.key, 'registry add-publisher');
      const threshold = positiveInt(values.threshold, '--threshold') ?? 1;
      await addPublisher(dir, {
        name,
        keys: publisher.map((k) => k.publicKey),
        threshold,
        signers: { targets: roleKeys(keysDir, 'targets'), snapshot: roleKeys(keysDir, 'snapshot'), timestamp: roleKeys(keysDir, 'timestamp'), publisher },
      });
      writeOut(`delegated ${name}/* to ${publisher.map((k) => fingerprint(k.keyid)).join(', ')} (threshold ${threshold})\n`);
      return ExitCode.Ok;
    }
    case 'publish': {
      const [pluginDir] = rest;
      if (!pluginDir) throw new UsageError('registry publish: give the built plugin folder (or its dist/)');
      const keysDir = keysDirFor(dir, values.keys);
      const r = await publishPlugin(dir, pluginDirOf(pluginDir), {
        publisher: keyFiles(values.key, 'registry publish'),
        snapshot: roleKeys(keysDir, 'snapshot'),
        timestamp: roleKeys(keysDir, 'timestamp'),
      });
      writeOut(`published ${r.name} ${r.version} (role ${r.role})\n`);
      return ExitCode.Ok;
    }
    case 'timestamp': {
      const keysDir = keysDirFor(dir, values.keys);
      await refreshTimestamp(dir, { timestamp: roleKeys(keysDir, 'timestamp'), ...(values.snapshot ? { snapshot: roleKeys(keysDir, 'snapshot') } : {}) });
      writeOut(`re-signed timestamp${values.snapshot ? ' and snapshot' : ''} in ${path.resolve(dir)}\n`);
      return ExitCode.Ok;
    }
    case 'revoke': {
      const keysDir = keysDirFor(dir, values.keys);
      const keyids = rest;
      const artifacts = values.artifact ?? [];
      if (keyids.length === 0 && artifacts.length === 0) throw new UsageError('registry revoke: give keyids and/or --artifact SHA256');
      for (const h of [...keyids, ...artifacts]) if (!/^[0-9a-f]{64}$/.test(h)) throw new UsageError(`registry revoke: "${h}" is not 64 lowercase hex digits`);
      await revoke(dir, { keys: keyids, artifacts, signers: { targets: roleKeys(keysDir, 'targets'), snapshot: roleKeys(keysDir, 'snapshot'), timestamp: roleKeys(keysDir, 'timestamp') } });
      writeOut(`revoked ${keyids.length} key(s) and ${artifacts.length} artifact(s) in ${path.resolve(dir)}\n`);
      return ExitCode.Ok;
    }
    case 'rotate-root':
      return rotateRootCommand(dir, keysDirFor(dir, values.keys), values.roles ?? 'root', values['root-keys'], values['root-threshold']);
    case 'serve': {
      const port = values.port === undefined ? 8080 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
      return serve(dir, port, values.host, values.verbose?.length ?? 0);
    }
    default:
      throw new UsageError(`registry: unknown subcommand "${sub}" (init, add-publisher, publish, timestamp, revoke, rotate-root, serve)`);
  }
}
