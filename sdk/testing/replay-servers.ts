/**
 * Captured servers replayed on real sockets: each listens on 127.0.0.1 port 0
 * (or a given port), sends its captured greeting on accept, and answers each
 * request it recognises with the bytes the real daemon sent to it. What a
 * server recognises is a trigger: a byte sequence the request must contain
 * (the bytes received since the last answer are searched, so a request split
 * over several chunks still matches). Anything else is read and ignored, as
 * a daemon waiting for more would.
 *
 * @example
 *   const servers = await replayServers([
 *     { name: 'redis', answers: [['INFO server\r\n', pluginFixture('datastores', 'redis-7.0.15-info.bin')]] },
 *     { name: 'ftp', greeting: ftp0, answers: [['FEAT\r\n', ftp1], ['QUIT\r\n', ftp2]], closeAfter: 'QUIT\r\n' },
 *   ]);
 *   servers.get('ftp').heard // ['FEAT\r\n', 'QUIT\r\n'] once a scan has run
 *   await servers.close();
 */

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Bytes, or a string of latin1 characters (one per byte). */
export type ReplayBytes = Buffer | string;

/** One captured server. */
export interface ReplaySpec {
  name: string;
  /** Sent as soon as a client connects (SSH, FTP, SMTP greetings). */
  greeting?: ReplayBytes;
  /** [trigger, reply] in order: the first trigger the received bytes contain is answered with its reply. */
  answers: Array<[ReplayBytes, ReplayBytes]>;
  /** After answering this trigger the server ends the connection (FIN), as after QUIT. */
  closeAfter?: ReplayBytes;
}

/** A listening replay server. */
export interface ReplayServer {
  name: string;
  port: number;
  /** The triggers answered so far, in order, as latin1 strings. */
  heard: string[];
}

/** Servers started together and closed together. */
export interface ReplayServers {
  list: ReplayServer[];
  /** The server of that name (throws if there is none). */
  get(name: string): ReplayServer;
  /** Every server's port, comma-separated: a scan's `ports`. */
  ports(): string;
  /** Destroys every open connection and closes every listener. */
  close(): Promise<void>;
}

/** A captured fixture of any builtin plugin: plugins/<plugin>/test/fixtures/<name>. */
export function pluginFixture(plugin: string, name: string): Buffer {
  // Resolved from this file, not from host/engine/catalog.ts, so that a replay
  // server in a subprocess loads nothing of the host.
  return fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'plugins', plugin, 'test', 'fixtures', name));
}

const bytes = (b: ReplayBytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

/** How many received bytes are kept for matching: enough for any request a probe sends. */
const WINDOW = 65536;

/**
 * Serves one connection as `spec` says (greeting, triggers, closeAfter);
 * `heard` gets each trigger answered. Shared with servers that run in a
 * subprocess (plugins/windows/test/replay-services.ts).
 */
export function replayOn(sock: net.Socket, spec: Omit<ReplaySpec, 'name'>, heard: string[] = []): void {
  sock.on('error', () => undefined); // probers close with RST on purpose
  const answers = spec.answers.map(([trigger, reply]) => [bytes(trigger), bytes(reply)] as const);
  const closeAfter = spec.closeAfter === undefined ? undefined : bytes(spec.closeAfter);
  if (spec.greeting) sock.write(bytes(spec.greeting));
  let seen = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    seen = Buffer.concat([seen, d]).subarray(-WINDOW);
    for (const [trigger, reply] of answers) {
      if (!seen.includes(trigger)) continue;
      heard.push(trigger.toString('latin1'));
      sock.write(reply);
      seen = Buffer.alloc(0);
      if (closeAfter?.equals(trigger)) sock.end();
      return;
    }
  });
}

/** Starts one server per spec on `host` (default 127.0.0.1), each on port 0 unless `port` is given. */
export async function replayServers(specs: Array<ReplaySpec & { port?: number }>, host = '127.0.0.1'): Promise<ReplayServers> {
  const sockets = new Set<net.Socket>();
  const listeners: net.Server[] = [];
  const list: ReplayServer[] = [];
  for (const spec of specs) {
    const heard: string[] = [];
    const server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      replayOn(sock, spec, heard);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port ?? 0, host, resolve);
    });
    listeners.push(server);
    list.push({ name: spec.name, port: (server.address() as net.AddressInfo).port, heard });
  }
  return {
    list,
    get(name) {
      const s = list.find((x) => x.name === name);
      if (!s) throw new Error(`replayServers: no server named ${name}`);
      return s;
    },
    ports: () => list.map((s) => s.port).join(','),
    async close() {
      for (const sock of sockets) sock.destroy();
      await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
    },
  };
}
