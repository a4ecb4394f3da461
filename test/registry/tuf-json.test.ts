/**
 * The pure layers under the TUF client: strict JSON (one meaning per byte
 * string), canonical JSON (what signatures cover), path and role-name safety,
 * delegation pattern matching, version precedence, and threshold counting.
 */

import { describe, expect, it } from 'vitest';
import { ErrorCode, ExitCode, exitCodeFor, PentoraError } from '../../host/errors.ts';
import { keyIdOf, malleate, signDetached } from '../../host/trust/ed25519.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { canonicalJson } from '../../registry/tuf/canonical-json.ts';
import { checkRoleName, checkTargetPath, consistentTargetPath, matchPathPattern, namespacesOf, patternWithin } from '../../registry/tuf/paths.ts';
import { compareVersions } from '../../registry/tuf/semver.ts';
import { parseStrictJson, type JsonValue } from '../../registry/tuf/strict-json.ts';
import { verifyRole } from '../../registry/tuf/verify.ts';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const parse = (s: string | Uint8Array, maxBytes = 1 << 20): JsonValue => parseStrictJson(typeof s === 'string' ? enc(s) : s, 'test.json', { maxBytes });

function refused(fn: () => unknown, code: string, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PentoraError);
  expect((err as PentoraError).code).toBe(code);
  expect((err as PentoraError).message).toMatch(message);
}

