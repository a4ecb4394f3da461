import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type PentoraConfig } from '../../host/config/config.ts';
import { BUILTIN_PLUGINS_DIR, Catalog } from '../../host/engine/catalog.ts';
import { runScan } from '../../host/scan.ts';
import { loadTrustStore } from '../../host/trust/default-store.ts';
import { startDemoServices, type DemoService } from '../../scripts/demo-services.ts';
import { tempDir } from './helpers.ts';

function config(ws: string): PentoraConfig {
  const d = defaultConfig(ws);
  return { ...d, scan: { ...d.scan, read_timeout_ms: 1500 } };
}

describe('a real scan of fake services on 127.0.0.1', () => {
  let services: DemoService[];
  let ws: string;
  beforeAll(async () => {
    services = await startDemoServices();
    ws = tempDir('scan');
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    fs.rmSync(ws, { recursive: true, force: true });
  });
  const port = (name: string) => services.find((s) => s.name === name)!.port;

  it('finds every open port and identifies OpenSSH, nginx (+PHP), vsftpd and Postfix with versions', async () => {
    const catalog = await Catalog.load({ trust: loadTrustStore(ws) });
    const result = await runScan({
      targets: ['127.0.0.1'],
      ports: services.map((s) => s.port).join(','),
      config: config(ws),
      catalog,
      logger: pino({ level: 'silent' }),
    });
    expect(result.state).toBe('completed');
    expect(result.ports.map((p) => p.port).sort()).toEqual(services.map((s) => s.port).sort());
    const find = (name: string, product: string) => result.services.find((s) => s.port === port(name) && s.product === product);
    expect(find('ssh', 'OpenSSH')).toMatchObject({ version: '9.2p1', os_hint: 'Debian' });
    expect(find('http', 'nginx')).toMatchObject({ version: '1.22.1', cpe: 'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*' });
    expect(find('http', 'PHP')).toMatchObject({ version: '8.2.7' });
    expect(find('ftp', 'vsftpd')).toMatchObject({ version: '3.0.3' });
    expect(find('smtp', 'Postfix')).toMatchObject({ version: '3.7.10' });
    expect(result.artifacts).toContain('report.json');
  });

  it('refuses a plugin whose wasm has one flipped byte, and the rest of the scan still runs', async () => {
    // Copies of the builtins in a plugin folder of their own; the repo's are never touched.
    const dir = tempDir('plugins');
    for (const name of fs.readdirSync(BUILTIN_PLUGINS_DIR)) {
      const dist = path.join(BUILTIN_PLUGINS_DIR, name, 'dist');
      if (fs.existsSync(path.join(dist, 'manifest.json'))) fs.cpSync(dist, path.join(dir, name), { recursive: true });
    }
    const wasm = path.join(dir, 'ssh-parser', 'plugin.wasm');
    const bytes = fs.readFileSync(wasm);
    bytes[bytes.length >> 1]! ^= 0x01;
    fs.writeFileSync(wasm, bytes);
    try {
      const catalog = await Catalog.load({ trust: loadTrustStore(ws), roots: [{ path: dir, source: 'dir' }] });
      const entry = catalog.entry('pentora/ssh-parser')!;
      expect(entry.verified).toBe(false);
      expect(entry.error).toMatch(/pentora\/ssh-parser wasm does not match its signed manifest \(expected sha256 [0-9a-f]{64} .*got sha256 [0-9a-f]{64}/);
      const result = await runScan({ targets: ['127.0.0.1'], ports: String(port('ssh')), config: config(ws), catalog, logger: pino({ level: 'silent' }) });
      expect(result.nodes.map((n) => n.module)).not.toContain('pentora/ssh-parser');
      expect(result.ports.map((p) => p.port)).toEqual([port('ssh')]);
      expect(result.services.filter((s) => s.product === 'OpenSSH')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lazy catalog verifies only the planned plugins, and drops a planned one that fails with its error', async () => {
    const dir = tempDir('plugins');
    for (const name of fs.readdirSync(BUILTIN_PLUGINS_DIR)) {
      const dist = path.join(BUILTIN_PLUGINS_DIR, name, 'dist');
      if (fs.existsSync(path.join(dist, 'manifest.json'))) fs.cpSync(dist, path.join(dir, name), { recursive: true });
    }
    const sig = path.join(dir, 'ssh-parser', 'manifest.sig');
    const envelope = JSON.parse(fs.readFileSync(sig, 'utf8')) as { signatures: Array<{ sig: string }> };
    const raw = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    raw[5]! ^= 0x01;
    envelope.signatures[0]!.sig = raw.toString('base64');
    fs.writeFileSync(sig, JSON.stringify(envelope));
    try {
      const catalog = await Catalog.load({ trust: loadTrustStore(ws), roots: [{ path: dir, source: 'dir' }], lazy: true });
      expect(catalog.entries.every((e) => !e.verified && e.pending !== undefined)).toBe(true);
      expect(catalog.candidates().map((m) => m.name)).toContain('pentora/ssh-parser');
      const result = await runScan({
        targets: ['127.0.0.1'],
        ports: String(port('ssh')),
        scanTypes: ['connect'],
        config: config(ws),
        catalog,
        logger: pino({ level: 'silent' }),
      });
      // The SSH parser's signature fails when the plan needs it: it is left out with that
      // error, the plan is made again without it, and the rest of the scan runs.
      const parser = catalog.entry('pentora/ssh-parser')!;
      expect(parser.verified).toBe(false);
      expect(parser.error).toMatch(/signature/i);
      expect(catalog.candidates().map((m) => m.name)).not.toContain('pentora/ssh-parser');
      expect(result.nodes.map((n) => n.module)).not.toContain('pentora/ssh-parser');
      expect(result.ports.map((p) => p.port)).toEqual([port('ssh')]);
      // Plugins a connect scan of this machine never needs were never verified.
      for (const name of ['pentora/udp-scanner', 'pentora/syn-scanner', 'pentora/icmp-discovery']) {
        const e = catalog.entry(name)!;
        expect(e.verified, name).toBe(false);
        expect(e.error, name).toBeNull();
        expect(e.pending, name).toBeDefined();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
