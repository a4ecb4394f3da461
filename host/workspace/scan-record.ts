/**
 * A scan on disk: `scans/<id>/{request.json, status.json, results/*.jsonl,
 * artifacts/, transcript.jsonl}` (DESIGN §8).
 *
 * The record must stay readable after `kill -9` and resumable afterwards:
 * the directory appears in one rename, fully formed; status.json is only
 * ever replaced atomically; results are append-only JSON lines, so a kill
 * can at worst leave one unterminated last line, which readers skip. The
 * status carries the writer's pid and host so a reader can tell a scan that
 * is still running from one whose process died.
 */

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, PentoraError, describeError } from '../errors.ts';
import { syncDir, writeFileAtomic, writeJsonAtomic } from './atomic.ts';

export const SCAN_ID_RE = /^[0-9]{8}T[0-9]{6}Z-[a-z2-7]{6}$/;
const RESULT_NAME_RE = /^[a-z0-9_-]{1,64}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export type ScanState = 'running' | 'completed' | 'partial' | 'failed' | 'interrupted';
export type NodeState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
const SCAN_STATES: readonly string[] = ['running', 'completed', 'partial', 'failed', 'interrupted'];
const NODE_STATES: readonly string[] = ['pending', 'running', 'done', 'failed', 'skipped'];

/** One DAG node (a plugin instance) as the status file records it. */
export interface NodeStatus {
  module: string;
  state: NodeState;
  error?: string;
  started_at?: string;
  finished_at?: string;
  summary?: unknown;
}

/**
 * status.json.
 *
 * @example
 *   { "id": "20250101T120000Z-abcdef", "state": "running", "started_at": "2025-01-01T12:00:00.000Z",
 *     "targets": 256, "pid": 4242, "host": "scanner-1",
 *     "nodes": { "tcp-connect.0": { "module": "pentora/tcp-connect", "state": "done" } }, "counts": { "open_ports": 12 } }
 */
export interface ScanStatus {
  id: string;
  state: ScanState;
  started_at: string;
  finished_at?: string;
  targets: number;
  /** The writing process; with `host`, how a reader detects a killed scan. */
  pid?: number;
  host?: string;
  nodes: Record<string, NodeStatus>;
  /** Records per results file, kept up to date by `appendResults`. */
  counts?: Record<string, number>;
}

/** Top-level fields replace; `nodes` and `counts` merge per entry. */
export interface StatusPatch {
  state?: ScanState;
  finished_at?: string;
  targets?: number;
  nodes?: Record<string, Partial<NodeStatus>>;
  counts?: Record<string, number>;
}

export type ScanRequest = Readonly<Record<string, unknown>>;

