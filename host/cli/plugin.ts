/** `pentora plugin list|info|verify|search|install|update|approve|remove`. */

import path from 'node:path';
import { ExitCode, exitCodeFor, UsageError } from '../errors.ts';
import type { CatalogEntry } from '../engine/catalog.ts';
import type { LoadedPlugin } from '../sandbox/loader.ts';
import { describeCapabilities } from '../../registry/client/approval.ts';
import { installPlugin, type InstallResult, type InstallSource, type StoreContext } from '../../registry/client/install.ts';
import { approvePlugin, inspectInstalled, removePlugin, searchPlugins, updatePlugins } from '../../registry/client/manage.ts';
import { readPinnedRoot, registrySource, updateSourceFor } from '../../registry/client/sources.ts';
import { installFromBundle } from '../../registry/bundle/bundle.ts';
import { maxStalenessHours } from './bundle.ts';
import { globals, outputFormat, parse } from './args.ts';
import { table, writeOut } from './output.ts';
import { tell, ttyConfirm } from './prompt.ts';
import { ceilingsOf, openCatalog, openRuntime, type Runtime } from './runtime.ts';

export const usage = `pentora plugin list [-o table|json]   installed plugins and whether they verify
pentora plugin info NAME              manifest, capabilities, limits and signers
pentora plugin verify [NAME...]       re-verify; exits 3 naming any plugin that fails
pentora plugin search [QUERY]         what the configured registry offers
pentora plugin install NAME[@VERSION] | ./DIR [--yes] [--allow-downgrade]
                                      install from the registry (or a signed local folder)
pentora plugin install --from-bundle PATH NAME...|--all [--yes]
                                      install from an air-gapped bundle (no network)
pentora plugin update [NAME...] [--yes] [--allow-downgrade]
pentora plugin approve NAME           approve changed capabilities and enable the plugin
pentora plugin remove NAME...         uninstall (unreferenced blobs are deleted)

  --registry URL    registry to use instead of the config's registry.url
  --root FILE       pinned root metadata instead of the config's registry.root
  --now TIME        judge registry expiry at this ISO 8601 time (audits)
  -y, --yes         approve the capabilities shown without asking
  --allow-downgrade install a version lower than the one in the lockfile`;

const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}$/;

function row(e: CatalogEntry) {
  return {
    name: e.name,
    version: e.version,
    source: e.source,
    wasm: e.files.wasm,
    verified: e.verified,
    ...(e.error ? { error: e.error } : {}),
  };
}

function manifestInfo(p: LoadedPlugin) {
  const m = p.manifest;
  return {
    type: m.type,
    description: m.description,
    requires: m.requires,
    optional: m.optional ?? [],
    provides: m.provides,
    config: m.config,
    capabilities: m.capabilities,
    limits: p.limits,
    wasm_sha256: p.wasmSha256,
    signers: p.signers.map((k) => ({ keyid: k.keyid, tier: k.tier, label: k.label })),
  };
}

/** A path is spelled as one (./x, ../x, /x, ~/x) or cannot be a plugin name; `acme/redis` is a name. */
function isPathArg(arg: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|~)/.test(arg) || !PLUGIN_NAME.test(arg.split('@')[0]!);
}

function clock(now: string | undefined): () => Date {
  if (now === undefined) return () => new Date();
  const t = Date.parse(now);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(now)) throw new UsageError(`--now must be an ISO 8601 time like 2026-01-01T00:00:00Z, got "${now}"`);
  return () => new Date(t);
}

function storeContext(rt: Runtime, values: { now?: string | undefined }, confirmQuestion: string | null): StoreContext {
  const confirm = confirmQuestion ? ttyConfirm(confirmQuestion) : undefined;
  return {
    workspace: rt.config.workspace,
    trust: rt.trust,
    now: clock(values.now),
    ceilings: ceilingsOf(rt.config),
    show: tell,
    ...(confirm ? { confirm } : {}),
  };
}

