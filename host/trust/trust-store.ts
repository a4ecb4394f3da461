/**
 * The trust store: which ed25519 keys may sign plugins, and for which names.
 * A key is trusted for namespaces (`pentora/*`, `acme/*`, or an exact
 * `acme/redis-checks`), never globally: the local build key signs the
 * builtins it compiled and cannot vouch for `acme/*`.
 *
 * Sources, later ones adding keys: the keys shipped in <repo>/keys/trusted,
 * the local build key's entry in <repo>/keys/local/trusted, and the keys an
 * operator trusted in <workspace>/keys/trusted. One JSON file per key:
 *   {"keyid": "<hex>", "public_key": "<base64 32 bytes>", "namespaces": ["pentora/*"],
 *    "tier": "official", "label": "pentora release 2026"}
 * or a JSON list of such entries (a registry role's keys, registry-<role>.json).
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../errors.ts';
import { keyIdOf, PUBLIC_KEY_BYTES } from './ed25519.ts';

export type Tier = 'official' | 'build' | 'community' | 'test';
const TIERS: readonly Tier[] = ['official', 'build', 'community', 'test'];

export interface TrustedKey {
  keyid: string;
  publicKey: Uint8Array;
  namespaces: string[];
  tier: Tier;
  label?: string;
  /** The file it came from, for `keys list`. */
  source: string;
}

export interface TrustedKeyFile {
  keyid: string;
  public_key: string;
  namespaces: string[];
  tier: Tier;
  label?: string;
}

/** True when `name` (publisher/plugin) falls under `pattern` (`publisher/*` or an exact name). */
export function namespaceCovers(pattern: string, name: string): boolean {
  if (pattern.endsWith('/*')) {
    const pub = pattern.slice(0, -1); // "publisher/"
    return name.startsWith(pub) && name.length > pub.length && !name.slice(pub.length).includes('/');
  }
  return pattern === name;
}

export function parseTrustedKey(doc: unknown, where: string): TrustedKey {
  const bad = (msg: string): never => {
    throw new PentoraError(ErrorCode.Trust, `${where}: ${msg}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad('trusted key must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d.public_key !== 'string') bad('public_key must be base64');
  const publicKey = new Uint8Array(Buffer.from(d.public_key as string, 'base64'));
  if (publicKey.length !== PUBLIC_KEY_BYTES) bad(`public_key is ${publicKey.length} bytes, expected ${PUBLIC_KEY_BYTES}`);
  const keyid = keyIdOf(publicKey);
  if (d.keyid !== keyid) bad(`keyid ${String(d.keyid).slice(0, 16)}… does not match the sha256 of its public key (${keyid.slice(0, 16)}…)`);
  if (!Array.isArray(d.namespaces) || d.namespaces.length === 0 || !d.namespaces.every((n) => typeof n === 'string' && /^[a-z0-9][a-z0-9._-]*\/(\*|[a-z0-9][a-z0-9._-]*)$/.test(n))) {
    bad('namespaces must be a non-empty list like ["publisher/*"]');
  }
  if (!TIERS.includes(d.tier as Tier)) bad(`tier must be one of ${TIERS.join(', ')}`);
  const key: TrustedKey = { keyid, publicKey, namespaces: d.namespaces as string[], tier: d.tier as Tier, source: where };
  if (typeof d.label === 'string') key.label = d.label;
  return key;
}

export function trustedKeyFile(key: Omit<TrustedKey, 'source' | 'keyid'>): TrustedKeyFile {
  const out: TrustedKeyFile = {
    keyid: keyIdOf(key.publicKey),
    public_key: Buffer.from(key.publicKey).toString('base64'),
    namespaces: key.namespaces,
    tier: key.tier,
  };
  if (key.label) out.label = key.label;
  return out;
}

export class TrustStore {
  readonly #keys = new Map<string, TrustedKey>();

  constructor(keys: Iterable<TrustedKey> = []) {
    for (const k of keys) this.add(k);
  }

  add(key: TrustedKey): void {
    const prev = this.#keys.get(key.keyid);
    // The same key trusted from two files: the namespaces add up, the first tier wins.
    if (prev) prev.namespaces = [...new Set([...prev.namespaces, ...key.namespaces])];
    else this.#keys.set(key.keyid, { ...key, namespaces: [...key.namespaces] });
  }

  get(keyid: string): TrustedKey | undefined {
    return this.#keys.get(keyid);
  }

  list(): TrustedKey[] {
    return [...this.#keys.values()];
  }

  /** Loads every `*.json` key file in each directory that exists. */
  static fromDirs(dirs: string[]): TrustStore {
    const store = new TrustStore();
    for (const dir of dirs) {
      let names: string[];
      try {
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
      } catch {
        continue;
      }
      for (const n of names) {
        const file = path.join(dir, n);
        let doc: unknown;
        try {
          doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
          throw new PentoraError(ErrorCode.Trust, `${file}: not valid JSON: ${(err as Error).message}`);
        }
        // A file holds one key, or a list (a registry role's keys, written by install).
        if (Array.isArray(doc)) doc.forEach((d, i) => store.add(parseTrustedKey(d, `${file}[${i}]`)));
        else store.add(parseTrustedKey(doc, file));
      }
    }
    return store;
  }
}
