/**
 * Names of TLS code points (IANA "TLS Parameters" registry): protocol
 * versions, the cipher suites servers commonly pick, and alert descriptions
 * (RFC 8446 §6, RFC 5246 §7.2).
 */

/** "TLSv1.2" for 0x0303, "SSLv3" for 0x0300; "0x...." otherwise. */
export function versionName(v: i32): string {
  if (v == 0x0300) return "SSLv3";
  if (v == 0x0301) return "TLSv1.0";
  if (v == 0x0302) return "TLSv1.1";
  if (v == 0x0303) return "TLSv1.2";
  if (v == 0x0304) return "TLSv1.3";
  if (v == 0x0002) return "SSLv2";
  return "0x" + hex4(v);
}

export function hex4(v: i32): string {
  let s = (<u32>v & 0xffff).toString(16);
  while (s.length < 4) s = "0" + s;
  return s;
}

/** Cipher suite ids and IANA names. */
const SUITE_IDS: StaticArray<i32> = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xccaa, 0x009e, 0x009f, 0xc009, 0xc013, 0xc00a, 0xc014,
  0xc023, 0xc027, 0xc024, 0xc028, 0x009c, 0x009d, 0x002f, 0x0035, 0x003c, 0x003d, 0x000a, 0x0033, 0x0039, 0x0067, 0x006b, 0x0005,
  0x0004, 0xc011, 0xc007, 0x0016, 0xc0ac, 0xc0ad, 0xc09c, 0xc09d,
];
const SUITE_NAMES: StaticArray<string> = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
  "TLS_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_RSA_WITH_AES_128_CBC_SHA",
  "TLS_RSA_WITH_AES_256_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_RSA_WITH_AES_256_CBC_SHA256",
  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
  "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
  "TLS_RSA_WITH_RC4_128_SHA",
  "TLS_RSA_WITH_RC4_128_MD5",
  "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
  "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
  "TLS_RSA_WITH_AES_128_CCM",
  "TLS_RSA_WITH_AES_256_CCM",
];

/** The IANA name of a cipher suite, or "0x...." when not in the table. */
export function suiteName(id: i32): string {
  for (let i = 0; i < SUITE_IDS.length; i++) if (unchecked(SUITE_IDS[i]) == id) return unchecked(SUITE_NAMES[i]);
  return "0x" + hex4(id);
}

/** RFC 8446 §6 / RFC 5246 §7.2 alert descriptions. */
export function alertName(d: i32): string {
  switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
  }
  return "alert_" + d.toString();
}
