/**
 * Air-gapped bundles, the second "Done when": `bundle create` ->
 * copy -> `bundle verify` + `plugin install --from-bundle` work with no
 * network into a fresh workspace (the CLI runs with every socket and DNS
 * lookup made to throw), and a single flipped byte anywhere in a bundle —
 * any file of a bundle directory, any block of a bundle tar, headers
 * included — is refused.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { TrustStore } from '../../host/trust/trust-store.ts';
import { createBundle, installFromBundle, verifyBundle } from '../../registry/bundle/bundle.ts';
import { INDEX_PATH, parseIndex, serializeIndex } from '../../registry/bundle/bundle-index.ts';
import { readTar } from '../../registry/bundle/tar.ts';
import { rotateRoot } from '../../registry/tuf/repository.ts';
import { runPlugin } from '../../sdk/testing/harness.ts';
import { runCli } from '../e2e/helpers.ts';
import { at, flip, loadInstalled, refused, T0 } from './attack-kit.ts';
import { tempDir } from './client-support.ts';
import { createRegistryFixture, type RegistryFixture } from './fixtures.ts';

const PLUGINS = ['acme/ssh-parser', 'pentora/ssh-parser'];
const BANNER = { banners: [{ host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: Buffer.from('SSH-2.0-OpenSSH_9.6p1\r\n').toString('base64') }] };

/** A refusal a flipped byte may legitimately produce: structure, index, digest, or a TUF check. */
const FLIP_CODES: string[] = [ErrorCode.Bundle, ErrorCode.Digest, ErrorCode.Registry, ErrorCode.Signature, ErrorCode.NotFound];

async function refusedFlip(p: Promise<unknown>, what: string): Promise<PentoraError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `${what}: the flipped bundle was accepted`).toBeInstanceOf(PentoraError);
  expect(FLIP_CODES, `${what}: ${(err as PentoraError).message}`).toContain((err as PentoraError).code);
  return err as PentoraError;
}

function listFiles(root: string, rel = ''): string[] {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(root, p) : [p];
  });
}

/** Offsets spread over a file: first, last, and `n` more at a stride (deterministic). */
function sampleOffsets(length: number, n: number): number[] {
  const out = new Set([0, length - 1]);
  for (let i = 1; i <= n; i++) out.add(Math.floor((length * i) / (n + 1)));
  return [...out].filter((o) => o >= 0 && o < length);
}

