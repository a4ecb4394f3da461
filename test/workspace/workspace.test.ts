import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../host/workspace/atomic.ts';
import { WORKSPACE_SUBDIRS, defaultWorkspaceDir, ensureWorkspace, resolveWorkspaceDir } from '../../host/workspace/paths.ts';
import {
  SCAN_ID_RE,
  createScan,
  listScans,
  newScanId,
  openScan,
  readScan,
  readStatus,
  sanitizeArtifactName,
} from '../../host/workspace/scan-record.ts';
import type { ScanStatus } from '../../host/workspace/scan-record.ts';

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pentora-ws-'));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<PentoraError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  return err as PentoraError;
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await once(child, 'exit');
  if (pid === undefined) throw new Error('spawn gave no pid');
  return pid;
}

describe('workspace paths', () => {
  it('ranks --workspace over PENTORA_WORKSPACE over config over the platform default', () => {
    const base = { homedir: '/home/u', platform: 'linux' as const, cwd: '/cwd' };
    expect(resolveWorkspaceDir({ ...base, env: {}, flag: 'rel', configured: '/cfg' })).toBe('/cwd/rel');
    expect(resolveWorkspaceDir({ ...base, env: { PENTORA_WORKSPACE: '~/pw' }, configured: '/cfg' })).toBe('/home/u/pw');
    expect(resolveWorkspaceDir({ ...base, env: {}, configured: '/cfg' })).toBe('/cfg');
    expect(resolveWorkspaceDir({ ...base, env: {} })).toBe('/home/u/.local/share/pentora');
  });

  it('uses each platform\'s data directory, and XDG_DATA_HOME only when absolute', () => {
    expect(defaultWorkspaceDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', homedir: '/h' })).toBe('/xdg/pentora');
    expect(defaultWorkspaceDir({ env: { XDG_DATA_HOME: 'relative' }, platform: 'linux', homedir: '/h' })).toBe('/h/.local/share/pentora');
    expect(defaultWorkspaceDir({ env: {}, platform: 'darwin', homedir: '/Users/u' })).toBe('/Users/u/Library/Application Support/Pentora');
    expect(defaultWorkspaceDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', homedir: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\Pentora',
    );
  });

  it('creates the layout with a private keys/ and tightens an existing loose one', async () => {
    const root = path.join(tmp, 'ws');
    await mkdir(path.join(root, 'keys'), { recursive: true, mode: 0o777 });
    await chmod(path.join(root, 'keys'), 0o777);
    const layout = await ensureWorkspace(root);
    expect((await readdir(root)).sort()).toEqual([...WORKSPACE_SUBDIRS].sort());
    expect((await stat(layout.keys)).mode & 0o777).toBe(0o700);
    expect(layout.scans).toBe(path.join(root, 'scans'));
    await ensureWorkspace(root); // idempotent
  });

  it('refuses a keys/ that is a symlink', async () => {
    const root = path.join(tmp, 'ws');
    await mkdir(root);
    await mkdir(path.join(tmp, 'elsewhere'));
    await symlink(path.join(tmp, 'elsewhere'), path.join(root, 'keys'));
    const err = await rejection(ensureWorkspace(root));
    expect(err.code).toBe(ErrorCode.Workspace);
    expect(err.message).toContain('found a symlink');
  });
});

describe('atomic writes', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const file = path.join(tmp, 'status.json');
    await writeFileAtomic(file, 'old');
    await writeJsonAtomic(file, { a: 1 });
    expect(await readFile(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    expect(await readdir(tmp)).toEqual(['status.json']);
  });

  it('keeps the old file when a write fails midway', async () => {
    const file = path.join(tmp, 'big.bin');
    await writeFileAtomic(file, 'the old, complete content');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1 << 20).fill(65);
      throw new Error('disk went away');
    }
    const err = await rejection(writeFileAtomic(file, failing()));
    expect(err.code).toBe(ErrorCode.Workspace);
    expect(err.message).toContain('disk went away');
    expect(await readFile(file, 'utf8')).toBe('the old, complete content');
    expect(await readdir(tmp)).toEqual(['big.bin']);
  });

  it('keeps the mode of the file it replaces', async () => {
    const file = path.join(tmp, 'secret');
    await writeFileAtomic(file, 'a', { mode: 0o600 });
    await writeFileAtomic(file, 'b');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('fails with a workspace error when the directory is missing', async () => {
    const err = await rejection(writeFileAtomic(path.join(tmp, 'nope', 'f'), 'x'));
    expect(err.code).toBe(ErrorCode.Workspace);
    expect(err.message).toContain('ENOENT');
  });

  it('refuses values JSON cannot represent before touching the file', async () => {
    const file = path.join(tmp, 'f.json');
    await writeJsonAtomic(file, { ok: true });
    await rejection(writeJsonAtomic(file, { n: 1n }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ok: true });
  });
});

