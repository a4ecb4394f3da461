/**
 * A bounds-checked cursor over bytes. Every read past the end returns 0 (or
 * an empty result) and clears `ok` instead of trapping, so the parsers stay
 * total over hostile lengths: they read, then check `ok` once.
 *
 * @example
 *   const r = new Reader(data);
 *   const len = r.u24le(); const seq = r.u8();
 *   if (!r.ok) return null; // truncated
 */

import { latin1 } from "../../../sdk/assemblyscript/index";

export class Reader {
  data: Uint8Array;
  pos: i32;
  ok: bool = true;

  constructor(data: Uint8Array, pos: i32 = 0) {
    this.data = data;
    this.pos = pos;
  }

  left(): i32 {
    return this.data.length - this.pos;
  }

  /** Whether `n` more bytes are there (n >= 0). */
  has(n: i32): bool {
    return n >= 0 && this.left() >= n;
  }

  private need(n: i32): bool {
    if (this.ok && this.has(n)) return true;
    this.ok = false;
    return false;
  }

  u8(): i32 {
    if (!this.need(1)) return 0;
    return <i32>this.data[this.pos++];
  }

  peek(): i32 {
    return this.has(1) ? <i32>this.data[this.pos] : -1;
  }

  u16le(): i32 {
    if (!this.need(2)) return 0;
    const d = this.data;
    const p = this.pos;
    this.pos += 2;
    return <i32>d[p] | (<i32>d[p + 1] << 8);
  }

  u16be(): i32 {
    if (!this.need(2)) return 0;
    const d = this.data;
    const p = this.pos;
    this.pos += 2;
    return (<i32>d[p] << 8) | <i32>d[p + 1];
  }

  u24le(): i32 {
    if (!this.need(3)) return 0;
    const d = this.data;
    const p = this.pos;
    this.pos += 3;
    return <i32>d[p] | (<i32>d[p + 1] << 8) | (<i32>d[p + 2] << 16);
  }

  u32le(): u32 {
    if (!this.need(4)) return 0;
    const d = this.data;
    const p = this.pos;
    this.pos += 4;
    return <u32>d[p] | (<u32>d[p + 1] << 8) | (<u32>d[p + 2] << 16) | (<u32>d[p + 3] << 24);
  }

  u32be(): u32 {
    if (!this.need(4)) return 0;
    const d = this.data;
    const p = this.pos;
    this.pos += 4;
    return (<u32>d[p] << 24) | (<u32>d[p + 1] << 16) | (<u32>d[p + 2] << 8) | <u32>d[p + 3];
  }

  i32le(): i32 {
    return <i32>this.u32le();
  }

  i64le(): i64 {
    const lo = <u64>this.u32le();
    const hi = <u64>this.u32le();
    return <i64>(lo | (hi << 32));
  }

  f64le(): f64 {
    return reinterpret<f64>(this.i64le());
  }

  /** The next `n` bytes (a view), or an empty array when fewer are left. */
  bytes(n: i32): Uint8Array {
    if (!this.need(n)) return new Uint8Array(0);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: i32): void {
    if (this.need(n)) this.pos += n;
  }

  /** Bytes up to a NUL (consumed, not returned) within `max` bytes, as latin1; "" and !ok when there is none. */
  cstring(max: i32): string {
    const d = this.data;
    const end = min(d.length, this.pos + max);
    for (let i = this.pos; i < end; i++) {
      if (d[i] == 0) {
        const s = latin1(d.subarray(this.pos, i));
        this.pos = i + 1;
        return s;
      }
    }
    this.ok = false;
    return "";
  }
}

/** Whether every char of `s` is printable ASCII (0x20..0x7e). */
export function allPrintable(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
