/** `pentora plugin list|info|verify`. */

import { ExitCode, UsageError } from '../errors.ts';
import type { CatalogEntry } from '../engine/catalog.ts';
import { globals, outputFormat, parse } from './args.ts';
import { table, writeOut } from './output.ts';
import { openCatalog, openRuntime } from './runtime.ts';

export const usage = `pentora plugin list [-o table|json]   installed plugins and whether they verify
pentora plugin info NAME              manifest, capabilities, limits and signers
pentora plugin verify [NAME...]       re-verify; exits 3 naming any plugin that fails`;

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

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { output: { type: 'string', short: 'o' } }, 'plugin');
  const [sub, ...names] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const catalog = await openCatalog(rt);
  switch (sub) {
    case 'list': {
      const format = outputFormat(values.output, ['table', 'json'], 'plugin list');
      const rows = catalog.entries.map(row);
      if (format === 'json') writeOut(JSON.stringify(rows, null, 2) + '\n');
      else writeOut(table(['NAME', 'VERSION', 'SOURCE', 'VERIFIED', 'WASM'], rows.map((r) => [r.name, r.version, r.source, r.verified ? 'yes' : `NO: ${r.error}`, r.wasm])));
      return ExitCode.Ok;
    }
    case 'info': {
      const name = names[0];
      if (!name) throw new UsageError('plugin info: give a plugin name');
      const e = catalog.entry(name);
      if (!e) throw new UsageError(`plugin info: no plugin named "${name}" (see pentora plugin list)`);
      const m = e.loaded?.manifest;
      const info = {
        ...row(e),
        ...(m
          ? {
              type: m.type,
              description: m.description,
              requires: m.requires,
              optional: m.optional ?? [],
              provides: m.provides,
              config: m.config,
              capabilities: m.capabilities,
              limits: e.loaded!.limits,
              wasm_sha256: e.loaded!.wasmSha256,
              signers: e.loaded!.signers.map((k) => ({ keyid: k.keyid, tier: k.tier, label: k.label })),
            }
          : {}),
      };
      writeOut(JSON.stringify(info, null, 2) + '\n');
      return e.verified ? ExitCode.Ok : ExitCode.Verification;
    }
    case 'verify': {
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
    default:
      throw new UsageError(`plugin: unknown subcommand "${sub}" (list, info, verify)`);
  }
}