/** A sortable, unguessable id: `YYYYMMDDTHHMMSSZ-` and 30 random bits in base32. */
export function newScanId(now: Date = new Date()): string {
  const stamp = `${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
  // 256 is a multiple of 32, so masking a byte to 5 bits is unbiased.
  const suffix = Array.from(randomBytes(6), (b) => BASE32[b & 31]).join('');
  return `${stamp}-${suffix}`;
}

/** Refuses anything that is not a scan id, so an id can never name a path outside scans/. */
export function scanDir(workspaceDir: string, id: string): string {
  if (!SCAN_ID_RE.test(id)) {
    throw new PentoraError(ErrorCode.Usage, `invalid scan id ${JSON.stringify(id)} (expected YYYYMMDDTHHMMSSZ-xxxxxx)`, { id });
  }
  return path.join(workspaceDir, 'scans', id);
}

/**
 * Creates `scans/<id>/` with its files and returns the open record.
 *
 * @example
 *   const scan = await createScan(ws, { targets: ['192.0.2.0/28'], profile: 'quick' });
 *   await scan.appendResults('open_ports', [{ host: '192.0.2.1', port: 22 }]);
 */
export async function createScan(
  workspaceDir: string,
  request: ScanRequest,
  options: { targets?: number; now?: Date } = {},
): Promise<ScanRecord> {
  const scans = path.join(workspaceDir, 'scans');
  await mkdir(scans, { recursive: true });
  const now = options.now ?? new Date();
  const targets = options.targets ?? (Array.isArray(request['targets']) ? request['targets'].length : 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = newScanId(now);
    const status: ScanStatus = { id, state: 'running', started_at: now.toISOString(), targets, pid: process.pid, host: os.hostname(), nodes: {}, counts: {} };
    // Built beside its final place and renamed in, so a crash never leaves a half-made scan
    // under a valid id; the leading dot keeps listScans from ever seeing it.
    const tmp = path.join(scans, `.${id}.creating`);
    let made = false;
    try {
      await mkdir(tmp);
      made = true;
      await mkdir(path.join(tmp, 'results'));
      await mkdir(path.join(tmp, 'artifacts'));
      await writeJsonAtomic(path.join(tmp, 'request.json'), request);
      await writeFile(path.join(tmp, 'transcript.jsonl'), '', { flag: 'wx' });
      await writeJsonAtomic(path.join(tmp, 'status.json'), status);
      await rename(tmp, path.join(scans, id));
    } catch (err) {
      // Never remove a temp dir another creator of the same id owns.
      if (made) await rm(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') continue;
      if (err instanceof PentoraError) throw err;
      throw new PentoraError(ErrorCode.Workspace, `${scans}: cannot create scan: ${describeError(err)}`, { path: scans }, { cause: err });
    }
    await syncDir(scans);
    return new ScanRecord(path.join(scans, id), status);
  }
  throw new PentoraError(ErrorCode.Workspace, `${scans}: could not pick an unused scan id`, { path: scans });
}

/**
 * Reopens an existing scan to continue writing it (resume). Refused while the
 * process that wrote it is still alive, so two runs never interleave a record.
 */
export async function openScan(workspaceDir: string, id: string): Promise<ScanRecord> {
  const dir = scanDir(workspaceDir, id);
  const status = await readStatus(dir);
  if (status.state === 'running' && status.pid !== process.pid && effectiveState(status) === 'running') {
    throw new PentoraError(ErrorCode.Workspace, `scan ${id} is still running (pid ${status.pid ?? '?'} on ${status.host ?? '?'})`, { id, pid: status.pid });
  }
  const record = new ScanRecord(dir, { ...status, pid: process.pid, host: os.hostname() });
  await record.updateStatus({});
  return record;
}

/**
 * An open scan record. Writes are serialised per file; `close()` makes them
 * durable. Bad arguments (a results name, a node without a module) throw at
 * once; I/O failures reject the returned promise.
 */
export class ScanRecord {
  readonly id: string;
  readonly dir: string;
  #status: ScanStatus;
  #closing: Promise<void> | null = null;
  /** The status write in progress, and the one queued behind it (shared by every patch made meanwhile). */
  #writing: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  #appends = new Map<string, Promise<void>>();
  #artifactWrites = new Set<Promise<unknown>>();

  constructor(dir: string, status: ScanStatus) {
    this.dir = dir;
    this.id = status.id;
    this.#status = structuredClone({ ...status, counts: status.counts ?? {} });
  }

  /** A copy of the current status (including changes not yet on disk). */
  get status(): ScanStatus {
    return structuredClone(this.#status);
  }

  get transcriptPath(): string {
    return path.join(this.dir, 'transcript.jsonl');
  }

  /** Applies `patch` and rewrites status.json atomically; resolves once the new status is on disk. */
  updateStatus(patch: StatusPatch): Promise<void> {
    this.#assertOpen();
    const s = this.#status;
    for (const [instance, node] of Object.entries(patch.nodes ?? {})) {
      if (!s.nodes[instance] && node.module === undefined) {
        throw new PentoraError(ErrorCode.Internal, `scan ${this.id}: node ${instance} is new, so its first update must name its module`);
      }
    }
    if (patch.state !== undefined) s.state = patch.state;
    if (patch.finished_at !== undefined) s.finished_at = patch.finished_at;
    if (patch.targets !== undefined) s.targets = patch.targets;
    if (patch.counts) s.counts = { ...s.counts, ...patch.counts };
    for (const [instance, node] of Object.entries(patch.nodes ?? {})) {
      const current = s.nodes[instance];
      s.nodes[instance] = { ...(current ?? { state: 'pending' }), ...node } as NodeStatus;
    }
    return this.#flushStatus();
  }

  /**
   * Appends records to `results/<name>.jsonl`, one JSON line each, in one write.
   *
   * @example
   *   await scan.appendResults('banners', [{ host: '192.0.2.1', port: 22, data_b64: 'U1NILTIuMC0K' }]);
   */
  appendResults(name: string, records: readonly unknown[]): Promise<void> {
    this.#assertOpen();
    if (!RESULT_NAME_RE.test(name)) {
      throw new PentoraError(ErrorCode.Internal, `invalid results name ${JSON.stringify(name)} (expected [a-z0-9_-]{1,64})`, { name });
    }
    const lines = records.map((r, i) => {
      const line = JSON.stringify(r);
      if (line === undefined) throw new PentoraError(ErrorCode.Internal, `results ${name}[${i}]: not serialisable as JSON`);
      return line;
    });
    const file = path.join(this.dir, 'results', `${name}.jsonl`);
    const previous = this.#appends.get(name) ?? Promise.resolve();
    // An empty batch still creates the file: "ran and found nothing" differs from "never ran".
    const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    const next = previous.then(async () => {
      await appendFile(file, text).catch((err: unknown) => {
        throw new PentoraError(ErrorCode.Workspace, `${file}: cannot append: ${describeError(err)}`, { path: file }, { cause: err });
      });
      const counts = (this.#status.counts ??= {});
      counts[name] = (counts[name] ?? 0) + lines.length;
    });
    this.#appends.set(name, next.catch(() => undefined));
    return next;
  }

  /** Writes `artifacts/<name>` atomically and returns the sanitised name it was stored under. */
  async writeArtifact(name: string, data: Uint8Array | string): Promise<string> {
    this.#assertOpen();
    const safe = sanitizeArtifactName(name);
    const write = writeFileAtomic(path.join(this.dir, 'artifacts', safe), data);
    const settled = write.catch(() => undefined);
    this.#artifactWrites.add(settled);
    void settled.then(() => this.#artifactWrites.delete(settled));
    await write;
    return safe;
  }

  /** Waits for pending writes, fsyncs the results and writes the final status. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    await Promise.all([...this.#appends.values(), ...this.#artifactWrites]);
    for (const name of this.#appends.keys()) {
      const file = path.join(this.dir, 'results', `${name}.jsonl`);
      try {
        const fh = await open(file, 'r');
        await fh.sync().finally(() => fh.close());
      } catch (err) {
        throw new PentoraError(ErrorCode.Workspace, `${file}: cannot sync: ${describeError(err)}`, { path: file }, { cause: err });
      }
    }
    await this.#flushStatus();
  }

  #flushStatus(): Promise<void> {
    if (this.#queued) return this.#queued;
    const file = path.join(this.dir, 'status.json');
    const write = this.#writing.then(() => {
      // Taken when the write starts, so every patch applied while queued is included.
      this.#queued = null;
      return writeJsonAtomic(file, this.#status);
    });
    this.#queued = write;
    this.#writing = write.catch(() => undefined);
    return write;
  }

  #assertOpen(): void {
    if (this.#closing) throw new PentoraError(ErrorCode.Internal, `scan ${this.id}: record is closed`);
  }
}

/**
 * Makes a plugin- or network-supplied name safe as a file name: the last path
 * component only, `[A-Za-z0-9._-]`, no leading dot, at most 128 characters
 * (keeping a short extension).
 *
 * @example
 *   sanitizeArtifactName('../../etc/cert chain.pem') // => 'cert_chain.pem'
 */
export function sanitizeArtifactName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  if (safe.length > 128) {
    const ext = path.extname(safe);
    safe = ext.length > 1 && ext.length <= 16 ? safe.slice(0, 128 - ext.length) + ext : safe.slice(0, 128);
  }
  if (safe === '' || /^_+$/.test(safe)) {
    throw new PentoraError(ErrorCode.Internal, `artifact name ${JSON.stringify(name)} has no usable characters`, { name });
  }
  return safe;
}

/** A killed writer leaves `running` behind: report it as `interrupted` when its pid is gone. */
export function effectiveState(status: ScanStatus): ScanState {
  if (status.state !== 'running' || status.pid === undefined) return status.state;
  // A pid is only meaningful on the host that wrote it (a workspace may be on a shared disk).
  if (status.host !== undefined && status.host !== os.hostname()) return status.state;
  return isProcessAlive(status.pid) ? 'running' : 'interrupted';
}

/**
 * Signal 0 checks existence without delivering anything; EPERM means the
 * process exists under another user. A recycled pid reads as alive, so a
 * killed scan can look running until that unrelated process exits.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One line of `pentora workspace list`. A status that cannot be read is `corrupt`, with the reason. */
export interface ScanSummary {
  id: string;
  state: ScanState | 'corrupt';
  started_at: string;
  finished_at?: string;
  targets: number | null;
  counts: Record<string, number>;
  error?: string;
}

/** Everything `pentora workspace show <id>` prints. */
export interface ScanDetails {
  id: string;
  dir: string;
  request: unknown;
  status: ScanStatus;
  /** Complete JSON lines per results file (an unterminated last line from a kill is not counted). */
  results: Record<string, number>;
  artifacts: string[];
  transcript_bytes: number;
}

/** Every scan in the workspace, newest first. Never throws for one bad scan directory. */
export async function listScans(workspaceDir: string): Promise<ScanSummary[]> {
  const scans = path.join(workspaceDir, 'scans');
  let names: string[];
  try {
    names = (await readdir(scans, { withFileTypes: true })).filter((e) => e.isDirectory() && SCAN_ID_RE.test(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PentoraError(ErrorCode.Workspace, `${scans}: cannot list scans: ${describeError(err)}`, { path: scans }, { cause: err });
  }
  // Bounded, so a workspace with thousands of scans does not run out of file descriptors.
  const out = await mapLimit(names, 16, async (id): Promise<ScanSummary> => {
    try {
      const s = await readStatus(path.join(scans, id));
      const summary: ScanSummary = { id, state: effectiveState(s), started_at: s.started_at, targets: s.targets, counts: s.counts ?? {} };
      if (s.finished_at !== undefined) summary.finished_at = s.finished_at;
      return summary;
    } catch (err) {
      return { id, state: 'corrupt', started_at: idTime(id), targets: null, counts: {}, error: describeError(err) };
    }
  });
  return out.sort((a, b) => (a.started_at === b.started_at ? cmp(b.id, a.id) : cmp(b.started_at, a.started_at)));
}

/** One scan's request, status (with a dead writer shown as `interrupted`), result counts and artifacts. */
export async function readScan(workspaceDir: string, id: string): Promise<ScanDetails> {
  const dir = scanDir(workspaceDir, id);
  try {
    await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PentoraError(ErrorCode.NotFound, `scan ${id} not found in ${workspaceDir}`, { id });
    }
    throw new PentoraError(ErrorCode.Workspace, `${dir}: ${describeError(err)}`, { id }, { cause: err });
  }
  const status = await readStatus(dir);
  status.state = effectiveState(status);
  const request = parseJson(await readText(path.join(dir, 'request.json')), path.join(dir, 'request.json'));
  const results: Record<string, number> = {};
  for (const file of (await listDir(path.join(dir, 'results'))).sort()) {
    const m = /^([a-z0-9_-]{1,64})\.jsonl$/.exec(file);
    if (m?.[1]) results[m[1]] = await countLines(path.join(dir, 'results', file));
  }
  // Dotfiles are in-flight atomic writes, not artifacts.
  const artifacts = (await listDir(path.join(dir, 'artifacts'))).filter((n) => !n.startsWith('.')).sort();
  const transcript_bytes = await stat(path.join(dir, 'transcript.jsonl')).then((s) => s.size, () => 0);
  return { id, dir, request, status, results, artifacts, transcript_bytes };
}

/** Reads and checks `<dir>/status.json`; the error names the file and the bad field. */
export async function readStatus(dir: string): Promise<ScanStatus> {
  const file = path.join(dir, 'status.json');
  const v = parseJson(await readText(file), file);
  const bad = (what: string): never => {
    throw new PentoraError(ErrorCode.Workspace, `${file}: ${what}`, { path: file });
  };
  if (!isRecord(v)) return bad('not a JSON object');
  if (v['id'] !== path.basename(dir)) bad(`id ${JSON.stringify(v['id'])} does not match the directory`);
  if (typeof v['state'] !== 'string' || !SCAN_STATES.includes(v['state'])) bad(`bad state ${JSON.stringify(v['state'])}`);
  if (typeof v['started_at'] !== 'string') bad('started_at is not a string');
  if (typeof v['targets'] !== 'number') bad('targets is not a number');
  // A pid <= 0 would make process.kill address a process group.
  if (v['pid'] !== undefined && !(Number.isSafeInteger(v['pid']) && (v['pid'] as number) > 0)) bad('pid is not a positive integer');
  if (v['host'] !== undefined && typeof v['host'] !== 'string') bad('host is not a string');
  if (!isRecord(v['nodes'])) return bad('nodes is not an object');
  for (const [instance, node] of Object.entries(v['nodes'])) {
    if (!isRecord(node) || typeof node['module'] !== 'string' || typeof node['state'] !== 'string' || !NODE_STATES.includes(node['state'])) {
      bad(`nodes.${instance}: needs a module and a known state`);
    }
  }
  const counts = v['counts'];
  if (counts !== undefined && !(isRecord(counts) && Object.values(counts).every((n) => typeof n === 'number'))) bad('counts is not a map of numbers');
  return v as unknown as ScanStatus;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new PentoraError(ErrorCode.Workspace, `${file}: cannot read: ${describeError(err)}`, { path: file }, { cause: err });
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PentoraError(ErrorCode.Workspace, `${file}: corrupt JSON: ${describeError(err)}`, { path: file }, { cause: err });
  }
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PentoraError(ErrorCode.Workspace, `${dir}: cannot list: ${describeError(err)}`, { path: dir }, { cause: err });
  });
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** The creation time encoded in an id, as an ISO string (for scans whose status is unreadable). */
function idTime(id: string): string {
  return `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.000Z`;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
