/**
 * The ClientHello the `tls-client-hello` probe sends (RFC 5246 §7.4.1.2 with
 * the extensions of RFC 6066, RFC 8422, RFC 5746, RFC 7627, RFC 5077,
 * RFC 8446 §4.2.3). TLS 1.2 is the highest version offered, so a server
 * answers with its Certificate in the clear (TLS 1.3 encrypts it); a
 * 1.3-only server answers with a protocol_version alert, which still names TLS.
 */

import { ByteWriter } from "../../../sdk/assemblyscript/index";

/** Cipher suites, strongest first, as a current browser orders them, then CBC and 3DES fallbacks for old servers. */
export const HELLO_SUITES: StaticArray<u16> = [
  0xc02b, // ECDHE-ECDSA-AES128-GCM-SHA256
  0xc02f, // ECDHE-RSA-AES128-GCM-SHA256
  0xc02c, // ECDHE-ECDSA-AES256-GCM-SHA384
  0xc030, // ECDHE-RSA-AES256-GCM-SHA384
  0xcca9, // ECDHE-ECDSA-CHACHA20-POLY1305
  0xcca8, // ECDHE-RSA-CHACHA20-POLY1305
  0x009e, // DHE-RSA-AES128-GCM-SHA256
  0x009f, // DHE-RSA-AES256-GCM-SHA384
  0xc023, // ECDHE-ECDSA-AES128-SHA256
  0xc027, // ECDHE-RSA-AES128-SHA256
  0xc009, // ECDHE-ECDSA-AES128-SHA
  0xc013, // ECDHE-RSA-AES128-SHA
  0xc00a, // ECDHE-ECDSA-AES256-SHA
  0xc014, // ECDHE-RSA-AES256-SHA
  0x009c, // AES128-GCM-SHA256
  0x009d, // AES256-GCM-SHA384
  0x003c, // AES128-SHA256
  0x002f, // AES128-SHA
  0x0035, // AES256-SHA
  0x000a, // DES-CBC3-SHA
];

/** supported_groups (RFC 8422 §5.1.1, RFC 7919): x25519, P-256, P-384, P-521, ffdhe2048. */
const GROUPS: StaticArray<u16> = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100];

/** signature_algorithms (RFC 8446 §4.2.3): ECDSA, RSA-PSS, PKCS#1, EdDSA, then SHA-1 for old servers. */
const SIG_ALGS: StaticArray<u16> = [
  0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0603, 0x0806, 0x0601, 0x0807, 0x0808, 0x0203, 0x0201,
];


/** Whether `host` is an IPv4 or IPv6 literal (RFC 6066 §3: literal addresses are not permitted in server_name). */
export function isIpLiteral(host: string): bool {
  if (host.includes(":")) return true;
  if (host.length == 0) return false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if ((c < 0x30 || c > 0x39) && c != 0x2e) return false;
  }
  return true;
}

/** The host name to send as server_name: ASCII letters, digits, "-", "." and "_", at most 253 chars, no trailing dot; "" for none. */
export function sniName(host: string): string {
  if (isIpLiteral(host)) return "";
  let h = host.endsWith(".") ? host.substring(0, host.length - 1) : host;
  if (h.length == 0 || h.length > 253) return "";
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2e || c == 0x5f;
    if (!ok) return "";
  }
  return h.toLowerCase();
}

/**
 * The ClientHello record: `random` (32 bytes) as Random, server_name for
 * `serverName` when not "" (call `sniName` first), an empty session id.
 */
export function clientHello(serverName: string, random: Uint8Array): Uint8Array {
  const o = new ByteWriter();
  o.u8(22); // handshake record
  o.u16(0x0301); // record version 1.0, as clients send for compatibility (RFC 8446 §5.1)
  const rec = o.open(2);
  o.u8(1); // client_hello
  const hs = o.open(3);
  o.u16(0x0303); // client_version: TLS 1.2
  for (let i = 0; i < 32; i++) o.u8(i < random.length ? random[i] : 0);
  o.u8(0); // session_id
  o.u16(HELLO_SUITES.length * 2);
  for (let i = 0; i < HELLO_SUITES.length; i++) o.u16(HELLO_SUITES[i]);
  o.u8(1);
  o.u8(0); // compression: null only
  const exts = o.open(2);
  if (serverName.length > 0) {
    o.u16(0); // server_name (RFC 6066 §3)
    const e = o.open(2);
    const list = o.open(2);
    o.u8(0); // host_name
    o.u16(serverName.length);
    for (let i = 0; i < serverName.length; i++) o.u8(serverName.charCodeAt(i));
    o.close(list, 2);
    o.close(e, 2);
  }
  o.u16(0xff01); // renegotiation_info (RFC 5746 §3.2): empty on an initial handshake
  o.u16(1);
  o.u8(0);
  o.u16(10); // supported_groups
  o.u16(GROUPS.length * 2 + 2);
  o.u16(GROUPS.length * 2);
  for (let i = 0; i < GROUPS.length; i++) o.u16(GROUPS[i]);
  o.u16(11); // ec_point_formats: uncompressed
  o.u16(2);
  o.u8(1);
  o.u8(0);
  o.u16(35); // session_ticket (RFC 5077): empty, asking for a new ticket
  o.u16(0);
  o.u16(13); // signature_algorithms
  o.u16(SIG_ALGS.length * 2 + 2);
  o.u16(SIG_ALGS.length * 2);
  for (let i = 0; i < SIG_ALGS.length; i++) o.u16(SIG_ALGS[i]);
  o.u16(23); // extended_master_secret (RFC 7627)
  o.u16(0);
  o.close(exts, 2);
  o.close(hs, 3);
  o.close(rec, 2);
  return o.finish();
}

/** 32 bytes for Random from a seed (clock and endpoint): xorshift64*, not secret, only unique enough per connection. */
export function helloRandom(seed: u64): Uint8Array {
  let x: u64 = seed != 0 ? seed : 0x9e3779b97f4a7c15;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const v = x * 0x2545f4914f6cdd1d;
    for (let j = 0; j < 8; j++) out[i + j] = <u8>(v >> (<u64>(j * 8)));
  }
  return out;
}
