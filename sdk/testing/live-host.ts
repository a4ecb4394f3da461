/**
 * The real host over loopback, for tests that go past the sandbox's canned
 * replies: a whole scan (host/scan.ts) with a chosen set of builtin plugins
 * against 127.0.0.1, and batches of `net.tcp.probe` requests sent through
 * the host call itself (host/hostcalls/net-tcp.ts) into a transcript, which
 * sdk/testing/replay.ts turns back into canned replies. Every temp folder is
 * removed by the returned cleanup; the servers are the caller's
 * (replay-servers.ts).
 *
 * @example
 *   const scan = await scanLoopback({ plugins: ['tcp-connect-scanner', 'banner-grabber', 'datastores'], ports: servers.ports() });
 *   scan.result.services // one per identified port
 *   await scan.cleanup();
 *
 *   const results = await recordTcpProbes({ file: 'transcript.jsonl', plugin: 'pentora/http-parser', batches: canned.probes });
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { defaultConfig } from '../../host/config/config.ts';
import { BUILTIN_PLUGINS_DIR, Catalog } from '../../host/engine/catalog.ts';
import { DataContext } from '../../host/engine/context.ts';
import type { HostCallEnv } from '../../host/hostcalls/env.ts';
import { netTcpProbe } from '../../host/hostcalls/net-tcp.ts';
import type { CallerInfo, TcpProbe, TcpProbeResult } from '../../host/hostcalls/types.ts';
import { Semaphore, TokenBucket } from '../../host/net/rate-limit.ts';
import { Scope } from '../../host/net/scope.ts';
import { parseTargets } from '../../host/net/targets.ts';
import type { Manifest } from '../../host/sandbox/manifest.ts';
import { runScan, type ScanResult } from '../../host/scan.ts';
import { loadTrustStore } from '../../host/trust/default-store.ts';
import { Transcript } from '../../host/workspace/transcript.ts';

export interface LoopbackScanOptions {
  /** Builtin plugin folders (plugins/<name>, built): only these are in the catalog. */
  plugins: string[];
  /** The scan's `ports` (e.g. `servers.ports()`). */
  ports: string;
  /** Names the temp folders (`pentora-<tag>-ws-`, `pentora-<tag>-plugins-`). */
  tag: string;
  /** The banner grabber's read timeout; default 1000 ms. */
  readTimeoutMs?: number;
}

export interface LoopbackScan {
  result: ScanResult;
  /** The scan's workspace (results, transcript), until cleanup. */
  workspace: string;
  /** Removes the workspace and the plugin copies. */
  cleanup(): void;
}

/**
 * A connect scan of 127.0.0.1 with only `plugins` in the catalog (their
 * built dist/, as the builtin root would load them), in a fresh workspace.
 */
export async function scanLoopback(opts: LoopbackScanOptions): Promise<LoopbackScan> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), `pentora-${opts.tag}-ws-`));
  const plugins = fs.mkdtempSync(path.join(os.tmpdir(), `pentora-${opts.tag}-plugins-`));
  const cleanup = () => {
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(plugins, { recursive: true, force: true });
  };
  try {
    for (const name of opts.plugins) {
      fs.cpSync(path.join(BUILTIN_PLUGINS_DIR, name, 'dist'), path.join(plugins, name), { recursive: true });
    }
    const catalog = await Catalog.load({ trust: loadTrustStore(ws), roots: [{ path: plugins, source: 'builtin' }] });
    const d = defaultConfig(ws);
    const result = await runScan({
      targets: ['127.0.0.1'],
      ports: opts.ports,
      scanTypes: ['connect'],
      config: { ...d, scan: { ...d.scan, read_timeout_ms: opts.readTimeoutMs ?? 1000 } },
      catalog,
      logger: pino({ level: 'silent' }),
    });
    return { result, workspace: ws, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

export interface RecordOptions {
  /** The transcript to write (created; closed on return). */
  file: string;
  /** The plugin id the transcript names as the caller. */
  plugin: string;
  /** `net.tcp.probe` batches, sent one after the other (a RunResult's `probes`). */
  batches: readonly (readonly TcpProbe[])[];
  /** Default 1000 ms. */
  connectTimeoutMs?: number;
}

/**
 * Sends each batch through the real `net.tcp.probe` (any port, scope
 * 127.0.0.1, no rate limit to speak of) and records it to `file`; gives
 * each batch's results.
 */
export async function recordTcpProbes(opts: RecordOptions): Promise<TcpProbeResult[][]> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
  const transcript = await Transcript.open(opts.file);
  try {
    const env: HostCallEnv = {
      scanId: 'loopback',
      context: new DataContext(),
      scope: new Scope(await parseTargets(['127.0.0.1'])),
      transcript,
      logger: pino({ level: 'silent' }),
      startedAt: performance.now(),
      net: { globalBucket: new TokenBucket(1e6, 1e6), semaphore: new Semaphore(8), pps: 1e6, connectTimeoutMs, maxProbesPerCall: 100 },
    };
    const caller: CallerInfo = { plugin: opts.plugin, instanceId: 'loopback.0', manifest: { capabilities: { net: { tcp: { ports: 'any' } } } } as unknown as Manifest };
    const out: TcpProbeResult[][] = [];
    for (const batch of opts.batches) out.push((await netTcpProbe(env)(caller, { probes: [...batch], connect_timeout_ms: connectTimeoutMs })).results);
    return out;
  } finally {
    await transcript.close();
  }
}
