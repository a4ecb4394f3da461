/**
 * Rules as data (docs/rules.md): a plugin's `rules.yaml`, checked by the
 * build and embedded as JSON (`src/rules.generated.ts`), parsed once into a
 * RuleSet. A rule reads one of the texts the plugin extracted (`on`), and
 * when its pattern matches, its templates name the product.
 *
 * @example
 *   import { RULES_JSON } from "./rules.generated";
 *   const RULES = RuleSet.parse(RULES_JSON);
 *   const m = RULES.first("http.server", "nginx/1.22.1");
 *   m!.product // "nginx"; m!.cpe() // "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"
 */

import { JsonValue, parseJson } from "./json";
import { ProductMatch } from "./product-match";
import { cpe23 } from "./cpe";
import { Regex, RegexMatch } from "./regex";

/** A rule's confidence when it gives none. */
export const RULE_DEFAULT_CONFIDENCE: i32 = 80;

/** What a rule names: a ProductMatch whose CPE is the rule's expanded template, plus the rule's id, service and fields. */
export class RuleMatch extends ProductMatch {
  /** The rule's id. */
  id: string = "";
  /** The rule's service ("" when it names none). */
  service: string = "";
  /** The rule's extra fields, expanded (every key of the rule's `fields`, values possibly ""). */
  fields: Map<string, string> = new Map<string, string>();
  /** The expanded CPE template ("" when the rule has none). */
  cpeName: string = "";

  cpe(): string {
    return this.cpeName;
  }
}

/** One compiled rule. */
export class Rule {
  id: string = "";
  on: string = "";
  service: string = "";
  product: string = "";
  version: string = "";
  vendor: string = "";
  cpe: string = "";
  os: string = "";
  fieldNames: string[] = [];
  fieldTemplates: string[] = [];
  confidence: i32 = RULE_DEFAULT_CONFIDENCE;
  regex: Regex;

  constructor(regex: Regex) {
    this.regex = regex;
  }

  /** This rule's match of `text`, or null (no match, or over the step budget). */
  match(text: string): RuleMatch | null {
    const rm = this.regex.exec(text);
    if (rm === null) return null;
    const m = new RuleMatch();
    m.id = this.id;
    m.service = expand(this.service, rm);
    m.product = expand(this.product, rm);
    m.version = expand(this.version, rm);
    m.osHint = expand(this.os, rm);
    m.confidence = this.confidence;
    for (let i = 0; i < this.fieldNames.length; i++) m.fields.set(this.fieldNames[i], expand(this.fieldTemplates[i], rm));
    if (this.cpe.length > 0) {
      m.cpeName = expandCpe(this.cpe, rm, m.version);
      splitCpe(m, m.cpeName);
    }
    if (m.vendor.length == 0) m.vendor = this.vendor;
    return m;
  }
}

/**
 * A plugin's rules, in file order. Rules that do not compile (which the
 * build refuses, so only a hand-made JSON has them) are left out and listed
 * in `errors`.
 */
export class RuleSet {
  rules: Rule[] = [];
  errors: string[] = [];

  /** Parses the JSON the build writes: an array of {id, on, pattern, flags?, service?, product, version?, vendor?, cpe?, os?, fields?, confidence?}. */
  static parse(json: string): RuleSet {
    const set = new RuleSet();
    const doc = parseJson(json);
    if (doc === null || !doc.isArr()) {
      set.errors.push("rules: not a JSON array");
      return set;
    }
    const items = doc.values();
    for (let i = 0; i < items.length; i++) {
      const r = items[i];
      const id = r.getStr("id");
      if (!r.isObj() || id.length == 0 || r.getStr("on").length == 0) {
        set.errors.push("rule #" + i.toString() + ": needs an id and an on");
        continue;
      }
      const regex = Regex.compile(r.getStr("pattern"), r.getStr("flags"));
      if (!regex.ok) {
        set.errors.push(id + ": " + regex.error);
        continue;
      }
      const rule = new Rule(regex);
      rule.id = id;
      rule.on = r.getStr("on");
      rule.service = r.getStr("service");
      rule.product = r.getStr("product");
      rule.version = r.getStr("version");
      rule.vendor = r.getStr("vendor");
      rule.cpe = r.getStr("cpe");
      rule.os = r.getStr("os");
      rule.confidence = <i32>min(max(r.getInt("confidence", RULE_DEFAULT_CONFIDENCE), 0), 100);
      const fields = r.get("fields");
      if (fields !== null && fields.isObj()) {
        const keys = fields.keys();
        for (let k = 0; k < keys.length; k++) {
          rule.fieldNames.push(keys[k]);
          rule.fieldTemplates.push(fields.getStr(keys[k]));
        }
      }
      set.rules.push(rule);
    }
    return set;
  }

