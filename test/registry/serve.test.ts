/** `pentora registry serve`: static files only, GET/HEAD, no listing, no traversal, loopback by default, clean shutdown. */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, resolveRequestPath, serveRegistry, type RegistryServer } from '../../registry/client/serve.ts';
import { CLI } from '../e2e/helpers.ts';
import { tempDir } from './client-support.ts';

/** One raw HTTP/1.1 exchange, so the request path reaches the server byte for byte (no client normalisation). */
function raw(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    sock.write(request.includes('\r\n\r\n') ? request : `${request}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

const get = (port: number, p: string) => raw(port, `GET ${p} HTTP/1.1`);

let root: string;
let outside: string;
let srv: RegistryServer;

beforeAll(async () => {
  const base = tempDir('serve');
  root = path.join(base, 'registry');
  outside = path.join(base, 'secret.txt');
  fs.mkdirSync(path.join(root, 'targets', 'acme'), { recursive: true });
  fs.writeFileSync(path.join(root, 'timestamp.json'), '{"signed":{}}\n');
  fs.writeFileSync(path.join(root, 'targets', 'acme', 'abc.plugin.wasm'), Buffer.alloc(70_000, 7));
  fs.writeFileSync(path.join(root, 'empty.json'), '');
  fs.writeFileSync(path.join(root, '.hidden'), 'not for you');
  fs.writeFileSync(outside, 'TOP SECRET');
  fs.symlinkSync(outside, path.join(root, 'escape.json'));
  srv = await serveRegistry({ root, port: 0 });
});

afterAll(async () => {
  await srv.close();
});

describe('serving files', () => {
  it('serves a file with its exact Content-Length and type', async () => {
    const r = await get(srv.port, '/timestamp.json');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['content-length']).toBe('14');
    expect(r.body).toBe('{"signed":{}}\n');
    const big = await fetch(`${srv.url}targets/acme/abc.plugin.wasm`);
    expect(big.status).toBe(200);
    expect(big.headers.get('content-length')).toBe('70000');
    expect(Buffer.from(await big.arrayBuffer()).equals(Buffer.alloc(70_000, 7))).toBe(true);
  });

  it('serves an empty file as Content-Length 0', async () => {
    const r = await get(srv.port, '/empty.json');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.body).toBe('');
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await raw(srv.port, 'HEAD /timestamp.json HTTP/1.1');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('14');
    expect(r.body).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('refuses %s with 405 and Allow: GET, HEAD', async (method) => {
    const r = await raw(srv.port, `${method} /timestamp.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('GET, HEAD');
  });

  it('lists no directory and serves no dotfile', async () => {
    for (const p of ['/', '/targets', '/targets/', '/targets/acme/', '/.hidden']) {
      const r = await get(srv.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('abc.plugin.wasm');
      expect(r.body, p).not.toContain('not for you');
    }
    expect((await get(srv.port, '/missing.json')).status).toBe(404);
  });
});

describe('path traversal', () => {
  it.each([
    '/../secret.txt',
    '/targets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/targets%2f..%2f..%2fsecret.txt',
    '/targets%2F%2E%2E%2F%2E%2E%2Fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/timestamp.json%00.wasm',
    '/%252e%252e/secret.txt',
    '//secret.txt',
    'http://127.0.0.1/../secret.txt',
    '/%zz',
  ])('refuses %s without serving anything outside', async (p) => {
    const r = await get(srv.port, p);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body).not.toContain('TOP SECRET');
  });

  it('refuses a symlink that leads outside the directory', async () => {
    const r = await get(srv.port, '/escape.json');
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('TOP SECRET');
  });

  it('resolves a request path only inside the root (pure check)', () => {
    expect(resolveRequestPath('/srv/reg', '/a/b.json')).toEqual({ file: '/srv/reg/a/b.json' });
    expect(resolveRequestPath('/srv/reg', '/a/b.json?x=1')).toEqual({ file: '/srv/reg/a/b.json' });
    expect(resolveRequestPath('/srv/reg', '/a/%2e%2e/b')).toMatchObject({ status: 400 });
    expect(resolveRequestPath('/srv/reg', '/a/../../b')).toMatchObject({ status: 400 });
    expect(resolveRequestPath('/srv/reg', '/a\0b')).toMatchObject({ status: 400 });
  });
});

describe('binding', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.4.5.6', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.com', false],
  ])('isLoopback(%s) = %s', (host, want) => {
    expect(isLoopback(host)).toBe(want);
  });

  it('refuses a non-loopback address unless explicitly allowed', async () => {
    await expect(serveRegistry({ root, host: '0.0.0.0', port: 0 })).rejects.toThrow(/not a loopback address/);
  });

  it('refuses a root that is not a directory', async () => {
    await expect(serveRegistry({ root: outside, port: 0 })).rejects.toThrow(/not a readable directory/);
  });
});

describe('pentora registry serve (CLI)', () => {
  it('prints its URL, serves on loopback, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'registry', 'serve', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${err}`)));
    });
    const r = await fetch(`${url}timestamp.json`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{"signed":{}}\n');
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(err).toContain('stopped');
  });

  it('warns when --host names a non-loopback address (TEST-NET: nothing can bind it, nothing listens)', async () => {
    const child = spawn(process.execPath, [CLI, 'registry', 'serve', root, '--port', '0', '--host', '192.0.2.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(err).toContain('WARNING: serving on 192.0.2.1');
    expect(err).toMatch(/cannot listen on 192\.0\.2\.1/);
    expect(code).toBe(2);
  });
});
