/**
 * A plugin's `rules.yaml` (docs/rules.md) → the checked JSON its wasm embeds
 * as `src/rules.generated.ts`. Every problem is reported as `FILE:LINE:
 * message`, all of them at once; patterns are compiled by the same
 * AssemblyScript engine plugins run (sdk/testing/rules-engine.ts), so a
 * pattern the build accepts is one the plugin can run.
 *
 * @example
 *   const rules = await loadRulesFile('plugins/http-parser/rules.yaml'); // throws RulesFileError
 *   await generateRules('plugins/http-parser'); // writes src/rules.generated.ts
 */

import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { ErrorCode, PentoraError } from '../../host/errors.ts';
import { loadRulesEngine } from '../testing/rules-engine.ts';

export const RULES_FILE = 'rules.yaml';
export const GENERATED_FILE = 'src/rules.generated.ts';

const RULE_KEYS = new Set([
  'id', 'on', 'pattern', 'flags', 'service', 'product', 'version', 'vendor', 'cpe', 'os', 'fields', 'confidence', 'examples', 'counterexamples',
]);
const EXPECT_KEYS = new Set(['product', 'version', 'service', 'os', 'cpe', 'confidence', 'fields']);
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const FIELD_NAME = /^[a-z_][a-z0-9_-]*$/;
const DEFAULT_CONFIDENCE = 80;

/** What an example expects; only the keys it names are checked. */
export interface ExampleExpect {
  product?: string;
  version?: string;
  service?: string;
  os?: string;
  cpe?: string;
  confidence?: number;
  fields?: Record<string, string>;
}

export interface RuleExample {
  input: string;
  expect: ExampleExpect;
  line: number;
}

export interface RuleSpec {
  id: string;
  on: string;
  pattern: string;
  flags: string;
  service: string;
  product: string;
  version: string;
  vendor: string;
  cpe: string;
  os: string;
  fields: Record<string, string>;
  confidence: number;
  examples: RuleExample[];
  counterexamples: Array<{ input: string; line: number }>;
  /** Line of the rule's first key. */
  line: number;
  /** Line of each key the rule gives. */
  lines: Record<string, number>;
}

export interface RulesProblem {
  file: string;
  line: number;
  message: string;
}

