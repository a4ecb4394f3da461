/**
 * What a response names, by the plugin's rules.yaml (the `on` texts are
 * listed in README.md): every rule of a text is tried, and a product named
 * twice (Server and X-Powered-By, Coyote and the Tomcat title) is kept once,
 * by its first sighting, with the version whichever sighting had one.
 */

import { RuleSet, RuleMatch, versionAt, printable } from "../../../sdk/assemblyscript/index";
import { RULES_JSON } from "./rules.generated";

export const RULES = RuleSet.parse(RULES_JSON);

/** Confidence taken off a rule's when the match has no version: the rules state it for a versioned match. */
const UNVERSIONED_PENALTY: i32 = 10;
/** An unknown server, named only as it names itself. */
export const UNKNOWN_SERVER_CONFIDENCE: i32 = 60;
/** Characters of an evidence excerpt. */
const EVIDENCE_MAX: i32 = 200;

/** One product a response names, with where it was seen. */
export class Found {
  product: string = "";
  version: string = "";
  cpe: string = "";
  osHint: string = "";
  confidence: i32 = 0;
  /** e.g. "Server: nginx/1.22.1". */
  evidence: string = "";
  /** The rule that named it ("" for an unknown server). */
  rule: string = "";
}

function foundOf(m: RuleMatch, evidence: string): Found {
  const f = new Found();
  f.product = m.product;
  f.version = m.version;
  f.cpe = m.cpe();
  f.osHint = m.osHint;
  f.confidence = m.version.length > 0 ? m.confidence : max(m.confidence - UNVERSIONED_PENALTY, 0);
  f.evidence = evidence;
  f.rule = m.id;
  return f;
}

/** Adds `f` unless its product is there; a versioned sighting fills in an unversioned one (and its CPE). */
export function mergeFound(list: Found[], f: Found): void {
  for (let i = 0; i < list.length; i++) {
    const q = unchecked(list[i]);
    if (q.product != f.product) continue;
    if (q.version.length == 0 && f.version.length > 0) {
      q.version = f.version;
      q.cpe = f.cpe;
      q.confidence = max(q.confidence, f.confidence);
      q.evidence = q.evidence + "; " + f.evidence;
    }
    if (q.osHint.length == 0) q.osHint = f.osHint;
    return;
  }
  list.push(f);
}

/** Every rule of `on` that matches `text`, merged into `list`; `label` prefixes the evidence. */
export function matchInto(list: Found[], on: string, text: string, label: string): i32 {
  if (text.length == 0) return 0;
  const ms = RULES.all(on, text);
  const evidence = label + printable(text, EVIDENCE_MAX);
  for (let i = 0; i < ms.length; i++) mergeFound(list, foundOf(unchecked(ms[i]), evidence));
  return ms.length;
}

/** The first word of a Server value (up to a space, tab or comma): the server's own product token. */
function firstWord(value: string): string {
  let i = 0;
  while (i < value.length && (value.charCodeAt(i) == 0x20 || value.charCodeAt(i) == 0x09)) i++;
  const start = i;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x2c) break;
    i++;
  }
  return value.substring(start, i);
}

/** Rules whose id starts with this name what runs behind the server (OpenSSL, PHP), not the server itself. */
const BEHIND_PREFIX: string = "server-";

/**
 * The products of a Server value; when no rule names the server itself (only
 * `server-*` rules, or none, matched), its first token too, named as the
 * server names itself ("AcmeEmbedded/2.1" → AcmeEmbedded 2.1), without a CPE.
 */
export function serverInto(list: Found[], value: string): void {
  if (value.length == 0) return;
  const ms = RULES.all("http.server", value);
  const evidence = "Server: " + printable(value, EVIDENCE_MAX);
  let named = false;
  for (let i = 0; i < ms.length; i++) {
    const m = unchecked(ms[i]);
    if (!m.id.startsWith(BEHIND_PREFIX)) named = true;
    mergeFound(list, foundOf(m, evidence));
  }
  if (named) return;
  const word = firstWord(value);
  const slash = word.indexOf("/");
  const paren = word.indexOf("(");
  let end = word.length;
  if (slash >= 0) end = slash;
  if (paren >= 0 && paren < end) end = paren;
  const f = new Found();
  f.product = printable(word.substring(0, end), 128);
  if (f.product.length == 0) return;
  f.version = slash >= 0 ? versionAt(word, slash + 1) : "";
  f.confidence = UNKNOWN_SERVER_CONFIDENCE;
  f.evidence = evidence;
  // First: the server is what the Server field names first.
  list.unshift(f);
}
