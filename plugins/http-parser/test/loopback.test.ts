/**
 * http-parser against a real socket: a loopback server (listen(0)) replays
 * the captured nginx conversation per request path; the probes the plugin
 * makes go through the host's real net.tcp.probe (host/hostcalls/net-tcp.ts)
 * into a transcript, and the plugin run again on that transcript writes what
 * it wrote against the canned replies.
 */

import fs from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlugin, type RunResult } from '../../../sdk/testing/harness.ts';
import { recordTcpProbes } from '../../../sdk/testing/live-host.ts';
import type { Rec } from '../../../sdk/testing/parser-table.ts';

const PLUGIN = 'plugins/http-parser';
const fx = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
/** The captured reply for each request line. */
const REPLIES: Record<string, Buffer> = { 'GET / HTTP/1.0': fx('nginx-php-header.http'), 'GET /favicon.ico HTTP/1.0': fx('nginx-favicon.http') };

describe('http-parser through the real net.tcp.probe (loopback nginx replay)', () => {
  const alive = new Set<Socket>();
  const requests: string[] = [];
  const server = createServer((s) => {
    alive.add(s);
    s.on('error', () => {});
    s.on('close', () => alive.delete(s));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      requests.push(got);
      s.end(REPLIES[got.split('\r\n')[0]!] ?? 'HTTP/1.1 400 Bad Request\r\n\r\n');
    });
  });
  let port = 0;
  let dir = '';
  let canned: RunResult;
  let replayed: RunResult;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-http-'));
    const banners = [{ host: '127.0.0.1', port, protocol: 'tcp', probe: 'passive', data_b64: '' }];
    // 1. What the plugin sends, against canned replies of the same bytes.
    canned = await runPlugin({
      plugin: PLUGIN,
      context: { banners },
      tcp: [
        { port, whenSent: 'GET /favicon.ico ', data: REPLIES['GET /favicon.ico HTTP/1.0'] },
        { port, whenSent: 'GET / ', data: REPLIES['GET / HTTP/1.0'] },
      ],
    });
    // 2. The same probes through the host's real TCP code, recorded.
    const file = path.join(dir, 'transcript.jsonl');
    await recordTcpProbes({ file, plugin: 'pentora/http-parser', batches: canned.probes });
    // 3. The plugin again, answered by what the real sockets read.
    replayed = await runPlugin({ plugin: PLUGIN, context: { banners }, transcript: file });
  }, 60_000);

  afterAll(async () => {
    for (const s of alive) s.destroy();
    await new Promise((r) => server.close(r));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the server got GET / then GET /favicon.ico, each with Host 127.0.0.1:<port>', () => {
    expect(requests.map((r) => r.split('\r\n').slice(0, 2).join(' | '))).toEqual([
      `GET / HTTP/1.0 | Host: 127.0.0.1:${port}`,
      `GET /favicon.ico HTTP/1.0 | Host: 127.0.0.1:${port}`,
    ]);
  });

  it('writes the same records from the real sockets as from the canned replies', () => {
    expect(replayed.state, replayed.error).toBe('done');
    expect(replayed.written).toEqual(canned.written);
    const prints = replayed.written.service_fingerprints as Rec[];
    expect(prints.map((p) => p.product)).toEqual(['nginx', 'PHP', 'phpMyAdmin']);
    const fields = (replayed.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(fields.favicon).toMatchObject({ mmh3: -476231906, md5: '531b63a51234bb06c9d77f219eb25553' });
  });
});
