/**
 * Whether this process can use raw sockets, and if not, why and what to do.
 *
 * What matters is CAP_NET_RAW in the *effective* set (bit 13 of CapEff in
 * /proc/self/status, capabilities(7)), not uid 0: root in a container or
 * under `capsh --drop=cap_net_raw` lacks it, and an unprivileged binary given
 * `setcap cap_net_raw+ep` (or a systemd AmbientCapabilities) has it. The
 * raw-socket addon must also load (it is an optional, natively built
 * dependency). Both are answered once per process; tests inject a probe.
 *
 * @example
 * const raw = rawCapability();
 * if (!raw.ok) console.error(`${raw.reason}. ${raw.advice}`); // then connect scanning
 */

import fs from 'node:fs';
import { ErrorCode, PentoraError } from '../../errors.ts';
import { loadRawAddon } from './socket.ts';

/** capabilities(7): CAP_NET_RAW is capability number 13. */
export const CAP_NET_RAW = 13;

export type RawCapability = { ok: true } | { ok: false; reason: string; advice: string };

/** Parses the CapEff line of a /proc/<pid>/status text: the effective capability mask, or null if absent. */
export function effectiveCaps(statusText: string): bigint | null {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return m ? BigInt(`0x${m[1]}`) : null;
}

/** Whether a capability mask holds capability `bit`. */
export function hasCap(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/** Where the facts come from; tests replace either part. */
export interface CapabilityProbe {
  /** The text of /proc/self/status, or null where there is none (not Linux). */
  procStatus(): string | null;
  /** null when the raw-socket addon loads, else why not. */
  addonProblem(): string | null;
}

export const systemProbe: CapabilityProbe = {
  procStatus: () => {
    try {
      return fs.readFileSync('/proc/self/status', 'utf8');
    } catch {
      return null;
    }
  },
  addonProblem: () => {
    const addon = loadRawAddon();
    return addon.ok ? null : addon.reason;
  },
};

/** Judges raw-socket use from a probe (pure apart from the probe). */
export function checkRawCapability(probe: CapabilityProbe): RawCapability {
  const status = probe.procStatus();
  if (status === null) {
    return {
      ok: false,
      reason: 'raw sockets unavailable: /proc/self/status is unreadable, so CAP_NET_RAW cannot be checked (raw scanning is supported on Linux only)',
      advice: 'use --scan-type connect',
    };
  }
  const caps = effectiveCaps(status);
  if (caps === null || !hasCap(caps, CAP_NET_RAW)) {
    const uid = /^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1];
    const who = uid === '0' ? 'this process runs as root but without CAP_NET_RAW in its effective set (a container or a dropped capability)' : 'this process lacks CAP_NET_RAW';
    return {
      ok: false,
      reason: `raw sockets unavailable: ${who} (CapEff ${caps === null ? 'missing' : `0x${caps.toString(16)}`}, bit ${CAP_NET_RAW} clear)`,
      advice:
        'run as root with CAP_NET_RAW, or grant it to Node (setcap cap_net_raw+ep "$(command -v node)"), or in a container add --cap-add=NET_RAW; until then pentora falls back to connect scanning',
    };
  }
  const problem = probe.addonProblem();
  if (problem !== null) {
    return {
      ok: false,
      reason: `raw sockets unavailable: the raw-socket addon does not load (${problem})`,
      advice: 'rebuild it with `npm run build:native` (needs python3, make and a C++ compiler); until then pentora falls back to connect scanning',
    };
  }
  return { ok: true };
}

let cached: RawCapability | null = null;

/** The process-wide answer, computed once (capabilities do not change under a running scan). */
export function rawCapability(): RawCapability {
  cached ??= checkRawCapability(systemProbe);
  return cached;
}

/** The error a raw host call returns when raw sockets are unavailable: code PENTORA_E_RAW_UNAVAILABLE, the reason and the advice. */
export function rawUnavailableError(op: string, cap: Extract<RawCapability, { ok: false }>): PentoraError {
  return new PentoraError(ErrorCode.RawUnavailable, `${op}: ${cap.reason}; ${cap.advice}`, { reason: cap.reason, advice: cap.advice, fallback: 'connect' });
}
