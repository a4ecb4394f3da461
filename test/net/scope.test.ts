import { describe, expect, it } from 'vitest';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { Scope } from '../../host/net/scope.ts';
import { parseTargets, type Resolver } from '../../host/net/targets.ts';

// Addresses here are parse inputs for the guard; nothing is dialled.
function caught(fn: () => unknown): PentoraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PentoraError);
    return err as PentoraError;
  }
  throw new Error('expected a PentoraError');
}

async function rejected(p: Promise<unknown>): Promise<PentoraError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  return err as PentoraError;
}

describe('Scope membership', () => {
  it('canonicalises what it is asked: mapped, bracketed, uncompressed, upper case', async () => {
    const scope = new Scope(await parseTargets(['127.0.0.1', '2001:db8::7']));
    expect(scope.has('127.0.0.1')).toBe(true);
    expect(scope.has('::ffff:127.0.0.1')).toBe(true);
    expect(scope.has('::FFFF:7f00:0001')).toBe(true);
    expect(scope.has('2001:DB8:0:0:0:0:0:7')).toBe(true);
    expect(scope.has('[2001:db8::7]')).toBe(true);
    expect(scope.has('127.0.0.2')).toBe(false);
    expect(scope.has('2001:db8::8')).toBe(false);
    expect(scope.has('localhost')).toBe(false); // names are never "in scope" as addresses
    expect(scope.has('0127.0.0.1')).toBe(false); // no octal reinterpretation
    expect(scope.size).toBe(2);
  });

  it('holds a /16 as spans: size, edges and neighbours', async () => {
    const targets = await parseTargets(['10.1.0.0/16', '10.3.0.0/30']);
    expect(targets).toHaveLength(65540);
    const scope = new Scope(targets);
    expect(scope.size).toBe(65540);
    for (const [ip, inScope] of [
      ['10.1.0.0', true],
      ['10.1.255.255', true],
      ['10.1.128.7', true],
      ['10.0.255.255', false],
      ['10.2.0.0', false],
      ['10.3.0.3', true],
      ['10.3.0.4', false],
    ] as const) {
      expect(scope.has(ip), ip).toBe(inScope);
    }
  });

  it('counts a scope built from shuffled, duplicated targets correctly', () => {
    const scope = new Scope([{ host: '192.0.2.9' }, { host: '192.0.2.1' }, { host: '192.0.2.9', hostname: 'a.test' }, { host: '192.0.2.2' }]);
    expect(scope.size).toBe(3);
    expect(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.9'].map((a) => scope.has(a))).toEqual([true, true, false, true]);
  });

  it('refuses to be built from a target that is not an IP literal', () => {
    const err = caught(() => new Scope([{ host: 'example.test' }]));
    expect(err.code).toBe(ErrorCode.Target);
  });
});

describe('Scope.assert', () => {
  it('returns the canonical literal to dial', async () => {
    const scope = new Scope(await parseTargets(['127.0.0.1', '::1']));
    expect(scope.assert('::ffff:127.0.0.1', 'acme/probe')).toBe('127.0.0.1');
    expect(scope.assert('0:0:0:0:0:0:0:1', 'acme/probe')).toBe('::1');
  });

  it('throws a Scope error naming the plugin and the address', async () => {
    const scope = new Scope(await parseTargets(['127.0.0.1']));
    const err = caught(() => scope.assert('::ffff:127.0.0.2', 'acme/probe'));
    expect(err.code).toBe(ErrorCode.Scope);
    expect(err.message).toBe('scope: acme/probe may not reach "127.0.0.2": not in the scan\'s targets');
    expect(err.detail).toEqual({ plugin: 'acme/probe', address: '127.0.0.2' });
    // connect() to 0.0.0.0 or :: lands on this machine: never dialled, even if a scope covers it.
    const wide = new Scope(await parseTargets(['0.0.0.0/30', '::/127']));
    expect(wide.has('0.0.0.0')).toBe(true);
    for (const unspecified of ['0.0.0.0', '::', '::ffff:0.0.0.0']) {
      expect(caught(() => wide.assert(unspecified, 'acme/probe')).message).toContain('the unspecified address is never dialled');
    }
    expect(wide.assert('0.0.0.1', 'acme/probe')).toBe('0.0.0.1');
    const notIp = caught(() => scope.assert('localhost', 'acme/probe'));
    expect(notIp.code).toBe(ErrorCode.Scope);
    expect(notIp.message).toContain('"localhost": not an IP address');
  });
});

describe('Scope.resolve', () => {
  // A resolver whose answers the test changes, to play DNS rebinding.
  function dns(initial: Record<string, string[]>): { resolve: Resolver; zone: Record<string, string[]>; asked: string[] } {
    const zone = { ...initial };
    const asked: string[] = [];
    const resolve: Resolver = async (name) => {
      asked.push(name);
      const a = zone[name];
      if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return a;
    };
    return { resolve, zone, asked };
  }

  it('accepts a target hostname (any case, trailing dot) and returns its in-scope addresses', async () => {
    const d = dns({ 'svc.test': ['::1', '127.0.0.1'] });
    const scope = new Scope(await parseTargets(['svc.test'], { resolve: d.resolve }), { resolve: d.resolve });
    expect(scope.hostnames).toEqual(['svc.test']);
    expect(scope.hasHostname('SVC.test.')).toBe(true);
    expect(await scope.resolve('SVC.Test.', 'acme/probe')).toEqual(['127.0.0.1', '::1']);
    expect(await scope.resolve('[::1]', 'acme/probe')).toEqual(['::1']);
  });

  it('refuses a name that is not a target without resolving it', async () => {
    const d = dns({ 'svc.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    const scope = new Scope(await parseTargets(['svc.test'], { resolve: d.resolve }), { resolve: d.resolve });
    d.asked.length = 0;
    const err = await rejected(scope.resolve('other.test', 'acme/probe'));
    expect(err.code).toBe(ErrorCode.Scope);
    expect(err.message).toBe(
      'scope: acme/probe may not reach "other.test": not an IP address nor one of the scan\'s target hostnames',
    );
    expect(d.asked).toEqual([]);
  });

  it('resolves again and checks the fresh answer (DNS rebinding)', async () => {
    const d = dns({ 'svc.test': ['127.0.0.1'] });
    const scope = new Scope(await parseTargets(['svc.test'], { resolve: d.resolve }), { resolve: d.resolve });
    d.zone['svc.test'] = ['192.0.2.66'];
    const err = await rejected(scope.resolve('svc.test', 'acme/probe'));
    expect(err.code).toBe(ErrorCode.Scope);
    expect(err.message).toBe('scope: acme/probe may not reach "svc.test": resolves to 192.0.2.66, outside the scan\'s targets');
    // Partly moved: only the part still in scope is usable.
    d.zone['svc.test'] = ['192.0.2.66', '::ffff:127.0.0.1'];
    expect(await scope.resolve('svc.test', 'acme/probe')).toEqual(['127.0.0.1']);
  });

  it('reports a resolver failure as a host-call error naming the name and plugin', async () => {
    const d = dns({ 'svc.test': ['127.0.0.1'] });
    const scope = new Scope(await parseTargets(['svc.test'], { resolve: d.resolve }), { resolve: d.resolve });
    delete d.zone['svc.test'];
    const err = await rejected(scope.resolve('svc.test', 'acme/probe'));
    expect(err.code).toBe(ErrorCode.HostCall);
    expect(err.message).toBe('scope: resolving svc.test for acme/probe failed (ENOTFOUND)');
  });
});