describe('scan ids', () => {
  it('encodes the UTC time and sorts by it', () => {
    const a = newScanId(new Date('2025-03-04T05:06:07.890Z'));
    const b = newScanId(new Date('2025-03-04T05:06:08.000Z'));
    expect(a).toMatch(/^20250304T050607Z-[a-z2-7]{6}$/);
    expect(SCAN_ID_RE.test(a)).toBe(true);
    expect([b, a].sort()).toEqual([a, b]);
    const many = new Set(Array.from({ length: 1000 }, () => newScanId()));
    expect(many.size).toBeGreaterThan(995);
  });

  it('refuses ids that could name a path outside scans/', async () => {
    for (const id of ['../../etc', '20250304T050607Z-abcdef/../../x', '20250304T050607Z-ABCDEF', '']) {
      const err = await rejection(readScan(tmp, id));
      expect(err.code).toBe(ErrorCode.Usage);
      expect(err.message).toContain('invalid scan id');
    }
    expect((await rejection(openScan(tmp, '../../etc'))).code).toBe(ErrorCode.Usage);
  });

  it('reports an unknown but well-formed id as not found', async () => {
    expect((await rejection(readScan(tmp, '20250304T050607Z-abcdef'))).code).toBe(ErrorCode.NotFound);
  });
});

