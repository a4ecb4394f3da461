/**
 * Where install and update get their bytes: the configured registry (or one
 * given on the command line), identified by a pinned root file that was
 * obtained out of band. Bundles build their own TufSource (registry/bundle).
 */

import fs from 'node:fs';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { readCapped } from '../../host/sandbox/loader.ts';
import { fetchFrom } from './fetch.ts';
import type { TufSource } from './install.ts';
import type { LockEntry } from './store.ts';

const MAX_ROOT_BYTES = 64 * 1024;

/** Reads the pinned root metadata, with a message that says how to get one. */
export function readPinnedRoot(file: string): Uint8Array {
  if (!fs.existsSync(file)) {
    throw new PentoraError(
      ErrorCode.Config,
      `${file}: no pinned registry root there; set registry.root in the config (or pass --root FILE) to the registry's 1.root.json, obtained out of band and checked by its fingerprint`,
    );
  }
  return readCapped(file, MAX_ROOT_BYTES, 'pinned root metadata');
}

/**
 * A registry over http(s) or file: URLs.
 *
 * @example
 *   const src = registrySource('http://127.0.0.1:8080/', '/etc/pentora/1.root.json');
 */
export function registrySource(url: string, rootFile: string, timeoutMs = 30_000): TufSource {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PentoraError(ErrorCode.Config, `registry URL "${url}" is not a valid URL`);
  }
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) {
    throw new PentoraError(ErrorCode.Config, `registry URL "${url}": only http, https and file URLs are supported`);
  }
  const location = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  return { kind: 'registry', location, fetch: fetchFrom(location, timeoutMs), trustedRoot: readPinnedRoot(rootFile) };
}

/** The source `plugin update` uses for a lock entry: its own registry, with the pinned root; null for files and bundles. */
export function updateSourceFor(entry: LockEntry, rootFile: string): TufSource | null {
  if (!entry.source.startsWith('registry:')) return null;
  return registrySource(entry.source.slice('registry:'.length), rootFile);
}
