/**
 * Rules as data (docs/rules.md): the AssemblyScript RuleSet (templates, CPE
 * escaping, file order, `on`, RuleMatch as a ProductMatch), the build step
 * that turns rules.yaml into checked JSON with FILE:LINE errors, and the
 * embedding of that JSON in a plugin build.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlugin } from '../../sdk/build/build.ts';
import { buildStamp } from '../../sdk/build/build-all.ts';
import { SDK_DIR } from '../../sdk/build/compile.ts';
import { generatedSource, isCpe23, loadRulesFile, parseRulesText, RulesFileError, runtimeRules } from '../../sdk/build/rules.ts';
import { instantiateAs } from '../../sdk/testing/as-unit.ts';
import { loadRulesEngine } from '../../sdk/testing/rules-engine.ts';
import { newSigningKey } from '../../host/trust/keys.ts';

const engine = await loadRulesEngine();
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-rules-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A file as messages name it: relative to the working directory when inside it. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function writeTmp(name: string, text: string): string {
  const file = path.join(tmpRoot, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Rules as the build writes them (runtimeRules), from short specs. */
const RULES = [
  { id: 'nginx', on: 'http.server', pattern: '^nginx(?:/(\\d[\\w.]*))?', flags: 'i', service: 'http', product: 'nginx', version: '$1', vendor: 'f5', cpe: 'cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*', confidence: 90 },
  {
    id: 'apache',
    on: 'http.server',
    pattern: '^Apache(?:/(\\S+))?(?: \\(([^)]*)\\))?',
    product: ' Apache httpd ',
    version: '$1',
    os: '$2',
    cpe: 'cpe:2.3:a:apache:http_server:{version}:*:*:*:*:*:*:*',
    fields: { build: '$2', raw: '[$0]', dollars: '$$1 costs $$', missing: '$3' },
  },
  { id: 'any-server', on: 'http.server', pattern: '\\S+', product: 'unknown', cpe: 'cpe:2.3:a:$0:$0:-:*:*:*:*:*:*:*' },
  { id: 'php', on: 'http.x-powered-by', pattern: 'PHP/([\\d.]+)', product: 'PHP', version: '$1', confidence: 75 },
  { id: 'express', on: 'http.x-powered-by', pattern: 'Express', product: 'Express' },
];

type Eval = ReturnType<typeof engine.evaluate>['results'][number];
function run(on: string, input: string, rule?: string): Eval {
  const out = engine.evaluate(RULES, [{ on, input, ...(rule ? { rule } : {}) }]);
  expect(out.errors).toEqual([]);
  return out.results[0]!;
}

