/**
 * `--targets @discovered`: the live hosts of the previous scan in the
 * workspace — the newest scan that ran host discovery (one whose
 * results/discovered_hosts.jsonl exists), so `pentora scan --only-discover`
 * followed by `pentora scan --targets @discovered` sweeps, then scans what
 * answered.
 *
 * @example
 *   const { scanId, hosts } = await discoveredHosts(workspace); // hosts: ['10.0.0.2', '10.0.0.7']
 */

import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';
import { listScans, scanDir } from './scan-record.ts';

/** The spelling on the command line. */
export const DISCOVERED_TARGETS = '@discovered';

export interface DiscoveredHosts {
  /** The scan the hosts come from. */
  scanId: string;
  /** Hosts some discovery method found up, each once, in the order first seen. */
  hosts: string[];
}

/** The alive hosts of one discovered_hosts.jsonl (malformed lines, e.g. a torn last line of a killed scan, are skipped). */
async function aliveHosts(file: string): Promise<string[]> {
  const seen = new Set<string>();
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    const r = rec as { host?: unknown; alive?: unknown };
    if (r && r.alive === true && typeof r.host === 'string' && r.host !== '') seen.add(r.host);
  }
  return [...seen];
}

/**
 * The live hosts of the newest scan in `workspaceDir` that discovered hosts.
 * A Usage error (exit 2) when there is none, or when it found no host up.
 */
export async function discoveredHosts(workspaceDir: string): Promise<DiscoveredHosts> {
  for (const scan of await listScans(workspaceDir)) {
    if (scan.state === 'corrupt' || scan.state === 'running') continue;
    const file = path.join(scanDir(workspaceDir, scan.id), 'results', 'discovered_hosts.jsonl');
    try {
      await access(file);
    } catch {
      continue;
    }
    let hosts: string[];
    try {
      hosts = await aliveHosts(file);
    } catch (err) {
      throw new PentoraError(ErrorCode.Workspace, `${file}: cannot read: ${describeError(err)}`, { path: file });
    }
    if (hosts.length === 0) throw new PentoraError(ErrorCode.Usage, `${DISCOVERED_TARGETS}: scan ${scan.id}, the last to run host discovery, found no host up`, { scan: scan.id });
    return { scanId: scan.id, hosts };
  }
  throw new PentoraError(ErrorCode.Usage, `${DISCOVERED_TARGETS}: no scan in ${workspaceDir} has discovered hosts; run \`pentora scan --only-discover --targets ...\` first`);
}
