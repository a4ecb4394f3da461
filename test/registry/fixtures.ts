/**
 * A real registry in a temp dir, for the TUF tests and the install/bundle/
 * attack tests that build on them: keys for root, targets, snapshot,
 * timestamp and two publishers, the builtin ssh-parser published as
 * `pentora/ssh-parser`, and a copy renamed `acme/ssh-parser` compiled from
 * the same sources with sdk/build (so the acme package is a genuine build,
 * not a patched file).
 *
 * @example
 *   const fx = await createRegistryFixture();
 *   const up = fx.updater();
 *   await up.refresh();
 *   const t = await up.getTarget('acme/ssh-parser');
 *   fx.cleanup();
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { newSigningKey, writeSigningKey } from '../../host/trust/keys.ts';
import { buildPlugin } from '../../sdk/build/build.ts';
import { addPublisher, initRepository, publishPlugin, type Expiries } from '../../registry/tuf/repository.ts';
import { MemoryStore, Updater, type Fetcher, type UpdaterOptions } from '../../registry/tuf/updater.ts';
import type { SignatureJson } from '../../registry/tuf/metadata.ts';
import { isJsonObject, type JsonObject } from '../../registry/tuf/strict-json.ts';
import { signMetadata } from '../../registry/tuf/verify.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SSH_PARSER_DIST = path.join(REPO_ROOT, 'plugins/ssh-parser/dist');

export type FixtureKeyName = 'root' | 'targets' | 'snapshot' | 'timestamp' | 'pentora' | 'acme';

export interface RegistryFixture {
  /** Temp dir holding everything below; removed by cleanup(). */
  base: string;
  /** The registry: static files as served. */
  dir: string;
  /** `<base>/keys/<name>.key.json` for each key (mode 0600), for CLI tests. */
  keyDir: string;
  keys: Record<FixtureKeyName, SigningKey>;
  /** 1.root.json: what a client pins. */
  pinnedRoot: Uint8Array;
  /** The instant the repository was signed at. */
  now: Date;
  plugins: {
    pentora: { name: 'pentora/ssh-parser'; version: string; dist: string };
    acme: { name: 'acme/ssh-parser'; version: string; dist: string };
  };
  /** Reads files from `dir` (null when missing), honouring maxBytes. */
  fetch: Fetcher;
  /** An Updater over this registry; clock defaults to `now`, store to a fresh MemoryStore. */
  updater(opts?: Partial<UpdaterOptions>): Updater;
  /** The online signers, as repository functions take them. */
  online(): { snapshot: SigningKey[]; timestamp: SigningKey[]; targets: SigningKey[] };
  cleanup(): void;
}

/** A Fetcher over a directory: null for a missing file; stops at `maxBytes + 1` like a capped HTTP read. */
export function dirFetcher(dir: string): Fetcher {
  return async (rel, maxBytes) => {
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep)) throw new Error(`fixture fetch: ${rel} escapes the registry`);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return new Uint8Array(bytes.subarray(0, maxBytes + 1));
  };
}

let acmeBuild: Promise<string> | null = null;

