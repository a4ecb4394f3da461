/**
 * Air-gapped bundles (DESIGN §7): a directory or a ustar file holding a
 * slice of a registry — every root version, the current timestamp, snapshot,
 * targets and publisher roles, and the chosen plugins' target files — laid
 * out exactly as the registry serves them, plus `bundle.json` (see
 * bundle-index.ts). A bundle directory is therefore itself a static registry.
 *
 * Nothing in a bundle is trusted because it is in the bundle. Verification
 * runs the same TUF Updater as an online install, from the pinned root, over
 * a fetch that reads the bundle's in-memory files:
 *
 *   file                      what catches a changed byte
 *   N.root.json               the root chain's signatures (for versions the
 *                             client walks) and bundle.json's sha256 (all)
 *   timestamp.json            the timestamp key's signature + bundle.json
 *   N.snapshot.json           timestamp's signed length/sha256 + signature
 *   N.targets.json, N.<role>  snapshot's signed length/sha256 + signature
 *   targets/…                 the publisher role's signed length/sha256, then
 *                             manifest.sig and the manifest's wasm digest
 *   bundle.json               its own index_sha256 and exact layout (see there)
 *   tar headers / padding     header checksums, zero padding, end marker
 *
 * Expiry: root, targets and publisher roles are judged against `now`. The
 * short-lived roles (timestamp, snapshot) cannot stay fresh in a network with
 * no registry, so an expired one is accepted when it was still valid when
 * the bundle was created and the bundle is younger than the max staleness —
 * and the acceptance is reported. `created_at` is unsigned, but a forged one
 * buys little: the rule can only ever accept a role that expired less than
 * max staleness before `now`.
 */

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { EffectiveLimits } from '../../host/sandbox/limits.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { writeFileAtomic } from '../../host/workspace/atomic.ts';
import { installPlugin, openUpdater, verifyTufTarget, type InstallResult, type StoreContext, type TufSource } from '../client/install.ts';
import type { Revocations } from '../client/revocation.ts';
import { formatExpires } from '../tuf/metadata.ts';
import { MemoryStore, ROOT_MAX_BYTES, Updater, type ExpiryQuestion, type Fetcher, type MetadataStore } from '../tuf/updater.ts';
import { checkFilesAgainstIndex, INDEX_PATH, parseIndex, serializeIndex, type BundleIndex } from './bundle-index.ts';
import { openBundleFiles } from './open.ts';
import { writeTar, type TarLimits } from './tar.ts';

const ROOT_FILE = /^([1-9][0-9]*)\.root\.json$/;
const NO_REVOCATIONS: Revocations = { keys: new Map(), artifacts: new Map() };
/** A bundle created this far in the future of `now` is a clock problem or a forgery. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

function refuse(code: ErrorCode, message: string, detail: Record<string, unknown> = {}): never {
  throw new PentoraError(code, message, detail);
}

/** `publisher/plugin` or `publisher/plugin@version`. */
function parseSpec(spec: string): { name: string; version?: string } {
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name: spec };
}

// ------------------------------------------------------------------ create

export interface CreateBundleOptions {
  /** Reads the registry (registry/client/fetch.ts `fetchFrom(url)`; a file: URL for a directory). */
  fetch: Fetcher;
  /** The pinned root: a bundle is only made from metadata that verifies. */
  trustedRoot: Uint8Array;
  /** `publisher/plugin` (highest version) or `publisher/plugin@1.2.0`. */
  plugins: string[];
  /** A directory (must not exist, or be empty) or a file ending in `.tar`. */
  out: string;
  /** The creation time, written as `created_at` and the tar mtime. */
  now: Date;
  /** Rollback floor for the creator's own refresh (default: none). */
  store?: MetadataStore;
  /** Revocations the creator honours (default: the registry's signed list only). */
  revocations?: Revocations;
}

export interface BundleSummary {
  out: string;
  kind: 'directory' | 'tar';
  created_at: string;
  root_version: number;
  plugins: Array<{ name: string; version: string }>;
  files: number;
  bytes: number;
}

/**
 * Every root version 1..N. The refresh gives the pinned version and later;
 * older ones are fetched and must chain (from 1.root.json) to the same
 * pinned root, so a client pinned to any earlier version can walk forward.
 */
