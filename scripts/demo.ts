/**
 * `npm run demo`: starts demo services on 127.0.0.1, scans them with the
 * builtin plugins through the real CLI, prints the findings table and where
 * the results are, then stops the services. Nothing leaves loopback.
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from '../sdk/build/build-all.ts';
import { startDemoServices } from './demo-services.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await buildAll({ log: (line) => process.stderr.write(`${line}\n`) });
const services = await startDemoServices();
const ports = services.map((s) => s.port).join(',');
process.stderr.write(`demo services on 127.0.0.1: ${services.map((s) => `${s.name}=${s.port}`).join(' ')}\n`);
process.stderr.write(`$ pentora scan --targets 127.0.0.1 --ports ${ports}\n\n`);

const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, [path.join(root, 'bin/pentora.mjs'), 'scan', '--targets', '127.0.0.1', '--ports', ports, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.on('exit', (c) => resolve(c ?? 1));
});
await Promise.all(services.map((s) => s.close()));
process.exitCode = code;
