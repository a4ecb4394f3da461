/**
 * The AssemblyScript rules engine (sdk/assemblyscript/{regex,rules}.ts) as
 * plugins run it, compiled from sdk/testing/as/rules-entry.ts and called
 * through a small JSON interface. The build's rules check, the rules
 * self-test and the engine tests all go through here, so nothing host-side
 * ever stands in for the engine (no JS RegExp).
 *
 * @example
 *   const engine = await loadRulesEngine();
 *   engine.regex([{ pattern: '^nginx/(\\S+)', text: 'nginx/1.22.1' }])[0].match // [0, 12, 6, 12]
 */

import { compileAs, instantiateAs, type AsModule } from './as-unit.ts';

const ENTRY = 'sdk/testing/as/rules-entry.ts';

export interface RegexCase {
  pattern: string;
  flags?: string;
  /** Latin1 text (every char <= U+00FF); omitted: compile only. */
  text?: string;
  /** Step budget; default the engine's (200k). */
  budget?: number;
}

export interface RegexResult {
  /** "" when the pattern compiled. */
  error: string;
  /** Capture groups, not counting group 0. */
  groups: number;
  /** [start0, end0, start1, end1, ...] (-1 for an unmatched group), or null for no match; absent without `text`. */
  match?: number[] | null;
  overBudget?: boolean;
  steps?: number;
}

/** What a matching rule gave, as the engine's ruleMatchJson writes it. */
export interface EngineMatch {
  id: string;
  service: string;
  product: string;
  version: string;
  os: string;
  cpe: string;
  confidence: number;
  fields: Record<string, string>;
}

export interface EvalCase {
  on: string;
  input: string;
  /** A rule id whose own match of `input` is reported as `self`. */
  rule?: string;
}

export interface EvalResult {
  /** Rules RuleSet.parse left out. */
  errors: string[];
  results: Array<{ first: EngineMatch | null; all: string[]; self: EngineMatch | null; productMatchCpe?: string }>;
}

export interface RulesEngine {
  regex(cases: RegexCase[]): RegexResult[];
  evaluate(rules: unknown[], cases: EvalCase[]): EvalResult;
}

let loaded: Promise<RulesEngine> | undefined;

function call<T>(mod: AsModule, entry: string, doc: unknown): T {
  const { rc, output } = mod.invoke(entry, JSON.stringify(doc));
  if (rc !== 0) throw new Error(`rules engine: ${entry} returned ${rc}`);
  return JSON.parse(output) as T;
}

/** Compiles (once per process) and instantiates the engine. */
export function loadRulesEngine(): Promise<RulesEngine> {
  loaded ??= (async () => {
    // -O0: compiles in a third of the time of -O3, and the checks here run few matches.
    const mod = await instantiateAs(await compileAs(ENTRY, false));
    return {
      regex: (cases) => call<RegexResult[]>(mod, 'regexBatch', cases),
      evaluate: (rules, cases) => call<EvalResult>(mod, 'rulesEval', { rules, cases }),
    } satisfies RulesEngine;
  })();
  return loaded;
}
