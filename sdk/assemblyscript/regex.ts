/**
 * A small backtracking regular-expression engine for rules (docs/rules.md):
 * patterns are compiled once into a program for a backtracking VM and run
 * over latin1 text (one char per byte). Every match call runs under a step
 * budget, so a hostile banner cannot make a pathological pattern hang a
 * plugin: over budget is "no match". A bad pattern never aborts; it gives a
 * Regex whose `error` says what is wrong and which never matches.
 *
 * Dialect: literals, `.`, `\d \D \w \W \s \S \b \B \xHH \r \n \t`, escaped
 * metacharacters (`\. \\ \/ \- \^ \$ \* \+ \? \( \) \[ \] \{ \} \|`), classes
 * `[a-z_.-]` / `[^...]`, groups `( )` / `(?: )`, `|`, greedy and lazy
 * `* + ? {n} {n,} {n,m}`, anchors `^ $`; flags `i` (ASCII case), `s` (dot
 * matches \r and \n), `m` (`^ $` at line ends). Matching follows ECMAScript:
 * leftmost match, ordered alternation, a capture inside a repeated group is
 * cleared at each iteration, an iteration past the minimum that matches the
 * empty string is rejected. `\s` is ASCII only (no U+00A0: in a UTF-8
 * banner that byte is half of a letter).
 *
 * @example
 *   const re = Regex.compile("^nginx(?:/(\\d[\\w.]*))?", "i");
 *   const m = re.exec("nginx/1.22.1 (Debian)");
 *   m!.group(1) // "1.22.1"
 */

import {
  Parser, CharSet, isWordChar, lowerAscii,
  OP_CHAR, OP_CHARI, OP_ANY, OP_ANYNL, OP_CLASS, OP_SPLIT, OP_JMP, OP_SAVE, OP_BOL, OP_EOL, OP_MBOL, OP_MEOL, OP_WORDB,
  OP_MARK, OP_CHECK, OP_RESET, OP_MATCH,
} from "./regex-syntax";
import { Compiler, anchoredAtStart, firstChars } from "./regex-compile";

export { REGEX_MAX_REPEAT, REGEX_MAX_GROUPS } from "./regex-syntax";
export { REGEX_MAX_PROGRAM } from "./regex-compile";

/** Steps (VM instructions and backtracks) one `exec` may take over all start positions. */
export const REGEX_STEP_BUDGET: i32 = 200_000;

/** Zero-width assertions: ^ $ (whole text or per line) and \b \B. */
function assertAt(code: i32, text: string, sp: i32): bool {
  const n = text.length;
  const before = sp > 0 ? <i32>text.charCodeAt(sp - 1) : -1;
  const after = sp < n ? <i32>text.charCodeAt(sp) : -1;
  if (code == OP_BOL) return sp == 0;
  if (code == OP_EOL) return sp == n;
  if (code == OP_MBOL) return sp == 0 || before == 0x0a || before == 0x0d;
  if (code == OP_MEOL) return sp == n || after == 0x0a || after == 0x0d;
  const w = (before >= 0 && isWordChar(before)) != (after >= 0 && isWordChar(after));
  return code == OP_WORDB ? w : !w;
}

function grow(a: StaticArray<i32>): StaticArray<i32> {
  const b = new StaticArray<i32>(a.length * 2);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>a.length << 2);
  return b;
}

// ---- public API ----

/**
 * One match: the offsets of the whole match (group 0) and of each capture
 * group; an unmatched group has start -1 and reads as "".
 */
export class RegexMatch {
  text: string;
  /** [start0, end0, start1, end1, ...] */
  slots: StaticArray<i32>;

  constructor(text: string, slots: StaticArray<i32>) {
    this.text = text;
    this.slots = slots;
  }

  /** Number of groups, counting group 0. */
  get count(): i32 {
    return this.slots.length >> 1;
  }
  get index(): i32 {
    return this.slots[0];
  }
  get end(): i32 {
    return this.slots[1];
  }
  start(n: i32): i32 {
    return n >= 0 && n < this.count ? this.slots[n * 2] : -1;
  }
  matched(n: i32): bool {
    return this.start(n) >= 0;
  }
  /** The text of group `n`; "" when it did not take part in the match or does not exist. */
  group(n: i32): string {
    const s = this.start(n);
    return s < 0 ? "" : this.text.substring(s, this.slots[n * 2 + 1]);
  }
}