  /** The rule with this id, or null. */
  byId(id: string): Rule | null {
    for (let i = 0; i < this.rules.length; i++) if (this.rules[i].id == id) return this.rules[i];
    return null;
  }

  /** The first rule (file order) reading `on` that matches `text`. */
  first(on: string, text: string): RuleMatch | null {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (r.on != on) continue;
      const m = r.match(text);
      if (m !== null) return m;
    }
    return null;
  }

  /** Every rule reading `on` that matches `text`, in file order. */
  all(on: string, text: string): RuleMatch[] {
    const out: RuleMatch[] = [];
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (r.on != on) continue;
      const m = r.match(text);
      if (m !== null) out.push(m);
    }
    return out;
  }
}

/** `$0`..`$9` are capture groups ("" when unmatched), `$$` is "$"; the result is trimmed. */
export function expandTemplate(tmpl: string, m: RegexMatch): string {
  return expand(tmpl, m);
}

function expand(tmpl: string, m: RegexMatch): string {
  if (tmpl.indexOf("$") < 0) return tmpl.trim();
  return substitute(tmpl, m, false, "");
}

/** A value bound as one CPE 2.3 component, with cpe.ts's escaping ("*" when empty). */
export function cpeComponent(value: string): string {
  // cpe23 binds each field with the same rules; slice the version field out of a fixed frame.
  const full = cpe23("a", "x", "x", value);
  return full.substring(14, full.length - 14); // "cpe:2.3:a:x:x:" ... ":*:*:*:*:*:*:*"
}

/** Expands a CPE template: `{version}` and each `$n` become CPE-escaped components; the literal text stays as written. */
function expandCpe(tmpl: string, m: RegexMatch, version: string): string {
  return substitute(tmpl, m, true, version);
}

/**
 * `$0`..`$9` replaced by capture groups and `$$` by "$", then trimmed; for a
 * CPE template (`cpe`) each group is trimmed and CPE-escaped and `{version}`
 * becomes `version`, escaped.
 */
function substitute(tmpl: string, m: RegexMatch, cpe: bool, version: string): string {
  let out = "";
  const n = tmpl.length;
  for (let i = 0; i < n; i++) {
    const c = <i32>tmpl.charCodeAt(i);
    if (cpe && c == 0x7b && tmpl.startsWith("{version}", i)) {
      out += cpeComponent(version);
      i += 8;
      continue;
    }
    if (c == 0x24 && i + 1 < n) {
      const d = <i32>tmpl.charCodeAt(i + 1);
      if (d == 0x24) {
        out += "$";
        i++;
        continue;
      }
      if (d >= 0x30 && d <= 0x39) {
        const group = m.group(d - 0x30);
        out += cpe ? cpeComponent(group.trim()) : group;
        i++;
        continue;
      }
    }
    out += String.fromCharCode(c);
  }
  return out.trim();
}

/** Fills part, vendor and product of `m` from a CPE 2.3 name (split on unescaped ":"). */
function splitCpe(m: ProductMatch, cpe: string): void {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < cpe.length && parts.length < 5; i++) {
    const c = cpe.charAt(i);
    if (c == "\\" && i + 1 < cpe.length) {
      cur += cpe.substring(i, i + 2);
      i++;
    } else if (c == ":") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (parts.length < 5) parts.push(cur);
  if (parts.length < 5 || parts[0] != "cpe") return;
  m.cpePart = parts[2];
  m.vendor = parts[3] == "*" ? "" : parts[3];
  m.cpeProduct = parts[4] == "*" ? "" : parts[4];
}

// Kept for callers that want the JSON shape of a match (the self-test, debugging).
/** {id, service, product, version, os, cpe, confidence, fields}. */
export function ruleMatchJson(m: RuleMatch): JsonValue {
  const fields = JsonValue.obj();
  const keys = m.fields.keys();
  for (let i = 0; i < keys.length; i++) fields.setStr(keys[i], m.fields.get(keys[i]));
  return JsonValue.obj()
    .setStr("id", m.id)
    .setStr("service", m.service)
    .setStr("product", m.product)
    .setStr("version", m.version)
    .setStr("os", m.osHint)
    .setStr("cpe", m.cpe())
    .setInt("confidence", m.confidence)
    .set("fields", fields);
}
