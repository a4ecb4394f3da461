/**
 * The server KEXINIT reader (src/kexinit.ts, RFC 4253 §6 and §7.1) over a
 * conversation captured from a real sshd, and over hostile packets that must
 * give null or the lists that arrived whole, never a trap.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAs, instantiateAs, type AsModule } from '../../../sdk/testing/as-unit.ts';
import { byteReader } from '../../../sdk/testing/reader-table.ts';

const mod: AsModule = await instantiateAs(await compileAs('plugins/ssh-parser/src/__tests__/unit.ts'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));

interface Kex {
  lists: number;
  kex: string[];
  host_key: string[];
  enc_c2s: string[];
  enc_s2c: string[];
  mac_c2s: string[];
  mac_s2c: string[];
  comp_c2s: string[];
  comp_s2c: string[];
  hassh_server?: string;
}

const kexinit = byteReader<Kex>(mod, 'kexinit');

/** An SSH binary packet (RFC 4253 §6) around `payload`, with 4..255 bytes of padding to a multiple of 8. */
const packet = (payload: Buffer): Buffer => {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + pad, 0);
  head[4] = pad;
  return Buffer.concat([head, payload, Buffer.alloc(pad)]);
};
const nameList = (s: string): Buffer => {
  const b = Buffer.alloc(4 + s.length);
  b.writeUInt32BE(s.length, 0);
  b.write(s, 4, 'latin1');
  return b;
};
const kexPayload = (lists: string[]): Buffer => Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 7), ...lists.map(nameList), Buffer.from([0, 0, 0, 0, 0])]);
const IDENT = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n';

describe('ssh-parser KEXINIT: captured from OpenSSH 9.2p1 (Debian 12)', () => {
  const data = fixture('openssh-9.2p1-debian12-kexinit.bin');
  const k = kexinit(data)!;

  it('reads all ten name-lists', () => {
    expect(k.lists).toBe(10);
    expect(k.kex[0]).toBe('sntrup761x25519-sha512');
    expect(k.kex).toContain('kex-strict-s-v00@openssh.com');
    expect(k.host_key).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256']);
    expect(k.enc_s2c).toEqual(['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']);
    expect(k.mac_s2c).toHaveLength(10);
    expect(k.comp_s2c).toEqual(['none', 'zlib@openssh.com']);
  });

  it('computes HASSHServer as md5("kex;enc s2c;mac s2c;comp s2c"), checked against node:crypto', () => {
    const want = createHash('md5').update([k.kex, k.enc_s2c, k.mac_s2c, k.comp_s2c].map((l) => l.join(',')).join(';')).digest('hex');
    expect(k.hassh_server).toBe(want);
    expect(k.hassh_server).toBe('425d29fe50d8e4f5e37efb6e24bcf660');
  });

  it('every prefix of the conversation gives null or the lists that arrived whole, in order', () => {
    let last = 0;
    for (let n = 0; n <= data.length; n++) {
      const p = kexinit(data.subarray(0, n));
      const lists = p === null ? 0 : p.lists;
      expect(lists).toBeGreaterThanOrEqual(last);
      last = lists;
    }
    expect(last).toBe(10);
  });
});

describe('ssh-parser KEXINIT: built packets and hostile input', () => {
  const LISTS = ['curve25519-sha256', 'ssh-ed25519', 'aes128-ctr', 'aes256-ctr', 'hmac-sha2-256', 'hmac-sha2-512', 'none', 'zlib', '', ''];

  it('reads the server-to-client lists where they differ from client-to-server', () => {
    const k = kexinit(Buffer.concat([Buffer.from(IDENT), packet(kexPayload(LISTS))]))!;
    expect(k).toMatchObject({ lists: 10, enc_c2s: ['aes128-ctr'], enc_s2c: ['aes256-ctr'], mac_s2c: ['hmac-sha2-512'], comp_s2c: ['zlib'] });
    expect(k.hassh_server).toBe(createHash('md5').update('curve25519-sha256;aes256-ctr;hmac-sha2-512;zlib').digest('hex'));
  });

  it('a truncated packet (OpenSSH 9.6p1 cut after 114 bytes) gives nothing: no list arrived whole', () => {
    expect(kexinit(fixture('openssh-with-kexinit.bin'))).toBeNull();
  });

  const setLen = (b: Buffer, at: number, v: number): Buffer => {
    const c = Buffer.from(b);
    c.writeUInt32BE(v, at);
    return c;
  };
  const good = Buffer.concat([Buffer.from(IDENT), packet(kexPayload(LISTS))]);
  const at = IDENT.length;
  const HOSTILE: Array<[string, Buffer, number | null]> = [
    ['no identification line', packet(kexPayload(LISTS)), null],
    ['packet_length 0xffffffff', setLen(good, at, 0xffffffff), null],
    ['packet_length past 35000 (RFC 4253 §6.1)', setLen(good, at, 35001), null],
    ['padding longer than the packet', Buffer.concat([good.subarray(0, at + 4), Buffer.from([255]), good.subarray(at + 5)]), null],
    ['padding under 4 bytes', Buffer.concat([good.subarray(0, at + 4), Buffer.from([3]), good.subarray(at + 5)]), null],
    ['not a KEXINIT (SSH_MSG_DISCONNECT)', Buffer.concat([good.subarray(0, at + 5), Buffer.from([1]), good.subarray(at + 6)]), null],
    ['first name-list length 0xffffffff', setLen(good, at + 5 + 17, 0xffffffff), null],
    ['third name-list length past the payload', setLen(good, at + 5 + 17 + 4 + LISTS[0]!.length + 4 + LISTS[1]!.length, 1 << 20), 2],
    ['an identification line and nothing else', Buffer.from(IDENT), null],
    ['64 KiB of zeros after the line', Buffer.concat([Buffer.from(IDENT), Buffer.alloc(65536)]), null],
  ];

  it.each(HOSTILE)('%s', (_name, data, lists) => {
    const k = kexinit(data);
    if (lists === null) expect(k).toBeNull();
    else expect(k!.lists).toBe(lists);
  });

  it('caps a list of 10 000 names at 48, each at 64 characters', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `${'x'.repeat(100)}-${i}`).join(',');
    const k = kexinit(Buffer.concat([Buffer.from(IDENT), packet(kexPayload([many, ...LISTS.slice(1)]))]));
    // 10 000 names of ~105 bytes is past the 35000-byte packet limit: not read at all.
    expect(k).toBeNull();
    const some = Array.from({ length: 200 }, (_, i) => `${'y'.repeat(100)}-${i}`).join(',');
    const k2 = kexinit(Buffer.concat([Buffer.from(IDENT), packet(kexPayload([some, ...LISTS.slice(1)]))]))!;
    expect(k2.kex).toHaveLength(48);
    expect(k2.kex.every((n) => n.length === 64)).toBe(true);
    expect(k2.lists).toBe(10);
  });
});
