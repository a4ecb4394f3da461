/**
 * The rules regex dialect's syntax (docs/rules.md): the parser from pattern
 * text to an AST, and the latin1 char sets of classes. Errors are reported,
 * never thrown: the parser stops at the first one and names its offset.
 * regex-compile.ts turns the AST into the VM program regex.ts runs.
 */

/** Largest n or m in `{n,m}`. */
export const REGEX_MAX_REPEAT: i32 = 1000;
/** Capture groups a pattern may have. */
export const REGEX_MAX_GROUPS: i32 = 32;
export const MAX_NESTING: i32 = 64;

// ---- AST ----

export const N_EMPTY: i32 = 0;
export const N_CHAR: i32 = 1;
export const N_ANY: i32 = 2;
export const N_CLASS: i32 = 3;
export const N_ASSERT: i32 = 4;
export const N_GROUP: i32 = 5;
export const N_CAT: i32 = 6;
export const N_ALT: i32 = 7;
export const N_REPEAT: i32 = 8;

// Assertion kinds (the VM's opcodes, so N_ASSERT emits its own `c`).
export const OP_CHAR: i32 = 1;
export const OP_CHARI: i32 = 2;
export const OP_ANY: i32 = 3;
export const OP_ANYNL: i32 = 4;
export const OP_CLASS: i32 = 5;
export const OP_SPLIT: i32 = 6;
export const OP_JMP: i32 = 7;
export const OP_SAVE: i32 = 8;
export const OP_BOL: i32 = 9;
export const OP_EOL: i32 = 10;
export const OP_MBOL: i32 = 11;
export const OP_MEOL: i32 = 12;
export const OP_WORDB: i32 = 13;
export const OP_NWORDB: i32 = 14;
export const OP_MARK: i32 = 15;
export const OP_CHECK: i32 = 16;
export const OP_RESET: i32 = 17;
export const OP_MATCH: i32 = 18;

export class Node {
  kind: i32;
  /** The char, class index, assertion opcode, or capture index (-1: non-capturing). */
  c: i32 = 0;
  min: i32 = 0;
  /** -1 = unbounded. */
  max: i32 = 0;
  greedy: bool = true;
  kids: Node[] = [];
  /** Capture groups inside a repeated node, cleared at each iteration; gLo > gHi when none. */
  gLo: i32 = 1;
  gHi: i32 = 0;

  constructor(kind: i32) {
    this.kind = kind;
  }
}

/** A set of latin1 chars (256 bits); chars above 0xFF are in it only when it is negated. */
export class CharSet {
  bits: StaticArray<u32> = new StaticArray<u32>(8);
  negated: bool = false;

  add(c: i32): void {
    unchecked((this.bits[c >> 5] |= <u32>1 << (<u32>c & 31)));
  }
  addRange(lo: i32, hi: i32): void {
    for (let c = lo; c <= hi; c++) this.add(c);
  }
  has(c: i32): bool {
    if (c > 0xff) return this.negated;
    const inSet = (unchecked(this.bits[c >> 5]) & (<u32>1 << (<u32>c & 31))) != 0;
    return inSet != this.negated;
  }
  /** Adds the other ASCII case of every letter in the set. */
  foldCase(): void {
    for (let c = 0x41; c <= 0x5a; c++) {
      const up = this.rawHas(c);
      const low = this.rawHas(c + 32);
      if (up || low) {
        this.add(c);
        this.add(c + 32);
      }
    }
  }
  rawHas(c: i32): bool {
    return (unchecked(this.bits[c >> 5]) & (<u32>1 << (<u32>c & 31))) != 0;
  }
}

@inline export function isWordChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