async function rootHistory(opts: CreateBundleOptions, verified: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const roots = new Map([...verified].filter(([p]) => ROOT_FILE.test(p)));
  const pinnedVersion = Math.min(...[...roots.keys()].map((p) => Number(ROOT_FILE.exec(p)![1])));
  if (pinnedVersion === 1) return roots;
  const first = await opts.fetch('1.root.json', ROOT_MAX_BYTES);
  if (!first) refuse(ErrorCode.Registry, `the registry has no 1.root.json; a bundle must carry every root version so a client pinned to any of them can verify it`);
  const walk = new Updater({ fetch: opts.fetch, trustedRoot: first, now: () => opts.now, store: new MemoryStore() });
  await walk.refresh();
  const chain = walk.verifiedFiles();
  const same = chain.get(`${pinnedVersion}.root.json`);
  if (!same || sha256Hex(same) !== sha256Hex(verified.get(`${pinnedVersion}.root.json`)!)) {
    refuse(ErrorCode.Registry, `the registry's root history from 1.root.json does not lead to the pinned root version ${pinnedVersion}`);
  }
  for (const [p, bytes] of chain) if (ROOT_FILE.test(p) && !roots.has(p)) roots.set(p, bytes);
  return roots;
}

/**
 * Makes a bundle of `plugins` from a registry, verifying everything it
 * copies (metadata through the Updater, each package as an install would).
 *
 * @example
 *   await createBundle({ fetch: fetchFrom('http://127.0.0.1:8080/'), trustedRoot, plugins: ['acme/redis-checks'],
 *                        out: '/media/usb/pentora.tar', now: new Date() });
 */
export async function createBundle(opts: CreateBundleOptions): Promise<BundleSummary> {
  if (opts.plugins.length === 0) refuse(ErrorCode.Usage, 'bundle create: give at least one plugin');
  const kind = opts.out.endsWith('.tar') ? 'tar' : 'directory';
  if (fs.existsSync(opts.out) && (kind === 'tar' || fs.readdirSync(opts.out).length > 0)) {
    refuse(ErrorCode.Usage, `bundle create: ${opts.out} already exists${kind === 'directory' ? ' and is not empty' : ''}; choose another --out`);
  }
  const updater = new Updater({ fetch: opts.fetch, trustedRoot: opts.trustedRoot, now: () => opts.now, store: opts.store ?? new MemoryStore() });
  const refreshed = await updater.refresh();
  const local = opts.revocations ?? NO_REVOCATIONS;
  const files = new Map<string, Uint8Array>();
  const plugins: Array<{ name: string; version: string }> = [];
  for (const spec of opts.plugins) {
    const { name, version } = parseSpec(spec);
    if (plugins.some((p) => p.name === name)) refuse(ErrorCode.Usage, `bundle create: ${name} is named twice; a bundle carries one version of each plugin`);
    const target = await updater.getTarget(name, version);
    if (!target) refuse(ErrorCode.NotFound, `bundle create: ${spec} is not in the registry (see pentora plugin search)`);
    const { bytes } = await verifyTufTarget(updater, target, { label: 'registry', revocations: local });
    for (const f of ['manifest', 'sig', 'wasm'] as const) files.set(target.files[f].path, bytes[f]);
    plugins.push({ name: target.name, version: target.version });
  }
  // After getTarget: the delegated roles it read are among the verified files too.
  const verified = updater.verifiedFiles();
  for (const [p, bytes] of verified) files.set(p, bytes);
  for (const [p, bytes] of await rootHistory(opts, verified)) files.set(p, bytes);
  const index: BundleIndex = {
    created_at: formatExpires(opts.now),
    root_version: refreshed.rootVersion,
    plugins: plugins.sort((a, b) => (a.name < b.name ? -1 : 1)),
    files: [...files.keys()].sort().map((p) => ({ path: p, length: files.get(p)!.length, sha256: sha256Hex(files.get(p)!) })),
  };
  files.set(INDEX_PATH, serializeIndex(index));
  await writeBundle(opts.out, kind, files, opts.now);
  const bytes = [...files.values()].reduce((n, b) => n + b.length, 0);
  return { out: opts.out, kind, created_at: index.created_at, root_version: index.root_version, plugins, files: files.size, bytes };
}

