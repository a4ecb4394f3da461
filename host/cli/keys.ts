/** `pentora keys generate|list`: signing keys in <workspace>/keys and the keys trusted for plugins. */

import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../errors.ts';
import { fingerprint } from '../trust/ed25519.ts';
import { newSigningKey, writeSigningKey } from '../trust/keys.ts';
import { trustedKeyFile } from '../trust/trust-store.ts';
import { writeSecretFileSync } from '../trust/secret-file.ts';
import { globals, outputFormat, parse } from './args.ts';
import { table, writeOut } from './output.ts';
import { openRuntime } from './runtime.ts';

export const usage = `pentora keys generate --name NAME --namespace PUBLISHER   new ed25519 signing key in <workspace>/keys
pentora keys list [-o table|json]                                trusted keys with fingerprints`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { name: { type: 'string' }, namespace: { type: 'string' }, output: { type: 'string', short: 'o' } }, 'keys');
  const [sub] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const keysDir = path.join(rt.config.workspace, 'keys');
  if (sub === 'generate') {
    const name = values.name ?? 'signing';
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`keys generate: --name must match [a-z0-9][a-z0-9._-]*, got "${name}"`);
    const ns = values.namespace;
    if (!ns || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(ns)) throw new UsageError('keys generate: --namespace PUBLISHER is required (the key will sign PUBLISHER/* plugins)');
    const file = path.join(keysDir, `${name}.key.json`);
    if (fs.existsSync(file)) throw new UsageError(`keys generate: ${file} already exists; choose another --name`);
    const key = newSigningKey();
    writeSigningKey(file, key);
    // The public half, ready to hand to whoever should trust it.
    const pub = trustedKeyFile({ publicKey: key.publicKey, namespaces: [`${ns}/*`], tier: 'community', label: name });
    writeSecretFileSync(path.join(keysDir, `${name}.pub.json`), JSON.stringify(pub, null, 2) + '\n');
    writeOut(`secret key: ${file}\npublic key: ${path.join(keysDir, `${name}.pub.json`)}\nkeyid:      ${key.keyid}\nfingerprint: ${fingerprint(key.keyid)}\n`);
    return ExitCode.Ok;
  }
  if (sub === 'list') {
    const keys = rt.trust.list();
    const format = outputFormat(values.output, ['table', 'json'], 'keys list');
    const rows = keys.map((k) => ({ keyid: k.keyid, fingerprint: fingerprint(k.keyid), tier: k.tier, namespaces: k.namespaces, label: k.label ?? null, source: k.source }));
    if (format === 'json') writeOut(JSON.stringify(rows, null, 2) + '\n');
    else writeOut(table(['FINGERPRINT', 'TIER', 'NAMESPACES', 'LABEL', 'SOURCE'], rows.map((r) => [r.fingerprint, r.tier, r.namespaces.join(','), r.label, r.source])));
    return ExitCode.Ok;
  }
  throw new UsageError(`keys: unknown subcommand "${sub}" (generate, list)`);
}
