/**
 * Shared by the security tests: the checks that follow every hostile case
 * (the host still runs a real plugin; no worker thread outlived its
 * instance), copies of built plugins to tamper with, and loopback listeners.
 */

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { BUILTIN_PLUGINS_DIR } from '../../host/engine/catalog.ts';
import { runPlugin } from '../../sdk/testing/harness.ts';

/**
 * OS threads of this process. A plugin instance is one worker thread, so
 * after every instance is closed the count must be back where it was. Linux
 * only (/proc); elsewhere null and callers skip the comparison.
 */
export function threadCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

export const SSH_BANNER = 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n';

/**
 * The host is still healthy: a normal builtin plugin (pentora/ssh-parser)
 * loads, runs in a fresh worker and produces its fingerprint.
 */
export async function expectHostHealthy(): Promise<void> {
  const r = await runPlugin({
    plugin: 'plugins/ssh-parser',
    context: { banners: [{ host: '127.0.0.1', port: 22, protocol: 'tcp', data_b64: Buffer.from(SSH_BANNER).toString('base64') }] },
  });
  expect(r.error).toBeUndefined();
  expect(r.state).toBe('done');
  expect(r.written.service_fingerprints).toEqual([expect.objectContaining({ host: '127.0.0.1', port: 22, product: 'OpenSSH', version: '9.6p1' })]);
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pentora-${label}-`));
}

/** Copies the three package files of a built builtin (plugins/<name>/dist) into `<into>/<name>/`; never touches the original. */
export function copyBuiltin(name: string, into: string): string {
  const from = path.join(BUILTIN_PLUGINS_DIR, name, 'dist');
  const to = path.join(into, name);
  fs.mkdirSync(to, { recursive: true });
  for (const f of ['plugin.wasm', 'manifest.json', 'manifest.sig']) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

/** Flips every bit of one byte in place. */
export function flipByte(file: string, offset: number): void {
  const b = fs.readFileSync(file);
  if (offset < 0 || offset >= b.length) throw new RangeError(`${file}: offset ${offset} outside ${b.length} bytes`);
  b[offset] = b[offset]! ^ 0xff;
  fs.writeFileSync(file, b);
}

/**
 * A TCP listener on a loopback address (port 0: the kernel picks) that
 * records every connection it accepts. `acceptedBeforeSentinel()` proves
 * that none arrived earlier without waiting for a fixed time: it connects
 * once itself and resolves with how many connections were accepted before
 * its own. The accept queue is FIFO, so an earlier connect is seen first.
 */
export interface Listener {
  host: string;
  port: number;
  /** Remote ports of accepted connections, in accept order. */
  accepted: number[];
  acceptedBeforeSentinel(): Promise<number>;
  close(): Promise<void>;
}

export async function listen(host: string, onConnection: (s: net.Socket) => void = (s) => s.end()): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const accepted: number[] = [];
  const waiters = new Set<() => void>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    accepted.push(s.remotePort ?? -1);
    for (const w of waiters) w();
    onConnection(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    accepted,
    acceptedBeforeSentinel() {
      return new Promise<number>((resolve, reject) => {
        const c = net.connect({ host, port });
        sockets.add(c);
        c.on('error', reject);
        c.resume();
        c.on('connect', () => {
          const mine = c.localPort;
          const check = (): void => {
            const i = accepted.indexOf(mine ?? -2);
            if (i < 0) return;
            waiters.delete(check);
            c.destroy();
            resolve(i);
          };
          waiters.add(check);
          check();
        });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
