/**
 * Re-captures a fixture: sends the plugin's own ClientHello (the unit entry's
 * `hello`, fixed Random) to a TLS server on loopback and saves what it answers
 * (until 400 ms of silence, close, 32 KiB or 5 s), as the probe reads it.
 *
 *   node plugins/tls/test/capture.ts PORT OUT.bin [SERVER_NAME]
 *
 * Start the server by hand first (test/fixtures/README.md lists each one's command).
 */

import fs from 'node:fs';
import net from 'node:net';
import { compileAs, instantiateAs } from '../../../sdk/testing/as-unit.ts';

const [portArg, out, serverName = '127.0.0.1'] = process.argv.slice(2);
if (!portArg || !out) throw new Error('usage: capture.ts PORT OUT.bin [SERVER_NAME]');
const mod = await instantiateAs(await compileAs('plugins/tls/src/__tests__/unit.ts'));
const hello = Buffer.from(mod.invoke('hello', serverName).output, 'base64');

const chunks: Buffer[] = [];
const socket = net.connect(Number(portArg), '127.0.0.1', () => socket.write(hello));
let idle: NodeJS.Timeout | undefined;
let done = false;
const finish = (): void => {
  if (done) return;
  done = true;
  clearTimeout(idle);
  clearTimeout(hard);
  socket.destroy();
  const bytes = Buffer.concat(chunks).subarray(0, 32768);
  fs.writeFileSync(out, bytes);
  console.log(`${out}: ${bytes.length} bytes`);
};
const hard = setTimeout(finish, 5000);
socket.on('data', (d: Buffer) => {
  chunks.push(d);
  clearTimeout(idle);
  idle = setTimeout(finish, 400);
});
socket.on('end', finish);
socket.on('error', (e: Error) => {
  console.error(e.message);
  finish();
});
