/**
 * Redis replies to `INFO server` (RESP2, https://redis.io/docs/latest/develop/reference/protocol-spec/):
 * a bulk string `$<len>\r\n<payload>\r\n` whose payload is `# Section` lines
 * and `key:value` lines, or an error line `-CODE text\r\n`. A server in
 * protected mode greets every connection with `-DENIED ...` and closes; one
 * with a password answers `-NOAUTH ...`: both still say Redis, without a
 * version. Valkey, KeyDB and Dragonfly answer the same way (rules tell them apart).
 */

import { latin1, printable, isDigit } from "../../../sdk/assemblyscript/index";

/** INFO keys kept as fields (a server sends ~30 in `server`; we keep what identifies it). */
export const INFO_KEYS: string[] = [
  "redis_version", "redis_mode", "os", "arch_bits", "multiplexing_api", "gcc_version", "tcp_port",
  "server_name", "valkey_version", "dragonfly_version", "executable", "config_file",
];
/** Most INFO lines read (a real `server` section has ~30). */
const MAX_INFO_LINES: i32 = 256;
/** How much of the INFO text the rules see. */
export const INFO_TEXT_CHARS: i32 = 8192;
const MAX_VALUE: i32 = 160;
const MAX_ERROR: i32 = 300;

/** Error codes that only a Redis-protocol server sends in answer to INFO or on connect. */
const REDIS_ERRORS: string[] = ["NOAUTH", "DENIED", "WRONGPASS", "NOPERM", "LOADING", "BUSY", "MASTERDOWN"];

export class RedisReply {
  /** A bulk INFO reply (else an error line). */
  info: bool = false;
  /** Declared bulk length, and whether fewer bytes arrived. */
  declared: i32 = 0;
  truncated: bool = false;
  /** The INFO payload as text (cut to INFO_TEXT_CHARS), for the rules. */
  text: string = "";
  keys: string[] = [];
  values: string[] = [];
  /** An error reply: its code ("NOAUTH") and line without the "-" (printable, capped). */
  errorCode: string = "";
  error: string = "";

  get(key: string): string {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return "";
  }
}

/** The reply in `data`, or null when it is not a Redis answer. */
export function parseRedis(data: Uint8Array): RedisReply | null {
  if (data.length < 3) return null;
  const c0 = data[0];
  if (c0 == 0x24) return parseBulk(data); // '$'
  if (c0 == 0x2d) return parseError(data); // '-'
  return null;
}

function parseBulk(data: Uint8Array): RedisReply | null {
  // "$" digits CR LF: at most 9 digits (Redis caps bulk strings at 512 MB).
  let i = 1;
  let len: i64 = 0;
  while (i < data.length && i < 11 && isDigit(data[i])) {
    len = len * 10 + <i64>(data[i] - 0x30);
    i++;
  }
  if (i == 1 || i >= 11 || i + 1 >= data.length || data[i] != 0x0d || data[i + 1] != 0x0a) return null;
  const start = i + 2;
  const avail = data.length - start;
  const r = new RedisReply();
  r.declared = <i32>len;
  r.truncated = <i64>avail < len;
  const n = <i32>min(<i64>avail, len);
  const payload = latin1(data.subarray(start, start + min(n, INFO_TEXT_CHARS * 4)));
  // key:value lines, CRLF or LF
  let pos = 0;
  let lines = 0;
  while (pos < payload.length && lines < MAX_INFO_LINES) {
    let end = payload.indexOf("\n", pos);
    if (end < 0) end = payload.length;
    let line = payload.substring(pos, end);
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    pos = end + 1;
    lines++;
    if (line.length == 0 || line.charCodeAt(0) == 0x23) continue; // "# Server"
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.substring(0, colon);
    if (!INFO_KEYS.includes(key) || r.keys.includes(key)) continue;
    r.keys.push(key);
    r.values.push(printable(line.substring(colon + 1), MAX_VALUE));
  }
  // A bulk string alone proves nothing: INFO's has redis_version (Valkey, KeyDB, Dragonfly keep it).
  if (r.get("redis_version").length == 0 && r.get("valkey_version").length == 0) return null;
  r.info = true;
  r.text = payload.length > INFO_TEXT_CHARS ? payload.substring(0, INFO_TEXT_CHARS) : payload;
  return r;
}

function parseError(data: Uint8Array): RedisReply | null {
  const text = latin1(data.subarray(1, min(data.length, MAX_ERROR * 2)));
  let end = text.indexOf("\r\n");
  if (end < 0) end = text.length;
  const line = text.substring(0, end);
  let c = 0;
  while (c < line.length && line.charCodeAt(c) >= 0x41 && line.charCodeAt(c) <= 0x5a) c++;
  if (c == 0 || (c < line.length && line.charCodeAt(c) != 0x20)) return null;
  const code = line.substring(0, c);
  // "-ERR" is every line protocol's word; only "unknown command 'INFO'" (INFO renamed away:
  // Redis 7 quotes it 'INFO', Redis 6 `INFO`) is Redis's.
  const known = REDIS_ERRORS.includes(code) || (code == "ERR" && line.startsWith("ERR unknown command ") && line.includes("INFO"));
  if (!known) return null;
  const r = new RedisReply();
  r.errorCode = code;
  r.error = printable(line, MAX_ERROR);
  return r;
}
