/**
 * Compiles a parsed pattern (regex-syntax.ts) into the backtracking VM's
 * program: three i32 per instruction (opcode, a, b). Counted repeats are
 * unrolled, so the program size is capped (REGEX_MAX_PROGRAM).
 */

import {
  Node, CharSet, N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_ASSERT, N_GROUP, N_CAT, N_ALT, N_REPEAT,
  OP_CHAR, OP_CHARI, OP_ANY, OP_ANYNL, OP_CLASS, OP_SPLIT, OP_JMP, OP_SAVE, OP_BOL, OP_MARK, OP_CHECK, OP_RESET,
  isAsciiLetter, lowerAscii,
} from "./regex-syntax";

/** Compiled program size limit, in instructions (counted repeats are unrolled). */
export const REGEX_MAX_PROGRAM: i32 = 20_000;

export function nullable(n: Node): bool {
  const k = n.kind;
  if (k == N_EMPTY || k == N_ASSERT) return true;
  if (k == N_CHAR || k == N_ANY || k == N_CLASS) return false;
  if (k == N_GROUP) return nullable(n.kids[0]);
  if (k == N_REPEAT) return n.min == 0 || nullable(n.kids[0]);
  if (k == N_ALT) {
    for (let i = 0; i < n.kids.length; i++) if (nullable(n.kids[i])) return true;
    return false;
  }
  for (let i = 0; i < n.kids.length; i++) if (!nullable(n.kids[i])) return false;
  return true;
}

/** True when every match must start at offset 0 (a leading `^` without flag m). */
export function anchoredAtStart(n: Node): bool {
  const k = n.kind;
  if (k == N_ASSERT) return n.c == OP_BOL;
  if (k == N_GROUP) return anchoredAtStart(n.kids[0]);
  if (k == N_CAT) return n.kids.length > 0 && anchoredAtStart(n.kids[0]);
  if (k == N_REPEAT) return n.min > 0 && anchoredAtStart(n.kids[0]);
  if (k == N_ALT) {
    for (let i = 0; i < n.kids.length; i++) if (!anchoredAtStart(n.kids[i])) return false;
    return true;
  }
  return false;
}

export class Compiler {
  prog: i32[] = [];
  err: string = "";
  regs: i32;
  icase: bool;
  dotall: bool;
  classes: CharSet[];

  constructor(captureSlots: i32, icase: bool, dotall: bool, classes: CharSet[]) {
    this.regs = captureSlots;
    this.icase = icase;
    this.dotall = dotall;
    this.classes = classes;
  }

  @inline pc(): i32 {
    return this.prog.length / 3;
  }

  op(code: i32, a: i32, b: i32): i32 {
    const at = this.pc();
    if (at >= REGEX_MAX_PROGRAM) {
      if (this.err.length == 0) this.err = "pattern too large (counted repeats unroll to over " + REGEX_MAX_PROGRAM.toString() + " steps)";
      return at;
    }
    this.prog.push(code);
    this.prog.push(a);
    this.prog.push(b);
    return at;
  }

  patch(at: i32, slot: i32, target: i32): void {
    if (at < this.pc()) this.prog[at * 3 + slot] = target;
  }

  emit(n: Node): void {
    if (this.err.length > 0) return;
    const k = n.kind;
    if (k == N_EMPTY) return;
    if (k == N_CHAR) {
      if (this.icase && isAsciiLetter(n.c)) this.op(OP_CHARI, lowerAscii(n.c), 0);
      else this.op(OP_CHAR, n.c, 0);
    } else if (k == N_ANY) {
      this.op(this.dotall ? OP_ANYNL : OP_ANY, 0, 0);
    } else if (k == N_CLASS) {
      this.op(OP_CLASS, n.c, 0);
    } else if (k == N_ASSERT) {
      this.op(n.c, 0, 0);
    } else if (k == N_GROUP) {
      if (n.c >= 0) this.op(OP_SAVE, n.c * 2, 0);
      this.emit(n.kids[0]);
      if (n.c >= 0) this.op(OP_SAVE, n.c * 2 + 1, 0);
    } else if (k == N_CAT) {
      for (let i = 0; i < n.kids.length; i++) this.emit(n.kids[i]);
    } else if (k == N_ALT) {
      const jumps: i32[] = [];
      const last = n.kids.length - 1;
      for (let i = 0; i < last; i++) {
        const split = this.op(OP_SPLIT, 0, 0);
        this.patch(split, 1, this.pc());
        this.emit(n.kids[i]);
        jumps.push(this.op(OP_JMP, 0, 0));
        this.patch(split, 2, this.pc());
      }
      this.emit(n.kids[last]);
      for (let i = 0; i < jumps.length; i++) this.patch(jumps[i], 1, this.pc());
    } else {
      this.emitRepeat(n);
    }
  }