/** Writes atomically: the tar via temp + rename, the directory built beside its final name and renamed. */
async function writeBundle(out: string, kind: 'directory' | 'tar', files: Map<string, Uint8Array>, now: Date): Promise<void> {
  if (kind === 'tar') {
    const tar = writeTar([...files].map(([p, data]) => ({ path: p, data })), { mtime: now });
    await writeFileAtomic(out, tar, { mode: 0o644 });
    return;
  }
  const tmp = `${out.replace(/\/+$/, '')}.partial-${randomBytes(4).toString('hex')}`;
  try {
    for (const [p, data] of files) {
      const file = path.join(tmp, ...p.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
      fs.writeFileSync(file, data, { mode: 0o644, flag: 'wx' });
    }
    if (fs.existsSync(out)) fs.rmdirSync(out); // checked empty above
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ open / verify

export interface OpenBundleOptions {
  /** The pinned root the bundle must verify against. */
  trustedRoot: Uint8Array;
  /** The clock for root/targets expiry and for the bundle's age; `--now` for audits. */
  now: Date;
  /** Config `registry.max_staleness_hours`, capped by the policy's. */
  maxStalenessHours: number;
  limits?: Partial<TarLimits>;
}

export interface OpenedBundle {
  location: string;
  kind: 'directory' | 'tar';
  index: BundleIndex;
  createdAt: Date;
  /** What an install reads: the bundle's files in memory, judged with the bundle's expiry rule. */
  source: TufSource;
  /** Expired short-lived roles that were accepted, one line each (filled as the Updater runs). */
  notes: string[];
}

/**
 * The bundle expiry rule, as an Updater `checkExpiry`: root, targets and
 * publisher roles must be unexpired at `now`; an expired timestamp or
 * snapshot passes when it was valid at creation and the bundle is within max
 * staleness, and the acceptance is recorded in `notes`.
 */
export function bundleExpiry(createdAt: Date, maxStalenessHours: number, notes: string[]): (q: ExpiryQuestion) => void {
  const created = formatExpires(createdAt);
  return (q) => {
    if (q.expires.getTime() > q.now.getTime()) return;
    const expired = `${q.role} metadata expired at ${formatExpires(q.expires)}`;
    if (q.kind !== 'timestamp' && q.kind !== 'snapshot') {
      refuse(ErrorCode.Expired, `${expired} (now ${formatExpires(q.now)}): refusing it; bundles relax only timestamp and snapshot expiry (use --now to audit at another time)`, {
        role: q.role,
        expires: q.expires.toISOString(),
      });
    }
    if (q.expires.getTime() <= createdAt.getTime()) {
      refuse(ErrorCode.Expired, `${expired}, before the bundle was created (${created}): the bundle was made from stale metadata`, { role: q.role });
    }
    const ageHours = (q.now.getTime() - createdAt.getTime()) / 3_600_000;
    if (ageHours > maxStalenessHours) {
      refuse(ErrorCode.Expired, `${expired}; the bundle was created ${created}, ${Math.floor(ageHours)} h before now (${formatExpires(q.now)}), beyond the max staleness of ${maxStalenessHours} h: make a fresh bundle`, {
        role: q.role,
        created_at: created,
        max_staleness_hours: maxStalenessHours,
      });
    }
    const note = `${q.role} expired ${formatExpires(q.expires)}, accepted: bundle created ${created}, within max staleness ${maxStalenessHours} h`;
    if (!notes.includes(note)) notes.push(note);
  };
}

/**
 * Opens a bundle for verification or install: structure checks (tar or
 * directory), bundle.json, every file's length and sha256 against it. Trusts
 * nothing yet: the returned source still goes through the Updater.
 */
export function openBundle(location: string, opts: OpenBundleOptions): OpenedBundle {
  const { kind, files } = openBundleFiles(location, opts.limits);
  const indexBytes = files.get(INDEX_PATH);
  if (!indexBytes) refuse(ErrorCode.Bundle, `${location}: no bundle.json: not a pentora bundle`);
  const index = parseIndex(indexBytes, `${location}: bundle.json`);
  checkFilesAgainstIndex(index, files, location);
  const newestRoot = Math.max(0, ...[...files.keys()].map((p) => Number(ROOT_FILE.exec(p)?.[1] ?? 0)));
  if (newestRoot !== index.root_version) refuse(ErrorCode.Bundle, `${location}: bundle.json says root version ${index.root_version}, the bundle's newest root is ${newestRoot}`);
  const createdAt = new Date(index.created_at);
  if (createdAt.getTime() > opts.now.getTime() + CLOCK_SKEW_MS) {
    refuse(ErrorCode.Bundle, `${location}: bundle claims to be created at ${index.created_at}, after now (${formatExpires(opts.now)}); check the clock, or pass --now`);
  }
  const notes: string[] = [];
  const fetch: Fetcher = async (p, maxBytes) => {
    const bytes = files.get(p);
    if (!bytes) return null;
    if (bytes.length > maxBytes) refuse(ErrorCode.Registry, `${location}: ${p} is ${bytes.length} bytes, over the ${maxBytes}-byte cap`, { size: bytes.length, max: maxBytes });
    return bytes;
  };
  return {
    location,
    kind,
    index,
    createdAt,
    notes,
    source: { kind: 'bundle', location: path.resolve(location), fetch, trustedRoot: opts.trustedRoot, checkExpiry: bundleExpiry(createdAt, opts.maxStalenessHours, notes) },
  };
}

export interface VerifyBundleOptions extends OpenBundleOptions {
  /** Local revocations (loadRevocations(workspace)); the bundle's signed list is always applied. */
  revocations?: Revocations;
  /** Rollback floor (the workspace's); default none. */
  store?: MetadataStore;
  ceilings?: EffectiveLimits;
}

export interface VerifiedBundlePlugin {
  name: string;
  version: string;
  role: string;
  signers: string[];
  wasm_sha256: string;
  capabilities_sha256: string;
}

export interface VerifiedBundle {
  location: string;
  kind: 'directory' | 'tar';
  created_at: string;
  root_version: number;
  plugins: VerifiedBundlePlugin[];
  /** How expiry was judged, e.g. "timestamp expired …, accepted: bundle created …, within max staleness 72 h". */
  notes: string[];
}

/**
 * Verifies a whole bundle with no network and no workspace writes: the
 * structure, the index, the TUF metadata from the pinned root, and every
 * listed plugin as an install would. Throws on the first problem.
 *
 * @example
 *   const v = await verifyBundle('/media/usb/pentora.tar', { trustedRoot, now: new Date(), maxStalenessHours: 168 });
 *   for (const n of v.notes) console.error(n);
 */
export async function verifyBundle(location: string, opts: VerifyBundleOptions): Promise<VerifiedBundle> {
  const b = openBundle(location, opts);
  const updater = new Updater({ fetch: b.source.fetch, trustedRoot: opts.trustedRoot, now: () => opts.now, store: opts.store ?? new MemoryStore(), checkExpiry: b.source.checkExpiry! });
  await updater.refresh();
  const label = `bundle:${b.source.location}`;
  const used = new Set<string>([INDEX_PATH]);
  const plugins: VerifiedBundlePlugin[] = [];
  for (const p of b.index.plugins) {
    const target = await updater.getTarget(p.name, p.version);
    if (!target) refuse(ErrorCode.NotFound, `${location}: bundle.json lists ${p.name} ${p.version}, but no trusted role in the bundle's metadata does`);
    const { loaded } = await verifyTufTarget(updater, target, { label, revocations: opts.revocations ?? NO_REVOCATIONS, ...(opts.ceilings ? { ceilings: opts.ceilings } : {}) });
    for (const f of ['manifest', 'sig', 'wasm'] as const) used.add(target.files[f].path);
    plugins.push({
      name: target.name,
      version: target.version,
      role: target.role,
      signers: loaded.signers.map((k) => k.keyid).sort(),
      wasm_sha256: loaded.wasmSha256,
      capabilities_sha256: target.custom.capabilities_sha256,
    });
  }
  for (const p of updater.verifiedFiles().keys()) used.add(p);
  // Root versions older than the pinned one are never read by this client, but bundle.json's hashes covered them.
  const stray = b.index.files.map((f) => f.path).find((p) => !used.has(p) && !ROOT_FILE.test(p));
  if (stray) refuse(ErrorCode.Bundle, `${location}: "${stray}" is neither verified metadata nor a file of a bundled plugin`);
  return { location, kind: b.kind, created_at: b.index.created_at, root_version: b.index.root_version, plugins, notes: b.notes };
}

// ------------------------------------------------------------------ install

export interface BundleInstallOptions extends StoreContext {
  bundle: string;
  trustedRoot: Uint8Array;
  maxStalenessHours: number;
  limits?: Partial<TarLimits>;
  /** Plugin names to install, or every plugin in the bundle. */
  names: string[] | 'all';
  yes: boolean;
  allowDowngrade: boolean;
}

/**
 * `pentora plugin install --from-bundle`: the registry install path
 * (registry/client/install.ts) over the bundle's files, with the workspace's
 * rollback floor and lockfile, so a bundle can neither roll back what a
 * registry install put there nor skip any check an online install makes.
 */
export async function installFromBundle(opts: BundleInstallOptions): Promise<{ results: InstallResult[]; notes: string[] }> {
  const b = openBundle(opts.bundle, { trustedRoot: opts.trustedRoot, now: opts.now(), maxStalenessHours: opts.maxStalenessHours, ...(opts.limits ? { limits: opts.limits } : {}) });
  const listed = b.index.plugins;
  const chosen = opts.names === 'all' ? listed : opts.names.map((n) => {
    const found = listed.find((p) => p.name === n);
    if (!found) refuse(ErrorCode.NotFound, `${opts.bundle}: ${n} is not in this bundle (it holds ${listed.map((p) => p.name).join(', ')})`);
    return found;
  });
  const updater = await openUpdater(b.source, opts.workspace, opts.now);
  const results: InstallResult[] = [];
  for (const p of chosen) {
    results.push(await installPlugin({ ...opts, name: p.name, version: p.version, source: b.source, updater }));
  }
  return { results, notes: b.notes };
}
