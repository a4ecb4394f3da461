/**
 * A growable UTF-16 string builder. AssemblyScript's `+=` on strings copies
 * the whole string each time, which makes serialising a large report
 * quadratic; this keeps one managed buffer and doubles it instead.
 */

export class StrBuf {
  private buf: ArrayBuffer;
  private n: i32 = 0; // code units written

  constructor(capacity: i32 = 64) {
    this.buf = new ArrayBuffer(max(capacity, 16) << 1);
  }

  get length(): i32 {
    return this.n;
  }

  private reserve(extra: i32): void {
    const need = (this.n + extra) << 1;
    const cap = this.buf.byteLength;
    if (need <= cap) return;
    let next = cap << 1;
    while (next < need) next <<= 1;
    const grown = new ArrayBuffer(next);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>(this.n << 1));
    this.buf = grown;
  }

  /** Appends one UTF-16 code unit. */
  code(c: i32): void {
    this.reserve(1);
    store<u16>(changetype<usize>(this.buf) + (<usize>this.n << 1), <u16>c);
    this.n++;
  }

  /** Appends a whole string. */
  str(s: string): void {
    const len = s.length;
    if (len == 0) return;
    this.reserve(len);
    memory.copy(changetype<usize>(this.buf) + (<usize>this.n << 1), changetype<usize>(s), <usize>(len << 1));
    this.n += len;
  }

  /** Appends s[start, end) without materialising the substring. */
  slice(s: string, start: i32, end: i32): void {
    const len = end - start;
    if (len <= 0) return;
    this.reserve(len);
    memory.copy(changetype<usize>(this.buf) + (<usize>this.n << 1), changetype<usize>(s) + (<usize>start << 1), <usize>(len << 1));
    this.n += len;
  }

  toString(): string {
    return String.UTF16.decodeUnsafe(changetype<usize>(this.buf), <usize>(this.n << 1));
  }
}
