/**
 * pentora/datastores and pentora/mqtt through the real host: node `net`
 * servers on 127.0.0.1 replay the captured conversations (test/fixtures),
 * and a scan with only the connect scanner, the banner grabber and these two
 * plugins finds and names them. The servers listen on port 0, so only the
 * passive read (MySQL) and the fallback probes (Redis, memcached, MongoDB,
 * MQTT) reach them; the hinted-only PostgreSQL probes are covered in the sandbox tests.
 */

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../host/config/config.ts';
import { BUILTIN_PLUGINS_DIR, Catalog } from '../../../host/engine/catalog.ts';
import { runScan, type ScanResult } from '../../../host/scan.ts';
import { loadTrustStore } from '../../../host/trust/default-store.ts';

const fixture = (dir: string, name: string): Buffer => fs.readFileSync(path.join(BUILTIN_PLUGINS_DIR, dir, 'test', 'fixtures', name));

/** A server that greets with `greeting` (if any), then answers each chunk containing a trigger with its reply. */
interface Replay {
  name: string;
  greeting?: Buffer;
  answers: Array<[Buffer, Buffer]>;
}

function serve(spec: Replay): Promise<{ name: string; port: number; server: net.Server; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    if (spec.greeting) sock.write(spec.greeting);
    let seen = Buffer.alloc(0);
    sock.on('data', (d) => {
      seen = Buffer.concat([seen, d]).subarray(-65536);
      for (const [trigger, reply] of spec.answers) {
        if (seen.includes(trigger)) {
          sock.write(reply);
          seen = Buffer.alloc(0);
          return;
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ name: spec.name, port: (server.address() as net.AddressInfo).port, server, sockets })));
}

describe('datastores + mqtt: a real scan of replayed servers on 127.0.0.1', () => {
  const servers: Array<Awaited<ReturnType<typeof serve>>> = [];
  let ws: string;
  let plugins: string;
  let result: ScanResult;

  beforeAll(async () => {
    for (const spec of [
      { name: 'mariadb', greeting: fixture('datastores', 'mariadb-10.11-handshake.bin'), answers: [] },
      { name: 'redis', answers: [[Buffer.from('INFO server\r\n'), fixture('datastores', 'redis-7.0.15-info.bin')]] },
      { name: 'memcached', answers: [[Buffer.from('version\r\n'), fixture('datastores', 'memcached-1.6.18-version.bin')]] },
      { name: 'mongodb', answers: [[Buffer.from('buildInfo'), fixture('datastores', 'mongodb-6.0-hello-buildinfo.bin')]] },
      { name: 'mosquitto', answers: [[Buffer.from('$SYS/broker/version'), fixture('mqtt', 'mosquitto-2.0.11-anonymous.bin')]] },
    ] as Replay[]) {
      servers.push(await serve(spec));
    }
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-datastores-ws-'));
    plugins = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-datastores-plugins-'));
    for (const name of ['tcp-connect-scanner', 'banner-grabber', 'datastores', 'mqtt']) {
      fs.cpSync(path.join(BUILTIN_PLUGINS_DIR, name, 'dist'), path.join(plugins, name), { recursive: true });
    }
    const catalog = await Catalog.load({ trust: loadTrustStore(ws), roots: [{ path: plugins, source: 'builtin' }] });
    const d = defaultConfig(ws);
    result = await runScan({
      targets: ['127.0.0.1'],
      ports: servers.map((s) => s.port).join(','),
      scanTypes: ['connect'],
      config: { ...d, scan: { ...d.scan, read_timeout_ms: 1000 } },
      catalog,
      logger: pino({ level: 'silent' }),
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) {
      for (const sock of s.sockets) sock.destroy();
      await new Promise((r) => s.server.close(() => r(undefined)));
    }
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
    if (plugins) fs.rmSync(plugins, { recursive: true, force: true });
  });

  const at = (name: string) => result.services.filter((s) => s.port === servers.find((x) => x.name === name)!.port && s.product !== null);

  it('completes and names every server with its version', () => {
    expect(result.state).toBe('completed');
    expect(at('mariadb')[0]).toMatchObject({ service: 'mysql', product: 'MariaDB', version: '10.11.19', os_hint: 'Debian' });
    expect(at('redis')[0]).toMatchObject({ service: 'redis', product: 'Redis', version: '7.0.15' });
    expect(at('memcached')[0]).toMatchObject({ service: 'memcached', product: 'memcached', version: '1.6.18' });
    expect(at('mongodb')[0]).toMatchObject({ service: 'mongodb', product: 'MongoDB', version: '6.0.12' });
    expect(at('mosquitto')[0]).toMatchObject({ service: 'mqtt', product: 'Eclipse Mosquitto', version: '2.0.11' });
    expect(at('redis')[0]!.evidence).toMatch(/^probe=redis-info; /);
  });
});
