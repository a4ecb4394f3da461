/**
 * The benchmark's listeners, run inside its network namespace by
 * scripts/bench.ts (`ip netns exec NS node scripts/bench-listener.ts`).
 * Reads "HOST PORT" lines on stdin until a blank line, listens on each, then
 * prints "ready N". Accepted connections are closed at once. Exits when
 * stdin closes (so it dies with the benchmark, whatever killed it) or on
 * SIGTERM.
 */

import net from 'node:net';
import { createInterface } from 'node:readline';

const servers: net.Server[] = [];

function listen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.destroy();
    });
    server.once('error', (err) => reject(new Error(`${host}:${port}: ${err.message}`)));
    server.listen({ host, port, backlog: 4096 }, () => resolve());
    servers.push(server);
  });
}

const lines = createInterface({ input: process.stdin });
const pending: Array<Promise<void>> = [];
let started = false;
lines.on('line', (line) => {
  if (started) return;
  const t = line.trim();
  if (t === '') {
    started = true;
    Promise.all(pending).then(
      () => process.stdout.write(`ready ${servers.length}\n`),
      (err: unknown) => {
        process.stderr.write(`bench-listener: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
    return;
  }
  const [host, port] = t.split(/\s+/);
  pending.push(listen(host!, Number(port)));
});
lines.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
