/**
 * The rules engine (sdk/assemblyscript/{regex,rules}.ts) behind a JSON
 * interface, for host-side tools that must run exactly the code plugins run:
 * the build's rules check, the rules self-test and the engine tests
 * (sdk/testing/rules-selftest.ts compiles and calls it). Not a plugin.
 */

import { JsonValue, parseJson, ProductMatch, Regex, RuleSet, ruleMatchJson, utf8DecodeUnsafe, REGEX_STEP_BUDGET } from "../../assemblyscript/index";
import { writeOutput } from "../../assemblyscript/host";

export { alloc, dealloc } from "../../assemblyscript/exports";

function input(ptr: usize, len: i32): JsonValue {
  const v = parseJson(utf8DecodeUnsafe(ptr, len));
  return v === null ? JsonValue.null() : v;
}

function emit(doc: JsonValue): i32 {
  writeOutput(String.UTF8.encode(doc.toString()));
  return 0;
}

/**
 * [{pattern, flags?, text?, budget?}] -> [{error, groups, match: [s0,e0,s1,e1,...] | null, overBudget, steps}]:
 * compiles each pattern and, when `text` is given, runs it once.
 */
export function regexBatch(ptr: usize, len: i32): i32 {
  const cases = input(ptr, len).values();
  const out = JsonValue.arr();
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const re = Regex.compile(c.getStr("pattern"), c.getStr("flags"));
    const r = JsonValue.obj().setStr("error", re.error).setInt("groups", re.groups);
    if (re.ok && c.has("text")) {
      const m = re.exec(c.getStr("text"), <i32>c.getInt("budget", REGEX_STEP_BUDGET));
      if (m === null) r.set("match", JsonValue.null());
      else {
        const slots = JsonValue.arr();
        for (let k = 0; k < m.slots.length; k++) slots.push(JsonValue.int(m.slots[k]));
        r.set("match", slots);
      }
      r.setBool("overBudget", re.overBudget).setInt("steps", re.steps);
    }
    out.push(r);
  }
  return emit(out);
}

/**
 * {rules: <the build's rules JSON array>, cases: [{on, input, rule?}]} ->
 * {errors: [...], results: [{first: match | null, all: [id...], self: match | null, productMatchCpe?}]}:
 * `first` is RuleSet.first(on, input), `all` the ids RuleSet.all gives; `self` is rule `rule`'s own match;
 * `productMatchCpe` is first's cpe() called through a ProductMatch reference.
 */
export function rulesEval(ptr: usize, len: i32): i32 {
  const doc = input(ptr, len);
  const rulesDoc = doc.get("rules");
  const set = RuleSet.parse(rulesDoc === null ? "" : rulesDoc.toString());
  const errors = JsonValue.arr();
  for (let i = 0; i < set.errors.length; i++) errors.push(JsonValue.str(set.errors[i]));
  const results = JsonValue.arr();
  const cases = doc.getArr("cases");
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const text = c.getStr("input");
    const first = set.first(c.getStr("on"), text);
    const r = JsonValue.obj().set("first", first === null ? JsonValue.null() : ruleMatchJson(first));
    if (first !== null) {
      // What code holding a plain ProductMatch (Banner.print) sees: the rule's CPE, through the override.
      const pm: ProductMatch = first;
      r.setStr("productMatchCpe", pm.cpe());
    }
    const every = set.all(c.getStr("on"), text);
    const ids = JsonValue.arr();
    for (let k = 0; k < every.length; k++) ids.push(JsonValue.str(every[k].id));
    r.set("all", ids);
    const rule = set.byId(c.getStr("rule"));
    let own: JsonValue = JsonValue.null();
    if (rule !== null) {
      const m = rule.match(text);
      if (m !== null) own = ruleMatchJson(m);
    }
    r.set("self", own);
    results.push(r);
  }
  return emit(JsonValue.obj().set("errors", errors).set("results", results));
}
