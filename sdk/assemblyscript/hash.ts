/**
 * Message digests for fingerprints: MD5 (RFC 1321) for JA3/JA3S and HASSH,
 * whose definitions name it, and SHA-256 (FIPS 180-4) for certificate
 * fingerprints. Both take the whole message and return lower-case hex.
 *
 * MD5 is broken for collision resistance; here it only names a fingerprint
 * that other tools compute the same way, never authenticates anything.
 *
 * @example
 *   md5Hex(latin1Bytes("abc"))    // "900150983cd24fb0d6963f7d28e17f72"
 *   sha256Hex(latin1Bytes("abc")) // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 */

const HEX = "0123456789abcdef";

/** RFC 1321 §3.4: the per-step left-rotate amounts, four per round. */
const MD5_S: StaticArray<u32> = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/** RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1))). */
const MD5_T: StaticArray<u32> = [
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const SHA256_K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/**
 * The message followed by the Merkle–Damgård padding both digests share: a 0x80
 * byte, zeros up to 56 mod 64, then the bit length as 64 bits, little-endian
 * for MD5 (RFC 1321 §3.2) and big-endian for SHA-256 (FIPS 180-4 §5.1.1).
 */
function padded(data: Uint8Array, bigEndian: bool): Uint8Array {
  const n = data.length;
  const total = ((n + 8) / 64 + 1) * 64;
  const out = new Uint8Array(total);
  out.set(data);
  out[n] = 0x80;
  const bits: u64 = <u64>n << 3;
  for (let i = 0; i < 8; i++) {
    const byte = <u8>(bits >> (<u64>(i * 8)));
    if (bigEndian) out[total - 1 - i] = byte;
    else out[total - 8 + i] = byte;
  }
  return out;
}

function hexWord(sb: string[], w: u32, bigEndian: bool): void {
  for (let i = 0; i < 4; i++) {
    const shift = bigEndian ? (3 - i) * 8 : i * 8;
    const b = (w >> (<u32>shift)) & 0xff;
    sb.push(HEX.charAt(<i32>(b >> 4)) + HEX.charAt(<i32>(b & 15)));
  }
}

/** MD5 (RFC 1321) of `data`, 32 lower-case hex digits. */
export function md5Hex(data: Uint8Array): string {
  const m = padded(data, false);
  let a0: u32 = 0x67452301;
  let b0: u32 = 0xefcdab89;
  let c0: u32 = 0x98badcfe;
  let d0: u32 = 0x10325476;
  const x = new StaticArray<u32>(16);
  const base = m.dataStart;
  for (let off = 0; off < m.length; off += 64) {
    for (let j = 0; j < 16; j++) unchecked((x[j] = load<u32>(base + <usize>(off + j * 4)))); // wasm is little-endian, as MD5 words are
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: u32;
      let g: i32;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const s = unchecked(MD5_S[((i >> 4) << 2) | (i & 3)]);
      const sum = a + f + unchecked(MD5_T[i]) + unchecked(x[g]);
      a = d;
      d = c;
      c = b;
      b = b + rotl<u32>(sum, s);
    }
    a0 += a;
    b0 += b;
    c0 += c;
    d0 += d;
  }
  const sb: string[] = [];
  hexWord(sb, a0, false);
  hexWord(sb, b0, false);
  hexWord(sb, c0, false);
  hexWord(sb, d0, false);
  return sb.join("");
}

/** SHA-256 (FIPS 180-4 §6.2) of `data`, 64 lower-case hex digits. */
export function sha256Hex(data: Uint8Array): string {
  const m = padded(data, true);
  const h = new StaticArray<u32>(8);
  h[0] = 0x6a09e667;
  h[1] = 0xbb67ae85;
  h[2] = 0x3c6ef372;
  h[3] = 0xa54ff53a;
  h[4] = 0x510e527f;
  h[5] = 0x9b05688c;
  h[6] = 0x1f83d9ab;
  h[7] = 0x5be0cd19;
  const w = new StaticArray<u32>(64);
  const base = m.dataStart;
  for (let off = 0; off < m.length; off += 64) {
    for (let t = 0; t < 16; t++) unchecked((w[t] = bswap<u32>(load<u32>(base + <usize>(off + t * 4)))));
    for (let t = 16; t < 64; t++) {
      const w15 = unchecked(w[t - 15]);
      const w2 = unchecked(w[t - 2]);
      const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
      const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
      unchecked((w[t] = unchecked(w[t - 16]) + s0 + unchecked(w[t - 7]) + s1));
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = hh + S1 + ch + unchecked(SHA256_K[t]) + unchecked(w[t]);
      const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const sb: string[] = [];
  for (let i = 0; i < 8; i++) hexWord(sb, h[i], true);
  return sb.join("");
}
