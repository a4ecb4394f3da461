/**
 * The favicon hashes search engines index: Shodan's `http.favicon.hash` is
 * MurmurHash3 x86 32 (signed) over the icon's base64 as Python's
 * `base64.encodebytes` writes it (MIME style, RFC 2045 §6.8: a newline after
 * every 76 characters and after the last line), and an md5 of the raw bytes
 * is what other indexes key on. Pure; no host calls.
 */

import { base64Encode, latin1Bytes, md5Hex } from "../../../sdk/assemblyscript/index";
import { mmh3x86_32 } from "./mmh3";

/** Characters per line of `base64.encodebytes` (MAXLINESIZE 76 → 57 input bytes). */
const LINE: i32 = 76;

/** `data` as base64 with "\n" after every 76 characters and at the end; empty for empty data. */
export function mimeBase64(data: Uint8Array): Uint8Array {
  const b64 = base64Encode(data);
  const n = b64.length;
  if (n == 0) return new Uint8Array(0);
  const lines = (n + LINE - 1) / LINE;
  const out = new Uint8Array(n + lines);
  const src = latin1Bytes(b64);
  let o = 0;
  for (let i = 0; i < n; i += LINE) {
    const end = min(i + LINE, n);
    for (let k = i; k < end; k++) unchecked((out[o++] = src[k]));
    unchecked((out[o++] = 0x0a));
  }
  return out;
}

/** Shodan's favicon hash of the icon bytes. */
export function faviconMmh3(data: Uint8Array): i32 {
  return mmh3x86_32(mimeBase64(data), 0);
}

/** The lower-case hex md5 of the icon bytes. */
export function faviconMd5(data: Uint8Array): string {
  return md5Hex(data);
}
