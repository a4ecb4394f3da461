/**
 * The ssh-kexinit probe in the sandbox: our identification line sent on
 * connect, the server's line and KEXINIT (replayed from OpenSSH 9.2p1 on
 * Debian 12) parsed into algorithm lists and HASSHServer; silent ports 22 and
 * 2222 probed, other silent ports left alone; nothing sent offline.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import type { Rec } from '../../../sdk/testing/parser-table.ts';
import { sentBy } from '../../../sdk/testing/sent.ts';

const capture = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'openssh-9.2p1-debian12-kexinit.bin'));
const ident = capture.subarray(0, capture.indexOf(0x0a) + 1);
const HOST = '192.0.2.11';
const { banner } = bannersAt(HOST);
const HELLO = 'SSH-2.0-pentora_0.1\r\n';

describe('ssh-parser: the ssh-kexinit follow-up', () => {
  const run = (network = true) =>
    runPlugin({
      plugin: 'plugins/ssh-parser',
      network,
      context: { banners: [banner(22, ident), banner(2222, ''), banner(8022, '')] },
      tcp: [
        { host: HOST, port: 22, steps: [{ whenSent: HELLO, data: capture }] },
        { host: HOST, port: 2222, steps: [{ whenSent: HELLO, data: capture }] },
      ],
    });

  it('sends our identification line to the SSH endpoint and to silent 2222, not to silent 8022', async () => {
    const r = await run();
    expect(r.state, r.error).toBe('done');
    expect(sentBy(r).sort()).toEqual([[22, HELLO], [2222, HELLO]]);
    expect(r.output.summary).toMatchObject({ banners: 3, identified: 2, probed: 2, answered: 2, by_probe: 1 });
  });

  it('writes the KEXINIT lists and HASSHServer of OpenSSH 9.2p1', async () => {
    const r = await run();
    const svc = (r.written.parsed_services as Rec[]).find((s) => s.port === 22)!;
    expect(svc.fields).toMatchObject({
      probe: 'ssh-kexinit',
      software: 'OpenSSH_9.2p1',
      comments: 'Debian-2+deb12u10',
      host_key_algorithms: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256'],
      compression_algorithms: ['none', 'zlib@openssh.com'],
      strict_kex: true,
      hassh_server: '425d29fe50d8e4f5e37efb6e24bcf660',
    });
    expect((svc.fields as Rec).kex_algorithms).toHaveLength(12);
    expect((svc.fields as Rec).kexinit_incomplete).toBeUndefined();
    const fp = (r.written.service_fingerprints as Rec[]).find((p) => p.port === 22)!;
    expect(fp).toMatchObject({ service: 'ssh', product: 'OpenSSH', version: '9.2p1', os_hint: 'Debian', confidence: 100 });
    expect(String(fp.evidence)).toBe('probe=ssh-kexinit; SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10');
  });

  it('identifies a port that was silent on connect from the probe alone', async () => {
    const r = await run();
    const fp = (r.written.service_fingerprints as Rec[]).find((p) => p.port === 2222)!;
    expect(fp).toMatchObject({ product: 'OpenSSH', confidence: 100 });
    expect((fp.extra as Rec).evidence).toEqual(['probe:ssh-kexinit', 'port-hint']);
  });

  it('sends nothing with network false (pentora fingerprint)', async () => {
    const r = await run(false);
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toHaveLength(0);
    expect(r.written.parsed_services).toHaveLength(1);
  });
});
