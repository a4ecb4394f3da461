/**
 * The 200-port bench's listeners, run inside its namespace by run-ports.ts
 * (`ip netns exec NS node listener-server.ts`). Reads one JSON line on stdin:
 * `{ "host": "127.0.0.1", "listeners": ListenerSpec[] }`, listens on each port,
 * prints "ready N". Talking listeners send their greeting (if any) and answer
 * by their rules (first match wins, case-insensitive); silent ones accept and
 * never write or close. Exits when stdin closes (it dies with the benchmark,
 * whatever killed it) or on SIGTERM.
 */

import net from 'node:net';
import { createInterface } from 'node:readline';
import type { ListenerSpec } from './listeners.ts';
import { respCommand } from './resp.ts';

const MAX_BUFFER = 64 * 1024;
const sockets = new Set<net.Socket>();

interface Rule {
  re: RegExp;
  reply: Buffer;
  close: boolean;
}

function serve(spec: ListenerSpec, sock: net.Socket, rules: Rule[]): void {
  sockets.add(sock);
  sock.on('close', () => sockets.delete(sock));
  sock.on('error', () => undefined); // scanners reset connections; that is normal
  if (spec.speaks === 'silent') return; // accept, never write, never close
  if (spec.greetingB64) sock.write(Buffer.from(spec.greetingB64, 'base64'));
  let buf = Buffer.alloc(0);
  const answer = (text: string): boolean => {
    for (const r of rules) {
      if (!r.re.test(text)) continue;
      if (r.close) sock.end(r.reply);
      else sock.write(r.reply);
      return r.close;
    }
    return false;
  };
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (spec.mode === 'line') {
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10)) {
        const line = buf.subarray(0, i).toString('latin1').replace(/\r$/, '');
        buf = buf.subarray(i + 1);
        if (answer(line)) return;
      }
    } else if (spec.mode === 'resp') {
      for (let c = respCommand(buf); c; c = respCommand(buf)) {
        buf = buf.subarray(c[1]);
        if (answer(c[0])) return;
      }
    } else if (rules.length > 0) {
      const text = buf.toString('latin1');
      if (rules.some((r) => r.re.test(text))) {
        buf = Buffer.alloc(0);
        if (answer(text)) return;
      }
    }
    if (buf.length > MAX_BUFFER) buf = Buffer.alloc(0);
  });
}

function listen(host: string, spec: ListenerSpec): Promise<net.Server> {
  const rules = spec.rules.map((r) => ({ re: new RegExp(r.match, 'i'), reply: Buffer.from(r.replyB64, 'base64'), close: !!r.close }));
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => serve(spec, s, rules));
    server.once('error', (err) => reject(new Error(`${host}:${spec.port}: ${err.message}`)));
    server.listen({ host, port: spec.port, backlog: 1024 }, () => resolve(server));
  });
}

const lines = createInterface({ input: process.stdin });
let started = false;
lines.on('line', (line) => {
  if (started || !line.trim()) return;
  started = true;
  const { host, listeners } = JSON.parse(line) as { host: string; listeners: ListenerSpec[] };
  Promise.all(listeners.map((l) => listen(host, l))).then(
    (servers) => process.stdout.write(`ready ${servers.length}\n`),
    (err: unknown) => {
      process.stderr.write(`listener-server: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
});
lines.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