export function formatProblem(p: RulesProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** A rules file that cannot be used; `problems` lists every mistake, the message one per line. */
export class RulesFileError extends PentoraError {
  override readonly name = 'RulesFileError';
  readonly problems: RulesProblem[];
  constructor(problems: RulesProblem[]) {
    super(ErrorCode.Plugin, problems.map(formatProblem).join('\n'), { problems });
    this.problems = problems;
  }
}

/**
 * The shape of a CPE 2.3 formatted string (NISTIR 7695 §6.2, the dictionary
 * schema's pattern): part, then ten components, each `*`, `-` or a value
 * whose non-alphanumerics other than `. - _` are backslash-quoted.
 */
const CPE_VALUE = String.raw`(?:(?:\?*|\*?)(?:[a-zA-Z0-9._-]|\\[\\*?!"#$%&'()+,/:;<=>@\[\]^\`{|}~])+(?:\?*|\*?)|[*-])`;
const CPE_LANG = String.raw`(?:[a-zA-Z]{2,3}(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?|[*-])`;
const CPE23 = new RegExp(`^cpe:2\\.3:[aho*-](?::${CPE_VALUE}){5}:${CPE_LANG}(?::${CPE_VALUE}){4}$`);

export function isCpe23(s: string): boolean {
  return CPE23.test(s);
}

/** The file name as messages show it: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function nonLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return true;
  return false;
}

/** Template mistakes: a lone `$`, or `$n` past the pattern's groups. */
function templateProblem(tmpl: string, groups: number): string | null {
  for (let i = 0; i < tmpl.length; i++) {
    if (tmpl[i] !== '$') continue;
    const d = tmpl[i + 1] ?? '';
    if (d === '$') {
      i++;
    } else if (d >= '0' && d <= '9') {
      if (Number(d) > groups) return `$${d}, but the pattern has ${groups} capture group${groups === 1 ? '' : 's'}`;
      i++;
    } else {
      return 'a lone $ (write $$ for a literal $, $0..$9 for a group)';
    }
  }
  return null;
}

/** Structural checks (everything but compiling patterns); returns the rules and the problems found. */
export function parseRulesText(fileName: string, text: string): { rules: RuleSpec[]; problems: RulesProblem[] } {
  const file = shown(fileName);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: RulesProblem[] = [];
  const lineOf = (n: YamlNode | null | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 1);
  const problem = (line: number, message: string): void => {
    problems.push({ file, line, message });
  };
  for (const e of doc.errors) problem(lc.linePos(e.pos[0]).line, `bad YAML: ${e.message.split('\n')[0]}`);
  if (problems.length > 0) return { rules: [], problems };

  const root = doc.contents;
  if (!isMap(root)) {
    problem(lineOf(root), 'the file must be a map with one key, rules');
    return { rules: [], problems };
  }
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (k !== 'rules') problem(lineOf(pair.key as YamlNode), `unknown top-level key "${k}" (only rules)`);
  }
  const list = root.get('rules', true) as YamlNode | undefined;
  if (list === undefined || (isScalar(list) && list.value === null)) {
    if (!root.has('rules')) problem(lineOf(root), 'missing rules:');
    return { rules: [], problems };
  }
  if (!isSeq(list)) {
    problem(lineOf(list), 'rules must be a list');
    return { rules: [], problems };
  }

  /** A scalar as text: strings as they are, plain numbers as written (version: 2.40). */
  const text1 = (n: unknown, what: string): string | null => {
    if (isScalar(n)) {
      if (typeof n.value === 'string') return n.value;
      if (typeof n.value === 'number' && n.source !== undefined) return n.source;
    }
    problem(lineOf(n as YamlNode), `${what} must be a string`);
    return null;
  };

  const rules: RuleSpec[] = [];
  const ids = new Map<string, number>();
  for (const item of list.items) {
    const line = lineOf(item as YamlNode);
    if (!isMap(item)) {
      problem(line, 'each rule must be a map');
      continue;
    }
    const map = item as YAMLMap;
    const rule: RuleSpec = {
      id: '', on: '', pattern: '', flags: '', service: '', product: '', version: '', vendor: '', cpe: '', os: '',
      fields: {}, confidence: DEFAULT_CONFIDENCE, examples: [], counterexamples: [], line, lines: {},
    };
    const before = problems.length;
    const entries = map.items as Array<Pair<unknown, unknown>>;
    for (const pair of entries) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineOf(pair.key as YamlNode);
      if (!RULE_KEYS.has(key)) {
        problem(keyLine, `unknown key "${key}" (known: ${[...RULE_KEYS].join(', ')})`);
        continue;
      }
      rule.lines[key] = keyLine;
      const v = pair.value;
      if (key === 'fields') {
        if (!isMap(v)) {
          problem(keyLine, 'fields must be a map of name: template');
          continue;
        }
        for (const f of v.items as Array<Pair<unknown, unknown>>) {
          const name = isScalar(f.key) ? String(f.key.value) : '';
          if (!FIELD_NAME.test(name)) problem(lineOf(f.key as YamlNode), `field name "${name}" must match ${FIELD_NAME.source}`);
          const t = text1(f.value, `fields.${name}`);
          if (t !== null) rule.fields[name] = t;
        }
      } else if (key === 'confidence') {
        const n = isScalar(v) ? v.value : undefined;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 100) problem(keyLine, 'confidence must be an integer 0..100');
        else rule.confidence = n;
      } else if (key === 'examples') {
        if (!isSeq(v) || v.items.length === 0) {
          problem(keyLine, 'examples must be a list of at least one {input, expect}');
          continue;
        }
        for (const ex of v.items) {
          const exLine = lineOf(ex as YamlNode);
          if (!isMap(ex)) {
            problem(exLine, 'an example must be a map {input, expect}');
            continue;
          }
          const example: RuleExample = { input: '', expect: {}, line: exLine };
          let hasInput = false;
          for (const p of ex.items as Array<Pair<unknown, unknown>>) {
            const k = isScalar(p.key) ? String(p.key.value) : '';
            if (k === 'input') {
              const t = text1(p.value, 'input');
              if (t !== null) {
                hasInput = true;
                example.input = t;
                if (nonLatin1(t)) problem(lineOf(p.value as YamlNode), 'input has a character above \\xFF (rules read latin1 text: write bytes as "\\xHH")');
              }
            } else if (k === 'expect') {
              if (!isMap(p.value)) {
                problem(lineOf(p.key as YamlNode), 'expect must be a map');
                continue;
              }
              for (const e of p.value.items as Array<Pair<unknown, unknown>>) {
                const ek = isScalar(e.key) ? String(e.key.value) : '';
                const eLine = lineOf(e.key as YamlNode);
                if (ek === 'confidence') {
                  const n = isScalar(e.value) ? e.value.value : undefined;
                  if (typeof n !== 'number' || !Number.isInteger(n)) problem(eLine, 'expect.confidence must be an integer');
                  else example.expect.confidence = n;
                } else if (ek === 'fields') {
                  if (!isMap(e.value)) {
                    problem(eLine, 'expect.fields must be a map');
                    continue;
                  }
                  for (const f of e.value.items as Array<Pair<unknown, unknown>>) {
                    const name = isScalar(f.key) ? String(f.key.value) : '';
                    const t = text1(f.value, `expect.fields.${name}`);
                    if (t !== null) (example.expect.fields ??= {})[name] = t;
                  }
                } else if (ek.startsWith('fields.')) {
                  const t = text1(e.value, `expect.${ek}`);
                  if (t !== null) (example.expect.fields ??= {})[ek.slice(7)] = t;
                } else if (EXPECT_KEYS.has(ek)) {
                  const t = text1(e.value, `expect.${ek}`);
                  if (t !== null) example.expect[ek as 'product'] = t;
                } else {
                  problem(eLine, `unknown expect key "${ek}" (known: product, version, service, os, cpe, confidence, fields.<name>)`);
                }
              }
            } else {
              problem(lineOf(p.key as YamlNode), `unknown example key "${k}" (input, expect)`);
            }
          }
          if (!hasInput) problem(exLine, 'an example needs an input');
          rule.examples.push(example);
        }
      } else if (key === 'counterexamples') {
        if (!isSeq(v)) {
          problem(keyLine, 'counterexamples must be a list of strings');
          continue;
        }
        for (const c of v.items) {
          const t = text1(c, 'a counterexample');
          if (t === null) continue;
          if (nonLatin1(t)) problem(lineOf(c as YamlNode), 'counterexample has a character above \\xFF (write bytes as "\\xHH")');
          rule.counterexamples.push({ input: t, line: lineOf(c as YamlNode) });
        }
      } else {
        const t = text1(v, key);
        if (t !== null) rule[key as 'id'] = t;
      }
    }
    const at = (k: string): number => rule.lines[k] ?? line;
    for (const k of ['id', 'on', 'pattern', 'examples']) {
      if (!(k in rule.lines)) problem(line, `rule ${rule.id || '(no id)'}: missing ${k}`);
    }
    if (!['product', 'os', 'service'].some((k) => k in rule.lines) && Object.keys(rule.fields).length === 0) {
      problem(line, `rule ${rule.id || '(no id)'}: names nothing (give a product, an os, a service or fields)`);
    }
    if ('id' in rule.lines) {
      if (!NAME.test(rule.id)) problem(at('id'), `id "${rule.id}" must match ${NAME.source}`);
      const prev = ids.get(rule.id);
      if (prev !== undefined) problem(at('id'), `duplicate id "${rule.id}" (first at line ${prev})`);
      else ids.set(rule.id, at('id'));
    }
    if ('on' in rule.lines && !NAME.test(rule.on)) problem(at('on'), `on "${rule.on}" must match ${NAME.source}`);
    if ('pattern' in rule.lines && rule.pattern === '') problem(at('pattern'), 'empty pattern');
    if ('product' in rule.lines && rule.product.trim() === '') problem(at('product'), 'empty product (leave the key out for an os-only rule)');
    if (!/^(?!.*(.).*\1)[ism]*$/.test(rule.flags)) problem(at('flags'), `flags "${rule.flags}" must be some of i, s, m, each once`);
    for (const ex of rule.examples) {
      for (const name of Object.keys(ex.expect.fields ?? {})) {
        if (!(name in rule.fields)) problem(ex.line, `rule ${rule.id}: expect names fields.${name}, which the rule does not set`);
      }
    }
    if (problems.length === before) rules.push(rule);
  }
  return { rules, problems };
}

