/**
 * Hostile network peers against the whole service-detection pipeline, over
 * real sockets on 127.0.0.1: servers that flood every connection with bytes,
 * flood every probe's read to its limit, trickle a byte at a time, or reset. The
 * scan must complete with every plugin node done (no memory or CPU limit hit,
 * no trap), name no product from noise, and leave a readable record.
 */

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noise } from '../../sdk/testing/hostile.ts';
import { scanLoopback, type LoopbackScan } from '../../sdk/testing/live-host.ts';

type Behaviour = 'flood' | 'garbage' | 'trickle' | 'reset';
const BEHAVIOURS: Behaviour[] = ['flood', 'garbage', 'trickle', 'reset'];
/** Per connection: a flood stops after this much, so a stuck client cannot make a server write forever. */
const FLOOD_CAP = 4 << 20;

const PLUGINS = [
  'tcp-connect-scanner',
  'banner-grabber',
  'http-parser',
  'tls',
  'ssh-parser',
  'ftp-parser',
  'smtp-parser',
  'mail',
  'datastores',
  'mqtt',
  'netservices',
  'windows',
  'remote-access',
  'rtsp-sip',
];

function serve(kind: Behaviour, seed: number): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    const timers: NodeJS.Timeout[] = [];
    s.on('close', () => timers.forEach(clearTimeout));
    if (kind === 'reset') {
      s.resetAndDestroy();
      return;
    }
    let sent = 0;
    const chunk = noise(64 * 1024, seed);
    const pump = () => {
      while (!s.destroyed && sent < FLOOD_CAP) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
    };
    if (kind === 'garbage') {
      // Silent until spoken to, then a flood: every probe's read fills to its limit.
      s.once('data', pump);
      return;
    }
    if (kind === 'trickle') {
      // One byte every 50 ms, for at most 5 s: outlasts idle waits without ever finishing.
      let n = 0;
      const tick = () => {
        if (s.destroyed || n++ > 100) return s.destroy();
        s.write(Buffer.from([0x41 + (n % 26)]));
        timers.push(setTimeout(tick, 50));
      };
      tick();
      return;
    }
    pump();
  });
}

describe('hostile peers against a whole service scan (real sockets, 127.0.0.1)', () => {
  const servers: net.Server[] = [];
  let scan: LoopbackScan;
  beforeAll(async () => {
    for (let i = 0; i < 40; i++) {
      const srv = serve(BEHAVIOURS[i % BEHAVIOURS.length]!, i + 1);
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      servers.push(srv);
    }
    const ports = servers.map((s) => (s.address() as net.AddressInfo).port).join(',');
    scan = await scanLoopback({ plugins: PLUGINS, ports, tag: 'hostile-peers' });
  }, 120_000);
  afterAll(async () => {
    scan?.cleanup();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('completes with every plugin node done: no limit hit, no trap', () => {
    expect(scan.result.state).toBe('completed');
    const failed = scan.result.nodes.filter((n) => n.state !== 'done');
    expect(failed.map((n) => `${n.module}: ${n.state} ${n.error ?? ''}`)).toEqual([]);
    expect(scan.result.nodes.map((n) => n.module)).toEqual(expect.arrayContaining(PLUGINS.map((p) => `pentora/${p}`)));
  });

  it('really fed the floods to the probes: each fallback plugin read a reply from every flooding port', () => {
    const floods = servers.filter((_, i) => BEHAVIOURS[i % BEHAVIOURS.length] === 'garbage').length;
    for (const m of ['pentora/tls', 'pentora/http-parser', 'pentora/datastores', 'pentora/mqtt']) {
      const node = scan.result.nodes.find((n) => n.module === m)!;
      expect(Number(node.summary?.answered), m).toBeGreaterThanOrEqual(floods);
    }
  });

  it('finds the ports that accept, and names no product from noise', () => {
    const open = new Set(scan.result.ports.map((p) => p.port));
    const accepting = servers.filter((_, i) => BEHAVIOURS[i % BEHAVIOURS.length] !== 'reset').map((s) => (s.address() as net.AddressInfo).port);
    for (const p of accepting) expect(open.has(p), `port ${p}`).toBe(true);
    expect(scan.result.services.filter((s) => s.product !== null)).toEqual([]);
  });

  it('leaves a readable scan record', () => {
    const status = JSON.parse(fs.readFileSync(path.join(scan.result.dir, 'status.json'), 'utf8')) as { state: string };
    expect(status.state).toBe('completed');
  });
});
