/**
 * registry/bundle/tar.ts: the ustar writer is deterministic and readable by
 * other tools' conventions, and the reader refuses every unsafe structure
 * before returning any entry.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../host/errors.ts';
import { readTar, writeTar } from '../../registry/bundle/tar.ts';
import { rawTar, type RawEntry } from './tar-craft.ts';

const MTIME = new Date('2026-03-01T12:00:00Z');
const LONG = `targets/acme/redis-checks/1.0.0/${'ab'.repeat(32)}.manifest.json`;

function refused(archive: Uint8Array, message: RegExp | string, limits = {}): void {
  let caught: unknown;
  try {
    readTar(archive, 'test.tar', limits);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'archive was accepted').toBeDefined();
  expect(caught).toMatchObject({ code: ErrorCode.Bundle });
  expect((caught as Error).message).toMatch(message);
}

function hasTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('writeTar', () => {
  it('round-trips files with long paths through prefix + name, adding parent directories', () => {
    const tar = writeTar([{ path: 'bundle.json', data: Buffer.from('{"a":1}') }, { path: LONG, data: Buffer.alloc(1025, 7) }], { mtime: MTIME });
    const entries = readTar(tar, 'x.tar');
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['bundle.json', 'file'],
      ['targets', 'directory'],
      ['targets/acme', 'directory'],
      ['targets/acme/redis-checks', 'directory'],
      ['targets/acme/redis-checks/1.0.0', 'directory'],
      [LONG, 'file'],
    ]);
    expect(Buffer.from(entries[5]!.data)).toEqual(Buffer.alloc(1025, 7));
    expect(entries.filter((e) => e.type === 'file').map((e) => e.mode)).toEqual([0o644, 0o644]);
    expect(entries.filter((e) => e.type === 'directory').every((e) => e.mode === 0o755)).toBe(true);
  });

  it('is deterministic: the same inputs in any order give the same bytes', () => {
    const a = writeTar([{ path: 'b/x', data: Buffer.from('1') }, { path: 'a', data: Buffer.from('2') }], { mtime: MTIME });
    const b = writeTar([{ path: 'a', data: Buffer.from('2') }, { path: 'b/x', data: Buffer.from('1') }], { mtime: MTIME });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = writeTar([{ path: 'a', data: Buffer.from('2') }, { path: 'b/x', data: Buffer.from('1') }], { mtime: new Date(MTIME.getTime() + 1000) });
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('refuses unsafe or duplicate paths and names that do not fit ustar', () => {
    expect(() => writeTar([{ path: '../x', data: Buffer.from('') }], { mtime: MTIME })).toThrow(/"\.\." segment/);
    expect(() => writeTar([{ path: 'a', data: Buffer.from('') }, { path: 'a', data: Buffer.from('') }], { mtime: MTIME })).toThrow(/duplicate/);
    expect(() => writeTar([{ path: `${'a'.repeat(101)}`, data: Buffer.from('') }], { mtime: MTIME })).toThrow(/does not fit a ustar header/);
  });

  it.runIf(hasTar())('interoperates with the system tar in both directions', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-tar-'));
    try {
      fs.writeFileSync(path.join(dir, 'ours.tar'), writeTar([{ path: LONG, data: Buffer.from('hello') }], { mtime: MTIME }));
      fs.mkdirSync(path.join(dir, 'out'));
      execFileSync('tar', ['-xf', path.join(dir, 'ours.tar'), '-C', path.join(dir, 'out')]);
      expect(fs.readFileSync(path.join(dir, 'out', LONG), 'utf8')).toBe('hello');
      // GNU/bsd tar in ustar format, padded to its 10 KiB record with zeros.
      execFileSync('tar', ['--format=ustar', '-cf', path.join(dir, 'theirs.tar'), '-C', path.join(dir, 'out'), 'targets']);
      const entries = readTar(fs.readFileSync(path.join(dir, 'theirs.tar')), 'theirs.tar');
      expect(Buffer.from(entries.find((e) => e.path === LONG)!.data).toString()).toBe('hello');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readTar structure checks', () => {
  const ok: RawEntry = { name: 'bundle.json', data: '{}' };

  it('accepts a minimal hand-made archive (the craft helper is sound)', () => {
    expect(readTar(rawTar([ok]), 't').map((e) => e.path)).toEqual(['bundle.json']);
  });

  it.each([
    ['symlink', { name: 'metadata/evil', type: '2', linkname: '/etc/passwd' }, /entry "metadata\/evil".*is a symbolic link; only regular files and directories/],
    ['hard link', { name: 'x', type: '1', linkname: 'bundle.json' }, /entry "x".*is a hard link/],
    ['character device', { name: 'tty', type: '3' }, /entry "tty".*is a character device/],
    ['block device', { name: 'sda', type: '4' }, /entry "sda".*is a block device/],
    ['FIFO', { name: 'fifo', type: '6' }, /entry "fifo".*is a FIFO/],
    ['pax header', { name: 'PaxHeaders/x', type: 'x', data: '30 path=../../../../etc/passwd\n' }, /is a pax extended header/],
    ['GNU long name', { name: '././@LongLink', type: 'L', data: '../../x' }, /is a GNU long-name header/],
    ['unknown type', { name: 'q', type: 'Z' }, /is an unknown entry type "Z"/],
  ] as Array<[string, RawEntry, RegExp]>)('refuses a %s, naming the entry', (_label, entry, message) => {
    refused(rawTar([ok, entry]), message);
  });

  it.each([
    ['".." segment', 'metadata/../../etc/passwd', /"\.\." segment/],
    ['leading ".."', '../x', /"\.\." segment/],
    ['absolute path', '/etc/passwd', /absolute path/],
    ['backslash', 'metadata\\..\\x', /backslash/],
    ['%2e%2e encoding', 'metadata/%2e%2e/x', /percent-encoded/],
    ['"." segment', './bundle.json', /not normalised/],
    ['double slash', 'metadata//1.root.json', /not normalised/],
    ['non-ASCII name', 'metadata/\u00e9.json', /characters outside/],
  ])('refuses a path with a %s', (_label, name, message) => {
    refused(rawTar([ok, { name, data: 'x' }]), message);
  });

  it('refuses a NUL smuggled into a name', () => {
    refused(rawTar([ok, { name: 'metadata/a.json\0../../x', data: 'x' }]), /path contains a NUL byte/);
  });

  it('refuses a ".." hidden in the prefix field', () => {
    refused(rawTar([ok, { prefix: '..', name: 'x', data: 'x' }]), /entry "\.\.\/x".*"\.\." segment/);
  });

  it('refuses exact, case-folded and file/directory duplicates', () => {
    refused(rawTar([ok, { name: 'bundle.json', data: 'again' }]), /entry "bundle.json" refused: duplicate entry/);
    refused(rawTar([ok, { name: 'BUNDLE.json', data: 'x' }]), /duplicate of "bundle.json" when case is ignored/);
    refused(rawTar([ok, { name: 'bundle.json/x', data: 'x' }]), /"bundle.json" is a file, not a directory/);
    refused(rawTar([{ name: 'a/b', data: 'x' }, { name: 'a', data: 'x' }]), /a directory of that name exists/);
  });

  it('refuses a bad header checksum, naming the entry', () => {
    refused(rawTar([ok, { name: 'x', data: 'y', checksum: 1234 }]), /entry "x".*header checksum is 2322, computed/);
  });

  it('refuses non-ustar magic, setuid modes, link targets on files and sized directories', () => {
    refused(rawTar([{ ...ok, magic: 'ustar  \0' }]), /not a POSIX ustar header/);
    refused(rawTar([{ ...ok, mode: 0o4755 }]), /setuid, setgid or sticky/);
    refused(rawTar([{ ...ok, linkname: 'elsewhere' }]), /a file with a link target/);
    refused(rawTar([{ name: 'd/', type: '5', data: 'x' }]), /a directory with 1 bytes of content/);
  });

  it('refuses truncation: a short archive, a missing end marker, content past the end', () => {
    const good = rawTar([ok, { name: 'b', data: Buffer.alloc(600, 1) }]);
    refused(good.subarray(0, good.length - 100), /not a whole number of 512-byte blocks/);
    refused(good.subarray(0, good.length - 1024), /ends without its two zero end blocks/);
    refused(good.subarray(0, good.length - 512), /ends after one zero block/);
    refused(rawTar([{ name: 'b', data: 'x', size: 5000 }]).subarray(0, 2048), /content runs past the end/);
    refused(new Uint8Array(0), /archive is empty/);
  });

  it('refuses trailing garbage after the end marker, and non-zero padding', () => {
    refused(rawTar([ok], Buffer.concat([Buffer.alloc(511), Buffer.from('!')])), /trailing bytes after the end marker, not all zero/);
    const t = rawTar([ok]);
    t[512 + 5] = 0x41; // inside the padding after the 2-byte content
    refused(t, /entry "bundle.json".*padding after the content is not zero/);
  });

  it('enforces caps on entries, bytes per entry and total bytes before reading content', () => {
    refused(rawTar([ok, { name: 'b', data: 'x' }, { name: 'c', data: 'x' }]), /more than 2 entries/, { maxEntries: 2 });
    refused(rawTar([ok, { name: 'big', data: Buffer.alloc(2000) }]), /entry "big".*2000 bytes, over the 1024-byte per-entry cap/, { maxEntryBytes: 1024 });
    refused(rawTar([{ name: 'a', data: Buffer.alloc(700) }, { name: 'b', data: Buffer.alloc(700) }]), /entry "b".*passes the 1000-byte cap/, { maxTotalBytes: 1000 });
    // A header lying about a huge size is refused by the cap, not by trying to read it.
    refused(rawTar([{ name: 'huge', size: 0o77777777777 }]), /entry "huge".*over the .*per-entry cap/);
  });
});
