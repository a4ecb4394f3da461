/**
 * `pentora registry serve`: a small static file server for a registry
 * directory. A TUF registry needs nothing else (clients verify everything),
 * so this serves files and refuses the rest: only GET and HEAD, no directory
 * listing, no dotfiles, no path that could mean a place outside the directory
 * once decoded (`..`, `%2e%2e`, encoded slashes or backslashes, NUL), no
 * symlink leading out of it. Binds to loopback unless told otherwise.
 */

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';

export interface ServeOptions {
  /** The registry directory. */
  root: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 lets the kernel pick. */
  port?: number;
  /** A non-loopback host is refused unless this is set (the CLI sets it only for an explicit --host). */
  allowNonLoopback?: boolean;
  /** Called once per request with method, path and status (the CLI logs it). */
  onRequest?: (line: { method: string; path: string; status: number }) => void;
}

export interface RegistryServer {
  /** `http://host:port/` */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets in-flight responses finish, then closes idle keep-alive connections. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; `localhost` counts. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(h);
  return false;
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.sig': 'application/json', '.wasm': 'application/wasm', '.tar': 'application/x-tar' };

/**
 * The file a request path names inside `root`, or the HTTP status refusing it.
 * Exported for tests: the checks are on the raw path, before and after decoding.
 */
export function resolveRequestPath(root: string, rawUrl: string): { file: string } | { status: 400 | 403 | 404; reason: string } {
  const rawPath = rawUrl.split('?', 1)[0]!.split('#', 1)[0]!;
  if (!rawPath.startsWith('/')) return { status: 400, reason: 'path must start with /' };
  // Encodings of ".", "/", "\" and NUL have no business in a registry path;
  // refusing them undecoded closes every double-decoding trick at once.
  if (/%(2e|2f|5c|00)/i.test(rawPath)) return { status: 400, reason: 'encoded dot, slash, backslash or NUL in path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400, reason: 'NUL or backslash in path' };
  const segments = decoded.slice(1).split('/');
  if (segments.length === 1 && segments[0] === '') return { status: 404, reason: 'no directory listing' };
  for (const s of segments) {
    if (s === '..' || s === '.') return { status: 400, reason: 'dot segment in path' };
    if (s === '') return { status: 404, reason: 'empty segment (directory) in path' };
    if (s.startsWith('.')) return { status: 404, reason: 'hidden file' };
  }
  const file = path.join(root, ...segments);
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { status: 400, reason: 'path escapes the registry directory' };
  return { file };
}

function reply(res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(`${body}\n`, 'utf8');
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(bytes.length), 'x-content-type-options': 'nosniff', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function handler(rootReal: string, opts: ServeOptions): http.RequestListener {
  return (req, res) => {
    const method = req.method ?? '';
    const rawUrl = req.url ?? '';
    res.on('finish', () => opts.onRequest?.({ method, path: rawUrl.slice(0, 200), status: res.statusCode }));
    if (method !== 'GET' && method !== 'HEAD') return reply(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const target = resolveRequestPath(rootReal, rawUrl);
    if ('status' in target) return reply(res, target.status, target.reason);
    let real: string;
    try {
      real = fs.realpathSync(target.file);
    } catch {
      return reply(res, 404, 'not found');
    }
    // A symlink inside the directory must not lead outside it.
    const rel = path.relative(rootReal, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return reply(res, 403, 'outside the registry directory');
    let fd: number;
    try {
      fd = fs.openSync(real, 'r');
    } catch {
      return reply(res, 404, 'not found');
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch {
      fs.closeSync(fd);
      return reply(res, 404, 'not found');
    }
    if (!st.isFile()) {
      fs.closeSync(fd);
      return reply(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(real)] ?? 'application/octet-stream',
      'content-length': String(st.size),
      'x-content-type-options': 'nosniff',
      // Metadata changes on every publish; the client verifies, caches must not pin it.
      'cache-control': 'no-cache',
    });
    if (method === 'HEAD') {
      fs.closeSync(fd);
      return res.end();
    }
    // Streams exactly st.size bytes from the descriptor that was checked.
    const stream = fs.createReadStream(real, { fd, start: 0, end: Math.max(0, st.size - 1), autoClose: true });
    if (st.size === 0) {
      stream.destroy();
      return res.end();
    }
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

/**
 * Starts serving `root`; resolves once listening.
 *
 * @example
 *   const srv = await serveRegistry({ root: 'my-registry', port: 0 });
 *   console.log(srv.url); // http://127.0.0.1:40411/
 *   await srv.close();
 */
export async function serveRegistry(opts: ServeOptions): Promise<RegistryServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.allowNonLoopback) {
    throw new PentoraError(ErrorCode.Usage, `registry serve: ${host} is not a loopback address; pass --host ${host} explicitly to serve beyond this machine`);
  }
  let rootReal: string;
  try {
    rootReal = fs.realpathSync(opts.root);
    if (!fs.statSync(rootReal).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new PentoraError(ErrorCode.Usage, `registry serve: ${opts.root} is not a readable directory (${describeError(err)})`);
  }
  const server = http.createServer(handler(rootReal, opts));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new PentoraError(ErrorCode.Usage, `registry serve: cannot listen on ${host}:${opts.port ?? 8080}: ${describeError(err)}`)));
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
