/**
 * The server's SSH_MSG_KEXINIT, the first binary packet after the
 * identification line (RFC 4253 §7.1), read from the bytes of a conversation
 * where the client sent its own identification first (probe `ssh-kexinit`).
 *
 *   binary packet (§6):  uint32 packet_length, byte padding_length,
 *                        byte[packet_length - padding_length - 1] payload, padding
 *   KEXINIT payload:     byte 20, byte[16] cookie,
 *                        name-list kex, server_host_key,
 *                        encryption c2s, encryption s2c, mac c2s, mac s2c,
 *                        compression c2s, compression s2c, languages c2s, languages s2c,
 *                        boolean first_kex_packet_follows, uint32 0
 *   name-list (RFC 4251 §5): uint32 length, comma-separated US-ASCII names
 *
 * Pure and total: a truncated packet gives the name-lists that arrived whole;
 * a length past the packet or an oversized packet stops the parse.
 */

import { latin1 } from "../../../sdk/assemblyscript/index";

/** SSH_MSG_KEXINIT (RFC 4253 §12). */
const MSG_KEXINIT: u8 = 20;
/** RFC 4253 §6.1: implementations must handle 35000-byte packets; a KEXINIT past that is not read. */
const MAX_PACKET: u32 = 35000;
/** Where the identification line must end for the packet to be looked for (RFC 4253 §4.2 pre-banner lines included). */
const SCAN_BYTES: i32 = 16384;
/** Names kept per list: real servers offer at most a few dozen. */
export const MAX_NAMES: i32 = 48;
/** Characters kept per name (names are at most 64 characters, RFC 4251 §6). */
const MAX_NAME: i32 = 64;

/** The name-lists of a server's KEXINIT, in packet order; `lists` counts how many arrived whole (0..10). */
export class KexInit {
  kex: string[] = [];
  hostKey: string[] = [];
  encC2s: string[] = [];
  encS2c: string[] = [];
  macC2s: string[] = [];
  macS2c: string[] = [];
  compC2s: string[] = [];
  compS2c: string[] = [];
  /** The four server-to-client lists exactly as sent (uncapped text, for HASSHServer), "" until read. */
  rawKex: string = "";
  rawEncS2c: string = "";
  rawMacS2c: string = "";
  rawCompS2c: string = "";
  /** Name-lists read whole, 0..10 (languages included). */
  lists: i32 = 0;

  /** The four lists HASSHServer hashes were all read. */
  hasHasshLists(): bool {
    return this.lists >= 8;
  }

  /**
   * The HASSHServer input (salesforce/hassh): "kex;encryption s2c;mac s2c;compression s2c".
   * Its MD5 is the HASSHServer fingerprint.
   */
  hasshInput(): string {
    return this.rawKex + ";" + this.rawEncS2c + ";" + this.rawMacS2c + ";" + this.rawCompS2c;
  }
}

function u32At(b: Uint8Array, at: i32): u32 {
  return (<u32>unchecked(b[at]) << 24) | (<u32>unchecked(b[at + 1]) << 16) | (<u32>unchecked(b[at + 2]) << 8) | <u32>unchecked(b[at + 3]);
}

/** A name-list split on commas, at most MAX_NAMES names of at most MAX_NAME characters; empty names dropped. */
export function splitNames(list: string): string[] {
  const out: string[] = [];
  if (list.length == 0) return out;
  let start = 0;
  while (start <= list.length && out.length < MAX_NAMES) {
    let end = list.indexOf(",", start);
    if (end < 0) end = list.length;
    if (end > start) {
      const name = list.substring(start, end);
      out.push(name.length > MAX_NAME ? name.substring(0, MAX_NAME) : name);
    }
    start = end + 1;
  }
  return out;
}

/**
 * The offset just past the server's identification line ("SSH-" line ending
 * in LF) within the first SCAN_BYTES, or -1 when there is none.
 */
export function afterIdentLine(b: Uint8Array): i32 {
  const n = min(b.length, SCAN_BYTES);
  let lineStart = 0;
  for (let i = 0; i < n; i++) {
    if (unchecked(b[i]) != 0x0a) continue;
    if (i - lineStart >= 4 && b[lineStart] == 0x53 && b[lineStart + 1] == 0x53 && b[lineStart + 2] == 0x48 && b[lineStart + 3] == 0x2d) return i + 1;
    lineStart = i + 1;
  }
  return -1;
}

/**
 * The server's KEXINIT from the bytes of an SSH conversation (identification
 * line, then binary packets), or null when no KEXINIT starts after the line.
 */
export function parseKexInit(b: Uint8Array): KexInit | null {
  const start = afterIdentLine(b);
  if (start < 0 || start + 6 > b.length) return null;
  const packetLength = u32At(b, start);
  const padding = <u32>unchecked(b[start + 4]);
  // §6: padding is at least 4 bytes and the payload at least the message byte.
  if (packetLength > MAX_PACKET || padding < 4 || padding + 1 >= packetLength) return null;
  if (unchecked(b[start + 5]) != MSG_KEXINIT) return null;
  const payloadEnd = start + 5 + <i32>(packetLength - padding - 1);
  // What arrived of the payload (a short read cuts it).
  const end = min(payloadEnd, b.length);
  const r = new KexInit();
  let at = start + 5 + 1 + 16; // message byte, cookie
  for (let k = 0; k < 10; k++) {
    if (at + 4 > end) break;
    const len = u32At(b, at);
    if (len > <u32>(end - at - 4)) break; // past the payload or not yet received
    const list = latin1(b.subarray(at + 4, at + 4 + <i32>len));
    at += 4 + <i32>len;
    r.lists = k + 1;
    if (k == 0) {
      r.kex = splitNames(list);
      r.rawKex = list;
    } else if (k == 1) r.hostKey = splitNames(list);
    else if (k == 2) r.encC2s = splitNames(list);
    else if (k == 3) {
      r.encS2c = splitNames(list);
      r.rawEncS2c = list;
    } else if (k == 4) r.macC2s = splitNames(list);
    else if (k == 5) {
      r.macS2c = splitNames(list);
      r.rawMacS2c = list;
    } else if (k == 6) r.compC2s = splitNames(list);
    else if (k == 7) {
      r.compS2c = splitNames(list);
      r.rawCompS2c = list;
    }
  }
  return r.lists > 0 ? r : null;
}