/** A compiled pattern. `error` is "" when it compiled; a regex with an error never matches. */
export class Regex {
  readonly pattern: string;
  readonly flags: string;
  error: string = "";
  /** Capture groups, not counting group 0. */
  groups: i32 = 0;
  /** True when the last `exec` stopped at the step budget. */
  overBudget: bool = false;
  /** Steps the last `exec` took. */
  steps: i32 = 0;

  private prog: StaticArray<i32> = new StaticArray<i32>(0);
  private classes: CharSet[] = [];
  private nregs: i32 = 0;
  private anchored: bool = false;
  private first: CharSet | null = null;
  private regs: StaticArray<i32> = new StaticArray<i32>(0);
  private choices: StaticArray<i32> = new StaticArray<i32>(96);
  private trail: StaticArray<i32> = new StaticArray<i32>(64);

  private constructor(pattern: string, flags: string) {
    this.pattern = pattern;
    this.flags = flags;
  }

  /** Compiles `pattern` with `flags` (any of "i", "s", "m"); check `error`. */
  static compile(pattern: string, flags: string = ""): Regex {
    const re = new Regex(pattern, flags);
    let icase = false;
    let dotall = false;
    let multiline = false;
    for (let i = 0; i < flags.length; i++) {
      const f = <i32>flags.charCodeAt(i);
      const seen = f == 0x69 ? icase : f == 0x73 ? dotall : f == 0x6d ? multiline : true;
      if (seen) {
        re.error = "bad flags \"" + flags + "\" (use i, s, m, each once)";
        return re;
      }
      if (f == 0x69) icase = true;
      else if (f == 0x73) dotall = true;
      else multiline = true;
    }
    const p = new Parser(pattern, icase, multiline);
    const ast = p.parseAlt(0);
    if (p.err.length == 0 && p.pos < pattern.length) {
      p.fail(p.peek() == 0x29 ? "unmatched )" : "unexpected character");
    }
    if (p.err.length > 0) {
      re.error = p.err;
      return re;
    }
    const slots = (p.groups + 1) * 2;
    const c = new Compiler(slots, icase, dotall, p.classes);
    c.op(OP_SAVE, 0, 0);
    c.emit(ast);
    c.op(OP_SAVE, 1, 0);
    c.op(OP_MATCH, 0, 0);
    if (c.err.length > 0) {
      re.error = c.err;
      return re;
    }
    re.groups = p.groups;
    re.classes = p.classes;
    re.nregs = c.regs;
    re.prog = StaticArray.fromArray<i32>(c.prog);
    re.regs = new StaticArray<i32>(c.regs);
    re.anchored = anchoredAtStart(ast);
    const first = new CharSet();
    if (!firstChars(ast, first, p.classes, icase, dotall)) re.first = first;
    return re;
  }

  get ok(): bool {
    return this.error.length == 0;
  }

  /** True when the pattern matches somewhere in `text`. */
  test(text: string, budget: i32 = REGEX_STEP_BUDGET): bool {
    return this.exec(text, budget) !== null;
  }

  /**
   * The leftmost match in `text` (latin1: one char per byte), or null: no
   * match, a bad pattern, or over `budget` steps (then `overBudget` is set).
   */
  exec(text: string, budget: i32 = REGEX_STEP_BUDGET): RegexMatch | null {
    this.overBudget = false;
    this.steps = 0;
    if (this.error.length > 0) return null;
    const n = text.length;
    const first = this.first;
    const last = this.anchored ? 0 : n;
    for (let s = 0; s <= last; s++) {
      if (first !== null) {
        if (s == n) break;
        const c = <i32>load<u16>(changetype<usize>(text) + (<usize>s << 1));
        if (c <= 0xff && !first.has(c)) continue;
      }
      if (this.run(text, s, budget)) {
        const out = new StaticArray<i32>((this.groups + 1) * 2);
        for (let i = 0; i < out.length; i++) unchecked((out[i] = this.regs[i]));
        // A group whose end was never set (cannot happen after MATCH) stays unmatched.
        for (let g = 0; g < out.length; g += 2) if (unchecked(out[g + 1]) < 0) unchecked((out[g] = -1));
        return new RegexMatch(text, out);
      }
      if (this.overBudget) return null;
    }
    return null;
  }

