/**
 * Known-answer tests of the SDK's digests (hash.ts): RFC 1321 §A.5 for MD5 and
 * the FIPS 180-4 examples (NIST CSRC "SHA256.pdf", one and two blocks, and the
 * million-"a" message) for SHA-256. Compiled and run by test/sdk/hash.test.ts,
 * which also calls `digest` against node:crypto over every padding boundary.
 */

import { md5Hex, sha256Hex } from "../hash";
import { latin1Bytes } from "../bytes";
import { writeOutput } from "../host";
import { expectStr, report } from "../unit";
export { alloc, dealloc } from "../exports";

/** [message, md5 hex]: RFC 1321 appendix A.5. */
const MD5_VECTORS: string[][] = [
  ["", "d41d8cd98f00b204e9800998ecf8427e"],
  ["a", "0cc175b9c0f1b6a831c399e269772661"],
  ["abc", "900150983cd24fb0d6963f7d28e17f72"],
  ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
  ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
  ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
  ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"],
];

/** [message, sha256 hex]: FIPS 180-4 examples (one block, two blocks) and the empty message. */
const SHA256_VECTORS: string[][] = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
];

export function run(): i32 {
  for (let i = 0; i < MD5_VECTORS.length; i++) {
    const t = MD5_VECTORS[i];
    expectStr("md5 RFC 1321 \"" + t[0] + "\"", md5Hex(latin1Bytes(t[0])), t[1]);
  }
  for (let i = 0; i < SHA256_VECTORS.length; i++) {
    const t = SHA256_VECTORS[i];
    expectStr("sha256 FIPS 180-4 \"" + t[0] + "\"", sha256Hex(latin1Bytes(t[0])), t[1]);
  }
  expectStr(
    "sha256 of one million \"a\"",
    sha256Hex(latin1Bytes("a".repeat(1000000))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
  report();
  return 0;
}

/** `md5Hex(input) + " " + sha256Hex(input)` of raw input bytes, for the node:crypto comparison. */
export function digest(ptr: usize, len: i32): i32 {
  const data = new Uint8Array(len);
  memory.copy(data.dataStart, ptr, <usize>len);
  writeOutput(String.UTF8.encode(md5Hex(data) + " " + sha256Hex(data)));
  return 0;
}
