/**
 * The first packet a MySQL-family server sends (MySQL client/server protocol,
 * "Protocol::HandshakeV10" and "ERR_Packet"; MariaDB's "Connection" docs):
 *
 *   u24le payload length, u8 sequence id (0), payload:
 *   0x0a  server_version NUL  u32le connection_id  8 bytes auth-plugin-data-part-1  0x00 filler
 *         u16le capability_flags_1  [u8 character_set  u16le status_flags  u16le capability_flags_2
 *         u8 auth_plugin_data_len  10 reserved (MariaDB: last 4 = extended capabilities)
 *         max(13, len - 8) auth-plugin-data-part-2  [auth_plugin_name NUL]]
 *   0xff  u16le error_code  ["#" 5-char sqlstate]  message        (e.g. 1130 "Host '…' is not allowed")
 *
 * MariaDB prefixes its version with "5.5.5-" for old replication clients.
 */

import { latin1, printable, isDigit } from "../../../sdk/assemblyscript/index";
import { ByteReader } from "../../../sdk/assemblyscript/index";
import { allPrintable } from "./ascii";

/** CLIENT_* capability bits (include/mysql_com.h). */
const CLIENT_SSL: u32 = 0x00000800;
const CLIENT_SECURE_CONNECTION: u32 = 0x00008000;
const CLIENT_PLUGIN_AUTH: u32 = 0x00080000;
/** Bit 0 (CLIENT_LONG_PASSWORD, "CLIENT_MYSQL" in MariaDB): MariaDB 10.2+ leaves it off and puts extended capabilities in the reserved bytes. */
const CLIENT_MYSQL: u32 = 0x00000001;

const MAX_VERSION: i32 = 128;
const MAX_MESSAGE: i32 = 512;

export class MysqlGreeting {
  /** 10 (or 9 for pre-4.1 servers); 255 for an error packet. */
  protocol: i32 = 0;
  serverVersion: string = "";
  connectionId: u32 = 0;
  capabilities: u32 = 0;
  /** MariaDB's extended capabilities (the last 4 reserved bytes), 0 otherwise. */
  mariadbCapabilities: u32 = 0;
  charset: i32 = -1;
  status: i32 = -1;
  authPlugin: string = "";
  /** Error packet: code, SQLSTATE (when sent) and message. */
  errorCode: i32 = 0;
  sqlState: string = "";
  message: string = "";

  isError(): bool {
    return this.protocol == 255;
  }

  ssl(): bool {
    return (this.capabilities & CLIENT_SSL) != 0;
  }

  /** Capability names worth a field, in bit order. */
  capabilityNames(): string[] {
    const out: string[] = [];
    const c = this.capabilities;
    if ((c & CLIENT_MYSQL) != 0) out.push("long_password");
    if ((c & CLIENT_SSL) != 0) out.push("ssl");
    if ((c & CLIENT_SECURE_CONNECTION) != 0) out.push("secure_connection");
    if ((c & 0x00010000) != 0) out.push("multi_statements");
    if ((c & CLIENT_PLUGIN_AUTH) != 0) out.push("plugin_auth");
    if ((c & 0x00100000) != 0) out.push("connect_attrs");
    if ((c & 0x00800000) != 0) out.push("session_track");
    if ((c & 0x01000000) != 0) out.push("deprecate_eof");
    return out;
  }
}

/** The server's first packet, or null when `data` is not one. */
export function parseMysql(data: Uint8Array): MysqlGreeting | null {
  const r = new ByteReader(data);
  const len = r.u24le();
  const seq = r.u8();
  if (!r.ok || seq != 0 || len < 3 || len > 0xffff) return null;
  // The payload may be cut by the read; parse what there is of it.
  const end = min(data.length, 4 + len);
  const p = new ByteReader(data.subarray(0, end), 4);
  const kind = p.u8();
  if (kind == 0xff) return parseError(p);
  if (kind != 10 && kind != 9) return null;

  const g = new MysqlGreeting();
  g.protocol = kind;
  const version = p.cstring(MAX_VERSION);
  if (!p.ok || version.length == 0 || !isDigit(version.charCodeAt(0)) || !allPrintable(version)) return null;
  g.serverVersion = version;
  g.connectionId = p.u32le();
  if (kind == 9) return p.ok ? g : null; // protocol 9: version, thread id, scramble NUL
  p.skip(8); // auth-plugin-data-part-1
  const filler = p.u8();
  if (!p.ok || filler != 0) return null;
  g.capabilities = <u32>p.u16le();
  if (!p.ok) return null;
  if (!p.has(1)) return g; // old servers stop here
  g.charset = p.u8();
  g.status = p.u16le();
  g.capabilities |= (<u32>p.u16le()) << 16;
  const authLen = p.u8();
  p.skip(6);
  const ext = p.u32le();
  if (!p.ok) return g;
  if ((g.capabilities & CLIENT_MYSQL) == 0) g.mariadbCapabilities = ext;
  if ((g.capabilities & CLIENT_SECURE_CONNECTION) != 0) p.skip(max(13, authLen - 8));
  if ((g.capabilities & CLIENT_PLUGIN_AUTH) != 0 && p.ok) {
    // MySQL 5.5.x omits the final NUL: take the rest then.
    const save = p.pos;
    let name = p.cstring(64);
    if (!p.ok) name = latin1(data.subarray(save, min(end, save + 64)));
    if (allPrintable(name)) g.authPlugin = name;
  }
  return g;
}

function parseError(p: ByteReader): MysqlGreeting | null {
  const code = p.u16le();
  // Server error codes are 1000..4999 (and 5000+ for MySQL 8 components); a client code would be 2000-2999.
  if (!p.ok || code < 1000 || code > 65000) return null;
  const g = new MysqlGreeting();
  g.protocol = 255;
  g.errorCode = code;
  if (p.peek() == 0x23 && p.has(6)) {
    p.u8();
    g.sqlState = latin1(p.bytes(5));
  }
  const msg = latin1(p.bytes(min(p.left(), MAX_MESSAGE)));
  if (msg.length < 4) return null;
  // Real messages are printable text; one control byte in the first 64 says this is not an ERR packet.
  if (!allPrintable(msg.substring(0, min(msg.length, 64)))) return null;
  g.message = printable(msg, MAX_MESSAGE);
  return g;
}