describe('RuleSet (AssemblyScript)', () => {
  it('first(): the first rule in file order, with every template expanded', () => {
    const r = run('http.server', 'NGINX/1.22.1 (Ubuntu)');
    expect(r.first).toEqual({
      id: 'nginx', service: 'http', product: 'nginx', version: '1.22.1', os: '',
      cpe: 'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*', confidence: 90, fields: {},
    });
    expect(r.all).toEqual(['nginx', 'any-server']);
  });

  it('an empty version is "no version": "*" in the CPE', () => {
    expect(run('http.server', 'nginx').first).toMatchObject({ version: '', cpe: 'cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*' });
  });

  it('$n, $$, unmatched groups as "", trimming, fields', () => {
    const m = run('http.server', 'Apache/2.4.57 (Debian)').first!;
    expect(m.product).toBe('Apache httpd');
    expect(m.version).toBe('2.4.57');
    expect(m.os).toBe('Debian');
    expect(m.confidence).toBe(80);
    expect(m.fields).toEqual({ build: 'Debian', raw: '[Apache/2.4.57 (Debian)]', dollars: '$1 costs $', missing: '' });
    expect(run('http.server', 'Apache').first!.fields).toMatchObject({ build: '', raw: '[Apache]' });
  });

  it('CPE-escapes the version as cpe.ts does (lowercase, "_" for space, quoted punctuation)', () => {
    expect(run('http.server', 'Apache/2.4.57-RC1+deb').first!.cpe).toBe('cpe:2.3:a:apache:http_server:2.4.57-rc1\\+deb:*:*:*:*:*:*:*');
    // A banner cannot smuggle ":" or "*" into the name: each $n in the CPE template is escaped too.
    const m = run('http.server', 'evil:*?').first!;
    expect(m.id).toBe('any-server');
    expect(m.cpe).toBe('cpe:2.3:a:evil\\:\\*\\?:evil\\:\\*\\?:-:*:*:*:*:*:*:*');
    expect(isCpe23(m.cpe)).toBe(true);
  });

  it('RuleMatch is a ProductMatch whose cpe() is the expanded template', () => {
    expect(run('http.server', 'nginx/1.25.3').productMatchCpe).toBe('cpe:2.3:a:f5:nginx:1.25.3:*:*:*:*:*:*:*');
  });

  it('reads only the rules of the given `on`; all() keeps file order', () => {
    expect(run('http.x-powered-by', 'PHP/8.2.7, Express').all).toEqual(['php', 'express']);
    expect(run('http.x-powered-by', 'Express').first!.id).toBe('express');
    expect(run('http.title', 'nginx').first).toBeNull();
    expect(run('http.x-powered-by', 'ASP.NET').all).toEqual([]);
  });

  it('a rule\'s own match (the self-test\'s counterexample check)', () => {
    expect(run('http.server', 'nginx', 'apache').self).toBeNull();
    expect(run('http.server', 'nginx', 'any-server').self!.id).toBe('any-server');
  });

  it('RuleSet.parse leaves out rules that do not compile and lists them, without trapping', () => {
    const out = engine.evaluate([{ id: 'bad', on: 'x', pattern: '(a' }, { on: 'x', pattern: 'a' }, RULES[4]!], [{ on: 'http.x-powered-by', input: 'Express' }]);
    expect(out.errors).toEqual(['bad: missing ) at offset 2', 'rule #1: needs an id and an on']);
    expect(out.results[0]!.first!.id).toBe('express');
    expect(engine.evaluate('not rules' as unknown as unknown[], []).errors).toEqual(['rules: not a JSON array']);
  });
});

const GOOD_YAML = `# a header comment
rules:
  - id: nginx
    on: http.server
    pattern: '^nginx(?:/(\\d[\\w.]*))?'
    flags: i
    service: http
    product: nginx
    version: $1
    vendor: f5
    cpe: 'cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*'
    fields: { build: $1 }
    confidence: 90
    examples:
      - input: 'nginx/1.22.1'
        expect: { product: nginx, version: 1.22.1, cpe: 'cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*', fields.build: 1.22.1 }
      - input: "nginx/1.0 caf\\xe9"
      - input: 'nginx/2.40'
        expect: { version: 2.40 }
    counterexamples: ['Apache/2.4.57']
  - id: os-debian
    on: http.server
    pattern: 'debian'
    flags: i
    os: Debian
    examples:
      - input: 'Apache/2.4.57 (Debian)'
        expect: { os: Debian, confidence: 80 }
`;

