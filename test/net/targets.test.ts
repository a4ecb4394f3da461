import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { AddressSet, canonicalIp, formatIp, ipFamily, isLoopback, parseIp } from '../../host/net/address.ts';
import { parseSpec, parseTargets, readTargetFile, type Resolver } from '../../host/net/targets.ts';

// Names only ever go to this fake resolver; the addresses are parse inputs, never dialled.
const zone: Record<string, string[]> = {
  'localhost': ['::1', '127.0.0.1'],
  'web.test': ['192.0.2.10'],
  'www.web.test': ['192.0.2.10'],
  'dual.test': ['2001:DB8::0:5', '192.0.2.20', '192.0.2.11'],
  'mapped.test': ['::ffff:192.0.2.30'],
  'junk.test': ['not-an-ip'],
  'empty.test': [],
};
const resolve: Resolver = async (name) => {
  const answer = zone[name];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return answer;
};

const hosts = async (specs: string[], opts = {}) => (await parseTargets(specs, { resolve, ...opts })).map((t) => t.host);

async function targetError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  expect((err as PentoraError).code).toBe(ErrorCode.Target);
  return (err as PentoraError).message;
}

describe('IP helpers', () => {
  it.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (RFC 5952 §4.2.3)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a lone zero group is not compressed
    ['0:0:0:0:0:0:0:0', '::'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['fe80::', 'fe80::'],
    ['192.0.2.1', '192.0.2.1'],
  ])('canonicalIp(%s) = %s', (input, out) => {
    expect(canonicalIp(input)).toBe(out);
  });

  it.each(['010.0.0.1', '1.2.3', '1.2.3.256', 'fe80::1%eth0', 'example.com', '', '1::2::3', '[::1'])('rejects %j', (input) => {
    expect(parseIp(input)).toBeNull();
  });

  it('detects family and loopback, mapped IPv6 counting as IPv4', () => {
    expect(ipFamily('192.0.2.1')).toBe(4);
    expect(ipFamily('::ffff:192.0.2.1')).toBe(4);
    expect(ipFamily('2001:db8::1')).toBe(6);
    expect(ipFamily('localhost')).toBeNull();
    expect(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.2'].map((a) => isLoopback(a))).toEqual([true, true, true, true]);
    expect(['128.0.0.1', '::2', '0.0.0.0', 'localhost'].map((a) => isLoopback(a))).toEqual([false, false, false, false]);
  });

  it('AddressSet merges spans and subtracts ranges', () => {
    const v = (s: string) => (parseIp(s) as { value: bigint }).value;
    const set = AddressSet.from([
      { family: 4, first: v('192.0.2.10'), last: v('192.0.2.19') },
      { family: 4, first: v('192.0.2.0'), last: v('192.0.2.4') }, // out of order: forces the sort path
      { family: 4, first: v('192.0.2.5'), last: v('192.0.2.5') }, // adjacent: merged
      { family: 6, first: 1n, last: 1n },
    ]);
    expect(set.size).toBe(17n);
    expect(set.has({ family: 4, value: v('192.0.2.5') })).toBe(true);
    expect(set.has({ family: 4, value: v('192.0.2.6') })).toBe(false);
    expect(set.has({ family: 6, value: 1n })).toBe(true);
    expect(set.has({ family: 4, value: 1n })).toBe(false); // families never mix
    const rest = set.subtract({ family: 4, first: v('192.0.2.3'), last: v('192.0.2.25') });
    expect(rest.map(([a, b]) => [formatIp({ family: 4, value: a }), formatIp({ family: 4, value: b })])).toEqual([
      ['192.0.2.6', '192.0.2.9'],
      ['192.0.2.20', '192.0.2.25'],
    ]);
  });
});

