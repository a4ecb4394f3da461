/**
 * The rules self-test (docs/rules.md): every example of every rule, run
 * through the AssemblyScript engine plugins run (sdk/testing/rules-engine.ts,
 * never JS RegExp). For an example of rule R:
 *   - among the rules of the file with R's `on`, the first (file order) to
 *     match the input must be R;
 *   - every key of `expect` must equal R's expanded value;
 *   - a non-empty expanded CPE must have the CPE 2.3 formatted-string shape.
 * Every counterexample of R must not match R. A file that does not load
 * (bad YAML, bad rule, bad pattern) is reported as its load problems.
 *
 * @example
 *   const failures = await selfTestRules('plugins/http-parser/rules.yaml');
 *   for (const f of failures) console.log(formatFailure(f));
 */

import path from 'node:path';
import { isCpe23, loadRulesFile, RULES_FILE, RulesFileError, runtimeRules, type RuleSpec } from '../build/rules.ts';
import { loadRulesEngine, type EngineMatch, type EvalCase } from './rules-engine.ts';

export interface SelfTestFailure {
  file: string;
  line: number;
  /** The rule's id; "" for a file-level problem. */
  rule: string;
  message: string;
}

export interface SelfTestReport {
  file: string;
  rules: number;
  examples: number;
  counterexamples: number;
  failures: SelfTestFailure[];
}

export function formatFailure(f: SelfTestFailure): string {
  return `${f.file}:${f.line}: ${f.rule ? `rule ${f.rule}: ` : ''}${f.message}`;
}

/** `plugins/<name>` or a rules.yaml path → the rules.yaml path. */
export function rulesFileOf(target: string): string {
  return target.endsWith('.yaml') || target.endsWith('.yml') ? target : path.join(target, RULES_FILE);
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** The value `expect` key `key` is compared with. */
function actual(m: EngineMatch, key: string): string | number {
  if (key === 'confidence') return m.confidence;
  if (key.startsWith('fields.')) return m.fields[key.slice(7)] ?? '';
  return m[key as 'product' | 'version' | 'service' | 'os' | 'cpe'];
}

/** Runs the self-test of one rules file (`plugins/<name>` or a path to a rules.yaml). */
export async function selfTestRules(target: string): Promise<SelfTestReport> {
  const file = rulesFileOf(target);
  const name = shown(file);
  let rules: RuleSpec[];
  try {
    rules = await loadRulesFile(file);
  } catch (err) {
    if (!(err instanceof RulesFileError)) throw err;
    return {
      file: name,
      rules: 0,
      examples: 0,
      counterexamples: 0,
      failures: err.problems.map((p) => ({ file: p.file, line: p.line, rule: '', message: p.message })),
    };
  }
  const cases: EvalCase[] = [];
  const owners: Array<{ rule: RuleSpec; line: number; expect: Record<string, string | number> | null }> = [];
  let examples = 0;
  let counterexamples = 0;
  for (const rule of rules) {
    for (const ex of rule.examples) {
      examples++;
      const expect: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(ex.expect)) {
        if (k === 'fields') for (const [f, fv] of Object.entries(v as Record<string, string>)) expect[`fields.${f}`] = fv;
        else expect[k] = v as string | number;
      }
      cases.push({ on: rule.on, input: ex.input, rule: rule.id });
      owners.push({ rule, line: ex.line, expect });
    }
    for (const c of rule.counterexamples) {
      counterexamples++;
      cases.push({ on: rule.on, input: c.input, rule: rule.id });
      owners.push({ rule, line: c.line, expect: null });
    }
  }
  const engine = await loadRulesEngine();
  const { errors, results } = engine.evaluate(runtimeRules(rules), cases);
  const failures: SelfTestFailure[] = errors.map((e) => ({ file: name, line: 1, rule: '', message: `the engine refused a rule: ${e}` }));
  const lineOfRule = new Map(rules.map((r) => [r.id, r.line]));
  results.forEach((res, i) => {
    const { rule, line, expect } = owners[i]!;
    const fail = (message: string): void => {
      failures.push({ file: name, line, rule: rule.id, message });
    };
    const input = JSON.stringify(cases[i]!.input);
    if (expect === null) {
      if (res.self !== null) fail(`counterexample ${input} matches`);
      return;
    }
    if (res.self === null) {
      fail(`example ${input} does not match (or ran out of steps)`);
      return;
    }
    if (res.first === null || res.first.id !== rule.id) {
      const other = res.first?.id ?? '?';
      fail(`example ${input} is taken first by rule ${other} (line ${lineOfRule.get(other) ?? '?'}); move this rule above it or narrow that one`);
      return;
    }
    for (const [key, want] of Object.entries(expect)) {
      const got = actual(res.first, key);
      if (got !== want) fail(`example ${input}: ${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    if (res.first.cpe !== '' && !isCpe23(res.first.cpe)) fail(`example ${input}: cpe ${JSON.stringify(res.first.cpe)} is not a CPE 2.3 formatted string`);
  });
  failures.sort((a, b) => a.line - b.line);
  return { file: name, rules: rules.length, examples, counterexamples, failures };
}
