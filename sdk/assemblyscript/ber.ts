/**
 * Writing BER (ITU-T X.690 §8) for the probes that speak it (SNMP, LDAP):
 * TLVs with definite lengths and non-negative INTEGER contents. Reading BER
 * stays with each plugin, which knows what it expects.
 *
 * @example
 *   const version = berTlv(0x02, berUint(1));           // INTEGER 1: 02 01 01
 *   const seq = berTlv(0x30, concatBytes([version]));   // SEQUENCE { ... }
 */

import { ByteWriter } from "./wire";

/** A TLV with a definite length, short or long form (X.690 §8.1.3); contents up to 64 KiB. */
export function berTlv(tag: i32, content: Uint8Array): Uint8Array {
  const w = new ByteWriter().u8(tag);
  const n = content.length;
  if (n < 0x80) w.u8(n);
  else if (n < 0x100) w.u8(0x81).u8(n);
  else w.u8(0x82).u16(n);
  return w.bytes(content).finish();
}

/** A BER INTEGER's content octets for a non-negative value: minimal two's complement (X.690 §8.3). */
export function berUint(v: u32): Uint8Array {
  const w = new ByteWriter();
  let started = false;
  for (let shift = 24; shift >= 0; shift -= 8) {
    const b = <i32>((v >>> shift) & 0xff);
    if (!started) {
      if (b == 0 && shift > 0) continue;
      // A leading byte with the top bit set would read as negative.
      if (b & 0x80) w.u8(0);
      started = true;
    }
    w.u8(b);
  }
  return w.finish();
}
