/** `pentora keys generate|list|trust|untrust|revoke`: signing keys in <workspace>/keys and the keys trusted for plugins. */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, ExitCode, PentoraError, UsageError } from '../errors.ts';
import { fingerprint } from '../trust/ed25519.ts';
import { newSigningKey, writeSigningKey } from '../trust/keys.ts';
import { parseTrustedKey, trustedKeyFile, type TrustedKey } from '../trust/trust-store.ts';
import { writeSecretFileSync } from '../trust/secret-file.ts';
import { loadRevocations, revokeLocally } from '../../registry/client/revocation.ts';
import { globals, outputFormat, parse } from './args.ts';
import { table, writeOut } from './output.ts';
import { openRuntime } from './runtime.ts';

export const usage = `pentora keys generate --name NAME --namespace PUBLISHER   new ed25519 signing key in <workspace>/keys
pentora keys list [-o table|json]                                trusted keys with fingerprints
pentora keys trust FILE                                          trust a public key entry (e.g. NAME.pub.json) in this workspace
pentora keys untrust KEYID                                       stop trusting a key this workspace trusted
pentora keys revoke KEYID... | --artifact SHA256...              refuse a key or artifact everywhere (<workspace>/keys/revoked.json)`;

const HEX64 = /^[0-9a-f]{64}$/;

function readKeyEntries(file: string): TrustedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PentoraError(ErrorCode.Trust, `${file}: not a readable JSON key entry: ${(err as Error).message}`);
  }
  return Array.isArray(doc) ? doc.map((d, i) => parseTrustedKey(d, `${file}[${i}]`)) : [parseTrustedKey(doc, file)];
}

/** A keyid from what people paste: the full hex id, or the fingerprint (`abcd 1234 …`, 32+ hex digits). */
function keyidArg(arg: string, known: TrustedKey[]): string {
  const hex = arg.replace(/\s+/g, '').toLowerCase();
  if (HEX64.test(hex)) return hex;
  if (/^[0-9a-f]{32,63}$/.test(hex)) {
    const matches = known.filter((k) => k.keyid.startsWith(hex));
    if (matches.length === 1) return matches[0]!.keyid;
    throw new UsageError(`"${arg}" matches ${matches.length} trusted keys; give the full keyid`);
  }
  throw new UsageError(`"${arg}" is not a keyid (64 hex digits) or a fingerprint (at least 32 hex digits)`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { name: { type: 'string' }, namespace: { type: 'string' }, output: { type: 'string', short: 'o' }, artifact: { type: 'string', multiple: true } },
    'keys',
  );
  const [sub, ...args] = positionals;
  if (values.help || !sub) return (writeOut(usage + '\n'), sub ? ExitCode.Ok : ExitCode.Usage);
  const rt = await openRuntime(globals(values));
  const keysDir = path.join(rt.config.workspace, 'keys');
  const trustedDir = path.join(keysDir, 'trusted');
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
  if (sub === 'trust') {
    const [file, ...more] = args;
    if (!file || more.length > 0) throw new UsageError('keys trust: give one key file (a .pub.json entry)');
    const keys = readKeyEntries(file);
    const revoked = loadRevocations(rt.config.workspace);
    for (const k of keys) {
      const from = revoked.keys.get(k.keyid);
      if (from) throw new PentoraError(ErrorCode.Policy, `keys trust: ${fingerprint(k.keyid)} is revoked (${from}); refusing to trust it`);
    }
    fs.mkdirSync(trustedDir, { recursive: true, mode: 0o700 });
    for (const k of keys) {
      const out = path.join(trustedDir, `${k.keyid.slice(0, 16)}.json`);
      const entry = trustedKeyFile({ publicKey: k.publicKey, namespaces: k.namespaces, tier: k.tier, ...(k.label ? { label: k.label } : {}) });
      writeSecretFileSync(out, JSON.stringify(entry, null, 2) + '\n');
      writeOut(`trusted ${fingerprint(k.keyid)} (${k.tier}) for ${k.namespaces.join(', ')} -> ${out}\ncompare the fingerprint with the publisher's over a channel you trust\n`);
    }
    return ExitCode.Ok;
  }
  if (sub === 'untrust') {
    const [arg, ...more] = args;
    if (!arg || more.length > 0) throw new UsageError('keys untrust: give one keyid or fingerprint');
    const keyid = keyidArg(arg, rt.trust.list());
    let files: string[] = [];
    try {
      files = fs.readdirSync(trustedDir).filter((n) => n.endsWith('.json')).map((n) => path.join(trustedDir, n));
    } catch {
      // no workspace keys yet
    }
    let removed = 0;
    for (const f of files) {
      const keys = readKeyEntries(f);
      if (!keys.some((k) => k.keyid === keyid)) continue;
      const rest = keys.filter((k) => k.keyid !== keyid);
      if (rest.length === 0) fs.rmSync(f);
      else writeSecretFileSync(f, JSON.stringify(rest.map((k) => trustedKeyFile(k)), null, 2) + '\n');
      removed++;
    }
    if (removed === 0) {
      const elsewhere = rt.trust.get(keyid);
      if (elsewhere) throw new UsageError(`keys untrust: ${fingerprint(keyid)} is trusted by ${elsewhere.source}, outside this workspace; use "pentora keys revoke ${keyid}" to refuse it`);
      throw new UsageError(`keys untrust: no trusted key ${fingerprint(keyid)}`);
    }
    writeOut(`no longer trusting ${fingerprint(keyid)} in ${trustedDir}\n`);
    return ExitCode.Ok;
  }
  if (sub === 'revoke') {
    const artifacts = values.artifact ?? [];
    if (args.length === 0 && artifacts.length === 0) throw new UsageError('keys revoke: give keyids and/or --artifact SHA256');
    const keyids = args.map((a) => keyidArg(a, rt.trust.list()));
    for (const a of artifacts) if (!HEX64.test(a)) throw new UsageError(`keys revoke: --artifact must be a sha256 (64 lowercase hex digits), got "${a}"`);
    await revokeLocally(rt.config.workspace, { keys: keyids, artifacts });
    for (const k of keyids) writeOut(`revoked key ${fingerprint(k)}\n`);
    for (const a of artifacts) writeOut(`revoked artifact ${a}\n`);
    return ExitCode.Ok;
  }
  throw new UsageError(`keys: unknown subcommand "${sub}" (generate, list, trust, untrust, revoke)`);
}