describe('rules.yaml -> checked JSON (sdk/build/rules.ts)', () => {
  it('reads a good file into the runtime JSON', async () => {
    const file = writeTmp('good/rules.yaml', GOOD_YAML);
    const rules = await loadRulesFile(file);
    expect(rules.map((r) => [r.id, r.line])).toEqual([['nginx', 3], ['os-debian', 21]]);
    expect(rules[0]!.examples[1]!.input).toBe('nginx/1.0 caf\xe9');
    expect(rules[0]!.examples[2]!.expect).toEqual({ version: '2.40' }); // a YAML number, as written
    expect(runtimeRules(rules)).toEqual([
      { id: 'nginx', on: 'http.server', pattern: '^nginx(?:/(\\d[\\w.]*))?', flags: 'i', service: 'http', product: 'nginx', version: '$1', vendor: 'f5', cpe: 'cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*', fields: { build: '$1' }, confidence: 90 },
      { id: 'os-debian', on: 'http.server', pattern: 'debian', flags: 'i', os: 'Debian', confidence: 80 },
    ]);
    const src = generatedSource(rules);
    expect(src).toMatch(/^\/\/ Generated by sdk\/build\/rules\.ts/);
    expect(/^[\x00-\x7f]*$/.test(src)).toBe(true);
  });

  it('reports every problem as FILE:LINE: message', async () => {
    const file = writeTmp('bad/rules.yaml', `rules:
  - id: Bad_Id
    on: http.server
    pattern: '(a'
    product: x
    examples: [{ input: a }]
  - id: two
    on: http.server
    patern: 'a'
    product: x
    examples: []
  - id: three
    on: http.server
    pattern: '(a)'
    product: 'x $2'
    version: 'cost: $'
    cpe: 'cpe:2.3:a:x:{product}:{version}:*:*:*:*:*:*:*'
    confidence: 101
    examples:
      - input: 'caf\u00e9 \u2603'
        expect: { product: x, fields.nope: y, colour: red }
  - id: three
    on: x
    pattern: 'a'
    flags: ig
    cpe: 'cpe:2.3:a:x:y'
    product: y
    examples: [{ expect: {} }]
  - id: four
    on: x
    pattern: b
    examples: [{ input: b }]
`);
    const err = await loadRulesFile(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RulesFileError);
    const shown = shownPath(file);
    const lines = (err as RulesFileError).message.split('\n');
    expect(lines.every((l) => l.startsWith(`${shown}:`))).toBe(true);
    const rel = lines.map((l) => l.slice(shown.length + 1));
    expect(rel).toEqual([
      '2: id "Bad_Id" must match ^[a-z0-9][a-z0-9._-]*$',
      '7: rule two: missing pattern',
      '9: unknown key "patern" (known: id, on, pattern, flags, service, product, version, vendor, cpe, os, fields, confidence, examples, counterexamples)',
      '11: examples must be a list of at least one {input, expect}',
      '18: confidence must be an integer 0..100',
      '20: input has a character above \\xFF (rules read latin1 text: write bytes as "\\xHH")',
      '20: rule three: expect names fields.nope, which the rule does not set',
      '21: unknown expect key "colour" (known: product, version, service, os, cpe, confidence, fields.<name>)',
      '22: duplicate id "three" (first at line 12)',
      '25: flags "ig" must be some of i, s, m, each once',
      '28: an example needs an input',
      '29: rule four: names nothing (give a product, an os, a service or fields)',
    ]);
  });

  it('pattern and template problems point at their lines (after the structure is right)', async () => {
    const file = writeTmp('bad2/rules.yaml', `rules:
  - id: one
    on: t
    pattern: '(a'
    product: x
    examples: [{ input: a }]
  - id: two
    on: t
    pattern: '(a)'
    product: 'x $2'
    version: 'cost: $'
    cpe: 'cpe:2.3:a:x:{product}:{version}:*:*:*:*:*:*:*'
    examples: [{ input: a }]
  - id: three
    on: t
    pattern: 'a'
    product: y
    cpe: 'cpe:2.3:a:x:y'
    examples: [{ input: a }]
`);
    const err = (await loadRulesFile(file).catch((e: unknown) => e)) as RulesFileError;
    expect(err.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: rule one: bad pattern: missing ) at offset 2',
      '10: rule two: product: $2, but the pattern has 1 capture group',
      '11: rule two: version: a lone $ (write $$ for a literal $, $0..$9 for a group)',
      '12: rule two: cpe: {version} is the only placeholder',
      '18: rule three: cpe "cpe:2.3:a:x:y" is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)',
    ]);
  });

  it('bad YAML is one FILE:LINE problem', () => {
    const { problems } = parseRulesText('x/rules.yaml', 'rules:\n  - id: a\n    on: a: b\n    pattern: x\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe('bad YAML: Nested mappings are not allowed in compact mappings');
    expect(problems[0]!.line).toBe(3);
    expect(parseRulesText('x/rules.yaml', 'rulez: []\n').problems.map((p) => p.message)).toEqual(['unknown top-level key "rulez" (only rules)', 'missing rules:']);
    expect(parseRulesText('x/rules.yaml', 'rules: []\n')).toEqual({ rules: [], problems: [] });
  });

  it('the CPE 2.3 shape', () => {
    expect(isCpe23('cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*')).toBe(true);
    expect(isCpe23('cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*')).toBe(true);
    expect(isCpe23('cpe:2.3:a:openbsd:openssh:9.2p1:*:*:en-us:*:*:*:*')).toBe(true);
    expect(isCpe23('cpe:2.3:a:x:y:1:2:3:4:5:6:7')).toBe(false); // ten fields after the part
    expect(isCpe23('cpe:2.3:a:f5:nginx:1.22 .1:*:*:*:*:*:*:*')).toBe(false);
    expect(isCpe23('cpe:2.3:a:a:b:1\\:2:*:*:*:*:*:*:*')).toBe(true);
    expect(isCpe23('cpe:/a:f5:nginx:1.22.1')).toBe(false);
  });
});

