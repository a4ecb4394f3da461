/**
 * DNS replies (RFC 1035 §4.1): the header, the question, and the TXT answer
 * to `version.bind` CH TXT (the query pentora/udp-scanner and the
 * `dns-version-bind` probe send), which most servers fill with their name and
 * version. Over TCP a message has a two-byte length prefix (RFC 1035 §4.2.2,
 * RFC 7766). Pure and bounded: names follow at most MAX_JUMPS compression
 * pointers, sections at most MAX_RECORDS records; hostile bytes give null or
 * what parsed before them.
 */

import { ByteWriter, u16be } from "../../../sdk/assemblyscript/index";

export const RCODE_NAMES: string[] = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];

const MAX_JUMPS: i32 = 32;
const MAX_NAME: i32 = 255;
const MAX_RECORDS: i32 = 64;
const MAX_TXT: i32 = 512;

/** What a reply says. `version` is the first TXT answer's text ("" when none). */
export class DnsReply {
  id: i32 = 0;
  opcode: i32 = 0;
  rcode: i32 = 0;
  aa: bool = false;
  tc: bool = false;
  rd: bool = false;
  ra: bool = false;
  qname: string = "";
  qtype: i32 = 0;
  qclass: i32 = 0;
  answers: i32 = 0;
  authority: i32 = 0;
  additional: i32 = 0;
  version: string = "";
  /** The records did not all parse (cut short or malformed). */
  partial: bool = false;

  rcodeName(): string {
    return this.rcode < RCODE_NAMES.length ? RCODE_NAMES[this.rcode] : "RCODE" + this.rcode.toString();
  }

  flags(): string {
    let s = "qr";
    if (this.aa) s += " aa";
    if (this.tc) s += " tc";
    if (this.rd) s += " rd";
    if (this.ra) s += " ra";
    return s;
  }
}

/** A name read at `at` (RFC 1035 §4.1.4 compression allowed): its text and where the record goes on. */
class Name {
  text: string = "";
  next: i32 = -1;
}

function readName(b: Uint8Array, base: i32, at: i32): Name | null {
  const out = new Name();
  let p = at;
  let jumps = 0;
  let len = 0;
  for (;;) {
    if (p >= b.length) return null;
    const c = <i32>b[p];
    if ((c & 0xc0) == 0xc0) {
      if (p + 1 >= b.length || ++jumps > MAX_JUMPS) return null;
      if (out.next < 0) out.next = p + 2;
      p = base + (((c & 0x3f) << 8) | <i32>b[p + 1]);
      continue;
    }
    if ((c & 0xc0) != 0) return null; // 0x40/0x80: extended label types, obsolete (RFC 6891 §5)
    p++;
    if (c == 0) break;
    if (p + c > b.length) return null;
    len += c + 1;
    if (len > MAX_NAME) return null;
    if (out.text.length > 0) out.text += ".";
    for (let i = 0; i < c; i++) {
      const ch = <i32>b[p + i];
      out.text += ch > 0x20 && ch < 0x7f ? String.fromCharCode(ch) : "?";
    }
    p += c;
  }
  if (out.next < 0) out.next = p;
  return out;
}

/**
 * A DNS message starting at `base` (0 over UDP, 2 after TCP's length prefix),
 * or null when the bytes are not a DNS response: QR must be set, the opcode
 * a defined one, and the question (one, as every query pentora sends has)
 * must parse. A reply without a question is accepted only as a bare
 * 12-byte error header (FORMERR/NOTIMP answers from some servers).
 */
export function parseDnsAt(b: Uint8Array, base: i32): DnsReply | null {
  if (b.length - base < 12) return null;
  const flags = u16be(b, base + 2);
  if ((flags & 0x8000) == 0) return null;
  const r = new DnsReply();
  r.id = u16be(b, base);
  r.opcode = (flags >> 11) & 0x0f;
  if (r.opcode == 3 || r.opcode > 6) return null;
  r.aa = (flags & 0x0400) != 0;
  r.tc = (flags & 0x0200) != 0;
  r.rd = (flags & 0x0100) != 0;
  r.ra = (flags & 0x0080) != 0;
  r.rcode = flags & 0x0f;
  const qd = u16be(b, base + 4);
  r.answers = u16be(b, base + 6);
  r.authority = u16be(b, base + 8);
  r.additional = u16be(b, base + 10);
  if (qd == 0) {
    if (r.rcode == 0 || r.answers + r.authority + r.additional != 0 || b.length - base != 12) return null;
    return r;
  }
  if (qd != 1) return null;
  const q = readName(b, base, base + 12);
  if (q === null || q.next + 4 > b.length) return null;
  r.qname = q.text;
  r.qtype = u16be(b, q.next);
  r.qclass = u16be(b, q.next + 2);
  if (r.qtype == 0 || r.qclass == 0) return null;

  let p = q.next + 4;
  const total = min(r.answers + r.authority + r.additional, MAX_RECORDS);
  for (let i = 0; i < total; i++) {
    const n = readName(b, base, p);
    if (n === null || n.next + 10 > b.length) {
      r.partial = true;
      break;
    }
    const type = u16be(b, n.next);
    const rdlen = u16be(b, n.next + 8);
    const rdata = n.next + 10;
    if (rdata + rdlen > b.length) {
      r.partial = true;
      break;
    }
    if (i < r.answers && type == 16 && r.version.length == 0) r.version = txtOf(b, rdata, rdata + rdlen);
    p = rdata + rdlen;
  }
  return r;
}

/** The character-strings of TXT RDATA (RFC 1035 §3.3.14) joined, at most MAX_TXT chars. */
function txtOf(b: Uint8Array, start: i32, end: i32): string {
  let s = "";
  let p = start;
  while (p < end && s.length < MAX_TXT) {
    const n = <i32>b[p++];
    const stop = min(p + n, end);
    for (let i = p; i < stop && s.length < MAX_TXT; i++) s += String.fromCharCode(<i32>b[i]);
    p = stop;
  }
  return s;
}

/** A reply over UDP (no prefix). */
export function parseDnsUdp(b: Uint8Array): DnsReply | null {
  return parseDnsAt(b, 0);
}

/** A reply over TCP: the two-byte length must fit what was read (RFC 7766 §8); bytes after the message are ignored. */
export function parseDnsTcp(b: Uint8Array): DnsReply | null {
  if (b.length < 14) return null;
  const n = u16be(b, 0);
  if (n < 12 || n + 2 > b.length) return null;
  return parseDnsAt(b.subarray(0, n + 2), 2);
}

/** The `dns-version-bind` probe: version.bind CH TXT (RFC 1035 §3.2.4 class CH = 3, TXT = 16), ID "pe", RD clear, with TCP's length prefix. */
export function versionBindQueryTcp(): Uint8Array {
  const q = new ByteWriter().u16(0x7065).u16(0).u16(1).u16(0).u16(0).u16(0).dnsName("version.bind").u16(16).u16(3).finish();
  return new ByteWriter().u16(q.length).bytes(q).finish();
}