describe('parseTargets: syntax', () => {
  it('expands IPv4 CIDR, clearing host bits', async () => {
    const out = await hosts(['10.0.0.9/30']);
    expect(out).toEqual(['10.0.0.8', '10.0.0.9', '10.0.0.10', '10.0.0.11']);
    expect(await hosts(['10.0.0.0/24'])).toHaveLength(256);
    expect(await hosts(['192.0.2.7/32'])).toEqual(['192.0.2.7']);
  });

  it('expands IPv6 CIDR and ranges, with canonical output', async () => {
    expect(await hosts(['2001:DB8::ff/126'])).toEqual(['2001:db8::fc', '2001:db8::fd', '2001:db8::fe', '2001:db8::ff']);
    expect(await hosts(['[2001:db8::]/127'])).toEqual(['2001:db8::', '2001:db8::1']);
    expect(await hosts(['::1-::3'])).toEqual(['::1', '::2', '::3']);
  });

  it('accepts last-octet and full ranges, brackets, mapped addresses and comma lists', async () => {
    expect(await hosts(['10.0.0.1-3'])).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(await hosts(['10.0.0.254-10.0.1.1'])).toEqual(['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
    expect(await hosts(['[::1],::ffff:192.0.2.1, 192.0.2.2 ,'])).toEqual(['::1', '192.0.2.1', '192.0.2.2']);
  });

  it('deduplicates by address, keeping first-appearance order', async () => {
    expect(await hosts(['10.0.0.2', '10.0.0.0/30', '::ffff:10.0.0.1', '0:0::1', '::1'])).toEqual([
      '10.0.0.2',
      '10.0.0.0',
      '10.0.0.1',
      '10.0.0.3',
      '::1',
    ]);
  });

  it.each([
    ['10.0.0.300', 'octet 300 is out of range'],
    ['10.0.0', 'expected 4 dot-separated octets, got 3'],
    ['010.0.0.1', 'octet "010" has a leading zero (octal or decimal?)'],
    ['10..0.1', 'empty octet'],
    ['10.0.0.0/33', 'prefix length 33 is out of range 0..32'],
    ['2001:db8::/129', 'prefix length 129 is out of range 0..128'],
    ['10.0.0.0/x', 'prefix length "x" is not a number'],
    ['web.test/24', 'a prefix length needs an IP address before "/", not a hostname'],
    ['10.0.0.5-2', 'range end 10.0.0.2 is below its start 10.0.0.5'],
    ['10.0.0.1-256', 'range end 256 is out of range 0..255'],
    ['10.0.0.1-::5', 'range mixes IPv4 and IPv6'],
    ['10.0.0.1-', 'range end "" is neither a last octet nor an address'],
    ['2001:db8::g', 'not a valid IPv6 address'],
    ['fe80::1%eth0', 'zone ids (%iface) are not supported'],
    ['[::1]:80', 'ports are not part of a target (use the port option)'],
    ['web.test:443', 'ports are not part of a target (use the port option)'],
    ['-p', 'looks like a command-line option, not a target'],
    ['bad-.test', 'hostname label "bad-" is invalid'],
  ])('%j is refused: %s', async (spec, problem) => {
    expect(await targetError(parseTargets([spec], { resolve }))).toBe(`targets: ${JSON.stringify(spec)}: ${problem}`);
  });

  it('classifies without expanding (a /0 is one node)', () => {
    expect(parseSpec('0.0.0.0/0')).toEqual({ kind: 'range', family: 4, first: 0n, last: 0xffffffffn });
    expect(parseSpec('Web.Test.')).toEqual({ kind: 'name', name: 'web.test' });
  });

  it('refuses a spec larger than maxHosts, naming it and the count', async () => {
    expect(await targetError(parseTargets(['10.0.0.0/8']))).toBe(
      'targets: "10.0.0.0/8": expands to 16777216 addresses, more than the limit of 1048576',
    );
    expect(await targetError(parseTargets(['2001:db8::/64']))).toBe(
      'targets: "2001:db8::/64": expands to 18446744073709551616 addresses, more than the limit of 1048576',
    );
    expect(await targetError(parseTargets(['10.0.0.0/24'], { maxHosts: 100 }))).toContain('expands to 256 addresses');
  });

  it('refuses a list whose total passes maxHosts, but not overlaps that dedupe below it', async () => {
    expect(await hosts(['10.0.0.0/25', '10.0.0.0/25'], { maxHosts: 128 })).toHaveLength(128);
    const msg = await targetError(parseTargets(['10.0.0.0/25', '10.0.1.0/25'], { maxHosts: 200 }));
    expect(msg).toBe(
      'targets: more than 200 distinct addresses in total (reached at "10.0.1.0/25"); narrow the targets or raise the host limit',
    );
  });

  it('refuses an empty target list', async () => {
    expect(await targetError(parseTargets([' , '], { resolve }))).toBe('targets: no targets given');
  });
});

describe('parseTargets: names', () => {
  it('keeps the hostname on every resolved address, IPv4 first, ascending', async () => {
    expect(await parseTargets(['dual.test'], { resolve })).toEqual([
      { host: '192.0.2.11', hostname: 'dual.test' },
      { host: '192.0.2.20', hostname: 'dual.test' },
      { host: '2001:db8::5', hostname: 'dual.test' },
    ]);
    expect(await parseTargets(['mapped.test'], { resolve })).toEqual([{ host: '192.0.2.30', hostname: 'mapped.test' }]);
  });

  it('a named target covers the same bare address; two names on one address stay two targets', async () => {
    expect(await parseTargets(['127.0.0.1', 'LOCALHOST', 'web.test', '192.0.2.10', 'www.web.test'], { resolve })).toEqual([
      { host: '127.0.0.1', hostname: 'localhost' },
      { host: '::1', hostname: 'localhost' },
      { host: '192.0.2.10', hostname: 'web.test' },
      { host: '192.0.2.10', hostname: 'www.web.test' },
    ]);
  });

  it('resolves each distinct name once', async () => {
    const asked: string[] = [];
    const counting: Resolver = async (n) => (asked.push(n), resolve(n));
    await parseTargets(['web.test', 'web.test,WEB.test.'], { resolve: counting, exclude: ['web.test'] }).catch(() => {});
    expect(asked).toEqual(['web.test']);
  });

  it('names the hostname that does not resolve', async () => {
    expect(await targetError(parseTargets(['web.test', 'nope.test'], { resolve }))).toBe(
      'targets: "nope.test": hostname does not resolve (ENOTFOUND)',
    );
    expect(await targetError(parseTargets(['empty.test'], { resolve }))).toBe(
      'targets: "empty.test": hostname does not resolve (no addresses)',
    );
    expect(await targetError(parseTargets(['junk.test'], { resolve }))).toBe(
      'targets: "junk.test": resolver returned "not-an-ip", not an IP address',
    );
  });
});

describe('parseTargets: exclude', () => {
  it('removes CIDRs, ranges, addresses and resolved names', async () => {
    const out = await hosts(['10.0.0.0/28', 'localhost', 'web.test'], {
      exclude: ['10.0.0.0/30', '10.0.0.8-15', '10.0.0.5', 'web.test', '::1'],
    });
    expect(out).toEqual(['10.0.0.4', '10.0.0.6', '10.0.0.7', '127.0.0.1']);
  });

  it('is not bounded by maxHosts (excluding a /8 is fine)', async () => {
    expect(await hosts(['10.0.0.1', '192.0.2.1'], { exclude: ['10.0.0.0/8'] })).toEqual(['192.0.2.1']);
  });

  it('reports errors in exclusions as such, and refuses an empty result', async () => {
    expect(await targetError(parseTargets(['10.0.0.1'], { resolve, exclude: ['10.0.0.256'] }))).toBe(
      'exclude: "10.0.0.256": octet 256 is out of range',
    );
    expect(await targetError(parseTargets(['10.0.0.1'], { resolve, exclude: ['gone.test'] }))).toBe(
      'exclude: "gone.test": hostname does not resolve (ENOTFOUND)',
    );
    expect(await targetError(parseTargets(['10.0.0.0/30'], { exclude: ['10.0.0.0/24'] }))).toBe(
      'targets: every address is excluded; nothing left to scan',
    );
  });
});

describe('readTargetFile', () => {
  async function withFile(content: string, fn: (path: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'pentora-targets-'));
    try {
      const path = join(dir, 'hosts.txt');
      await writeFile(path, content);
      await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('reads specs, skipping comments and blank lines, accepting nmap-style whitespace lists', async () => {
    await withFile('\uFEFF# lab\n\n10.0.0.1\r\n  10.0.0.0/30   # the /30\n::1 web.test\t10.0.0.9,10.0.0.10\n', async (path) => {
      const specs = await readTargetFile(path);
      expect(specs).toEqual(['10.0.0.1', '10.0.0.0/30', '::1', 'web.test', '10.0.0.9,10.0.0.10']);
      expect(await hosts(specs)).toEqual(['10.0.0.1', '10.0.0.0', '10.0.0.2', '10.0.0.3', '::1', '192.0.2.10', '10.0.0.9', '10.0.0.10']);
    });
  });

  it('reports errors as file:line', async () => {
    await withFile('10.0.0.1\n# ok\n10.0.0.300\n', async (path) => {
      expect(await targetError(readTargetFile(path))).toBe(`${path}:3: "10.0.0.300": octet 300 is out of range`);
    });
    await withFile('10.0.0.0/16\n', async (path) => {
      expect(await targetError(readTargetFile(path, { maxHosts: 1024 }))).toBe(
        `${path}:1: "10.0.0.0/16": expands to 65536 addresses, more than the limit of 1024`,
      );
    });
  });

  it('names a file it cannot read', async () => {
    const msg = await targetError(readTargetFile('/nonexistent/pentora/hosts.txt'));
    expect(msg).toMatch(/^targets: cannot read \/nonexistent\/pentora\/hosts\.txt: .*ENOENT/);
  });
});