function rootFile(rt: Runtime, flag: string | undefined): string {
  return flag ? path.resolve(flag) : rt.config.registry.root;
}

function describeResult(r: InstallResult): string {
  if (!r.enabled) {
    return `${r.name} ${r.version} installed but DISABLED: its capabilities differ from the ones approved for ${r.previous}; review them (pentora plugin info ${r.name}) and run "pentora plugin approve ${r.name}"\n`;
  }
  const what = r.status === 'installed' ? 'installed' : `${r.status} (was ${r.previous})`;
  return `${r.name} ${r.version} ${what} from ${r.source}; wasm sha256 ${r.wasm_sha256.slice(0, 16)}…\n`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      output: { type: 'string', short: 'o' },
      yes: { type: 'boolean', short: 'y' },
      'allow-downgrade': { type: 'boolean' },
      registry: { type: 'string' },
      root: { type: 'string' },
      now: { type: 'string' },
      'from-bundle': { type: 'string' },
      all: { type: 'boolean' },
    },
    'plugin',
  );
  const [sub, ...names] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const yes = values.yes ?? false;
  const allowDowngrade = values['allow-downgrade'] ?? false;
  switch (sub) {
    case 'list': {
      const catalog = await openCatalog(rt);
      const format = outputFormat(values.output, ['table', 'json'], 'plugin list');
      const rows = catalog.entries.map(row);
      if (format === 'json') writeOut(JSON.stringify(rows, null, 2) + '\n');
      else writeOut(table(['NAME', 'VERSION', 'SOURCE', 'VERIFIED', 'WASM'], rows.map((r) => [r.name, r.version, r.source, r.verified ? 'yes' : `NO: ${r.error}`, r.wasm])));
      return ExitCode.Ok;
    }
    case 'info': {
      const name = names[0];
      if (!name) throw new UsageError('plugin info: give a plugin name');
      const catalog = await openCatalog(rt);
      const e = catalog.entry(name);
      if (!e) throw new UsageError(`plugin info: no plugin named "${name}" (see pentora plugin list)`);
      let extra = e.loaded ? manifestInfo(e.loaded) : {};
      if (e.source === 'installed' && !e.verified) {
        // A disabled plugin is not loaded, but its (verified) capabilities are what the operator must review.
        try {
          const { entry, loaded } = await inspectInstalled(name, storeContext(rt, values, null));
          extra = { ...manifestInfo(loaded), capabilities_summary: describeCapabilities(loaded.manifest), lock: entry };
        } catch {
          // It does not verify at all: the row's error says why.
        }
      }
      writeOut(JSON.stringify({ ...row(e), ...extra }, null, 2) + '\n');
      return e.verified ? ExitCode.Ok : ExitCode.Verification;
    }
    case 'verify': {
      const catalog = await openCatalog(rt);
      const chosen = names.length ? catalog.entries.filter((e) => names.includes(e.name)) : catalog.entries;
      const missing = names.filter((n) => !catalog.entries.some((e) => e.name === n));
      if (missing.length) throw new UsageError(`plugin verify: no plugin named ${missing.join(', ')}`);
      let failed = 0;
      for (const e of chosen) {
        if (e.verified) writeOut(`ok      ${e.name} ${e.version ?? ''} (${e.loaded?.wasmSha256.slice(0, 16)}…)\n`);
        else {
          failed++;
          writeOut(`FAILED  ${e.name}: ${e.error}\n`);
        }
      }
      if (chosen.length === 0) writeOut('no plugins found\n');
      return failed > 0 ? ExitCode.Verification : ExitCode.Ok;
    }
    case 'search': {
      const format = outputFormat(values.output, ['table', 'json'], 'plugin search');
      const source = registrySource(values.registry ?? rt.config.registry.url, rootFile(rt, values.root));
      const hits = await searchPlugins(source, rt.config.workspace, clock(values.now), names.join(' ') || undefined);
      if (format === 'json') writeOut(JSON.stringify(hits, null, 2) + '\n');
      else writeOut(table(['NAME', 'VERSION', 'PUBLISHER', 'DESCRIPTION'], hits.map((h) => [h.name, h.version, h.role, h.description])));
      return ExitCode.Ok;
    }
    case 'install': {
      if (values['from-bundle']) {
        if (values.all ? names.length > 0 : names.length === 0) throw new UsageError('plugin install --from-bundle PATH: give plugin names, or --all');
        const ctx = storeContext(rt, values, 'Approve these capabilities and install?');
        const trustedRoot = readPinnedRoot(rootFile(rt, values.root));
        const { results, notes } = await installFromBundle({ ...ctx, bundle: values['from-bundle'], names: values.all ? 'all' : names, trustedRoot, maxStalenessHours: maxStalenessHours(rt), yes, allowDowngrade });
        if (notes.length > 0) tell(notes.map((n) => `expiry: ${n}`));
        for (const r of results) writeOut(values.output === 'json' ? JSON.stringify(r) + '\n' : describeResult(r));
        return ExitCode.Ok;
      }
      const [arg, ...more] = names;
      if (!arg || more.length > 0) throw new UsageError('plugin install: give one plugin name (publisher/plugin[@version]) or a ./path');
      let source: InstallSource;
      let name: string | undefined;
      let version: string | undefined;
      if (isPathArg(arg)) source = { kind: 'file', path: arg };
      else {
        [name, version] = arg.split('@') as [string, string | undefined];
        source = registrySource(values.registry ?? rt.config.registry.url, rootFile(rt, values.root));
      }
      const ctx = storeContext(rt, values, 'Approve these capabilities and install?');
      const r = await installPlugin({ ...ctx, ...(name ? { name } : {}), ...(version ? { version } : {}), source, yes, allowDowngrade });
      if (values.output === 'json') writeOut(JSON.stringify(r) + '\n');
      else writeOut(describeResult(r));
      return ExitCode.Ok;
    }
    case 'update': {
      const ctx = storeContext(rt, values, 'Approve these capabilities and update?');
      const root = rootFile(rt, values.root);
      const results = await updatePlugins({ ...ctx, names, yes, allowDowngrade, sourceFor: (_n, entry) => updateSourceFor(entry, root) });
      for (const r of results) {
        if (r.status === 'failed') writeOut(`FAILED      ${r.name}: ${r.message ?? r.error?.message}\n`);
        else if (r.status === 'skipped') writeOut(`skipped     ${r.name} ${r.from}: ${r.message}\n`);
        else if (r.status === 'up-to-date') writeOut(`up to date  ${r.name} ${r.from}\n`);
        else if (r.status === 'pending-approval') writeOut(`DISABLED    ${r.name} ${r.from} -> ${r.to}: capabilities changed; run "pentora plugin approve ${r.name}"\n`);
        else writeOut(`${r.status.padEnd(11)} ${r.name} ${r.from} -> ${r.to}\n`);
      }
      if (results.length === 0) writeOut('no plugins installed\n');
      const failed = results.find((r) => r.status === 'failed');
      return failed ? exitCodeFor(failed.error) : ExitCode.Ok;
    }
    case 'approve': {
      const name = names[0];
      if (!name || names.length > 1) throw new UsageError('plugin approve: give one plugin name');
      const r = await approvePlugin(name, storeContext(rt, values, null));
      tell([`${r.name} ${r.version} approved with:`, ...r.capabilities.map((l) => `    ${l}`)]);
      writeOut(`${r.name} ${r.version} approved and enabled\n`);
      return ExitCode.Ok;
    }
    case 'remove': {
      if (names.length === 0) throw new UsageError('plugin remove: give the plugin names');
      for (const n of names) {
        const r = await removePlugin(n, rt.config.workspace);
        writeOut(`removed ${r.name} ${r.version}\n`);
      }
      return ExitCode.Ok;
    }
    default:
      throw new UsageError(`plugin: unknown subcommand "${sub}" (list, info, verify, search, install, update, approve, remove)`);
  }
}
