/**
 * memcached's text protocol (protocol.txt in the memcached sources): the
 * `version` command is answered `VERSION <version>\r\n`.
 */

import { latin1, printable } from "../../../sdk/assemblyscript/index";

const MAX_VERSION: i32 = 64;

/** The reply line ("VERSION 1.6.18") and the version token, or null when `data` is not one. */
export class MemcachedVersion {
  line: string = "";
  version: string = "";
}

export function parseMemcached(data: Uint8Array): MemcachedVersion | null {
  if (data.length < 10) return null;
  const text = latin1(data.subarray(0, min(data.length, 128)));
  if (!text.startsWith("VERSION ")) return null;
  let end = text.indexOf("\r\n");
  if (end < 0) end = text.indexOf("\n");
  if (end < 0) return null; // a reply line always ends; 128 bytes without one is not it
  const token = text.substring(8, end);
  if (token.length == 0 || token.length > MAX_VERSION || token.includes(" ")) return null;
  const r = new MemcachedVersion();
  r.version = printable(token, MAX_VERSION);
  r.line = "VERSION " + r.version;
  return r;
}
