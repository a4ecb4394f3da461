/**
 * The rules regex engine (sdk/assemblyscript/regex.ts), run in wasm:
 * a differential table against JS RegExp (match or not, the match index and
 * every capture, with the same flags), the dialect's refusals, and
 * pathological patterns that must end as "no match" under the step budget.
 */

import { describe, expect, it } from 'vitest';
import { loadRulesEngine, type RegexResult } from '../../sdk/testing/rules-engine.ts';

const engine = await loadRulesEngine();

/** [pattern, flags, input] — each construct of docs/rules.md, compared with JS. */
const DIFF: Array<[string, string, string]> = [
  // literals and escapes
  ['nginx', '', 'Server: nginx/1.22.1'],
  ['nginx', '', 'Apache'],
  ['a\\.b', '', 'axb a.b'],
  ['a\\\\b', '', 'a\\b'],
  ['a\\/b', '', 'x a/b'],
  ['a\\-b', '', 'a-b'],
  ['\\x41\\x42', '', 'zzAB'],
  ['\\xff\\xFe', '', 'a\xff\xfe'],
  ['\\r\\n\\t', '', 'x\r\n\ty'],
  ['\\^\\$\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|', '', '^$*+?()[]{}|'],
  // dot
  ['a.c', '', 'abc'],
  ['a.c', '', 'a\nc'],
  ['a.c', '', 'a\rc'],
  ['a.c', 's', 'a\nc'],
  ['a.c', 's', 'a\rc'],
  ['.+', '', 'line1\r\nline2'],
  // shorthand classes
  ['\\d+', '', 'version 10.4'],
  ['\\D+', '', '123abc456'],
  ['\\w+', '', '  foo_bar9-baz'],
  ['\\W+', '', 'foo, bar'],
  ['\\s+', '', 'a \t\r\n\x0b\x0cb'],
  ['\\S+', '', '   xyz  '],
  ['\\w', '', '\xe9\xc9'],
  // word boundaries
  ['\\bssh\\b', '', 'openssh ssh-2.0'],
  ['\\bssh\\b', '', 'openssh'],
  ['\\Bssh', '', 'openssh'],
  ['\\B', '', ''],
  ['\\b', '', 'ab'],
  ['x\\b', '', 'x'],
  // classes
  ['[a-z0-9_.-]+', '', 'ID: my-host_1.local!'],
  ['[^ ]+', '', '  token rest'],
  ['[\\d.]+', '', 'v1.2.3b'],
  ['[\\w-]+', '', '!!my-name!!'],
  ['[^\\s,]+', '', ' a,b'],
  ['[-a]+', '', 'x-a-a'],
  ['[a-]+', '', 'x-a-a'],
  ['[\\]\\[]+', '', 'a[]]b'],
  ['[\\x30-\\x39]+', '', 'ab789'],
  ['[\\^a]', '', 'x^'],
  ['[.]', '', 'abc.'],
  ['[\\\\]', '', 'a\\b'],
  ['[^\\d]', '', '12a'],
  ['[\\r\\n]+', '', 'ab\r\ncd'],
  ['[\\x80-\\xff]+', '', 'ab\xc3\xa9cd'],
  // groups and captures
  ['(\\d+)\\.(\\d+)', '', 'v 2.4.57'],
  ['(?:ab)+', '', 'xxababab'],
  ['(a)|b', '', 'b'],
  ['(a)|(b)', '', 'xb'],
  ['((a)(b))c', '', 'abc'],
  ['(a(b(c)))', '', 'zabc'],
  ['()', '', 'x'],
  ['(?:)', '', 'x'],
  ['(a*)', '', 'bbb'],
  // alternation
  ['cat|dog', '', 'hotdog'],
  ['a|ab|abc', '', 'abc'],
  ['(a|ab)(c|bcd)(d*)', '', 'abcd'],
  ['^(?:Apache|nginx)/(\\S+)', '', 'nginx/1.25.3'],
  ['x|', '', 'y'],
  ['|x', '', 'x'],
  // greedy quantifiers
  ['a*', '', 'aaa'],
  ['a+', '', 'baaa'],
  ['ab?c', '', 'ac abc'],
  ['a{2}', '', 'aaaa'],
  ['a{2,}', '', 'aaaaa'],
  ['a{2,3}', '', 'aaaaa'],
  ['a{0}', '', 'aaa'],
  ['(ab){1,2}', '', 'abababab'],
  ['\\d{1,3}(?:\\.\\d{1,3}){3}', '', 'addr 192.168.10.254 up'],
  ['<.*>', '', '<a><b>'],
  // lazy quantifiers
  ['<.*?>', '', '<a><b>'],
  ['a+?', '', 'aaa'],
  ['a??b', '', 'ab'],
  ['a{2,4}?', '', 'aaaaa'],
  ['a{2,}?', '', 'aaaaa'],
  ['(a+?)(a*)', '', 'aaaa'],
  ['"(.*?)"', '', 'say "hi" and "bye"'],
  // captures inside repeats: cleared per iteration, like JS
  ['(?:(a)|b)+', '', 'ab'],
  ['(a|b)*', '', 'abab'],
  ['(?:(a)|(b))+', '', 'ab'],
  ['((a)|b)+', '', 'ab'],
  ['(z)((a+)?(b+)?(c))*', '', 'zaacbbbcac'],
  // empty iterations
  ['(a*)*', '', 'b'],
  ['(a*)+', '', 'b'],
  ['(a*)*b', '', 'aab'],
  ['(?:a?)*?b', '', 'ab'],
  ['(a|)+b', '', 'aab'],
  ['(?:x*)*y', '', 'xxy'],
  ['(a*){2,3}', '', 'aa'],
  // anchors
  ['^abc', '', 'abc'],
  ['^abc', '', 'xabc'],
  ['abc$', '', 'abcx abc'],
  ['^$', '', ''],
  ['^', '', 'abc'],
  ['$', '', 'abc'],
  ['^b', 'm', 'a\nb'],
  ['^b', '', 'a\nb'],
  ['a$', 'm', 'a\nb'],
  ['a$', 'm', 'a\r\nb'],
  ['^\\w+$', 'm', 'one\ntwo'],
  ['^(\\d{3})[ -]', 'm', '220-x\r\n250 ok'],
  // flag i (ASCII)
  ['NGINX', 'i', 'server: nginx'],
  ['[a-c]+', 'i', 'xABCab'],
  ['[^a]', 'i', 'A'],
  ['[A-Z]+', 'i', 'mixedCASE'],
  ['microsoft-iis/(\\d+(?:\\.\\d+)?)', 'i', 'Microsoft-IIS/10.0'],
  ['\\bopenssh_([\\w.]+)', 'i', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3'],
  ['x', 'im', 'aX'],
  ['a.b', 'is', 'A\nB'],
  // real banners
  ['^SSH-(\\d\\.\\d+)-([^\\s\\r\\n]+)(?:\\s+(.*))?', '', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'],
  ['^220[ -](\\S+) ESMTP (Postfix)(?: \\(([^)]+)\\))?', '', '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n'],
  ['^\\+OK Dovecot(?: \\(([^)]*)\\))? ready', '', '+OK Dovecot (Debian) ready.\r\n'],
  ['redis_version:([\\d.]+)', '', '# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n'],
  ['^220 \\(vsFTPd ([\\d.]+)\\)', '', '220 (vsFTPd 3.0.3)\r\n'],
  ['^Apache(?:/([\\d.]+))?(?: \\(([^)]+)\\))?', '', 'Apache/2.4.62 (Debian)'],
];

/** What JS says, in the engine's slot layout. */
function jsSlots(pattern: string, flags: string, input: string): number[] | null {
  const m = new RegExp(pattern, `${flags}d`).exec(input);
  if (!m) return null;
  const out: number[] = [];
  for (let g = 0; g < m.length; g++) {
    const span = m.indices![g];
    out.push(span ? span[0] : -1, span ? span[1] : -1);
  }
  return out;
}

describe('regex: differential against JS RegExp', () => {
  const ours = engine.regex(DIFF.map(([pattern, flags, text]) => ({ pattern, flags, text })));
  it(`covers at least 80 pairs (${DIFF.length})`, () => {
    expect(DIFF.length).toBeGreaterThanOrEqual(80);
  });
  it.each(DIFF.map((c, i) => [JSON.stringify(c[0]), c[1], JSON.stringify(c[2]), i] as const))('/%s/%s on %s', (_p, _f, _t, i) => {
    const [pattern, flags, text] = DIFF[i]!;
    const r = ours[i]!;
    expect(r.error).toBe('');
    expect(r.overBudget).toBe(false);
    expect(r.match ?? null).toEqual(jsSlots(pattern, flags, text));
  });
});

describe('regex: refusals are errors, never traps', () => {
  const BAD: Array<[string, string, string]> = [
    ['(', '', 'missing )'],
    ['a)', '', 'unmatched )'],
    ['[a', '', 'missing ]'],
    ['[]', '', 'empty class'],
    ['[z-a]', '', 'out of order'],
    ['[\\d-z]', '', 'cannot start or end'],
    ['[\\b]', '', 'not allowed in a class'],
    ['*a', '', 'nothing to repeat'],
    ['a**', '', 'quantifier after a quantifier'],
    ['a{2}{3}', '', 'quantifier after a quantifier'],
    ['^*', '', 'anchor cannot be repeated'],
    ['a{2,1}', '', 'm < n'],
    ['a{', '', 'bad {n,m}'],
    ['a{x}', '', 'bad {n,m}'],
    ['a{,3}', '', 'bad {n,m}'],
    ['a{1001}', '', 'over 1000'],
    ['(?:a{1000}){1000}', '', 'too large'],
    ['a}', '', 'unescaped }'],
    [']', '', 'unescaped ]'],
    ['\\q', '', 'unknown escape \\q'],
    ['\\1', '', 'unknown escape \\1'],
    ['\\x4', '', 'two hex digits'],
    ['a\\', '', 'ends with \\'],
    ['(?=a)', '', 'only (?: ) groups'],
    ['(?!a)', '', 'only (?: ) groups'],
    ['(?<n>a)', '', 'only (?: ) groups'],
    ['(?i)a', '', 'only (?: ) groups'],
    ['caf\u00e9\u2603', '', 'above \\xFF'],
    ['a', 'g', 'bad flags'],
    ['a', 'ii', 'bad flags'],
    ['(?:'.repeat(100) + ')'.repeat(100), '', 'nested too deeply'],
    ['(a)'.repeat(33), '', 'more than 32 capture groups'],
  ];
  const results = engine.regex(BAD.map(([pattern, flags]) => ({ pattern, flags, text: 'a' })));
  it.each(BAD.map((b, i) => [JSON.stringify(b[0]).slice(0, 40), b[2], i] as const))('%s: %s', (_p, want, i) => {
    expect(results[i]!.error).toContain(want);
    expect(results[i]!.match).toBeUndefined();
  });
  it('reports the offset of the mistake', () => {
    expect(engine.regex([{ pattern: 'ab(cd' }])[0]!.error).toBe('missing ) at offset 5');
  });
});

describe('regex: the step budget', () => {
  const a30b = `${'a'.repeat(30)}b`;
  const HOSTILE: Array<[string, string]> = [
    ['(a+)+$', a30b],
    ['(a|a)*$', a30b],
    ['(a*)*$', a30b],
    ['(x+x+)+y', 'x'.repeat(40)],
    ['(\\w+\\s?)+$', `${'word '.repeat(20)}!`],
    ['(.*a){12}b', 'a'.repeat(40)],
    ['.*.*.*=.*', 'x'.repeat(3000)],
  ];
  it.each(HOSTILE.map((h, i) => [h[0], i] as const))('%s ends as no match, quickly', (_p, i) => {
    const [pattern, text] = HOSTILE[i]!;
    const t0 = performance.now();
    const r = engine.regex([{ pattern, text }])[0] as RegexResult;
    const ms = performance.now() - t0;
    expect(r.match).toBeNull();
    expect(r.overBudget).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(200_001);
    expect(ms).toBeLessThan(500);
  });
  it('a smaller budget is honoured', () => {
    const r = engine.regex([{ pattern: '(a+)+$', text: a30b, budget: 1000 }])[0]!;
    expect(r.overBudget).toBe(true);
    expect(r.steps).toBe(1001);
  });
  it('a long banner with a literal pattern stays far under the budget', () => {
    const text = `${'x'.repeat(60_000)}Server: nginx/1.22.1`;
    const r = engine.regex([{ pattern: 'nginx/([\\d.]+)', text }])[0]!;
    expect(r.match).toEqual([60_008, 60_020, 60_014, 60_020]);
    expect(r.steps).toBeLessThan(100);
  });
  it('an anchored pattern tries one position only', () => {
    const r = engine.regex([{ pattern: '^nginx', text: `x${'nginx'.repeat(10_000)}` }])[0]!;
    expect(r.match).toBeNull();
    expect(r.steps).toBeLessThan(5);
  });
});
