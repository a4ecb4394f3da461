/**
 * pentora/datastores and pentora/mqtt through the real host: node `net`
 * servers on 127.0.0.1 replay the captured conversations (test/fixtures),
 * and a scan with only the connect scanner, the banner grabber and these two
 * plugins finds and names them. The servers listen on port 0, so only the
 * passive read (MySQL) and the fallback probes (Redis, memcached, MongoDB,
 * MQTT) reach them; the hinted-only PostgreSQL probes are covered in the sandbox tests.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../host/scan.ts';
import { scanLoopback, type LoopbackScan } from '../../../sdk/testing/live-host.ts';
import { pluginFixture as fixture, replayServers, type ReplayServers } from '../../../sdk/testing/replay-servers.ts';

describe('datastores + mqtt: a real scan of replayed servers on 127.0.0.1', () => {
  let servers: ReplayServers;
  let scan: LoopbackScan | undefined;
  let result: ScanResult;

  beforeAll(async () => {
    servers = await replayServers([
      { name: 'mariadb', greeting: fixture('datastores', 'mariadb-10.11-handshake.bin'), answers: [] },
      { name: 'redis', answers: [['INFO server\r\n', fixture('datastores', 'redis-7.0.15-info.bin')]] },
      { name: 'memcached', answers: [['version\r\n', fixture('datastores', 'memcached-1.6.18-version.bin')]] },
      { name: 'mongodb', answers: [['buildInfo', fixture('datastores', 'mongodb-6.0-hello-buildinfo.bin')]] },
      { name: 'mosquitto', answers: [['$SYS/broker/version', fixture('mqtt', 'mosquitto-2.0.11-anonymous.bin')]] },
    ]);
    scan = await scanLoopback({ tag: 'datastores', plugins: ['tcp-connect-scanner', 'banner-grabber', 'datastores', 'mqtt'], ports: servers.ports() });
    result = scan.result;
  }, 120_000);

  afterAll(async () => {
    await servers?.close();
    scan?.cleanup();
  });

  const at = (name: string) => result.services.filter((s) => s.port === servers.get(name).port && s.product !== null);

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
