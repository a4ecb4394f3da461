/** Building the probes this plugin sends: a big-endian byte writer and BER TLVs (X.690 §8.1). */

export class ByteWriter {
  private buf: Uint8Array = new Uint8Array(64);
  private n: i32 = 0;

  private room(k: i32): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(max(this.buf.length * 2, this.n + k));
    next.set(this.buf);
    this.buf = next;
  }

  u8(v: i32): ByteWriter {
    this.room(1);
    this.buf[this.n++] = <u8>v;
    return this;
  }

  u16(v: i32): ByteWriter {
    return this.u8(v >>> 8).u8(v);
  }

  bytes(b: Uint8Array): ByteWriter {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  /** The characters of `s` as bytes (callers pass ASCII). */
  ascii(s: string): ByteWriter {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = <u8>s.charCodeAt(i);
    return this;
  }

  /** A DNS name (RFC 1035 §3.1): length-prefixed labels, then the root's zero byte. */
  dnsName(name: string): ByteWriter {
    if (name.length > 0) {
      const labels = name.split(".");
      for (let i = 0; i < labels.length; i++) this.u8(labels[i].length).ascii(labels[i]);
    }
    return this.u8(0);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** A BER TLV with a definite length, short or long form (X.690 §8.1.3). */
export function tlv(tag: i32, content: Uint8Array): Uint8Array {
  const w = new ByteWriter().u8(tag);
  const n = content.length;
  if (n < 0x80) w.u8(n);
  else if (n < 0x100) w.u8(0x81).u8(n);
  else w.u8(0x82).u16(n);
  return w.bytes(content).finish();
}

/** A TLV whose content is ASCII text (OCTET STRING 0x04, a context tag). */
export function tlvText(tag: i32, s: string): Uint8Array {
  return tlv(tag, new ByteWriter().ascii(s).finish());
}

/** A one-octet INTEGER/ENUMERATED/BOOLEAN content. */
export function tlvByte(tag: i32, v: i32): Uint8Array {
  return tlv(tag, new ByteWriter().u8(v).finish());
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < parts.length; i++) w.bytes(parts[i]);
  return w.finish();
}