describe('build embedding', () => {
  const key = newSigningKey();
  const TEMPLATE = {
    name: 'test/rules', version: '1.0.0', abi: 1, type: 'parser', requires: ['banners'], provides: ['parsed_services'],
    config: { text: { type: 'string', default: '' } }, capabilities: {}, limits: { memory_pages: 64, cpu_ms: 1000 },
  };
  function makePlugin(name: string, rulesYaml: string): string {
    const dir = path.join(tmpRoot, 'plugins', name);
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    const sdk = path.relative(path.join(dir, 'src'), SDK_DIR).split(path.sep).join('/');
    fs.writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(TEMPLATE));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), rulesYaml);
    fs.writeFileSync(
      path.join(dir, 'src', 'index.ts'),
      `import { PluginModule, ExecuteContext, register, RuleSet, RuleMatch, ProductMatch } from "${sdk}/index";
import { RULES_JSON } from "./rules.generated";
export * from "${sdk}/exports";
const RULES = RuleSet.parse(RULES_JSON);
class P extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const m: RuleMatch | null = RULES.first("http.server", ctx.config.getStr("text"));
    if (m === null) return null;
    const pm: ProductMatch = m;
    ctx.summary.setStr("id", m.id).setStr("product", pm.product).setStr("version", pm.version).setStr("cpe", pm.cpe()).setInt("rules", RULES.rules.length);
    return null;
  }
}
register(new P("test/rules", "1.0.0"));
`,
    );
    return dir;
  }

  it('generates src/rules.generated.ts from rules.yaml and the plugin runs the rules', async () => {
    const dir = makePlugin('good', GOOD_YAML);
    const { dir: dist } = await buildPlugin(dir, { key, optimize: false });
    expect(fs.readFileSync(path.join(dir, 'src', 'rules.generated.ts'), 'utf8')).toContain('export const RULES_JSON: string = ');
    const mod = await instantiateAs(fs.readFileSync(path.join(dist, 'plugin.wasm')));
    const { rc, output } = mod.invoke('execute', JSON.stringify({ scan_id: 's', instance_id: 'i', module: 'test/rules', config: { text: 'nginx/1.25.3' } }));
    expect(rc).toBe(0);
    expect(JSON.parse(output).summary).toEqual({ id: 'nginx', product: 'nginx', version: '1.25.3', cpe: 'cpe:2.3:a:f5:nginx:1.25.3:*:*:*:*:*:*:*', rules: 2 });
  });

  it('a bad rules.yaml fails the build with FILE:LINE before compiling', async () => {
    const dir = makePlugin('bad', GOOD_YAML.replace("pattern: 'debian'", "pattern: 'deb(ian'"));
    const err = (await buildPlugin(dir, { key, optimize: false }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RulesFileError);
    expect(err.message).toBe(`${shownPath(path.join(dir, 'rules.yaml'))}:23: rule os-debian: bad pattern: missing ) at offset 7`);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  it('the build stamp follows rules.yaml, not the generated file', () => {
    const dir = makePlugin('stamp', GOOD_YAML);
    const before = buildStamp(dir, 'k', false);
    fs.writeFileSync(path.join(dir, 'src', 'rules.generated.ts'), '// stale\n');
    expect(buildStamp(dir, 'k', false)).toBe(before);
    fs.appendFileSync(path.join(dir, 'rules.yaml'), '# edited\n');
    expect(buildStamp(dir, 'k', false)).not.toBe(before);
  });
});