/**
 * Reads and checks a rules file: structure, then every pattern and template
 * against the real engine. Throws RulesFileError listing every problem.
 */
export async function loadRulesFile(file: string): Promise<RuleSpec[]> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesFileError([{ file: shown(file), line: 1, message: `cannot read: ${(err as Error).message}` }]);
  }
  const { rules, problems } = parseRulesText(file, text);
  const engine = await loadRulesEngine();
  const compiled = engine.regex(rules.map((r) => ({ pattern: r.pattern, flags: r.flags })));
  const name = shown(file);
  rules.forEach((r, i) => {
    const c = compiled[i]!;
    const at = (k: string): number => r.lines[k] ?? r.line;
    if (c.error !== '') {
      problems.push({ file: name, line: at('pattern'), message: `rule ${r.id}: bad pattern: ${c.error}` });
      return;
    }
    const templates: Array<[string, string]> = [
      ['service', r.service], ['product', r.product], ['version', r.version], ['os', r.os], ['cpe', r.cpe],
      ...Object.entries(r.fields).map(([k, v]): [string, string] => [`fields.${k}`, v]),
    ];
    for (const [key, tmpl] of templates) {
      const why = templateProblem(tmpl, c.groups);
      if (why) problems.push({ file: name, line: at(key.startsWith('fields.') ? 'fields' : key), message: `rule ${r.id}: ${key}: ${why}` });
    }
    if (r.cpe !== '') {
      const sample = r.cpe.replaceAll('{version}', '1.0').replace(/\$(\d)/g, 'x').replaceAll('$$', '$');
      if (/\{(?!version\})/.test(r.cpe)) {
        problems.push({ file: name, line: at('cpe'), message: `rule ${r.id}: cpe: {version} is the only placeholder` });
      } else if (!isCpe23(sample)) {
        problems.push({ file: name, line: at('cpe'), message: `rule ${r.id}: cpe "${r.cpe}" is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)` });
      }
    }
  });
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    throw new RulesFileError(problems);
  }
  return rules;
}

