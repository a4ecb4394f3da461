/**
 * Where the client keeps the registry metadata it last trusted (the Updater's
 * rollback floor): `<workspace>/plugins/tuf/<registry id>/<role>.json`. The id
 * is derived from the pinned root, not the URL, so a mirror or a bundle of the
 * same registry shares one floor and cannot roll it back either.
 */

import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { readCapped } from '../../host/sandbox/loader.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { writeFileAtomic } from '../../host/workspace/atomic.ts';
import { checkRoleName, TOP_LEVEL_ROLES } from '../tuf/paths.ts';
import type { MetadataStore } from '../tuf/updater.ts';

const MAX_METADATA_BYTES = 8 * 1024 * 1024;

/** A registry's identity: the first 32 hex digits of the sha256 of its pinned root file. */
export function registryId(trustedRoot: Uint8Array): string {
  return sha256Hex(trustedRoot).slice(0, 32);
}

export class FileMetadataStore implements MetadataStore {
  readonly dir: string;

  constructor(workspace: string, trustedRoot: Uint8Array) {
    this.dir = path.join(workspace, 'plugins', 'tuf', registryId(trustedRoot));
  }

  #file(role: string): string {
    if (!(TOP_LEVEL_ROLES as readonly string[]).includes(role)) checkRoleName(role, 'metadata store');
    return path.join(this.dir, `${role}.json`);
  }

  load(role: string): Uint8Array | null {
    const file = this.#file(role);
    if (!fs.existsSync(file)) return null;
    return readCapped(file, MAX_METADATA_BYTES, 'trusted metadata');
  }

  async save(role: string, bytes: Uint8Array): Promise<void> {
    const file = this.#file(role);
    if (bytes.length > MAX_METADATA_BYTES) throw new PentoraError(ErrorCode.Registry, `${file}: metadata of ${bytes.length} bytes is over the cap`);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(file, bytes, { mode: 0o644 });
  }
}