/** sha256 over the files at `paths` (files, or every file under a directory), by path and bytes. */
function treeDigest(paths: string[]): string {
  const h = createHash('sha256');
  const files = paths.flatMap((p) =>
    fs.statSync(p).isDirectory()
      ? (fs.readdirSync(p, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
      : [p],
  );
  for (const f of files.sort()) h.update(path.relative(REPO_ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds `acme/ssh-parser` from a temp copy of plugins/ssh-parser (its
 * sources import the SDK by relative path, hence the `sdk` link beside the
 * copy) and returns the dist dir. The build is cached in the system temp dir
 * under a digest of its inputs, so runs share one build instead of each
 * leaving its own; a build is renamed into place whole, so concurrent test
 * processes never see half of one.
 */
export function buildAcmeSshParser(): Promise<string> {
  acmeBuild ??= (async () => {
    const src = path.join(REPO_ROOT, 'plugins/ssh-parser');
    const digest = treeDigest([path.join(src, 'src'), path.join(src, 'plugin.json'), path.join(src, 'rules.yaml'), path.join(REPO_ROOT, 'sdk/assemblyscript'), path.join(REPO_ROOT, 'sdk/build')]);
    const cache = path.join(os.tmpdir(), `pentora-acme-ssh-parser-${digest}`);
    const dist = path.join(cache, 'plugins', 'ssh-parser', 'dist');
    if (['manifest.json', 'manifest.sig', 'plugin.wasm'].every((f) => fs.existsSync(path.join(dist, f)))) return dist;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-acme-build-'));
    try {
      fs.symlinkSync(path.join(REPO_ROOT, 'sdk'), path.join(tmp, 'sdk'));
      const dir = path.join(tmp, 'plugins', 'ssh-parser');
      fs.cpSync(src, dir, { recursive: true, filter: (s) => !s.startsWith(path.join(src, 'dist')) });
      const template = JSON.parse(fs.readFileSync(path.join(dir, 'plugin.json'), 'utf8')) as Record<string, unknown>;
      template.name = 'acme/ssh-parser';
      // The builtin probes (net.tcp at 2000 pps, over the community tier's ceiling); acme
      // publishes it as an offline parser, which the capability tests then widen.
      template.capabilities = {};
      fs.writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(template, null, 2) + '\n');
      await buildPlugin(dir, { key: newSigningKey(), optimize: false });
      try {
        fs.renameSync(tmp, cache);
      } catch {
        // Another process put its build there first: use that one.
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return dist;
  })();
  return acmeBuild;
}

export async function createRegistryFixture(opts: { now?: Date; expiries?: Partial<Expiries> } = {}): Promise<RegistryFixture> {
  const now = opts.now ?? new Date();
  const clock = (): Date => now;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-registry-'));
  const dir = path.join(base, 'registry');
  const keyDir = path.join(base, 'keys');
  fs.mkdirSync(keyDir, { mode: 0o700 });
  const names: FixtureKeyName[] = ['root', 'targets', 'snapshot', 'timestamp', 'pentora', 'acme'];
  const keys = Object.fromEntries(names.map((n) => [n, newSigningKey()])) as Record<FixtureKeyName, SigningKey>;
  for (const n of names) writeSigningKey(path.join(keyDir, `${n}.key.json`), keys[n]);
  const common = { now: clock, ...(opts.expiries ? { expiries: opts.expiries } : {}) };
  const online = { snapshot: [keys.snapshot], timestamp: [keys.timestamp], targets: [keys.targets] };

  await initRepository(dir, { ...common, keys: { root: [keys.root], targets: [keys.targets], snapshot: [keys.snapshot], timestamp: [keys.timestamp] } });
  for (const pub of ['pentora', 'acme'] as const) {
    await addPublisher(dir, { ...common, name: pub, keys: [keys[pub].publicKey], signers: { ...online, publisher: [keys[pub]] } });
  }
  // A private copy: a test that damages its dist must not damage the shared build.
  const acmeDist = path.join(base, 'acme-ssh-parser-dist');
  fs.cpSync(await buildAcmeSshParser(), acmeDist, { recursive: true });
  const p1 = await publishPlugin(dir, SSH_PARSER_DIST, { ...common, publisher: [keys.pentora], snapshot: online.snapshot, timestamp: online.timestamp });
  const p2 = await publishPlugin(dir, acmeDist, { ...common, publisher: [keys.acme], snapshot: online.snapshot, timestamp: online.timestamp });
  const fetch = dirFetcher(dir);
  const pinnedRoot = new Uint8Array(fs.readFileSync(path.join(dir, '1.root.json')));
  return {
    base,
    dir,
    keyDir,
    keys,
    pinnedRoot,
    now,
    plugins: {
      pentora: { name: 'pentora/ssh-parser', version: p1.version, dist: SSH_PARSER_DIST },
      acme: { name: 'acme/ssh-parser', version: p2.version, dist: acmeDist },
    },
    fetch,
    updater: (o = {}) => new Updater({ fetch, trustedRoot: pinnedRoot, now: clock, store: new MemoryStore(), ...o }),
    online: () => ({ snapshot: [keys.snapshot], timestamp: [keys.timestamp], targets: [keys.targets] }),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

// ------------------------------------------------------- crafting metadata

/** A metadata file of `dir` taken apart (plain JSON.parse: the fixture reads its own files). */
export function readMetadata(dir: string, file: string): { signatures: SignatureJson[]; signed: JsonObject } {
  const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { signatures: SignatureJson[]; signed: JsonObject };
  return doc;
}

/**
 * Rewrites `file` in place: `mutate` edits `signed`, then it is signed with
 * `keys` (any keys: the point is often that they are the wrong ones).
 */
export function resign(dir: string, file: string, mutate: (signed: JsonObject) => void, keys: SigningKey[]): Uint8Array {
  const { signed } = readMetadata(dir, file);
  mutate(signed);
  const bytes = signMetadata(signed, keys);
  fs.writeFileSync(path.join(dir, file), bytes);
  return bytes;
}

/**
 * Re-signs the current snapshot and timestamp in place (same versions) so
 * their lengths and hashes cover whatever role files a test rewrote: the
 * attacker then holds the online keys, and only the checks under test stand.
 */
export function reseal(fx: Pick<RegistryFixture, 'dir' | 'keys'>): void {
  const snapFile = currentSnapshotFile(fx.dir);
  const snapBytes = resign(
    fx.dir,
    snapFile,
    (signed) => {
      const meta = signed.meta as JsonObject;
      for (const [name, m] of Object.entries(meta)) {
        if (!isJsonObject(m)) continue;
        const bytes = fs.readFileSync(path.join(fx.dir, `${m.version as number}.${name}`));
        m.length = bytes.length;
        m.hashes = { sha256: sha256Hex(bytes) };
      }
    },
    [fx.keys.snapshot],
  );
  resign(
    fx.dir,
    'timestamp.json',
    (signed) => {
      const m = (signed.meta as JsonObject)['snapshot.json'] as JsonObject;
      m.length = snapBytes.length;
      m.hashes = { sha256: sha256Hex(snapBytes) };
    },
    [fx.keys.timestamp],
  );
}

/** The snapshot file the current timestamp names (`5.snapshot.json`). */
export function currentSnapshotFile(dir: string): string {
  const ts = readMetadata(dir, 'timestamp.json').signed;
  return `${((ts.meta as JsonObject)['snapshot.json'] as JsonObject).version as number}.snapshot.json`;
}

/** The file of the version of targets role `role` the current snapshot lists (`3.targets.json`, `2.acme.json`). */
export function currentRoleFile(dir: string, role: string): string {
  const snap = readMetadata(dir, currentSnapshotFile(dir)).signed;
  const m = (snap.meta as JsonObject)[`${role}.json`] as JsonObject;
  return `${m.version as number}.${role}.json`;
}
