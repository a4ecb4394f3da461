/**
 * pentora/datastores over captured bytes (test/fixtures, README there): the
 * parsers and rules table-driven through src/identify.ts (compiled test entry,
 * no sandbox), hostile bytes under every probe name, then the plugin in the
 * sandbox with banners and canned TCP replies: what it probes, what it writes.
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { noise, prefixes } from '../../../sdk/testing/hostile.ts';
import { atPort, cpe, type FixtureCase, type Rec } from '../../../sdk/testing/parser-table.ts';
import { stepSends } from '../../../sdk/testing/sent.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const PROBES = ['passive', 'redis-info', 'memcached-version', 'pgsql-ssl', 'pgsql-startup', 'mongodb-hello'];

interface Identified {
  service: string;
  fields: Rec;
  prints: Rec[];
}

let mod: AsModule;
beforeAll(async () => {
  mod = await instantiateAs(await compileAs('plugins/datastores/src/__tests__/unit.ts', true));
});

function identify(data: Buffer, probe: string, port = 1): Identified | null {
  const { output } = mod.invoke('identifyBytes', JSON.stringify({ probe, port, data_b64: data.toString('base64') }));
  return JSON.parse(output) as Identified | null;
}

interface Case extends FixtureCase {
  probe: string;
  service: string;
  fields: Rec;
}

const CASES: Case[] = [
  {
    file: 'redis-7.0.15-info.bin', probe: 'redis-info', service: 'redis', product: 'Redis', version: '7.0.15', cpe: cpe('redis', 'redis', '7.0.15'),
    os_hint: 'Linux 6.18.44-fc-v669 x86_64', confidence: 95,
    fields: { redis_version: '7.0.15', redis_mode: 'standalone', os: 'Linux 6.18.44-fc-v669 x86_64', tcp_port: 54663, arch_bits: 64, gcc_version: '12.2.0', multiplexing_api: 'epoll' },
  },
  { file: 'redis-7.0.15-noauth.bin', probe: 'redis-info', service: 'redis', product: 'Redis', cpe: cpe('redis', 'redis'), confidence: 80, fields: { error_code: 'NOAUTH', auth_required: true } },
  // Protected mode answers on connect, before any command: the passive read has it.
  { file: 'redis-7.0.15-denied.bin', probe: 'passive', service: 'redis', product: 'Redis', cpe: cpe('redis', 'redis'), confidence: 80, fields: { error_code: 'DENIED', protected_mode: true } },
  { file: 'memcached-1.6.18-version.bin', probe: 'memcached-version', service: 'memcached', product: 'memcached', version: '1.6.18', cpe: cpe('memcached', 'memcached', '1.6.18'), confidence: 90, fields: { version: '1.6.18' } },
  {
    file: 'mariadb-10.11-handshake.bin', probe: 'passive', service: 'mysql', product: 'MariaDB', version: '10.11.19', cpe: cpe('mariadb', 'mariadb', '10.11.19'), os_hint: 'Debian', confidence: 95,
    fields: { protocol: 10, server_version: '5.5.5-10.11.19-MariaDB-0+deb12u1', debian_release: '12', auth_plugin: 'mysql_native_password', ssl: false, charset: 8, mariadb_capabilities: 29 },
  },
  { file: 'mariadb-10.11-host-not-allowed.bin', probe: 'passive', service: 'mysql', product: 'MariaDB', cpe: cpe('mariadb', 'mariadb'), confidence: 80, fields: { protocol: 255, error_code: 1130, error_message: "Host '127.0.0.1' is not allowed to connect to this MariaDB server" } },
  { file: 'mysql-8.0.35-handshake.bin', probe: 'passive', service: 'mysql', product: 'MySQL', version: '8.0.35', cpe: cpe('oracle', 'mysql', '8.0.35'), confidence: 90, fields: { server_version: '8.0.35', auth_plugin: 'caching_sha2_password', ssl: true, connection_id: 43, charset: 255 } },
  { file: 'mysql-8.0.35-ubuntu-handshake.bin', probe: 'passive', service: 'mysql', product: 'MySQL', version: '8.0.35', cpe: cpe('oracle', 'mysql', '8.0.35'), os_hint: 'Ubuntu', confidence: 95, fields: { server_version: '8.0.35-0ubuntu0.22.04.1' } },
  { file: 'mysql-8.0-host-not-allowed.bin', probe: 'passive', service: 'mysql', product: 'MySQL', cpe: cpe('oracle', 'mysql'), confidence: 75, fields: { error_code: 1130 } },
  { file: 'postgresql-15-ssl-refused.bin', probe: 'pgsql-ssl', service: 'postgresql', product: 'PostgreSQL', cpe: cpe('postgresql', 'postgresql'), confidence: 60, fields: { ssl_supported: false } },
  {
    file: 'postgresql-15-startup-no-role.bin', probe: 'pgsql-startup', service: 'postgresql', product: 'PostgreSQL', cpe: cpe('postgresql', 'postgresql'), confidence: 90,
    fields: { auth: 'ok', auth_type: 0, error_severity: 'FATAL', error_code: '28000', error_message: 'role "pentora" does not exist', error_file: 'miscinit.c', error_routine: 'InitializeSessionUserId', messages: 'RE' },
  },
  {
    file: 'postgresql-15-startup-no-hba.bin', probe: 'pgsql-startup', service: 'postgresql', product: 'PostgreSQL', cpe: cpe('postgresql', 'postgresql'), confidence: 90,
    fields: { error_code: '28000', error_file: 'auth.c', error_routine: 'ClientAuthentication' },
  },
  { file: 'postgresql-15-startup-scram.bin', probe: 'pgsql-startup', service: 'postgresql', product: 'PostgreSQL', cpe: cpe('postgresql', 'postgresql'), confidence: 85, fields: { auth: 'sasl', auth_type: 10, sasl_mechanisms: ['SCRAM-SHA-256'] } },
  { file: 'postgresql-md5-request.bin', probe: 'pgsql-startup', service: 'postgresql', product: 'PostgreSQL', cpe: cpe('postgresql', 'postgresql'), confidence: 85, fields: { auth: 'md5', auth_type: 5 } },
  {
    file: 'mongodb-6.0-hello-buildinfo.bin', probe: 'mongodb-hello', service: 'mongodb', product: 'MongoDB', version: '6.0.12', cpe: cpe('mongodb', 'mongodb', '6.0.12'), os_hint: 'Ubuntu', confidence: 95,
    fields: { max_wire_version: 17, min_wire_version: 0, is_writable_primary: true, read_only: false, version: '6.0.12', allocator: 'tcmalloc', bits: 64, target_os: 'linux', distmod: 'ubuntu2204', openssl: 'OpenSSL 3.0.2 15 Mar 2022' },
  },
  {
    file: 'mongodb-mongos-unauthorized.bin', probe: 'mongodb-hello', service: 'mongodb', product: 'MongoDB', cpe: cpe('mongodb', 'mongodb'), confidence: 85,
    fields: { max_wire_version: 21, msg: 'isdbgrid', error: 'command buildInfo requires authentication', error_code: 13, error_code_name: 'Unauthorized' },
  },
];

describe('datastores: captured and spec-written replies', () => {
  it.each(CASES)('$file ($probe)', (c) => {
    const r = identify(fixture(c.file), c.probe);
    expect(r, 'identified').not.toBeNull();
    expect(r!.service).toBe(c.service);
    expect(r!.fields).toMatchObject(c.fields);
    expect(r!.prints).toHaveLength(1);
    const p = r!.prints[0]!;
    expect(p).toMatchObject({ service: c.service, confidence: c.confidence });
    expect(p.product).toBe(c.product);
    expect(p.version).toBe(c.version);
    expect(p.cpe).toBe(c.cpe);
    expect(p.os_hint).toBe(c.os_hint);
    expect(typeof p.evidence).toBe('string');
  });

  it('identifies passive bytes and input lines without knowing the probe', () => {
    for (const c of CASES.filter((x) => x.probe !== 'pgsql-ssl')) expect(identify(fixture(c.file), 'passive')?.service, c.file).toBe(c.service);
  });

  it('takes a lone "N" for PostgreSQL only as the answer to its SSLRequest', () => {
    expect(identify(fixture('postgresql-15-ssl-refused.bin'), 'passive')).toBeNull();
    expect(identify(fixture('postgresql-15-ssl-refused.bin'), 'redis-info')).toBeNull();
  });

  it('keeps fields bounded: INFO keys are a fixed list, strings capped', () => {
    const big = Buffer.from(`$100000\r\n# Server\r\nredis_version:7.2.4\r\nos:${'A'.repeat(5000)}\r\n${'junk:1\r\n'.repeat(5000)}`, 'latin1');
    const r = identify(big, 'redis-info');
    expect(r?.fields.truncated).toBe(true);
    expect((r?.fields.os as string).length).toBeLessThanOrEqual(160);
    expect(Object.keys(r!.fields).length).toBeLessThan(16);
  });
});

describe('datastores: hostile bytes give nothing and never trap', () => {
  const HOSTILE = fs.readdirSync(FIXTURES).filter((f) => f.startsWith('hostile-'));

  it.each(HOSTILE)('%s', (file) => {
    for (const probe of PROBES) expect(identify(fixture(file), probe), probe).toBeNull();
  });

  it('every prefix of every captured reply parses or gives null under every probe', () => {
    for (const c of CASES) for (const part of prefixes(fixture(c.file))) for (const probe of PROBES) identify(part, probe);
  });

  it('random bytes with each protocol first byte', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const b = noise(1 + (seed % 97) * 7, seed);
      b[0] = [0x24, 0x2d, 0x56, 0x52, 0x45, 0x4e, 0x53, 0x0a, 0xff][seed % 9]!;
      for (const probe of PROBES) identify(b, probe);
    }
  });
});

describe('datastores: in the sandbox', () => {
  const HOST = '192.0.2.30';
  const { banner: passive, silent } = bannersAt(HOST, { rtt_ms: 1 });
  let r: RunResult;

  beforeAll(async () => {
    r = await runPlugin({
      plugin: 'plugins/datastores',
      context: {
        banners: [
          passive(3306, fixture('mariadb-10.11-handshake.bin')),
          passive(22, Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'latin1')),
          silent(6379),
          silent(11211),
          silent(5432),
          silent(27017),
          silent(16379),
        ],
      },
      tcp: [
        { host: HOST, port: 6379, whenSent: 'INFO server\r\n', data: fixture('redis-7.0.15-info.bin') },
        { host: HOST, port: 16379, whenSent: 'INFO server\r\n', data: fixture('redis-7.0.15-noauth.bin') },
        { host: HOST, port: 11211, whenSent: 'version\r\n', data: fixture('memcached-1.6.18-version.bin') },
        { host: HOST, port: 5432, whenSent: '\x00\x00\x00\x08\x04\xd2\x16\x2f', data: fixture('postgresql-15-ssl-refused.bin') },
        { host: HOST, port: 5432, whenSent: 'user\x00pentora\x00database\x00pentora\x00', data: fixture('postgresql-15-startup-no-hba.bin') },
        { host: HOST, port: 27017, whenSent: 'buildInfo', data: fixture('mongodb-6.0-hello-buildinfo.bin') },
        { host: HOST, port: 6379 }, { host: HOST, port: 16379 }, { host: HOST, port: 11211 }, { host: HOST, port: 5432 }, { host: HOST, port: 27017 },
      ],
    });
  });

  it('runs to completion and writes one service per datastore port, none for SSH', () => {
    expect(r.state, r.error).toBe('done');
    const services = (r.written.parsed_services ?? []) as Rec[];
    expect(services.map((s) => [s.port, s.service]).sort()).toEqual([
      [11211, 'memcached'], [16379, 'redis'], [27017, 'mongodb'], [3306, 'mysql'], [5432, 'postgresql'], [6379, 'redis'],
    ]);
    expect(atPort(services, 22)).toHaveLength(0);
  });

  it('probes silent ports only: hints, then fallbacks on unhinted ports', () => {
    const sent = r.probes.flat().map((p) => `${p.port}:${stepSends(p)[0]!.slice(0, 12)}`);
    expect(sent.some((s) => s.startsWith('3306:'))).toBe(false); // it greeted: nothing to ask
    expect(sent.some((s) => s.startsWith('22:'))).toBe(false);
    expect(sent).toContain('6379:INFO server\r');
    expect(sent).toContain('16379:INFO server\r');
    expect(sent).toContain('11211:version\r\n');
    expect(sent).toContain('5432:\x00\x00\x00\x08\x04\xd2\x16/');
    const startups = r.probes.flat().filter((p) => p.port === 5432 && Buffer.from(p.steps?.[0]?.send_b64 ?? '', 'base64').includes('user\x00pentora\x00database\x00pentora\x00'));
    expect(startups).toHaveLength(1);
  });

  it('names each product with the probe and the port hint as evidence', () => {
    const prints = (r.written.service_fingerprints ?? []) as Rec[];
    expect(atPort(prints, 3306)[0]).toMatchObject({ product: 'MariaDB', version: '10.11.19', os_hint: 'Debian', confidence: 100 });
    expect(atPort(prints, 6379)[0]).toMatchObject({ product: 'Redis', version: '7.0.15', confidence: 100 });
    expect(String(atPort(prints, 6379)[0]!.evidence)).toMatch(/^probe=redis-info; redis_version:7.0.15/);
    expect(atPort(prints, 16379)[0]).toMatchObject({ product: 'Redis', confidence: 80 });
    expect(atPort(prints, 11211)[0]).toMatchObject({ product: 'memcached', version: '1.6.18', confidence: 95 });
    expect(atPort(prints, 27017)[0]).toMatchObject({ product: 'MongoDB', version: '6.0.12', confidence: 100 });
    expect(atPort(prints, 5432)[0]).toMatchObject({ product: 'PostgreSQL', confidence: 95 });
    expect(atPort(prints, 5432)[0]!.version).toBeUndefined();
  });

  it('merges PostgreSQL\'s two answers into one record', () => {
    const pg = atPort(r.written.parsed_services, 5432)[0]!;
    expect(pg.fields).toMatchObject({ ssl_supported: false, error_code: '28000', error_file: 'auth.c' });
  });

  it('sends nothing with network false and still parses the handshake', async () => {
    const off = await runPlugin({
      plugin: 'plugins/datastores',
      network: false,
      context: { banners: [passive(3306, fixture('mysql-8.0.35-handshake.bin')), silent(6379)] },
    });
    expect(off.state, off.error).toBe('done');
    expect(off.probes.flat()).toHaveLength(0);
    expect(((off.written.parsed_services ?? []) as Rec[]).map((s) => s.service)).toEqual(['mysql']);
  });
});
