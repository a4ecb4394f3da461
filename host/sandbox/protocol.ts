/** Messages between a plugin instance (parent) and its worker thread. */

import type { EntryPoint } from './abi.ts';
import type { EffectiveLimits } from './limits.ts';

export interface WorkerInit {
  module: WebAssembly.Module;
  plugin: string;
  limits: EffectiveLimits;
}

export type ParentMessage =
  /** To a spare worker (spawned without workerData): its plugin, exactly once, before anything else. */
  | { t: 'init'; init: WorkerInit }
  | { t: 'invoke'; id: number; entry: EntryPoint; input: Uint8Array | null }
  | { t: 'reply'; seq: number; payload: Uint8Array };

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'call'; seq: number; op: number; payload: Uint8Array }
  | { t: 'done'; id: number; rc: number; output: Uint8Array }
  | { t: 'trap'; id: number; message: string; limit?: string };
