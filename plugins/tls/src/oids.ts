/**
 * Names of the object identifiers a certificate summary shows: signature
 * algorithms (RFC 3279, RFC 4055, RFC 5758, RFC 8410), public key types and
 * named curves (RFC 5480, RFC 8410), and name attributes (X.520, RFC 4519).
 */

/** [dotted OID, name] */
const SIG_ALGS: string[][] = [
  ["1.2.840.113549.1.1.4", "md5WithRSAEncryption"],
  ["1.2.840.113549.1.1.5", "sha1WithRSAEncryption"],
  ["1.2.840.113549.1.1.10", "rsassaPss"],
  ["1.2.840.113549.1.1.11", "sha256WithRSAEncryption"],
  ["1.2.840.113549.1.1.12", "sha384WithRSAEncryption"],
  ["1.2.840.113549.1.1.13", "sha512WithRSAEncryption"],
  ["1.2.840.113549.1.1.14", "sha224WithRSAEncryption"],
  ["1.2.840.113549.1.1.2", "md2WithRSAEncryption"],
  ["1.2.840.10045.4.1", "ecdsa-with-SHA1"],
  ["1.2.840.10045.4.3.1", "ecdsa-with-SHA224"],
  ["1.2.840.10045.4.3.2", "ecdsa-with-SHA256"],
  ["1.2.840.10045.4.3.3", "ecdsa-with-SHA384"],
  ["1.2.840.10045.4.3.4", "ecdsa-with-SHA512"],
  ["1.2.840.10040.4.3", "dsa-with-SHA1"],
  ["2.16.840.1.101.3.4.3.2", "dsa-with-SHA256"],
  ["1.3.101.112", "ED25519"],
  ["1.3.101.113", "ED448"],
  ["1.2.156.10197.1.501", "SM2-with-SM3"],
];

/** [dotted OID, key type] */
const KEY_TYPES: string[][] = [
  ["1.2.840.113549.1.1.1", "RSA"],
  ["1.2.840.113549.1.1.10", "RSA-PSS"],
  ["1.2.840.10045.2.1", "EC"],
  ["1.2.840.10040.4.1", "DSA"],
  ["1.3.101.112", "Ed25519"],
  ["1.3.101.113", "Ed448"],
  ["1.3.101.110", "X25519"],
  ["1.3.101.111", "X448"],
];

/** [dotted OID, curve name, field bits] */
const CURVES: string[][] = [
  ["1.2.840.10045.3.1.7", "P-256", "256"],
  ["1.3.132.0.34", "P-384", "384"],
  ["1.3.132.0.35", "P-521", "521"],
  ["1.3.132.0.10", "secp256k1", "256"],
  ["1.2.840.10045.3.1.1", "P-192", "192"],
  ["1.3.132.0.33", "P-224", "224"],
  ["1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", "256"],
  ["1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", "384"],
  ["1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", "512"],
  ["1.2.156.10197.1.301", "SM2", "256"],
];

/** [dotted OID, short name] of the name attributes a DN string shows. */
const ATTRS: string[][] = [
  ["2.5.4.3", "CN"],
  ["2.5.4.6", "C"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  ["2.5.4.5", "serialNumber"],
  ["2.5.4.9", "street"],
  ["2.5.4.17", "postalCode"],
  ["2.5.4.12", "title"],
  ["2.5.4.42", "GN"],
  ["2.5.4.4", "SN"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["0.9.2342.19200300.100.1.1", "UID"],
  ["1.2.840.113549.1.9.1", "emailAddress"],
  ["1.2.840.113549.1.9.2", "unstructuredName"],
];

function lookup(table: string[][], oid: string, col: i32): string {
  for (let i = 0; i < table.length; i++) if (unchecked(table[i])[0] == oid) return unchecked(table[i])[col];
  return "";
}

/** The signature algorithm's name, or the dotted OID when unknown. */
export function sigAlgName(oid: string): string {
  const n = lookup(SIG_ALGS, oid, 1);
  return n.length > 0 ? n : oid;
}

/** The public key type ("RSA", "EC", "Ed25519", ...), or the dotted OID when unknown. */
export function keyTypeName(oid: string): string {
  const n = lookup(KEY_TYPES, oid, 1);
  return n.length > 0 ? n : oid;
}

/** The named curve ("P-256"), or the dotted OID when unknown. */
export function curveName(oid: string): string {
  const n = lookup(CURVES, oid, 1);
  return n.length > 0 ? n : oid;
}

/** The curve's field size in bits, 0 when unknown. */
export function curveBits(oid: string): i32 {
  const n = lookup(CURVES, oid, 2);
  return n.length > 0 ? I32.parseInt(n) : 0;
}

/** The attribute's short name ("CN"), or the dotted OID when unknown. */
export function attrName(oid: string): string {
  const n = lookup(ATTRS, oid, 1);
  return n.length > 0 ? n : oid;
}
