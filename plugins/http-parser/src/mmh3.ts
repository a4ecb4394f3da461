/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's public-domain
 * MurmurHash3_x86_32): what Shodan's `http.favicon.hash` is, read as a signed
 * 32-bit integer as Python's `mmh3.hash` returns it. Pure; no host calls.
 */

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;

/** The final avalanche of a 32-bit hash (fmix32). */
function fmix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/** A block or tail word scrambled before it is mixed into the state. */
function scramble(k: u32): u32 {
  k *= C1;
  k = rotl<u32>(k, 15);
  return k * C2;
}

/**
 * MurmurHash3_x86_32 of `data` with `seed`, as a signed integer.
 *
 * @example
 *   mmh3x86_32(latin1Bytes("hello"), 0) // 613153351
 */
export function mmh3x86_32(data: Uint8Array, seed: u32 = 0): i32 {
  const n = data.length;
  const blocks = n >> 2;
  let h: u32 = seed;
  // Body: four bytes at a time, little-endian.
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    const k = <u32>unchecked(data[o]) | (<u32>unchecked(data[o + 1]) << 8) | (<u32>unchecked(data[o + 2]) << 16) | (<u32>unchecked(data[o + 3]) << 24);
    h ^= scramble(k);
    h = rotl<u32>(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  // Tail: the last 1..3 bytes.
  const t = blocks << 2;
  const rest = n & 3;
  if (rest > 0) {
    let k: u32 = 0;
    if (rest == 3) k ^= <u32>unchecked(data[t + 2]) << 16;
    if (rest >= 2) k ^= <u32>unchecked(data[t + 1]) << 8;
    k ^= <u32>unchecked(data[t]);
    h ^= scramble(k);
  }
  h ^= <u32>n;
  return <i32>fmix32(h);
}
