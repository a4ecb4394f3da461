/** `pentora bundle create|verify`: air-gapped bundles (registry/bundle/bundle.ts). */

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExitCode, UsageError } from '../errors.ts';
import { FileMetadataStore } from '../../registry/client/metadata-store.ts';
import { loadPolicy } from '../../registry/client/policy.ts';
import { loadRevocations } from '../../registry/client/revocation.ts';
import { readPinnedRoot, registrySource } from '../../registry/client/sources.ts';
import { createBundle, verifyBundle } from '../../registry/bundle/bundle.ts';
import type { MetadataStore } from '../../registry/tuf/updater.ts';
import { globals, parse } from './args.ts';
import { writeOut } from './output.ts';
import { ceilingsOf, openRuntime, type Runtime } from './runtime.ts';

export const usage = `pentora bundle create --plugins A,B[@VERSION] --out DIR|FILE.tar [--registry URL|DIR]
                                      copy verified metadata and plugins for an air-gapped network
pentora bundle verify PATH [--now TIME] [-o json]
                                      verify a bundle offline (install with plugin install --from-bundle)

  --registry URL|DIR  registry to copy from instead of the config's registry.url
  --root FILE         pinned root metadata instead of the config's registry.root
  --now TIME          judge expiry at this ISO 8601 time (audits); create: the creation time`;

/** `--now` as a Date; the current time when absent. */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new UsageError(`--now must be an ISO 8601 time like 2026-01-01T00:00:00Z, got "${value}"`);
  return new Date(t);
}

/** How stale a bundle's timestamp/snapshot may be: the config's value, never more than the policy allows. */
export function maxStalenessHours(rt: Runtime): number {
  return Math.min(rt.config.registry.max_staleness_hours, loadPolicy(rt.config.workspace).max_staleness_hours);
}

/** A registry given as a URL, or as a directory (read through a file: URL). */
function registryUrl(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : pathToFileURL(path.resolve(value)).href;
}

/** The workspace's rollback floor, read but never written (verifying a bundle changes nothing). */
function readOnly(store: MetadataStore): MetadataStore {
  return { load: (role) => store.load(role), save: () => undefined };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      plugins: { type: 'string' },
      out: { type: 'string' },
      registry: { type: 'string' },
      root: { type: 'string' },
      now: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    'bundle',
  );
  const [sub, ...rest] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const rootFile = values.root ? path.resolve(values.root) : rt.config.registry.root;
  const now = parseNow(values.now);
  const json = values.output === 'json';
  if (values.output !== undefined && !json) throw new UsageError(`bundle: -o must be json, got "${values.output}"`);
  switch (sub) {
    case 'create': {
      if (rest.length > 0) throw new UsageError(`bundle create: unexpected argument "${rest[0]}" (plugins go in --plugins a,b)`);
      const plugins = (values.plugins ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (plugins.length === 0) throw new UsageError('bundle create: --plugins A,B is required');
      if (!values.out) throw new UsageError('bundle create: --out DIR|FILE.tar is required');
      const source = registrySource(registryUrl(values.registry ?? rt.config.registry.url), rootFile);
      const s = await createBundle({
        fetch: source.fetch,
        trustedRoot: source.trustedRoot,
        plugins,
        out: path.resolve(values.out),
        now,
        store: new FileMetadataStore(rt.config.workspace, source.trustedRoot),
        revocations: loadRevocations(rt.config.workspace),
      });
      if (json) writeOut(JSON.stringify(s) + '\n');
      else {
        writeOut(`bundle ${s.out} (${s.kind}): ${s.files} files, ${s.bytes} bytes, created ${s.created_at}, root version ${s.root_version}\n`);
        for (const p of s.plugins) writeOut(`  ${p.name} ${p.version}\n`);
      }
      return ExitCode.Ok;
    }
    case 'verify': {
      const [location, ...more] = rest;
      if (!location || more.length > 0) throw new UsageError('bundle verify: give one bundle (a directory or a .tar file)');
      const trustedRoot = readPinnedRoot(rootFile);
      const v = await verifyBundle(location, {
        trustedRoot,
        now,
        maxStalenessHours: maxStalenessHours(rt),
        revocations: loadRevocations(rt.config.workspace),
        store: readOnly(new FileMetadataStore(rt.config.workspace, trustedRoot)),
        ceilings: ceilingsOf(rt.config),
      });
      if (json) writeOut(JSON.stringify(v) + '\n');
      else {
        writeOut(`bundle ${v.location} (${v.kind}) verified: created ${v.created_at}, root version ${v.root_version}\n`);
        for (const n of v.notes) writeOut(`  expiry: ${n}\n`);
        for (const p of v.plugins) writeOut(`  ok  ${p.name} ${p.version} (publisher ${p.role}, wasm ${p.wasm_sha256.slice(0, 16)}…)\n`);
      }
      return ExitCode.Ok;
    }
    default:
      throw new UsageError(`bundle: unknown subcommand "${sub}" (create, verify)`);
  }
}