@inline export function isAsciiLetter(c: i32): bool {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

@inline export function lowerAscii(c: i32): i32 {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

export function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Adds \d \w \s (or their complements over 0..0xFF) to `set`. */
export function addShorthand(set: CharSet, letter: i32): void {
  const neg = letter >= 0x41 && letter <= 0x5a;
  const l = lowerAscii(letter);
  for (let c = 0; c <= 0xff; c++) {
    let inIt = false;
    if (l == 0x64) inIt = c >= 0x30 && c <= 0x39;
    else if (l == 0x77) inIt = isWordChar(c);
    else inIt = c == 0x20 || (c >= 0x09 && c <= 0x0d);
    if (inIt != neg) set.add(c);
  }
}

export function isShorthand(c: i32): bool {
  return c == 0x64 || c == 0x44 || c == 0x77 || c == 0x57 || c == 0x73 || c == 0x53;
}

/** Chars that may follow a backslash to stand for themselves: ^ $ \ . * + ? ( ) [ ] { } | / - */
export function isEscapableMeta(c: i32): bool {
  return (
    c == 0x5e || c == 0x24 || c == 0x5c || c == 0x2e || c == 0x2a || c == 0x2b || c == 0x3f || c == 0x28 || c == 0x29 ||
    c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d || c == 0x7c || c == 0x2f || c == 0x2d
  );
}

// ---- parser ----

export class Parser {
  src: string;
  pos: i32 = 0;
  err: string = "";
  groups: i32 = 0;
  icase: bool;
  multiline: bool;
  classes: CharSet[] = [];

  constructor(src: string, icase: bool, multiline: bool) {
    this.src = src;
    this.icase = icase;
    this.multiline = multiline;
  }

  @inline peek(): i32 {
    return this.pos < this.src.length ? <i32>this.src.charCodeAt(this.pos) : -1;
  }

  fail(msg: string): Node {
    if (this.err.length == 0) this.err = msg + " at offset " + this.pos.toString();
    this.pos = this.src.length;
    return new Node(N_EMPTY);
  }

  parseAlt(depth: i32): Node {
    if (depth > MAX_NESTING) return this.fail("groups nested too deeply");
    const first = this.parseCat(depth);
    if (this.peek() != 0x7c) return first;
    const alt = new Node(N_ALT);
    alt.kids.push(first);
    while (this.err.length == 0 && this.peek() == 0x7c) {
      this.pos++;
      alt.kids.push(this.parseCat(depth));
    }
    return alt;
  }

  parseCat(depth: i32): Node {
    const cat = new Node(N_CAT);
    while (this.err.length == 0) {
      const c = this.peek();
      if (c < 0 || c == 0x7c || c == 0x29) break;
      const groupsBefore = this.groups;
      const atom = this.parseAtom(depth);
      if (this.err.length > 0) break;
      cat.kids.push(this.parseQuantifier(atom, groupsBefore));
    }
    return cat.kids.length == 1 ? cat.kids[0] : cat;
  }

  parseQuantifier(atom: Node, groupsBefore: i32): Node {
    let c = this.peek();
    let min = 0;
    let max = 0;
    if (c == 0x2a) {
      min = 0;
      max = -1;
    } else if (c == 0x2b) {
      min = 1;
      max = -1;
    } else if (c == 0x3f) {
      min = 0;
      max = 1;
    } else if (c == 0x7b) {
      const at = this.pos;
      this.pos++;
      min = this.number();
      max = min;
      if (min >= 0 && this.peek() == 0x2c) {
        this.pos++;
        max = this.peek() == 0x7d ? -1 : this.number();
        if (max == -2) max = -3;
      }
      if (min < 0 || max < -1 || this.peek() != 0x7d) {
        this.pos = at;
        return this.fail("bad {n,m} quantifier (write \\{ for a literal brace)");
      }
      if (min > REGEX_MAX_REPEAT || max > REGEX_MAX_REPEAT) return this.fail("repeat count over " + REGEX_MAX_REPEAT.toString());
      if (max >= 0 && max < min) return this.fail("{n,m} with m < n");
    } else {
      return atom;
    }
    if (atom.kind == N_ASSERT) return this.fail("nothing to repeat (an anchor cannot be repeated)");
    this.pos++;
    const rep = new Node(N_REPEAT);
    rep.kids.push(atom);
    rep.min = min;
    rep.max = max;
    if (this.peek() == 0x3f) {
      rep.greedy = false;
      this.pos++;
    }
    rep.gLo = groupsBefore + 1;
    rep.gHi = this.groups;
    c = this.peek();
    if (c == 0x2a || c == 0x2b || c == 0x3f || c == 0x7b) return this.fail("nothing to repeat (a quantifier after a quantifier)");
    return rep;
  }

  /** Decimal digits (at most 4); -1 when there are none, -2 when too long. */
  number(): i32 {
    let n = 0;
    let digits = 0;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) {
      n = n * 10 + (this.peek() - 0x30);
      this.pos++;
      if (++digits > 4) return -2;
    }
    return digits == 0 ? -1 : n;
  }

  parseAtom(depth: i32): Node {
    const c = this.peek();
    if (c == 0x28) {
      this.pos++;
      let index = -1;
      if (this.peek() == 0x3f) {
        if (this.pos + 1 < this.src.length && <i32>this.src.charCodeAt(this.pos + 1) == 0x3a) {
          this.pos += 2;
        } else {
          return this.fail("only (?: ) groups are supported (no lookaround, named groups or inline flags)");
        }
      } else {
        if (this.groups >= REGEX_MAX_GROUPS) return this.fail("more than " + REGEX_MAX_GROUPS.toString() + " capture groups");
        index = ++this.groups;
      }
      const inner = this.parseAlt(depth + 1);
      if (this.err.length > 0) return inner;
      if (this.peek() != 0x29) return this.fail("missing )");
      this.pos++;
      const g = new Node(N_GROUP);
      g.c = index;
      g.kids.push(inner);
      return g;
    }
    if (c == 0x5b) return this.parseClass();
    this.pos++;
    if (c == 0x2e) return new Node(N_ANY);
    if (c == 0x5e) return this.assertion(this.multiline ? OP_MBOL : OP_BOL);
    if (c == 0x24) return this.assertion(this.multiline ? OP_MEOL : OP_EOL);
    if (c == 0x5c) return this.parseEscape();
    this.pos--;
    if (c == 0x2a || c == 0x2b || c == 0x3f || c == 0x7b) return this.fail("nothing to repeat");
    if (c == 0x5d || c == 0x7d) return this.fail("unescaped " + String.fromCharCode(c) + " (write \\" + String.fromCharCode(c) + ")");
    if (c > 0xff) return this.fail("character above \\xFF (patterns match latin1 text; write bytes as \\xHH)");
    this.pos++;
    return this.char(c);
  }

  assertion(op: i32): Node {
    const n = new Node(N_ASSERT);
    n.c = op;
    return n;
  }

  char(c: i32): Node {
    const n = new Node(N_CHAR);
    n.c = c;
    return n;
  }

  classNode(set: CharSet): Node {
    if (this.icase) set.foldCase();
    const n = new Node(N_CLASS);
    n.c = this.classes.length;
    this.classes.push(set);
    return n;
  }

  /** After the backslash, outside a class. */
  parseEscape(): Node {
    const e = this.peek();
    if (e < 0) return this.fail("pattern ends with \\");
    this.pos++;
    if (isShorthand(e)) {
      const set = new CharSet();
      addShorthand(set, e);
      return this.classNode(set);
    }
    if (e == 0x62) return this.assertion(OP_WORDB);
    if (e == 0x42) return this.assertion(OP_NWORDB);
    const lit = this.escapedChar(e);
    return lit < 0 ? new Node(N_EMPTY) : this.char(lit);
  }

  /** The char an escape letter stands for (\n \r \t \xHH or a metachar); -1 after reporting an error. */
  escapedChar(e: i32): i32 {
    if (e == 0x6e) return 0x0a;
    if (e == 0x72) return 0x0d;
    if (e == 0x74) return 0x09;
    if (e == 0x78) {
      const h = this.pos + 1 < this.src.length ? hexDigit(<i32>this.src.charCodeAt(this.pos)) : -1;
      const l = h >= 0 ? hexDigit(<i32>this.src.charCodeAt(this.pos + 1)) : -1;
      if (h < 0 || l < 0) {
        this.fail("\\x needs two hex digits");
        return -1;
      }
      this.pos += 2;
      return (h << 4) | l;
    }
    if (isEscapableMeta(e)) return e;
    this.pos--;
    this.fail("unknown escape \\" + String.fromCharCode(e));
    return -1;
  }

  parseClass(): Node {
    this.pos++; // [
    const set = new CharSet();
    if (this.peek() == 0x5e) {
      set.negated = true;
      this.pos++;
    }
    if (this.peek() == 0x5d) return this.fail("empty class [] (write \\] for a literal ])");
    while (this.err.length == 0) {
      const c = this.peek();
      if (c < 0) return this.fail("missing ]");
      if (c == 0x5d) {
        this.pos++;
        break;
      }
      const lo = this.classAtom(set);
      if (this.err.length > 0) break;
      // A range: `-` not last in the class.
      if (this.peek() == 0x2d && this.pos + 1 < this.src.length && <i32>this.src.charCodeAt(this.pos + 1) != 0x5d) {
        this.pos++;
        const hi = this.classAtom(set);
        if (this.err.length > 0) break;
        if (lo < 0 || hi < 0) return this.fail("a class range cannot start or end with \\d \\w \\s");
        if (hi < lo) return this.fail("class range out of order");
        set.addRange(lo, hi);
      } else if (lo >= 0) {
        set.add(lo);
      }
    }
    return this.classNode(set);
  }

  /** One class member: returns its char, or -1 after adding a shorthand set (or on error). */
  classAtom(set: CharSet): i32 {
    const c = this.peek();
    if (c < 0) {
      this.fail("missing ]");
      return -1;
    }
    this.pos++;
    if (c != 0x5c) {
      if (c > 0xff) {
        this.fail("character above \\xFF in a class");
        return -1;
      }
      return c;
    }
    const e = this.peek();
    if (e < 0) {
      this.fail("pattern ends with \\");
      return -1;
    }
    this.pos++;
    if (isShorthand(e)) {
      addShorthand(set, e);
      return -1;
    }
    if (e == 0x62 || e == 0x42) {
      this.pos--;
      this.fail("\\b and \\B are not allowed in a class");
      return -1;
    }
    return this.escapedChar(e);
  }
}
