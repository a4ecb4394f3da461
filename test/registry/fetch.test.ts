/** fetchBytes / fetchFrom: byte caps, deadlines, same-origin redirects only, http/https/file only. */

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { fetchBytes, fetchFrom } from '../../registry/client/fetch.ts';
import { tempDir } from './client-support.ts';

let server: http.Server;
let other: http.Server;
let base: string;
let otherBase: string;
const sockets = new Set<net.Socket>();

function listen(s: http.Server): Promise<string> {
  s.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as net.AddressInfo).port}/`)));
}

beforeAll(async () => {
  other = http.createServer((_req, res) => res.end('other origin'));
  otherBase = await listen(other);
  server = http.createServer((req, res) => {
    const u = req.url ?? '';
    if (u === '/small') return res.end('0123456789');
    if (u === '/declared-big') {
      res.writeHead(200, { 'content-length': '1000000' });
      return res.end(Buffer.alloc(1_000_000));
    }
    if (u === '/chunked-endless') {
      // No Content-Length: the client must count and stop by itself.
      res.writeHead(200);
      const write = (): void => {
        if (res.destroyed) return;
        res.write(Buffer.alloc(16 * 1024, 1), () => setImmediate(write));
      };
      return write();
    }
    if (u === '/hang') return; // never answers: the deadline must fire
    if (u === '/redirect-same') {
      res.writeHead(302, { location: '/small' });
      return res.end();
    }
    if (u === '/redirect-other') {
      res.writeHead(302, { location: `${otherBase}x` });
      return res.end();
    }
    if (u === '/redirect-scheme') {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      return res.end();
    }
    if (u === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (u === '/a%20b/c.json') return res.end('encoded');
    if (u === '/status-500') {
      res.writeHead(500);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  base = await listen(server);
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => other.close(r))]);
});

async function failure(p: Promise<unknown>): Promise<PentoraError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PentoraError);
    return err as PentoraError;
  }
  throw new Error('expected a failure');
}

describe('fetchBytes over http', () => {
  it('fetches a body within the cap', async () => {
    expect(Buffer.from(await fetchBytes(`${base}small`, { maxBytes: 10, timeoutMs: 5000 })).toString()).toBe('0123456789');
  });

  it('refuses a body one byte over the cap, naming the URL and the cap', async () => {
    const e = await failure(fetchBytes(`${base}small`, { maxBytes: 9, timeoutMs: 5000 }));
    expect(e.code).toBe(ErrorCode.Fetch);
    expect(e.message).toContain(`${base}small`);
    expect(e.message).toContain('9-byte cap');
  });

  it('refuses a declared Content-Length over the cap before reading it', async () => {
    const e = await failure(fetchBytes(`${base}declared-big`, { maxBytes: 1000, timeoutMs: 5000 }));
    expect(e.message).toMatch(/declares 1000000 bytes, over the 1000-byte cap/);
  });

  it('stops reading an endless response at the cap', async () => {
    const e = await failure(fetchBytes(`${base}chunked-endless`, { maxBytes: 100_000, timeoutMs: 10_000 }));
    expect(e.message).toMatch(/exceeds the 100000-byte cap \(stopped reading\)/);
  });

  it('gives up at the deadline', async () => {
    const e = await failure(fetchBytes(`${base}hang`, { maxBytes: 100, timeoutMs: 300 }));
    expect(e.message).toMatch(/timed out after 300 ms/);
  });

  it('follows a same-origin redirect', async () => {
    expect(Buffer.from(await fetchBytes(`${base}redirect-same`, { maxBytes: 100, timeoutMs: 5000 })).toString()).toBe('0123456789');
  });

  it('refuses a redirect to another origin or scheme', async () => {
    expect((await failure(fetchBytes(`${base}redirect-other`, { maxBytes: 100, timeoutMs: 5000 }))).message).toMatch(/redirect to another origin/);
    expect((await failure(fetchBytes(`${base}redirect-scheme`, { maxBytes: 100, timeoutMs: 5000 }))).message).toMatch(/redirect to another origin/);
  });

  it('stops after a few redirects', async () => {
    expect((await failure(fetchBytes(`${base}loop`, { maxBytes: 100, timeoutMs: 5000 }))).message).toMatch(/more than 3 redirects/);
  });

  it('reports an HTTP error status', async () => {
    expect((await failure(fetchBytes(`${base}status-500`, { maxBytes: 100, timeoutMs: 5000 }))).message).toMatch(/HTTP 500/);
  });

  it.each(['ftp://127.0.0.1/x', 'data:text/plain,hi', 'javascript:alert(1)', 'gopher://x/'])('refuses the %s scheme', async (url) => {
    const e = await failure(fetchBytes(url, { maxBytes: 100, timeoutMs: 1000 }));
    expect(e.message).toMatch(/unsupported URL scheme/);
  });
});

describe('fetchBytes over file:', () => {
  it('reads a file within the cap and refuses one over it', async () => {
    const dir = tempDir('fetch');
    const f = path.join(dir, 'x.json');
    fs.writeFileSync(f, '{"a":1}');
    expect(Buffer.from(await fetchBytes(pathToFileURL(f).href, { maxBytes: 7, timeoutMs: 1000 })).toString()).toBe('{"a":1}');
    const e = await failure(fetchBytes(pathToFileURL(f).href, { maxBytes: 6, timeoutMs: 1000 }));
    expect(e.message).toMatch(/7 bytes, over the 6-byte cap/);
    expect((await failure(fetchBytes(pathToFileURL(dir).href, { maxBytes: 100, timeoutMs: 1000 }))).message).toMatch(/not a regular file/);
    expect((await failure(fetchBytes('file://example.com/etc/passwd', { maxBytes: 100, timeoutMs: 1000 }))).message).toMatch(/local path/);
  });
});

describe('fetchFrom (the Updater fetcher)', () => {
  it('returns null for a missing file (http 404 and file ENOENT)', async () => {
    expect(await fetchFrom(base)('nope.json', 100)).toBeNull();
    expect(await fetchFrom(pathToFileURL(tempDir('fetch')).href)('nope.json', 100)).toBeNull();
  });

  it('percent-encodes each segment and keeps other failures as errors', async () => {
    expect(Buffer.from((await fetchFrom(base)('a b/c.json', 100))!).toString()).toBe('encoded');
    await expect(fetchFrom(base)('status-500', 100)).rejects.toThrow(/HTTP 500/);
  });

  it.each(['../secret', 'a/../../b', '/etc/passwd', 'a//b', 'a\\b', 'a\0b', './x'])('refuses the unsafe path %j', async (p) => {
    await expect(fetchFrom(base)(p, 100)).rejects.toThrow(/refusing unsafe path/);
  });
});
