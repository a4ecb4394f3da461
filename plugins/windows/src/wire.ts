/** UTF-16LE strings, GUIDs and FILETIMEs as SMB and NTLM lay them out ([MS-DTYP] 2.3.3, 2.3.4); integers are the SDK's (sdk/assemblyscript/wire.ts). */

import { u16le } from "../../../sdk/assemblyscript/index";

/** UTF-16LE text at [at, at+len): ASCII kept, any other code unit as "?", at most `maxChars`. */
export function utf16(b: Uint8Array, at: i32, len: i32, maxChars: i32): string {
  let s = "";
  const end = min(at + len, b.length);
  for (let i = at; i + 1 < end && s.length < maxChars; i += 2) {
    const c = u16le(b, i);
    if (c == 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
  }
  return s;
}

function hex2(v: i32): string {
  return (v < 16 ? "0" : "") + v.toString(16);
}

/** A GUID's 16 bytes in the registry form: Data1..Data3 little-endian, Data4 as bytes ([MS-DTYP] 2.3.4.3). */
export function guidAt(b: Uint8Array, at: i32): string {
  let s = "";
  for (let i = 3; i >= 0; i--) s += hex2(<i32>b[at + i]);
  s += "-" + hex2(<i32>b[at + 5]) + hex2(<i32>b[at + 4]);
  s += "-" + hex2(<i32>b[at + 7]) + hex2(<i32>b[at + 6]);
  s += "-" + hex2(<i32>b[at + 8]) + hex2(<i32>b[at + 9]) + "-";
  for (let i = 10; i < 16; i++) s += hex2(<i32>b[at + i]);
  return s;
}

/**
 * Samba fills the SMB server GUID with its NetBIOS name in lower case,
 * NUL-padded (seen in captures of smbd 4.17); Windows' is random. The name
 * when the 16 bytes are that shape, else "".
 */
export function guidAsName(b: Uint8Array, at: i32): string {
  let s = "";
  let i = at;
  for (; i < at + 16; i++) {
    const c = <i32>b[i];
    if (c == 0) break;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) return "";
    s += String.fromCharCode(c);
  }
  for (; i < at + 16; i++) if (b[i] != 0) return "";
  return s;
}

/** 100 ns intervals from 1601-01-01 to 1970-01-01. */
const FILETIME_UNIX: u64 = 116444736000000000;

/** A FILETIME as ISO 8601 UTC ("2026-11-21T15:13:00Z"); "" for 0 or a time before 1970 or after 9999. */
export function filetimeIso(ft: u64): string {
  if (ft <= FILETIME_UNIX) return "";
  const secs = <i64>((ft - FILETIME_UNIX) / 10000000);
  if (secs > 253402300799) return "";
  let days = secs / 86400;
  const rem = secs % 86400;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  days += 719468;
  const era = days / 146097;
  const doe = days - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let y = yoe + era * 400;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  return y.toString() + "-" + pad2(m) + "-" + pad2(d) + "T" + pad2(rem / 3600) + ":" + pad2((rem % 3600) / 60) + ":" + pad2(rem % 60) + "Z";
}

function pad2(v: i64): string {
  return (v < 10 ? "0" : "") + v.toString();
}

/** Index of `needle` in `b` from `from`, or -1. */
export function indexOf(b: Uint8Array, needle: Uint8Array, from: i32): i32 {
  const n = needle.length;
  for (let i = max(from, 0); i + n <= b.length; i++) {
    let j = 0;
    while (j < n && b[i + j] == needle[j]) j++;
    if (j == n) return i;
  }
  return -1;
}

export function hexOf(v: u32, width: i32): string {
  let s = v.toString(16);
  while (s.length < width) s = "0" + s;
  return "0x" + s;
}