describe('bundle create -> copy -> verify + install --from-bundle, over the CLI with the network disabled', () => {
  let fx: RegistryFixture;
  let work: string;
  let noNet: Record<string, string>;
  beforeAll(async () => {
    // The registry is signed now: the CLI runs on the real clock, with no --now.
    fx = await createRegistryFixture();
    work = tempDir('bundle-cli');
    const guard = path.join(work, 'no-network.mjs');
    fs.writeFileSync(
      guard,
      `import net from 'node:net'; import dns from 'node:dns';
const deny = () => { throw new Error('NETWORK USED during an air-gapped command'); };
net.Socket.prototype.connect = deny; net.connect = deny; net.createConnection = deny; dns.lookup = deny; dns.promises.lookup = deny;\n`,
    );
    noNet = { NODE_OPTIONS: `--import=${guard}` };
  });
  afterAll(() => {
    fx?.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the network guard really stops a network command', async () => {
    const r = await runCli(['plugin', 'search', '--registry', 'http://127.0.0.1:9/', '--root', path.join(fx.dir, '1.root.json'), '--workspace', path.join(work, 'ws0')], noNet);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NETWORK USED/);
  });

  it.each(['tar', 'directory'])('works end to end for a %s bundle', async (kind) => {
    const made = path.join(work, `made-${kind}`);
    fs.mkdirSync(made);
    const out = path.join(made, kind === 'tar' ? 'pentora-bundle.tar' : 'pentora-bundle');
    const pinned = path.join(work, 'pinned-1.root.json');
    fs.copyFileSync(path.join(fx.dir, '1.root.json'), pinned);
    const create = await runCli(['bundle', 'create', '--plugins', PLUGINS.join(','), '--out', out, '--registry', fx.dir, '--root', pinned, '--workspace', path.join(work, `ws-create-${kind}`)], noNet);
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(new RegExp(`bundle .*pentora-bundle.* \\(${kind}\\): \\d+ files, \\d+ bytes, created \\d{4}-.*Z, root version 1`));

    // Carried across the air gap: a copy elsewhere; the original and the registry are out of reach.
    const carried = path.join(work, `carried-${kind}`);
    fs.cpSync(out, carried, { recursive: true });
    fs.rmSync(made, { recursive: true });
    const ws = path.join(work, `ws-target-${kind}`);
    const verify = await runCli(['bundle', 'verify', carried, '--root', pinned, '--workspace', ws], noNet);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/verified: created .*, root version 1/);
    for (const p of PLUGINS) expect(verify.stdout).toMatch(new RegExp(`ok  ${p} 0\\.1\\.0 \\(publisher ${p.split('/')[0]}, wasm [0-9a-f]{16}…\\)`));

    const install = await runCli(['plugin', 'install', '--from-bundle', carried, '--all', '--yes', '--root', pinned, '--workspace', ws], noNet);
    expect(install.code, install.stderr).toBe(0);
    for (const p of PLUGINS) expect(install.stdout).toContain(`${p} 0.1.0 installed from bundle:${carried}`);

    const list = await runCli(['plugin', 'list', '-o', 'json', '--workspace', ws], noNet);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ name: string; source: string; verified: boolean }>;
    expect(rows.filter((r) => r.source === 'installed')).toEqual(expect.arrayContaining(PLUGINS.map((name) => expect.objectContaining({ name, verified: true }))));
  });

  it('exits 3 naming the damage when a carried bundle has a flipped byte', async () => {
    const out = path.join(work, 'flipped.tar');
    const pinned = path.join(fx.dir, '1.root.json');
    const create = await runCli(['bundle', 'create', '--plugins', 'acme/ssh-parser', '--out', out, '--registry', fx.dir, '--root', pinned, '--workspace', path.join(work, 'ws-f')], noNet);
    expect(create.code, create.stderr).toBe(0);
    const bytes = fs.readFileSync(out);
    const wasm = readTar(bytes, out).find((e) => e.path.endsWith('.plugin.wasm'))!;
    fs.writeFileSync(out, flip(bytes, wasm.data.byteOffset - bytes.byteOffset + 100, 0x01));
    const verify = await runCli(['bundle', 'verify', out, '--root', pinned, '--workspace', path.join(work, 'ws-f')], noNet);
    expect(verify.code).toBe(3);
    expect(verify.stderr).toMatch(/^pentora bundle: .*flipped\.tar: "targets\/acme\/ssh-parser\/0\.1\.0\/[0-9a-f]{64}\.plugin\.wasm" does not match bundle\.json \(expected sha256/);
  });
});