  /** One iteration of a repeat: clear its captures (ECMAScript RepeatMatcher), match the body. */
  body(n: Node, checkEmpty: bool): void {
    const reg = checkEmpty ? this.regs++ : -1;
    if (checkEmpty) this.op(OP_MARK, reg, 0);
    if (n.gLo <= n.gHi) this.op(OP_RESET, n.gLo, n.gHi);
    this.emit(n.kids[0]);
    if (checkEmpty) this.op(OP_CHECK, reg, 0);
  }

  emitRepeat(n: Node): void {
    const canBeEmpty = nullable(n.kids[0]);
    for (let i = 0; i < n.min && this.err.length == 0; i++) this.body(n, false);
    if (n.max < 0) {
      // loop: SPLIT body, out / body; JMP loop / out:
      const loop = this.op(OP_SPLIT, 0, 0);
      const start = this.pc();
      this.body(n, canBeEmpty);
      this.op(OP_JMP, loop, 0);
      this.splitTargets(loop, start, this.pc(), n.greedy);
      return;
    }
    // Optional copies, nested: (?:x(?:x(?:x)?)?)?
    const splits: i32[] = [];
    for (let i = n.min; i < n.max && this.err.length == 0; i++) {
      const split = this.op(OP_SPLIT, 0, 0);
      splits.push(split);
      this.patch(split, n.greedy ? 1 : 2, this.pc());
      this.body(n, canBeEmpty);
    }
    const out = this.pc();
    for (let i = 0; i < splits.length; i++) this.patch(splits[i], n.greedy ? 2 : 1, out);
  }

  splitTargets(split: i32, body: i32, out: i32, greedy: bool): void {
    this.patch(split, 1, greedy ? body : out);
    this.patch(split, 2, greedy ? out : body);
  }
}

/** Adds to `first` every char a match of `n` can begin with; returns whether `n` can match empty. */
export function firstChars(n: Node, first: CharSet, classes: CharSet[], icase: bool, dotall: bool): bool {
  const k = n.kind;
  if (k == N_EMPTY || k == N_ASSERT) return true;
  if (k == N_CHAR) {
    first.add(n.c);
    if (icase && isAsciiLetter(n.c)) first.add(n.c ^ 0x20);
    return false;
  }
  if (k == N_ANY) {
    for (let c = 0; c <= 0xff; c++) if (dotall || (c != 0x0a && c != 0x0d)) first.add(c);
    return false;
  }
  if (k == N_CLASS) {
    const set = classes[n.c];
    for (let c = 0; c <= 0xff; c++) if (set.has(c)) first.add(c);
    return false;
  }
  if (k == N_GROUP) return firstChars(n.kids[0], first, classes, icase, dotall);
  if (k == N_REPEAT) return firstChars(n.kids[0], first, classes, icase, dotall) || n.min == 0;
  if (k == N_ALT) {
    let any = false;
    for (let i = 0; i < n.kids.length; i++) if (firstChars(n.kids[i], first, classes, icase, dotall)) any = true;
    return any;
  }
  for (let i = 0; i < n.kids.length; i++) if (!firstChars(n.kids[i], first, classes, icase, dotall)) return false;
  return true;
}

/** Zero-width assertions: ^ $ (whole text or per line) and \\b \\B. */