describe('scan records', () => {
  it('creates the full layout in one step', async () => {
    const scan = await createScan(tmp, { targets: ['192.0.2.0/30', '198.51.100.7'], profile: 'quick' });
    expect(SCAN_ID_RE.test(scan.id)).toBe(true);
    expect((await readdir(scan.dir)).sort()).toEqual(['artifacts', 'request.json', 'results', 'status.json', 'transcript.jsonl']);
    expect(await readdir(path.join(tmp, 'scans'))).toEqual([scan.id]);
    expect(JSON.parse(await readFile(path.join(scan.dir, 'request.json'), 'utf8'))).toEqual({ targets: ['192.0.2.0/30', '198.51.100.7'], profile: 'quick' });
    expect(await readFile(scan.transcriptPath, 'utf8')).toBe('');
    const status = await readStatus(scan.dir);
    expect(status).toMatchObject({ id: scan.id, state: 'running', targets: 2, pid: process.pid, nodes: {} });
    await scan.close();
  });

  it('merges node updates and keeps every concurrent update', async () => {
    const scan = await createScan(tmp, { targets: [] });
    await scan.updateStatus({ nodes: { 'a.0': { module: 'pentora/a', state: 'running' } } });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => scan.updateStatus({ nodes: { [`n.${i}`]: { module: 'pentora/n', state: 'done', summary: { i } } } })),
    );
    await scan.updateStatus({ nodes: { 'a.0': { state: 'failed', error: 'cpu limit' } }, state: 'partial', finished_at: '2025-01-01T00:00:00.000Z' });
    const status = await readStatus(scan.dir);
    expect(Object.keys(status.nodes)).toHaveLength(21);
    expect(status.nodes['a.0']).toEqual({ module: 'pentora/a', state: 'failed', error: 'cpu limit' });
    expect(status.nodes['n.7']).toEqual({ module: 'pentora/n', state: 'done', summary: { i: 7 } });
    expect(status.state).toBe('partial');
    expect(() => scan.updateStatus({ nodes: { 'b.0': { state: 'running' } } })).toThrow(/must name its module/);
    expect(await readdir(scan.dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    await scan.close();
    expect(() => scan.updateStatus({ state: 'completed' })).toThrow(/closed/);
  });

  it('appends results as JSON lines and counts them', async () => {
    const scan = await createScan(tmp, { targets: ['192.0.2.1'] });
    await Promise.all([
      scan.appendResults('open_ports', [{ host: '192.0.2.1', port: 22 }, { host: '192.0.2.1', port: 80 }]),
      scan.appendResults('open_ports', [{ host: '192.0.2.1', port: 443, note: 'line\nbreak' }]),
      scan.appendResults('banners', []),
    ]);
    expect(() => scan.appendResults('../evil', [])).toThrow(/invalid results name/);
    expect(() => scan.appendResults('Open', [])).toThrow(/invalid results name/);
    await scan.close();
    const lines = (await readFile(path.join(scan.dir, 'results', 'open_ports.jsonl'), 'utf8')).split('\n');
    expect(lines.slice(0, 3).map((l) => JSON.parse(l) as { port: number }).map((r) => r.port)).toEqual([22, 80, 443]);
    expect(lines[3]).toBe('');
    expect((await readStatus(scan.dir)).counts).toEqual({ open_ports: 3, banners: 0 });
    // A kill mid-append can leave an unterminated line; it is not counted.
    await appendFile(path.join(scan.dir, 'results', 'open_ports.jsonl'), '{"host":"192.0');
    expect((await readScan(tmp, scan.id)).results).toEqual({ banners: 0, open_ports: 3 });
  });

  it('stores artifacts under a sanitised name inside artifacts/', async () => {
    const scan = await createScan(tmp, { targets: [] });
    expect(await scan.writeArtifact('../../etc/passwd', 'x')).toBe('passwd');
    expect(await scan.writeArtifact('..\\..\\win.ini', 'x')).toBe('win.ini');
    expect(await scan.writeArtifact('.hidden cert.pem', new Uint8Array([1, 2]))).toBe('hidden_cert.pem');
    const long = await scan.writeArtifact(`${'a'.repeat(300)}.pcap`, 'x');
    expect(long).toHaveLength(128);
    expect(long.endsWith('.pcap')).toBe(true);
    await expect(scan.writeArtifact('..', 'x')).rejects.toThrow(/no usable characters/);
    expect((await readdir(path.join(scan.dir, 'artifacts'))).sort()).toEqual([long, 'hidden_cert.pem', 'passwd', 'win.ini'].sort());
    expect(await readdir(path.join(tmp, 'scans'))).toEqual([scan.id]);
    expect(sanitizeArtifactName('tls:192.0.2.1:443.der')).toBe('tls_192.0.2.1_443.der');
    await scan.close();
  });

  it('reads a scan back with its request, results and artifacts', async () => {
    const scan = await createScan(tmp, { targets: ['192.0.2.1'], ports: '22' });
    await scan.appendResults('banners', [{ port: 22 }]);
    await scan.writeArtifact('key.pub', 'ssh-ed25519 AAAA');
    await scan.updateStatus({ state: 'completed', finished_at: new Date().toISOString() });
    await scan.close();
    const details = await readScan(tmp, scan.id);
    expect(details.request).toEqual({ targets: ['192.0.2.1'], ports: '22' });
    expect(details.status.state).toBe('completed');
    expect(details.results).toEqual({ banners: 1 });
    expect(details.artifacts).toEqual(['key.pub']);
    expect(details.transcript_bytes).toBe(0);
  });
});

