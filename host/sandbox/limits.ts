/**
 * Effective per-instance limits: what the manifest asks for, never more than
 * the host's ceilings (config `limits`). A manifest that asks for nothing gets
 * the defaults, which are deliberately smaller than the ceilings.
 */

import type { Limits } from './manifest.ts';

export interface EffectiveLimits {
  memoryPages: number;
  cpuMs: number;
  wallMs: number;
  outputBytes: number;
  hostcallBytes: number;
}

export const DEFAULT_LIMITS: EffectiveLimits = {
  memoryPages: 256, // 16 MiB
  cpuMs: 10_000,
  wallMs: 600_000,
  outputBytes: 16 * 1024 * 1024,
  hostcallBytes: 8 * 1024 * 1024,
};

export const DEFAULT_CEILINGS: EffectiveLimits = {
  memoryPages: 4096, // 256 MiB
  cpuMs: 120_000,
  wallMs: 3_600_000,
  outputBytes: 64 * 1024 * 1024,
  hostcallBytes: 64 * 1024 * 1024,
};

export function effectiveLimits(requested: Limits, ceilings: EffectiveLimits = DEFAULT_CEILINGS): EffectiveLimits {
  const pick = (want: number | undefined, dflt: number, ceil: number): number => Math.min(want ?? Math.min(dflt, ceil), ceil);
  return {
    memoryPages: pick(requested.memory_pages, DEFAULT_LIMITS.memoryPages, ceilings.memoryPages),
    cpuMs: pick(requested.cpu_ms, DEFAULT_LIMITS.cpuMs, ceilings.cpuMs),
    wallMs: pick(requested.wall_ms, DEFAULT_LIMITS.wallMs, ceilings.wallMs),
    outputBytes: pick(requested.output_bytes, DEFAULT_LIMITS.outputBytes, ceilings.outputBytes),
    hostcallBytes: pick(requested.hostcall_bytes, DEFAULT_LIMITS.hostcallBytes, ceilings.hostcallBytes),
  };
}