  /** Runs the VM from `start`; true on a match (captures in `regs`). */
  private run(text: string, start: i32, budget: i32): bool {
    const prog = this.prog;
    const regs = this.regs;
    const classes = this.classes;
    // Backtracking state: choice points (pc, sp, trail mark) and the trail of
    // register writes to undo, as flat stacks that grow by doubling.
    let choices = this.choices;
    let trail = this.trail;
    let ctop = 0;
    let ttop = 0;
    for (let i = 0; i < regs.length; i++) unchecked((regs[i] = -1));
    const base = changetype<usize>(text);
    const n = text.length;
    let pc = 0;
    let sp = start;
    let steps = this.steps;
    let matched = false;
    while (true) {
      if (++steps > budget) {
        this.overBudget = true;
        break;
      }
      const at = pc * 3;
      let ok = true;
      switch (unchecked(prog[at])) {
        case OP_CHAR: {
          ok = sp < n && <i32>load<u16>(base + (<usize>sp << 1)) == unchecked(prog[at + 1]);
          break;
        }
        case OP_CHARI: {
          ok = sp < n && lowerAscii(<i32>load<u16>(base + (<usize>sp << 1))) == unchecked(prog[at + 1]);
          break;
        }
        case OP_CLASS: {
          ok = sp < n && unchecked(classes[unchecked(prog[at + 1])]).has(<i32>load<u16>(base + (<usize>sp << 1)));
          break;
        }
        case OP_ANY: {
          if (sp < n) {
            const c = <i32>load<u16>(base + (<usize>sp << 1));
            ok = c != 0x0a && c != 0x0d;
          } else ok = false;
          break;
        }
        case OP_ANYNL: {
          ok = sp < n;
          break;
        }
        case OP_SPLIT: {
          if (ctop + 3 > choices.length) choices = grow(choices);
          unchecked((choices[ctop] = unchecked(prog[at + 2])));
          unchecked((choices[ctop + 1] = sp));
          unchecked((choices[ctop + 2] = ttop));
          ctop += 3;
          pc = unchecked(prog[at + 1]);
          continue;
        }
        case OP_JMP: {
          pc = unchecked(prog[at + 1]);
          continue;
        }
        case OP_SAVE:
        case OP_MARK: {
          const r = unchecked(prog[at + 1]);
          if (ttop + 2 > trail.length) trail = grow(trail);
          unchecked((trail[ttop] = r));
          unchecked((trail[ttop + 1] = unchecked(regs[r])));
          ttop += 2;
          unchecked((regs[r] = sp));
          pc++;
          continue;
        }
        case OP_CHECK: {
          ok = unchecked(regs[unchecked(prog[at + 1])]) != sp;
          if (ok) {
            pc++;
            continue;
          }
          break;
        }
        case OP_RESET: {
          const hi = unchecked(prog[at + 2]) * 2 + 1;
          for (let r = unchecked(prog[at + 1]) * 2; r <= hi; r++) {
            if (unchecked(regs[r]) == -1) continue;
            if (ttop + 2 > trail.length) trail = grow(trail);
            unchecked((trail[ttop] = r));
            unchecked((trail[ttop + 1] = unchecked(regs[r])));
            ttop += 2;
            unchecked((regs[r] = -1));
          }
          pc++;
          continue;
        }
        case OP_MATCH: {
          matched = true;
          break;
        }
        default: {
          ok = assertAt(unchecked(prog[at]), text, sp);
          if (ok) {
            pc++;
            continue;
          }
        }
      }
      if (matched) break;
      if (ok) {
        // A char-consuming instruction matched.
        sp++;
        pc++;
        continue;
      }
      if (ctop == 0) break;
      ctop -= 3;
      pc = unchecked(choices[ctop]);
      sp = unchecked(choices[ctop + 1]);
      const mark = unchecked(choices[ctop + 2]);
      while (ttop > mark) {
        ttop -= 2;
        unchecked((regs[unchecked(trail[ttop])] = unchecked(trail[ttop + 1])));
      }
    }
    this.steps = steps;
    // Keep the grown stacks for the next call.
    this.choices = choices;
    this.trail = trail;
    return matched;
  }

}