describe('listing scans', () => {
  it('lists newest first and shows a corrupt status instead of crashing', async () => {
    const older = await createScan(tmp, { targets: ['a'] }, { now: new Date('2025-01-01T00:00:00Z') });
    const newer = await createScan(tmp, { targets: ['a', 'b'] }, { now: new Date('2025-02-01T00:00:00Z') });
    await newer.appendResults('open_ports', [{ port: 1 }]);
    await newer.close();
    await older.close();
    const broken = path.join(tmp, 'scans', '20250115T000000Z-zzzzzz');
    await mkdir(broken);
    await writeFile(path.join(broken, 'status.json'), '{"id": "20250115T000000Z-zzzzzz", "state": ');
    const noStatus = path.join(tmp, 'scans', '20250110T000000Z-yyyyyy');
    await mkdir(noStatus);
    await mkdir(path.join(tmp, 'scans', 'not-a-scan'));
    await mkdir(path.join(tmp, 'scans', `.${newScanId()}.creating`));

    const list = await listScans(tmp);
    expect(list.map((s) => s.id)).toEqual([newer.id, '20250115T000000Z-zzzzzz', '20250110T000000Z-yyyyyy', older.id]);
    expect(list[0]).toMatchObject({ state: 'running', targets: 2, counts: { open_ports: 1 } });
    expect(list[1]).toMatchObject({ state: 'corrupt', started_at: '2025-01-15T00:00:00.000Z', targets: null });
    expect(list[1]?.error).toContain('corrupt JSON');
    expect(list[2]?.state).toBe('corrupt');
    expect(list[2]?.error).toContain('ENOENT');
  });

  it('returns nothing for a workspace without scans', async () => {
    expect(await listScans(path.join(tmp, 'missing'))).toEqual([]);
  });
});

describe('interrupted scans', () => {
  async function killedScan(): Promise<string> {
    const scan = await createScan(tmp, { targets: ['192.0.2.1'] });
    await scan.updateStatus({ nodes: { 'x.0': { module: 'pentora/x', state: 'running' } } });
    await scan.close();
    // What a kill -9 leaves: state running, the dead writer's pid.
    const file = path.join(scan.dir, 'status.json');
    const status = JSON.parse(await readFile(file, 'utf8')) as ScanStatus;
    await writeFile(file, JSON.stringify({ ...status, pid: await deadPid() }));
    return scan.id;
  }

  it('reports a running scan whose process is gone as interrupted', async () => {
    const id = await killedScan();
    expect((await listScans(tmp))[0]?.state).toBe('interrupted');
    expect((await readScan(tmp, id)).status.state).toBe('interrupted');
  });

  it('keeps a scan whose writer is alive, or on another host, as running', async () => {
    const alive = await createScan(tmp, { targets: [] });
    const file = path.join(alive.dir, 'status.json');
    expect((await listScans(tmp))[0]?.state).toBe('running');
    const status = JSON.parse(await readFile(file, 'utf8')) as ScanStatus;
    await writeFile(file, JSON.stringify({ ...status, pid: await deadPid(), host: 'another-machine' }));
    expect((await listScans(tmp))[0]?.state).toBe('running');
  });

  it('refuses to reopen a scan its writer still runs, and resumes an interrupted one', async () => {
    const live = await createScan(tmp, { targets: [] });
    const file = path.join(live.dir, 'status.json');
    const status = JSON.parse(await readFile(file, 'utf8')) as ScanStatus;
    await writeFile(file, JSON.stringify({ ...status, pid: process.ppid }));
    expect((await rejection(openScan(tmp, live.id))).message).toMatch(/still running/);

    const id = await killedScan();
    const resumed = await openScan(tmp, id);
    expect(resumed.status.nodes['x.0']?.state).toBe('running');
    await resumed.appendResults('open_ports', [{ port: 22 }]);
    await resumed.close();
    expect(await readStatus(resumed.dir)).toMatchObject({ pid: process.pid, state: 'running', counts: { open_ports: 1 } });
  });

  it('refuses a status whose pid would address a process group', async () => {
    const scan = await createScan(tmp, { targets: [] });
    await scan.close();
    const file = path.join(scan.dir, 'status.json');
    const status = JSON.parse(await readFile(file, 'utf8')) as ScanStatus;
    await writeFile(file, JSON.stringify({ ...status, pid: -1 }));
    expect((await rejection(readStatus(scan.dir))).message).toContain('pid is not a positive integer');
    expect((await listScans(tmp))[0]?.state).toBe('corrupt');
  });
});
