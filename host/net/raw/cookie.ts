/**
 * SYN cookies for stateless scanning: the sequence number of each probe is a
 * 32-bit word of HMAC-SHA256 under a random per-scan key, over the probe's
 * flow (source address ‖ destination address ‖ source port, addresses 4 or
 * 16 bytes) and its destination port. A reply is ours exactly when its
 * acknowledgment number is cookie + 1 (SYN-ACK and RST both acknowledge the
 * SYN), so the engine keeps no table of probes in flight, and a forged or
 * stale reply (another scan, another key) does not match.
 *
 * One HMAC serves eight ports: the message ends with the port's block
 * (port >> 3, 2 bytes) and the cookie is word (port & 7) of the 256-bit
 * MAC. Each cookie is still 32 bits of an HMAC output that nobody without
 * the key can predict, and a full-range scan, which asks for a cookie per
 * SYN and again per reply (131,070 per host, in port order), computes an
 * eighth of the MACs: a small direct-mapped cache keeps recent blocks.
 *
 * Why not node:crypto's createHmac: it re-derives the key pads on every call
 * (~13 µs here). HMAC's inner and outer pad states depend only on the key,
 * so they are computed once (RFC 2104 §4), and a MAC costs two SHA-256
 * compressions: the message (at most 40 bytes) fits one block. The tests
 * check every word against createHmac.
 *
 * @example
 * const cookies = new SynCookies(randomBytes(32));
 * const flow = cookies.flow([ipv4ToInt('10.0.0.1'), ipv4ToInt('10.0.0.2')], 61000);
 * const seq = cookies.cookie(flow, 22);
 * // a SYN-ACK from 10.0.0.2:22 to 10.0.0.1:61000 is ours iff ((ack - 1) >>> 0) === seq
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** One SHA-256 compression (FIPS 180-4 §6.2.2) of the 16 words in w[0..16) into state; w is scratch of 64 words. */
function compress(state: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = w[t - 15] as number;
    const w2 = w[t - 2] as number;
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[t] as number) + (w[t] as number)) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** The state after compressing one 64-byte block (a key xor pad). */
function stateAfterBlock(block: Uint8Array): Int32Array {
  const state = new Int32Array(H0);
  const w = new Int32Array(64);
  for (let i = 0; i < 16; i++) w[i] = ((block[4 * i] as number) << 24) | ((block[4 * i + 1] as number) << 16) | ((block[4 * i + 2] as number) << 8) | (block[4 * i + 3] as number);
  compress(state, w);
  return state;
}

/** Blocks of eight cookies kept: enough for the blocks in flight to a few hundred targets. */
const CACHE_SLOTS = 1024;

export class SynCookies {
  readonly #inner: Int32Array;
  readonly #outer: Int32Array;
  readonly #state = new Int32Array(8);
  readonly #w = new Int32Array(64);
  /** Per flow: its address words followed by the source port word (sport << 16, block added per MAC). */
  readonly #flows: Int32Array[] = [];
  readonly #tagFlow = new Int32Array(CACHE_SLOTS).fill(-1);
  readonly #tagBlock = new Int32Array(CACHE_SLOTS);
  readonly #words = new Int32Array(CACHE_SLOTS * 8);

  /** `key`: 1..64 bytes (a longer key would be hashed first, which we never need); use 32 random bytes. */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 64) throw new RangeError(`SynCookies: key of ${key.length} bytes, want 1..64`);
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i] = (ipad[i] as number) ^ (key[i] as number);
      opad[i] = (opad[i] as number) ^ (key[i] as number);
    }
    this.#inner = stateAfterBlock(ipad);
    this.#outer = stateAfterBlock(opad);
  }

  /**
   * Registers a flow: its source and destination addresses as big-endian
   * words (2 for IPv4, 8 for IPv6) and its source port. Returns the id to
   * pass to `cookie`.
   */
  flow(addressWords: ArrayLike<number>, srcPort: number): number {
    if (addressWords.length > 8) throw new RangeError('SynCookies.flow: at most 8 address words');
    const f = new Int32Array(addressWords.length + 1);
    for (let i = 0; i < addressWords.length; i++) f[i] = (addressWords[i] as number) | 0;
    f[addressWords.length] = (srcPort & 0xffff) << 16;
    this.#flows.push(f);
    return this.#flows.length - 1;
  }

  /** The cookie (initial sequence number, unsigned) of the probe to `dstPort` in flow `flow`. */
  cookie(flow: number, dstPort: number): number {
    const block = (dstPort >>> 3) & 0x1fff;
    const slot = (Math.imul(flow, 0x9e3779b1) ^ block) & (CACHE_SLOTS - 1);
    if (this.#tagFlow[slot] !== flow || this.#tagBlock[slot] !== block) {
      const f = this.#flows[flow];
      if (!f) throw new RangeError(`SynCookies.cookie: unknown flow ${flow}`);
      this.#mac(f, block);
      this.#words.set(this.#state, slot * 8);
      this.#tagFlow[slot] = flow;
      this.#tagBlock[slot] = block;
    }
    return (this.#words[slot * 8 + (dstPort & 7)] as number) >>> 0;
  }

  /** HMAC-SHA256(key, flow words ‖ (sport << 16 | block)) into #state. */
  #mac(f: Int32Array, block: number): void {
    const s = this.#state;
    const w = this.#w;
    const n = f.length;
    // Inner: H(ipad-state, msg ‖ 0x80 ‖ zeros ‖ bit length of (64 + msg) bytes)
    s.set(this.#inner);
    w.set(f);
    w[n - 1] = (f[n - 1] as number) | block;
    w[n] = 0x80000000 | 0;
    w.fill(0, n + 1, 15);
    w[15] = (64 + 4 * n) * 8;
    compress(s, w);
    // Outer: H(opad-state, inner digest (8 words) ‖ 0x80 ‖ zeros ‖ bit length of (64 + 32) bytes)
    for (let i = 0; i < 8; i++) w[i] = s[i] as number;
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = (64 + 32) * 8;
    s.set(this.#outer);
    compress(s, w);
  }
}

/** Big-endian words of an address (4 or 16 bytes), for SynCookies.flow. */
export function addressWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 3 < bytes.length; i += 4) out.push((((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)) | 0);
  return out;
}
