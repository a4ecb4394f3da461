/**
 * Bytes from a URL, with the caps a TUF client needs: every read has a byte
 * cap (metadata and targets have known or bounded lengths, so an endless
 * response is an attack, not a slow server) and a deadline. Supports http:,
 * https: and file:; redirects are followed only within the same origin and a
 * few times, so a registry cannot bounce the client to another host or scheme.
 * Nothing here is trusted: the caller verifies what comes back.
 */

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { describeError, ErrorCode, PentoraError } from '../../host/errors.ts';
import type { Fetcher } from '../tuf/updater.ts';
import { readOpenFile } from '../../host/workspace/read-capped.ts';

export interface FetchOptions {
  /** Refuse (and stop reading) past this many bytes. */
  maxBytes: number;
  /** Deadline for the whole fetch, redirects included. */
  timeoutMs: number;
  /** Same-origin redirects followed before giving up (default 3). */
  maxRedirects?: number;
}

function fail(url: string, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(ErrorCode.Fetch, `${url}: ${message}`, { url, ...detail });
}

/** The URL with any user:password removed, for messages. */
function shown(url: URL): string {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u.href;
}

/**
 * Fetches `url` whole.
 *
 * @example
 *   const bytes = await fetchBytes('http://127.0.0.1:8080/timestamp.json', { maxBytes: 16384, timeoutMs: 10000 });
 */
export async function fetchBytes(url: string, opts: FetchOptions): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(url, 'not a valid URL');
  }
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 0) return fail(shown(parsed), `invalid byte cap ${opts.maxBytes}`);
  switch (parsed.protocol) {
    case 'file:':
      return readFileUrl(parsed, opts.maxBytes);
    case 'http:':
    case 'https:':
      return fetchHttp(parsed, opts);
    default:
      return fail(shown(parsed), `unsupported URL scheme "${parsed.protocol.replace(/:$/, '')}" (http, https and file only)`);
  }
}

function readFileUrl(url: URL, maxBytes: number): Uint8Array {
  if (url.host !== '' && url.host !== 'localhost') fail(shown(url), 'file: URLs must name a local path');
  let file: string;
  try {
    file = fileURLToPath(url);
  } catch (err) {
    return fail(shown(url), describeError(err));
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(shown(url), code === 'ENOENT' ? 'not found' : `cannot read: ${describeError(err)}`, { status: code === 'ENOENT' ? 404 : 0 });
  }
  try {
    const r = readOpenFile(fd, maxBytes);
    if (r.kind === 'not-file') return fail(shown(url), 'not a regular file');
    if (r.kind === 'too-big') return fail(shown(url), `is ${r.size} bytes, over the ${maxBytes}-byte cap`, { cap: maxBytes });
    return r.bytes;
  } finally {
    fs.closeSync(fd);
  }
}

async function fetchHttp(start: URL, opts: FetchOptions): Promise<Uint8Array> {
  const maxRedirects = opts.maxRedirects ?? 3;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, opts.maxBytes, signal, opts.timeoutMs, start);
    if (res.kind === 'body') return res.bytes;
    if (hop >= maxRedirects) fail(shown(start), `more than ${maxRedirects} redirects`);
    let next: URL;
    try {
      next = new URL(res.location, url);
    } catch {
      return fail(shown(url), `redirect to an invalid location "${res.location.slice(0, 200)}"`);
    }
    if (next.origin !== start.origin) fail(shown(start), `redirect to another origin (${next.origin}) refused`);
    url = next;
  }
}

type Outcome = { kind: 'body'; bytes: Uint8Array } | { kind: 'redirect'; location: string };

function getOnce(url: URL, maxBytes: number, signal: AbortSignal, timeoutMs: number, start: URL): Promise<Outcome> {
  const lib = url.protocol === 'https:' ? https : http;
  const label = shown(url);
  return new Promise<Outcome>((resolve, reject) => {
    if (signal.aborted) return reject(new PentoraError(ErrorCode.Fetch, `${shown(start)}: timed out after ${timeoutMs} ms`, { url: shown(start) }));
    const req = lib.request(url, { method: 'GET', signal, headers: { 'accept-encoding': 'identity', 'user-agent': 'pentora' } });
    // The first cause wins: destroying the socket after a cap is hit must not report "closed mid-response" instead.
    let settled = false;
    const failWith = (message: string, detail: Record<string, unknown> = {}): void => {
      if (settled) return;
      settled = true;
      reject(new PentoraError(ErrorCode.Fetch, `${label}: ${message}`, { url: label, ...detail }));
      req.destroy();
    };
    req.on('error', (err) => {
      if (signal.aborted) failWith(`timed out after ${timeoutMs} ms`);
      else failWith(describeError(err));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = res.headers.location;
        res.resume();
        if (!location) return failWith(`HTTP ${status} redirect without a Location`);
        settled = true;
        return resolve({ kind: 'redirect', location });
      }
      if (status !== 200) {
        res.resume();
        return failWith(status === 404 ? 'not found (HTTP 404)' : `HTTP ${status}`, { status });
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        return failWith(`declares ${declared} bytes, over the ${maxBytes}-byte cap`, { cap: maxBytes });
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxBytes) {
          failWith(`response exceeds the ${maxBytes}-byte cap (stopped reading)`, { cap: maxBytes });
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => failWith(signal.aborted ? `timed out after ${timeoutMs} ms` : describeError(err)));
      res.on('aborted', () => failWith(signal.aborted ? `timed out after ${timeoutMs} ms` : 'connection closed mid-response'));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return failWith('connection closed mid-response');
        settled = true;
        const buf = Buffer.concat(chunks, total);
        resolve({ kind: 'body', bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) });
      });
    });
    req.end();
  });
}

/**
 * The Updater's Fetcher over a base URL (http, https or file): `relativePath`
 * is joined to it segment by segment, each percent-encoded, so a hostile path
 * from metadata cannot climb out of the base or change host. A missing file
 * (HTTP 404, ENOENT) is null, as the Fetcher contract asks; anything else throws.
 *
 * @example
 *   const fetch = fetchFrom('http://127.0.0.1:8080/');
 *   const ts = await fetch('timestamp.json', 64 * 1024);
 */
export function fetchFrom(baseUrl: string, timeoutMs = 30_000): Fetcher {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (relativePath, maxBytes) => {
    const segments = relativePath.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
      throw new PentoraError(ErrorCode.Fetch, `${base}: refusing unsafe path "${relativePath.slice(0, 200)}"`);
    }
    try {
      return await fetchBytes(base + segments.map(encodeURIComponent).join('/'), { maxBytes, timeoutMs });
    } catch (err) {
      if (err instanceof PentoraError && err.detail.status === 404) return null;
      throw err;
    }
  };
}
