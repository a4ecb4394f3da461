/**
 * Binary wire formats: building the bytes a probe sends and reading fixed-width
 * integers from the bytes a server answered. Big-endian is "network order"
 * (RFC 1700: DNS, TLS, SNMP's BER, RDP's TPKT); the little-endian readers are
 * for the formats laid out that way (SMB, NTLM, MySQL, MongoDB).
 *
 * @example
 *   const q = new ByteWriter().u16(0x1234).u16(0x0100).u16(1).u16(0).u16(0).u16(0).dnsName("version.bind").u16(16).u16(3).finish();
 *   const r = new ByteReader(reply);
 *   const id = r.u16be(); const flags = r.u16be();
 *   if (!r.ok) return null; // truncated
 */

import { latin1 } from "./bytes";

/** A growable byte writer; every method but `finish` and `close` returns the writer, for chaining. */
export class ByteWriter {
  private buf: Uint8Array = new Uint8Array(64);
  private n: i32 = 0;

  private room(k: i32): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(max(this.buf.length * 2, this.n + k));
    next.set(this.buf);
    this.buf = next;
  }

  u8(v: i32): ByteWriter {
    this.room(1);
    this.buf[this.n++] = <u8>v;
    return this;
  }

  /** Big-endian. */
  u16(v: i32): ByteWriter {
    return this.u8(v >>> 8).u8(v);
  }

  /** Big-endian (TLS handshake lengths, RFC 8446 §4). */
  u24(v: i32): ByteWriter {
    return this.u8(v >>> 16).u8(v >>> 8).u8(v);
  }

  /** Big-endian. */
  u32(v: u32): ByteWriter {
    return this.u16(<i32>(v >>> 16)).u16(<i32>(v & 0xffff));
  }

  bytes(b: Uint8Array): ByteWriter {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  /** The characters of `s` as bytes (callers pass ASCII). */
  ascii(s: string): ByteWriter {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = <u8>s.charCodeAt(i);
    return this;
  }

  /** A DNS name (RFC 1035 §3.1): length-prefixed labels, then the root's zero byte. "" is the root. */
  dnsName(name: string): ByteWriter {
    if (name.length > 0) {
      const labels = name.split(".");
      for (let i = 0; i < labels.length; i++) this.u8(labels[i].length).ascii(labels[i]);
    }
    return this.u8(0);
  }

  /** Writes a big-endian length placeholder of `width` bytes and returns where it is; `close` fills it. */
  open(width: i32): i32 {
    const at = this.n;
    for (let i = 0; i < width; i++) this.u8(0);
    return at;
  }

  /** Fills the placeholder `open` returned with the count of bytes written after it. */
  close(at: i32, width: i32): void {
    const len = this.n - at - width;
    for (let i = 0; i < width; i++) this.buf[at + i] = <u8>(len >> ((width - 1 - i) * 8));
  }

  get length(): i32 {
    return this.n;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** The parts one after the other. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < parts.length; i++) w.bytes(parts[i]);
  return w.finish();
}

/** Big-endian 16 bits at `at`; 0 when they are not all there. */
export function u16be(b: Uint8Array, at: i32): i32 {
  if (at < 0 || at + 2 > b.length) return 0;
  return (<i32>b[at] << 8) | <i32>b[at + 1];
}

/** Big-endian 24 bits at `at`; 0 when they are not all there. */
export function u24be(b: Uint8Array, at: i32): i32 {
  if (at < 0 || at + 3 > b.length) return 0;
  return (<i32>b[at] << 16) | (<i32>b[at + 1] << 8) | <i32>b[at + 2];
}

/** Big-endian 32 bits at `at`; 0 when they are not all there. */
export function u32be(b: Uint8Array, at: i32): u32 {
  if (at < 0 || at + 4 > b.length) return 0;
  return (<u32>b[at] << 24) | (<u32>b[at + 1] << 16) | (<u32>b[at + 2] << 8) | <u32>b[at + 3];
}

/** Little-endian 16 bits at `at`; 0 when they are not all there. */
export function u16le(b: Uint8Array, at: i32): i32 {
  if (at < 0 || at + 2 > b.length) return 0;
  return <i32>b[at] | (<i32>b[at + 1] << 8);
}

/** Little-endian 32 bits at `at`; 0 when they are not all there. */
export function u32le(b: Uint8Array, at: i32): u32 {
  if (at < 0 || at + 4 > b.length) return 0;
  return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24);
}

/** Little-endian 64 bits at `at`; 0 when they are not all there. */
export function u64le(b: Uint8Array, at: i32): u64 {
  if (at < 0 || at + 8 > b.length) return 0;
  return <u64>u32le(b, at) | (<u64>u32le(b, at + 4) << 32);
}

/**
 * A bounds-checked cursor over bytes. Every read past the end returns 0 (or
 * an empty result) and clears `ok` instead of trapping, so parsers stay total
 * over hostile lengths: they read, then check `ok` once.
 *
 * @example
 *   const r = new ByteReader(data);
 *   const len = r.u24le(); const seq = r.u8();
 *   if (!r.ok) return null; // truncated
 */
export class ByteReader {
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

  /** Where the next `n` bytes start, the cursor moved past them; -1 (and !ok) when they are not there. */
  private take(n: i32): i32 {
    if (!this.ok || !this.has(n)) {
      this.ok = false;
      return -1;
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }

  u8(): i32 {
    const p = this.take(1);
    return p < 0 ? 0 : <i32>this.data[p];
  }

  /** The next byte without consuming it, -1 at the end. */
  peek(): i32 {
    return this.has(1) ? <i32>this.data[this.pos] : -1;
  }

  u16le(): i32 {
    const p = this.take(2);
    return p < 0 ? 0 : u16le(this.data, p);
  }

  u16be(): i32 {
    const p = this.take(2);
    return p < 0 ? 0 : u16be(this.data, p);
  }

  u24le(): i32 {
    const p = this.take(3);
    if (p < 0) return 0;
    const d = this.data;
    return <i32>d[p] | (<i32>d[p + 1] << 8) | (<i32>d[p + 2] << 16);
  }

  u32le(): u32 {
    const p = this.take(4);
    return p < 0 ? 0 : u32le(this.data, p);
  }

  u32be(): u32 {
    const p = this.take(4);
    return p < 0 ? 0 : u32be(this.data, p);
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
    const p = this.take(n);
    return p < 0 ? new Uint8Array(0) : this.data.subarray(p, p + n);
  }

  skip(n: i32): void {
    this.take(n);
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
