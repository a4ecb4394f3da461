/**
 * Shared by the registry client tests: a real registry made with
 * registry/tuf/repository.ts in a temp dir and served on 127.0.0.1 (port 0),
 * publisher plugins made from a builtin's wasm under a new name, an SSH
 * banner listener, and store helpers.
 */

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_PLUGINS_DIR } from '../../host/engine/catalog.ts';
import type { Capabilities } from '../../host/sandbox/manifest.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { serializeEnvelope, signEnvelope, type SigningKey } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { trustedKeyFile } from '../../host/trust/trust-store.ts';
import { serveRegistry, type RegistryServer } from '../../registry/client/serve.ts';
import { addPublisher, initRepository, publishPlugin, revoke } from '../../registry/tuf/repository.ts';
import type { TopRole } from '../../registry/tuf/metadata.ts';
import { manifestBytes, readTemplate } from '../../sdk/build/build.ts';

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pentora-${label}-`));
}

export interface PluginSpec {
  name?: string;
  version: string;
  capabilities?: Capabilities;
}

/**
 * A built plugin folder (plugin.wasm, manifest.json, manifest.sig) whose wasm
 * is the builtin ssh-parser's and whose manifest names it `acme/ssh-checks`
 * (or `spec.name`), in the standard profile, signed by `key`.
 */
export function makePluginDist(into: string, key: SigningKey, spec: PluginSpec): string {
  const template = readTemplate(path.join(BUILTIN_PLUGINS_DIR, 'ssh-parser'));
  template.name = spec.name ?? 'acme/ssh-checks';
  template.version = spec.version;
  template.profiles = ['standard'];
  template.description = `SSH banners, republished by acme for tests (${spec.version})`;
  // The builtin probes (net.tcp); acme's copy is the offline parser the tests widen from.
  template.capabilities = spec.capabilities ?? {};
  const wasm = fs.readFileSync(path.join(BUILTIN_PLUGINS_DIR, 'ssh-parser', 'dist', 'plugin.wasm'));
  const mb = manifestBytes(template, { sha256: sha256Hex(wasm), size: wasm.length });
  const dir = path.join(into, `${String(template.name).replace('/', '_')}-${spec.version}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'plugin.wasm'), wasm);
  fs.writeFileSync(path.join(dir, 'manifest.json'), mb);
  fs.writeFileSync(path.join(dir, 'manifest.sig'), serializeEnvelope(signEnvelope(mb, [key])));
  return dir;
}

export interface TestRegistry {
  dir: string;
  /** The pinned root a client trusts (1.root.json). */
  root: string;
  url: string;
  keys: Record<TopRole, SigningKey[]>;
  acme: SigningKey;
  /** Where plugin dists are built. */
  work: string;
  publish(spec: PluginSpec): Promise<string>;
  /** Adds to the registry's signed revocation list. */
  revoke(list: { keys?: string[]; artifacts?: string[] }): Promise<void>;
  /** The acme key as a trusted-key file (what `keys trust` takes). */
  acmePubFile(): string;
  close(): Promise<void>;
}

/** A fresh registry with publisher `acme`, served on 127.0.0.1 with a kernel-chosen port. */
export async function startRegistry(): Promise<TestRegistry> {
  const work = tempDir('reg');
  const dir = path.join(work, 'registry');
  const keys: Record<TopRole, SigningKey[]> = { root: [newSigningKey()], targets: [newSigningKey()], snapshot: [newSigningKey()], timestamp: [newSigningKey()] };
  const acme = newSigningKey();
  await initRepository(dir, { keys });
  await addPublisher(dir, { name: 'acme', keys: [acme.publicKey], signers: { targets: keys.targets, snapshot: keys.snapshot, timestamp: keys.timestamp, publisher: [acme] } });
  const server: RegistryServer = await serveRegistry({ root: dir, port: 0 });
  return {
    dir,
    root: path.join(dir, '1.root.json'),
    url: server.url,
    keys,
    acme,
    work,
    async publish(spec) {
      const dist = makePluginDist(path.join(work, 'dists'), acme, spec);
      await publishPlugin(dir, dist, { publisher: [acme], snapshot: keys.snapshot, timestamp: keys.timestamp });
      return dist;
    },
    revoke: (list) => revoke(dir, { ...list, signers: { targets: keys.targets, snapshot: keys.snapshot, timestamp: keys.timestamp } }),
    acmePubFile() {
      const file = path.join(work, 'acme.pub.json');
      fs.writeFileSync(file, JSON.stringify(trustedKeyFile({ publicKey: acme.publicKey, namespaces: ['acme/*'], tier: 'community', label: 'acme' })));
      return file;
    },
    close: () => server.close(),
  };
}

/** An SSH server stand-in on 127.0.0.1: sends an OpenSSH identification string to every connection. */
export async function sshListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
    c.on('close', () => sockets.delete(c));
    c.end('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Replaces a read-only store blob's content (what an attacker with write access to the workspace could do). */
export function overwriteBlob(file: string, bytes: Uint8Array): void {
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, bytes);
  fs.chmodSync(file, 0o444);
}