/** The JSON RuleSet.parse reads: what the wasm needs at run time (no examples); empty optional keys are left out. */
export function runtimeRules(rules: RuleSpec[]): Array<Record<string, unknown>> {
  return rules.map((r) => {
    const out: Record<string, unknown> = { id: r.id, on: r.on, pattern: r.pattern };
    if (r.flags) out.flags = r.flags;
    for (const k of ['service', 'product', 'version', 'vendor', 'cpe', 'os'] as const) if (r[k] !== '') out[k] = r[k];
    if (Object.keys(r.fields).length > 0) out.fields = r.fields;
    out.confidence = r.confidence;
    return out;
  });
}

/** The source of src/rules.generated.ts; non-ASCII is \u-escaped so the file is plain ASCII. */
export function generatedSource(rules: RuleSpec[]): string {
  const json = JSON.stringify(runtimeRules(rules));
  const literal = JSON.stringify(json).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `// Generated by sdk/build/rules.ts from rules.yaml: do not edit (git-ignored, rewritten by every build).\nexport const RULES_JSON: string = ${literal};\n`;
}

/**
 * When `<pluginDir>/rules.yaml` exists: checks it and writes
 * src/rules.generated.ts (only when its bytes change). Returns the rules, or
 * null for a plugin without rules. Throws RulesFileError.
 */
export async function generateRules(pluginDir: string): Promise<RuleSpec[] | null> {
  const file = path.join(pluginDir, RULES_FILE);
  if (!fs.existsSync(file)) return null;
  const rules = await loadRulesFile(file);
  const out = path.join(pluginDir, GENERATED_FILE);
  const src = generatedSource(rules);
  let old: string | null = null;
  try {
    old = fs.readFileSync(out, 'utf8');
  } catch {
    old = null;
  }
  if (old !== src) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, src);
  }
  return rules;
}
