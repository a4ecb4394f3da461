/**
 * The plugin build for third-party authors:
 *
 *   node sdk/build/cli.ts PLUGIN_DIR --key KEYFILE [--debug]
 *   node sdk/build/cli.ts --new-key KEYFILE --namespace acme/*
 *
 * The first compiles, checks and signs PLUGIN_DIR into PLUGIN_DIR/dist. The
 * second creates a signing key (mode 0600) and prints the trusted-key entry
 * an operator adds to <workspace>/keys/trusted to accept the plugins it signs.
 */

import fs from 'node:fs';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';
import { newSigningKey, readSigningKey, writeSigningKey } from '../../host/trust/keys.ts';
import { trustedKeyFile } from '../../host/trust/trust-store.ts';
import { buildPlugin } from './build.ts';

const USAGE = 'usage: node sdk/build/cli.ts PLUGIN_DIR --key KEYFILE [--debug]\n       node sdk/build/cli.ts --new-key KEYFILE --namespace PUBLISHER/*\n';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new PentoraError(ErrorCode.Usage, `${name} needs a value`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const newKey = option(argv, '--new-key');
  if (newKey) {
    const ns = option(argv, '--namespace');
    if (!ns) throw new PentoraError(ErrorCode.Usage, '--new-key needs --namespace PUBLISHER/*');
    if (fs.existsSync(newKey)) throw new PentoraError(ErrorCode.Usage, `${newKey} exists; refusing to overwrite a key`);
    const key = newSigningKey();
    writeSigningKey(newKey, key);
    process.stdout.write(JSON.stringify(trustedKeyFile({ publicKey: key.publicKey, namespaces: [ns], tier: 'community', label: ns }), null, 2) + '\n');
    return 0;
  }
  const keyFile = option(argv, '--key');
  const dirs = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--key');
  if (!keyFile || dirs.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { manifest, dir } = await buildPlugin(dirs[0]!, { key: readSigningKey(keyFile), optimize: !argv.includes('--debug') });
  process.stderr.write(`built ${manifest.name} ${manifest.version} -> ${dir} (wasm sha256 ${manifest.wasm.sha256})\n`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`pentora build: ${describeError(err)}\n`);
  process.exitCode = err instanceof PentoraError && err.code === ErrorCode.Usage ? 2 : 1;
}