describe('bundle library', () => {
  let fx: RegistryFixture;
  let dir: string;
  let bundleDir: string;
  let bundleTar: string;
  const opts = () => ({ trustedRoot: fx.pinnedRoot, now: at(2), maxStalenessHours: 72 });
  beforeAll(async () => {
    fx = await createRegistryFixture({ now: T0 });
    dir = tempDir('bundle-lib');
    bundleDir = path.join(dir, 'b');
    bundleTar = path.join(dir, 'b.tar');
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: PLUGINS, out: bundleDir, now: T0 });
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: PLUGINS, out: bundleTar, now: T0 });
  });
  afterAll(() => {
    fx?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies both forms, reporting the relaxed timestamp expiry', async () => {
    for (const b of [bundleDir, bundleTar]) {
      const v = await verifyBundle(b, opts());
      expect(v).toMatchObject({ created_at: '2026-03-01T12:00:00Z', root_version: 1, kind: b.endsWith('.tar') ? 'tar' : 'directory' });
      expect(v.plugins.map((p) => [p.name, p.version, p.role])).toEqual([
        ['acme/ssh-parser', '0.1.0', 'acme'],
        ['pentora/ssh-parser', '0.1.0', 'pentora'],
      ]);
      expect(v.notes).toEqual(['timestamp expired 2026-03-02T12:00:00Z, accepted: bundle created 2026-03-01T12:00:00Z, within max staleness 72 h']);
    }
  });

  it('installs into a fresh workspace, and the installed plugin runs', async () => {
    const ws = tempDir('bundle-ws');
    try {
      const { results, notes } = await installFromBundle({ workspace: ws, trust: new TrustStore(), now: () => at(2), bundle: bundleTar, names: ['acme/ssh-parser'], trustedRoot: fx.pinnedRoot, maxStalenessHours: 72, yes: true, allowDowngrade: false });
      expect(results).toEqual([expect.objectContaining({ name: 'acme/ssh-parser', version: '0.1.0', status: 'installed', enabled: true, source: `bundle:${bundleTar}` })]);
      expect(notes[0]).toMatch(/^timestamp expired .*, accepted: bundle created 2026-03-01T12:00:00Z, within max staleness 72 h$/);
      const run = await runPlugin({ loaded: await loadInstalled(ws, 'acme/ssh-parser'), context: BANNER });
      expect(run.error).toBeUndefined();
      expect(run.written.service_fingerprints).toEqual([expect.objectContaining({ product: 'OpenSSH', version: '9.6p1', plugin: 'acme/ssh-parser' })]);
      await refused(
        installFromBundle({ workspace: ws, trust: new TrustStore(), now: () => at(2), bundle: bundleTar, names: ['acme/nope'], trustedRoot: fx.pinnedRoot, maxStalenessHours: 72, yes: true, allowDowngrade: false }),
        ErrorCode.NotFound,
        /acme\/nope is not in this bundle \(it holds acme\/ssh-parser, pentora\/ssh-parser\)/,
      );
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('is deterministic: the same registry state and time give the same tar bytes', async () => {
    const again = path.join(dir, 'again.tar');
    await createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: [...PLUGINS].reverse(), out: again, now: T0 });
    expect(fs.readFileSync(again).equals(fs.readFileSync(bundleTar))).toBe(true);
    const entries = readTar(fs.readFileSync(bundleTar), bundleTar);
    expect(new Set(entries.map((e) => e.mode))).toEqual(new Set([0o644, 0o755]));
  });

  it('catches a flipped byte in every file of a bundle directory', async () => {
    let flips = 0;
    for (const rel of listFiles(bundleDir)) {
      const file = path.join(bundleDir, rel);
      const original = fs.readFileSync(file);
      // bundle.json: also every byte before "files" (format, created_at, root_version, plugins), one bit each.
      const head = rel === 'bundle.json' ? [...Array(original.indexOf('"files"')).keys()] : [];
      for (const [i, off] of [...sampleOffsets(original.length, 6), ...head].entries()) {
        fs.writeFileSync(file, flip(original, off, i % 2 || i >= 8 ? 0x01 : 0xff));
        try {
          const err = await refusedFlip(verifyBundle(bundleDir, opts()), `${rel}@${off}`);
          // The refusal names the damaged file (bundle.json's own damage names bundle.json).
          expect(err.message, `${rel}@${off}`).toContain(rel === 'bundle.json' ? 'bundle.json' : `"${rel}"`);
          flips++;
        } finally {
          fs.writeFileSync(file, original);
        }
      }
    }
    expect(flips).toBeGreaterThan(100);
    await verifyBundle(bundleDir, opts()); // restored: still good
  });

  it('catches a flipped byte anywhere in a bundle tar: every block, and every field of every header', async () => {
    const original = fs.readFileSync(bundleTar);
    const headers = readTar(original, bundleTar).map((e) => e.data.byteOffset - original.byteOffset - 512);
    // name, mode, uid, gid, size, mtime, chksum, typeflag, magic, version, uname, devmajor, prefix, padding
    const fields = [0, 50, 100, 108, 116, 124, 136, 148, 154, 156, 257, 263, 265, 329, 345, 499, 511];
    const offsets = new Set<number>();
    for (const h of headers) for (const f of fields) offsets.add(h + f);
    for (let block = 0; block < original.length / 512; block++) offsets.add(block * 512 + ((block * 97) % 512));
    offsets.add(original.length - 1);
    const flipped = path.join(dir, 'flipped.tar');
    let i = 0;
    for (const off of offsets) {
      fs.writeFileSync(flipped, flip(original, off, i++ % 2 ? 0x01 : 0xff));
      await refusedFlip(verifyBundle(flipped, opts()), `offset ${off}`);
    }
    expect(offsets.size).toBeGreaterThan(original.length / 512);
  });

  it('refuses files the index does not list, listed files that are missing, and stray listed files', async () => {
    const copy = path.join(dir, 'copy');
    fs.cpSync(bundleDir, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'targets', 'extra.txt'), 'x');
    await refused(verifyBundle(copy, opts()), ErrorCode.Bundle, /"targets\/extra\.txt" is in the bundle but not listed in bundle\.json/);
    // Listed too (an index rewritten by whoever made the bundle): still not part of anything verified.
    const index = parseIndex(fs.readFileSync(path.join(copy, INDEX_PATH)), 'bundle.json');
    index.files.push({ path: 'targets/extra.txt', length: 1, sha256: sha256Hex(Buffer.from('x')) });
    fs.writeFileSync(path.join(copy, INDEX_PATH), serializeIndex(index));
    await refused(verifyBundle(copy, opts()), ErrorCode.Bundle, /"targets\/extra\.txt" is neither verified metadata nor a file of a bundled plugin/);
    fs.rmSync(path.join(copy, 'targets', 'extra.txt'));
    fs.rmSync(path.join(copy, 'timestamp.json'));
    await refused(verifyBundle(copy, opts()), ErrorCode.Bundle, /"timestamp\.json" is listed in bundle\.json but missing from the bundle/);
  });

  it('refuses a bundle that claims to be created in the future', async () => {
    await refused(verifyBundle(bundleTar, { ...opts(), now: new Date(T0.getTime() - 3600_000) }), ErrorCode.Bundle, /bundle claims to be created at 2026-03-01T12:00:00Z, after now \(2026-03-01T11:00:00Z\)/);
  });

  it('carries every root version: a bundle made after a root rotation verifies for a client pinned to version 1', async () => {
    const rfx = await createRegistryFixture({ now: T0 });
    try {
      await rotateRoot(rfx.dir, { now: () => T0, oldRootKeys: [rfx.keys.root], keys: { root: [newSigningKey()] } });
      const pinned2 = new Uint8Array(fs.readFileSync(path.join(rfx.dir, '2.root.json')));
      const out = path.join(rfx.base, 'rotated.tar');
      await createBundle({ fetch: rfx.fetch, trustedRoot: pinned2, plugins: ['acme/ssh-parser'], out, now: T0 });
      expect(readTar(fs.readFileSync(out), out).map((e) => e.path).filter((p) => p.endsWith('.root.json'))).toEqual(['1.root.json', '2.root.json']);
      for (const trustedRoot of [rfx.pinnedRoot, pinned2]) {
        expect(await verifyBundle(out, { trustedRoot, now: T0, maxStalenessHours: 72 })).toMatchObject({ root_version: 2 });
      }
    } finally {
      rfx.cleanup();
    }
  });

  it('refuses to create over an existing bundle, or with a plugin the registry does not have', async () => {
    await refused(createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: PLUGINS, out: bundleTar, now: T0 }), ErrorCode.Usage, /already exists; choose another --out/);
    await refused(createBundle({ fetch: fx.fetch, trustedRoot: fx.pinnedRoot, plugins: ['acme/nope'], out: path.join(dir, 'n.tar'), now: T0 }), ErrorCode.NotFound, /acme\/nope is not in the registry/);
    expect(fs.existsSync(path.join(dir, 'n.tar'))).toBe(false);
  });
});
