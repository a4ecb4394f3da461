/**
 * The trust store a pentora process uses: keys shipped in <repo>/keys/trusted,
 * the local build key (<repo>/keys/local/trusted, written by the first build),
 * and the keys the operator trusted in <workspace>/keys/trusted.
 */

import path from 'node:path';
import { REPO_ROOT } from '../engine/catalog.ts';
import { TrustStore } from './trust-store.ts';

export const SHIPPED_KEYS_DIR = path.join(REPO_ROOT, 'keys', 'trusted');
export const LOCAL_KEYS_DIR = path.join(REPO_ROOT, 'keys', 'local');

export function trustDirs(workspaceDir: string): string[] {
  return [SHIPPED_KEYS_DIR, path.join(LOCAL_KEYS_DIR, 'trusted'), path.join(workspaceDir, 'keys', 'trusted')];
}

export function loadTrustStore(workspaceDir: string): TrustStore {
  return TrustStore.fromDirs(trustDirs(workspaceDir));
}
