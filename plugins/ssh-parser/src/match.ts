/**
 * Which SSH implementation an identification line names, by the plugin's
 * rules (rules.yaml): `ssh.ident` ("software comments", for products that
 * name themselves in the comments), then `ssh.software` (the softwareversion
 * token), then `ssh.comments` for the OS hint a product rule did not give.
 * What no rule names is still SSH: the token's name part, no version guessed.
 */

import { SshIdent } from "./parse";
import { ProductMatch, RuleSet, RuleMatch, isDigit } from "../../../sdk/assemblyscript/index";

/** The record's product is at most 128 chars. */
const MAX_PRODUCT: i32 = 128;
/** A rule's confidence is for a versioned match; without a version it is at most this. */
const UNVERSIONED_CONFIDENCE: i32 = 80;

function isSeparator(c: i32): bool {
  return c == 0x5f || c == 0x2d || c == 0x2f; // _ - /
}

/** The name part of an unknown software token: what precedes a separator followed by a digit. */
function namePart(sw: string): string {
  for (let i = 1; i + 1 < sw.length; i++) {
    if (isSeparator(sw.charCodeAt(i)) && isDigit(sw.charCodeAt(i + 1))) return sw.substring(0, i);
  }
  return sw;
}

/** The OS the comments name ("Debian-2+deb12u3" gives Debian), "" when none. */
export function osFromComments(rules: RuleSet, comments: string): string {
  if (comments.length == 0) return "";
  const m = rules.first("ssh.comments", comments);
  return m !== null ? m.osHint : "";
}

/** Identifies the implementation behind an identification line. Always returns a match: the line itself proves SSH. */
export function identify(rules: RuleSet, ident: SshIdent): ProductMatch {
  const whole = ident.comments.length > 0 ? ident.software + " " + ident.comments : ident.software;
  let m: RuleMatch | null = rules.first("ssh.ident", whole);
  if (m === null) m = rules.first("ssh.software", ident.software);
  if (m !== null) {
    if (m.osHint.length == 0) m.osHint = osFromComments(rules, ident.comments);
    if (m.version.length == 0) m.confidence = min(m.confidence, UNVERSIONED_CONFIDENCE);
    return m;
  }
  // Unknown software: name it as the banner does, but do not guess which part is a version.
  const u = new ProductMatch();
  const name = namePart(ident.software);
  u.product = name.length > MAX_PRODUCT ? name.substring(0, MAX_PRODUCT) : name;
  u.osHint = osFromComments(rules, ident.comments);
  u.confidence = ident.software.length > 0 ? 60 : 50;
  return u;
}
