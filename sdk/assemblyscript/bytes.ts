/**
 * Byte helpers: base64 (RFC 4648 §4, the alphabet the host uses for every
 * `*_b64` field), latin1 for protocol text, and UTF-8.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with `=` padding. */
export function base64Encode(b: Uint8Array): string {
  const n = b.length;
  const out = new Uint8Array(((n + 2) / 3) * 4);
  const abc = changetype<usize>(ALPHABET);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (<u32>unchecked(b[i]) << 16) | (<u32>unchecked(b[i + 1]) << 8) | <u32>unchecked(b[i + 2]);
    unchecked((out[o++] = <u8>load<u16>(abc + (((v >> 18) & 63) << 1))));
    unchecked((out[o++] = <u8>load<u16>(abc + (((v >> 12) & 63) << 1))));
    unchecked((out[o++] = <u8>load<u16>(abc + (((v >> 6) & 63) << 1))));
    unchecked((out[o++] = <u8>load<u16>(abc + ((v & 63) << 1))));
  }
  const rest = n - i;
  if (rest > 0) {
    let v = <u32>unchecked(b[i]) << 16;
    if (rest == 2) v |= <u32>unchecked(b[i + 1]) << 8;
    unchecked((out[o++] = <u8>load<u16>(abc + (((v >> 18) & 63) << 1))));
    unchecked((out[o++] = <u8>load<u16>(abc + (((v >> 12) & 63) << 1))));
    unchecked((out[o++] = rest == 2 ? <u8>load<u16>(abc + (((v >> 6) & 63) << 1)) : 0x3d));
    unchecked((out[o++] = 0x3d));
  }
  return latin1(out);
}

function b64Val(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/**
 * Decodes standard base64. Padding may be omitted (RFC 4648 §3.2 allows
 * specs to drop it); anything else outside the alphabet, data after padding,
 * or a length that cannot encode whole bytes gives null.
 */
export function base64Decode(s: string): Uint8Array | null {
  let n = s.length;
  if (n > 0 && s.charCodeAt(n - 1) == 0x3d) {
    n--;
    if (n > 0 && s.charCodeAt(n - 1) == 0x3d) n--;
    if (s.length % 4 != 0) return null; // padded input comes in whole quanta
  }
  if (n % 4 == 1) return null;
  const out = new Uint8Array((n / 4) * 3 + (n % 4 == 0 ? 0 : (n % 4) - 1));
  let acc: u32 = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = b64Val(s.charCodeAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unchecked((out[o++] = <u8>(acc >> bits)));
    }
  }
  return out;
}

/** Each byte becomes the character with that code (ISO-8859-1), so protocol text round-trips byte for byte. */
export function latin1(b: Uint8Array): string {
  const n = b.length;
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  const dst = changetype<usize>(s);
  const src = b.dataStart;
  for (let i = 0; i < n; i++) store<u16>(dst + (<usize>i << 1), load<u8>(src + <usize>i));
  return s;
}

/** The low byte of each character of `s` (the inverse of `latin1`; characters past U+00FF are truncated). */
export function latin1Bytes(s: string): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) unchecked((out[i] = <u8>s.charCodeAt(i)));
  return out;
}

/** UTF-8 encoding of `s` (lone surrogates become U+FFFD). */
export function utf8Bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE));
}

/** Decodes UTF-8; each maximal malformed subsequence becomes one U+FFFD (WHATWG Encoding §8.1.1). */
export function utf8String(b: Uint8Array): string {
  return utf8DecodeUnsafe(b.dataStart, b.length);
}

/**
 * Strict UTF-8 decoding of [ptr, ptr+len). AssemblyScript's own decoder
 * does not check continuation bytes, so a stray 0xC3 would swallow the
 * quote or CRLF after it; parsers of network text need the WHATWG
 * behaviour: bad bytes become U+FFFD and the next byte is read afresh.
 */
export function utf8DecodeUnsafe(ptr: usize, len: i32): string {
  // One UTF-16 unit per byte at most (a 4-byte sequence gives 2 units).
  const str = __new(<usize>max(len, 0) << 1, idof<string>());
  let o = str;
  let i = 0;
  while (i < len) {
    const b = <i32>load<u8>(ptr + <usize>i);
    if (b < 0x80) {
      store<u16>(o, <u16>b);
      o += 2;
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (b == 0xe0) lo = 0xa0; // overlong
      if (b == 0xed) hi = 0x9f; // surrogates
      need = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (b == 0xf0) lo = 0x90; // overlong
      if (b == 0xf4) hi = 0x8f; // past U+10FFFF
      need = 3;
      cp = b & 0x07;
    } else {
      store<u16>(o, 0xfffd);
      o += 2;
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++) {
      const c = j < len ? <i32>load<u8>(ptr + <usize>j) : -1;
      if (c < lo || c > hi) {
        ok = false;
        break;
      }
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
      j++;
    }
    if (!ok) store<u16>(o, 0xfffd);
    else if (cp < 0x10000) store<u16>(o, <u16>cp);
    else {
      cp -= 0x10000;
      store<u16>(o, <u16>(0xd800 | (cp >> 10)));
      o += 2;
      store<u16>(o, <u16>(0xdc00 | (cp & 0x3ff)));
    }
    o += 2;
    i = j;
  }
  return changetype<string>(__renew(str, o - str));
}

/** True when `b` starts with the ASCII text `prefix`. */
export function startsWithAscii(b: Uint8Array, prefix: string): bool {
  const n = prefix.length;
  if (b.length < n) return false;
  for (let i = 0; i < n; i++) if (<i32>unchecked(b[i]) != <i32>prefix.charCodeAt(i)) return false;
  return true;
}