describe('strict JSON', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\ud83d\\ude00\\n"], "b": {"c": {}}, "d": []}\n';
    expect(parse(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['a duplicate key', '{"version": 1, "version": 9}', /duplicate key "version"/],
    ['a duplicate key in a nested object', '{"signed": {"a": 1, "b": {"x": 1, "x": 1}}}', /duplicate key "x"/],
    ['a duplicate key spelled with an escape', '{"ab": 1, "a\\u0062": 2}', /duplicate key "ab"/],
    ['bytes after the value', '{"a": 1} x', /unexpected data after the JSON value/],
    ['a second value after the first', '{"a": 1}{"a": 2}', /unexpected data after the JSON value/],
    ['a lone surrogate escape', '"\\ud800"', /lone high surrogate/],
    ['an unescaped control character', '"a\u0001b"', /unescaped control character/],
    ['a leading zero', '{"a": 01}', /expected "," or "}"/],
    ['a trailing comma', '[1, 2,]', /unexpected character/],
    ['an unterminated string', '"abc', /unterminated string/],
    ['single quotes', "{'a': 1}", /expected a string key/],
  ])('refuses %s', (_what, text, message) => {
    refused(() => parse(text), ErrorCode.Registry, message);
  });

  it('allows trailing whitespace (files end with a newline)', () => {
    expect(parse('{"a": 1}\n\r\n \t')).toEqual({ a: 1 });
  });

  it('refuses a byte-order mark and invalid UTF-8', () => {
    refused(() => parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc('{}')])), ErrorCode.Registry, /byte-order mark/);
    refused(() => parse(Buffer.from([0x22, 0xff, 0x22])), ErrorCode.Registry, /not valid UTF-8/);
    refused(() => parse(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), ErrorCode.Registry, /not valid UTF-8/); // overlong "/"
  });

  it('refuses nesting deeper than 64, accepts 64', () => {
    expect(() => parse('['.repeat(64) + ']'.repeat(64))).not.toThrow();
    refused(() => parse('['.repeat(65) + ']'.repeat(65)), ErrorCode.Registry, /nested deeper than 64/);
    refused(() => parse('{"a":'.repeat(65) + '1' + '}'.repeat(65)), ErrorCode.Registry, /nested deeper than 64/);
  });

  it('checks the size cap before reading a byte', () => {
    // Not JSON at all: the error must be about size, proving nothing parsed it.
    refused(() => parse('x'.repeat(101), 100), ErrorCode.Registry, /101 bytes, over the 100-byte cap/);
    expect(parse('"' + 'x'.repeat(98) + '"', 100)).toBe('x'.repeat(98));
  });

  it('keeps "__proto__" as an own key without touching the prototype', () => {
    const v = parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('canonical JSON (OLPC, as securesystemslib encodes it)', () => {
  const canon = (v: JsonValue): string => Buffer.from(canonicalJson(v)).toString('utf8');

  it.each<[string, JsonValue, string]>([
    ['sorts keys, drops whitespace', { b: 1, a: [true, false, null], c: {} }, '{"a":[true,false,null],"b":1,"c":{}}'],
    ['escapes only quote and backslash', { s: 'x"y\\z' }, '{"s":"x\\"y\\\\z"}'],
    ['writes control characters raw', { s: 'a\nb\tc' }, '{"s":"a\nb\tc"}'],
    ['writes non-ASCII as UTF-8', { s: 'é😀' }, '{"s":"é😀"}'],
    ['writes negative zero as 0', { n: -0 }, '{"n":0}'],
    ['nests', [{ z: [], y: [{ b: 2, a: 1 }] }], '[{"y":[{"a":1,"b":2}],"z":[]}]'],
  ])('%s', (_what, value, expected) => {
    expect(canon(value)).toBe(expected);
  });

  it('sorts keys by code point, not by UTF-16 unit', () => {
    // U+FFFF < U+10000 by code point; as UTF-16, U+10000 (0xD800 0xDC00) sorts first.
    expect(canon({ '\u{10000}': 1, '\uffff': 2 })).toBe('{"\uffff":2,"\u{10000}":1}');
  });

  it('is the same for any key order or layout of the same value', () => {
    const a = parse('{"b": {"y": 1, "x": [1, 2]}, "a": "t"}');
    const b = parse('{"a":"t","b":{"x":[1,2],"y":1}}');
    expect(Buffer.from(canonicalJson(a)).equals(Buffer.from(canonicalJson(b)))).toBe(true);
  });

  it('refuses floats and integers past 2^53', () => {
    refused(() => canonicalJson({ n: 1.5 }), ErrorCode.Registry, /safe integers/);
    refused(() => canonicalJson(2 ** 53), ErrorCode.Registry, /safe integers/);
  });
});

describe('paths and role names', () => {
  it.each([
    ['..', /"\.\." segment/],
    ['acme/../pentora/x', /"\.\." segment/],
    ['acme/./x', /"\." segment/],
    ['acme/%2e%2e/x', /percent-encoding/],
    ['%2e%2e', /percent-encoding/],
    ['/etc/passwd', /absolute/],
    ['acme\\..\\x', /backslash/],
    ['acme/x\0.wasm', /NUL/],
    ['acme//x', /empty or has characters/],
    ['acme/.hidden', /empty or has characters/],
    ['acme/x y', /empty or has characters/],
    ['', /empty/],
  ])('refuses target path %j', (p, message) => {
    refused(() => checkTargetPath(p, 'targets.json'), ErrorCode.Registry, message);
  });

  it('accepts plugin target paths', () => {
    expect(() => checkTargetPath('acme/redis-checks/1.0.0-rc.1/plugin.wasm', 'x')).not.toThrow();
  });

  it.each(['../evil', 'Acme', 'acme/x', 'targets', 'root', 'snapshot', 'timestamp', '-acme', 'a'.repeat(65), 'acme\0'])('refuses role name %j', (name) => {
    expect(() => checkRoleName(name, 'delegations')).toThrow(PentoraError);
  });

  it('matches patterns segment by segment: * never crosses /', () => {
    expect(matchPathPattern('acme/*/*/*', 'acme/redis/1.0.0/plugin.wasm')).toBe(true);
    expect(matchPathPattern('acme/*', 'acme/redis/1.0.0/plugin.wasm')).toBe(false);
    expect(matchPathPattern('*', 'acme/redis')).toBe(false);
    expect(matchPathPattern('acme/*/*/*', 'acmeX/redis/1.0.0/plugin.wasm')).toBe(false);
    expect(matchPathPattern('acme/*/*/*', 'pentora/redis/1.0.0/plugin.wasm')).toBe(false);
    expect(matchPathPattern('acme/re*s/*/*.wasm', 'acme/redis/1.0.0/plugin.wasm')).toBe(true);
    expect(matchPathPattern('acme/re*s/*/*.wasm', 'acme/redis/1.0.0/manifest.json')).toBe(false);
    expect(matchPathPattern('a*b*c', 'aXbYbZc')).toBe(true);
    expect(matchPathPattern('a*b*c', 'aXbYbZ')).toBe(false);
  });

  it('knows when one pattern lies within another', () => {
    expect(patternWithin('acme/redis-*/*/*', 'acme/*/*/*')).toBe(true);
    expect(patternWithin('acme/*/*/*', 'acme/*/*/*')).toBe(true);
    expect(patternWithin('acme/*/*/*', 'acme/redis-*/*/*')).toBe(false);
    expect(patternWithin('pentora/*/*/*', 'acme/*/*/*')).toBe(false);
    expect(patternWithin('acme/*', 'acme/*/*/*')).toBe(false);
  });

  it('derives trust-store namespaces from delegated paths', () => {
    expect(namespacesOf(['acme/*/*/*'])).toEqual(['acme/*']);
    expect(namespacesOf(['acme/redis/*/*', 'acme/redis/1.0.0/*'])).toEqual(['acme/redis']);
    expect(namespacesOf(['*/x/*/*', 'acme/re*/*/*'])).toEqual([]);
  });

  it('places targets at consistent-snapshot paths', () => {
    expect(consistentTargetPath('acme/redis/1.0.0/plugin.wasm', 'ab'.repeat(32))).toBe(`targets/acme/redis/1.0.0/${'ab'.repeat(32)}.plugin.wasm`);
  });
});

describe('version precedence (SemVer §11)', () => {
  it('orders numerically, with pre-releases below their release', () => {
    const sorted = ['1.0.0', '0.10.0', '0.9.0', '1.0.0-rc.1', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.11', '1.0.0-beta.2', '10.0.0', '2.0.0'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.0', '0.10.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '10.0.0']);
  });
});

describe('threshold counting', () => {
  const msg = enc('{"_type":"timestamp"}');
  const k1 = newSigningKey();
  const k2 = newSigningKey();
  const sig = (k: typeof k1, m = msg): string => Buffer.from(signDetached(m, k.secretKey)).toString('hex');
  const keys = new Map([
    [k1.keyid, k1.publicKey],
    [k2.keyid, k2.publicKey],
  ]);

  it('accepts a threshold of distinct keys', () => {
    expect(verifyRole(msg, [{ keyid: k1.keyid, sig: sig(k1) }, { keyid: k2.keyid, sig: sig(k2) }], keys, 2, 't').keyids.sort()).toEqual([k1.keyid, k2.keyid].sort());
  });

  it('refuses a threshold not met, naming the count', () => {
    refused(() => verifyRole(msg, [{ keyid: k1.keyid, sig: sig(k1) }], keys, 2, 'timestamp.json'), ErrorCode.Signature, /1 of 2 required signatures/);
  });

  it('counts a duplicated signature once', () => {
    const s = { keyid: k1.keyid, sig: sig(k1) };
    refused(() => verifyRole(msg, [s, s, s], keys, 2, 't'), ErrorCode.Signature, /1 of 2 .*signed more than once/);
  });

  it('counts one key listed under two keyids once', () => {
    const fakeId = keyIdOf(k2.publicKey).replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const twoIds = new Map([
      [k1.keyid, k1.publicKey],
      [fakeId, k1.publicKey],
    ]);
    refused(() => verifyRole(msg, [{ keyid: k1.keyid, sig: sig(k1) }, { keyid: fakeId, sig: sig(k1) }], twoIds, 2, 't'), ErrorCode.Signature, /1 of 2 .*does not match the sha256/);
  });

  it('refuses the S+L twin of a valid signature', () => {
    const twin = Buffer.from(malleate(signDetached(msg, k1.secretKey))).toString('hex');
    refused(() => verifyRole(msg, [{ keyid: k1.keyid, sig: twin }], keys, 1, 't'), ErrorCode.Signature, /non-canonical \(S >= L\)/);
    // And it cannot stand in as a second signature beside the original.
    refused(() => verifyRole(msg, [{ keyid: k1.keyid, sig: sig(k1) }, { keyid: k1.keyid, sig: twin }], keys, 2, 't'), ErrorCode.Signature, /1 of 2/);
  });

  it('ignores signatures by keys outside the role, and altered messages', () => {
    const outsider = newSigningKey();
    refused(() => verifyRole(msg, [{ keyid: outsider.keyid, sig: sig(outsider) }], keys, 1, 't'), ErrorCode.Signature, /not a key of this role/);
    refused(() => verifyRole(enc('{"_type":"timestamp "}'), [{ keyid: k1.keyid, sig: sig(k1) }], keys, 1, 't'), ErrorCode.Signature, /does not verify/);
  });
});

describe('exit codes', () => {
  it('maps every registry refusal to exit 3 (verification failed)', () => {
    for (const code of [ErrorCode.Registry, ErrorCode.Expired, ErrorCode.Rollback, ErrorCode.Signature, ErrorCode.Digest]) {
      expect(exitCodeFor(new PentoraError(code, 'x'))).toBe(ExitCode.Verification);
    }
  });
});
