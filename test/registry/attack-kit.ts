/**
 * Tools for mounting the attacks in attacks.test.ts the way an attacker
 * would: a mirror that serves other bytes (a Fetcher wrapper), stolen keys
 * re-signing metadata (fixtures.ts `resign`/`reseal`), a hostile bundle, or
 * write access to the workspace store. Every attack ends at an entry point a
 * user hits: `plugin install` (installPlugin), `bundle verify`, `plugin
 * install --from-bundle`, or a load of the installed plugins.
 */

import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { PentoraError } from '../../host/errors.ts';
import { loadPluginFromBytes, type LoadedPlugin } from '../../host/sandbox/loader.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import type { SigningKey } from '../../host/trust/envelope.ts';
import { TrustStore } from '../../host/trust/trust-store.ts';
import { installPlugin, type InstallResult, type TufSource } from '../../registry/client/install.ts';
import { installedCandidates } from '../../registry/client/installed.ts';
import { loadRevocations } from '../../registry/client/revocation.ts';
import { INDEX_PATH, parseIndex, serializeIndex } from '../../registry/bundle/bundle-index.ts';
import { consistentTargetPath } from '../../registry/tuf/paths.ts';
import type { JsonObject } from '../../registry/tuf/strict-json.ts';
import type { Fetcher } from '../../registry/tuf/updater.ts';
import { currentRoleFile, resign, reseal, type RegistryFixture } from './fixtures.ts';
import { tempDir } from './client-support.ts';

/** The instant every fixture is signed at; tests move the clock from here, never wait. */
export const T0 = new Date('2026-03-01T12:00:00Z');
export const DAY = 24 * 3600 * 1000;
export const at = (days: number): Date => new Date(T0.getTime() + days * DAY);

/** Awaits a refusal and checks its code and message; returns the error. */
export async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<PentoraError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal, got success').toBeInstanceOf(PentoraError);
  expect((err as PentoraError).message).toMatch(message);
  expect((err as PentoraError).code).toBe(code);
  return err as PentoraError;
}

/** A registry as `plugin install` reads it, optionally through a hostile transport. */
export function registry(fx: RegistryFixture, fetch: Fetcher = fx.fetch): TufSource {
  return { kind: 'registry', location: 'http://mirror.test/', fetch, trustedRoot: fx.pinnedRoot };
}

/** `pentora plugin install NAME --yes` into workspace `ws`, at time `now`. */
export function install(
  fx: RegistryFixture,
  ws: string,
  name: string,
  opts: { version?: string; fetch?: Fetcher; now?: Date; allowDowngrade?: boolean; yes?: boolean } = {},
): Promise<InstallResult> {
  const now = opts.now ?? T0;
  return installPlugin({
    workspace: ws,
    trust: new TrustStore(),
    now: () => now,
    name,
    ...(opts.version ? { version: opts.version } : {}),
    source: registry(fx, opts.fetch),
    yes: opts.yes ?? true,
    allowDowngrade: opts.allowDowngrade ?? false,
  });
}

export function workspace(): string {
  return tempDir('attack-ws');
}

/** A mirror that rewrites the bytes of every path matching `match`. */
export function tampering(fetch: Fetcher, match: RegExp, change: (bytes: Uint8Array) => Uint8Array): Fetcher {
  return async (p, max) => {
    const bytes = await fetch(p, max);
    return bytes && match.test(p) ? change(Uint8Array.from(bytes)) : bytes;
  };
}

/** A transport that ignores the byte cap it is given (a hostile server, a broken proxy). */
export function uncapped(dir: string): Fetcher {
  return async (p) => {
    try {
      return new Uint8Array(fs.readFileSync(path.join(dir, p)));
    } catch {
      return null;
    }
  };
}

export function flip(bytes: Uint8Array, offset: number, mask = 0xff): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[offset] = out[offset]! ^ mask;
  return out;
}

/**
 * With a publisher's (stolen) key: writes `bytes` as the consistent-snapshot
 * file of `target`, lists it in the role with its real length and hash (and
 * `custom`, if given), re-signs the role in place and re-seals snapshot and
 * timestamp with the online keys. Returns the file written.
 */
export function listTarget(fx: RegistryFixture, role: string, target: string, bytes: Uint8Array, key: SigningKey, custom?: JsonObject): string {
  const sha = sha256Hex(bytes);
  const rel = consistentTargetPath(target, sha);
  fs.mkdirSync(path.dirname(path.join(fx.dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(fx.dir, rel), bytes);
  editRole(fx, role, key, (targets) => {
    const prev = targets[target] as JsonObject | undefined;
    const c = custom ?? (prev?.custom as JsonObject | undefined);
    targets[target] = { length: bytes.length, hashes: { sha256: sha }, ...(c ? { custom: c } : {}) };
  });
  return rel;
}

/** Edits the `targets` map of `role`'s current file, re-signs it with `key`, re-seals. */
export function editRole(fx: RegistryFixture, role: string, key: SigningKey, edit: (targets: JsonObject, signed: JsonObject) => void): void {
  resign(fx.dir, currentRoleFile(fx.dir, role), (s) => edit(s.targets as JsonObject, s), [key]);
  reseal(fx);
}

/** Where the registry keeps a published target (`targets/acme/ssh-parser/0.1.0/<sha256>.plugin.wasm`). */
export function targetPath(fx: RegistryFixture, role: string, target: string): string {
  const signed = (JSON.parse(fs.readFileSync(path.join(fx.dir, currentRoleFile(fx.dir, role)), 'utf8')) as { signed: JsonObject }).signed;
  const t = (signed.targets as JsonObject)[target] as { hashes: { sha256: string } };
  return consistentTargetPath(target, t.hashes.sha256);
}

/** The bytes of a published target file of the fixture (`acme/ssh-parser/0.1.0/manifest.json`). */
export function targetBytes(fx: RegistryFixture, role: string, target: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(fx.dir, targetPath(fx, role, target))));
}

/**
 * Loads an installed plugin the way the catalog does at every run (blobs
 * re-hashed against lock.json, the loader, then the lock pin and revocation).
 */
export async function loadInstalled(ws: string, name: string): Promise<LoadedPlugin> {
  const cand = installedCandidates(ws, () => loadRevocations(ws))().find((c) => c.name === name);
  if (!cand) throw new Error(`${name} is not in ${ws}'s lock`);
  if (cand.refusal) throw new Error(cand.refusal);
  const trust = TrustStore.fromDirs([path.join(ws, 'keys', 'trusted')]);
  return loadPluginFromBytes(cand.read(), { trust, checkArtifact: (info) => cand.check(info) }, cand.files);
}

/**
 * What an attacker who can write a bundle does after changing a file in it:
 * recompute bundle.json (lengths, hashes, self digest) so the index agrees,
 * leaving only the TUF checks to catch the change.
 */
export function reindexBundle(dir: string): void {
  const file = path.join(dir, INDEX_PATH);
  const index = parseIndex(fs.readFileSync(file), file);
  index.files = index.files.map((f) => {
    const bytes = fs.readFileSync(path.join(dir, f.path));
    return { path: f.path, length: bytes.length, sha256: sha256Hex(bytes) };
  });
  fs.writeFileSync(file, serializeIndex(index));
}
