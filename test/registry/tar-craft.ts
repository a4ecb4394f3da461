/**
 * Hand-made tar archives for the hostile cases the writer refuses to make:
 * symlinks, devices, `..`, NUL in names, wrong checksums, trailing bytes.
 * Each header gets a correct checksum unless asked otherwise, so the reader's
 * refusal is about the thing under test and not a corrupt header.
 */

export interface RawEntry {
  name: string;
  /** Typeflag character; '0' regular file. */
  type?: string;
  data?: Uint8Array | string;
  linkname?: string;
  prefix?: string;
  mode?: number;
  magic?: string;
  /** Overrides the size field (a lie about the content length). */
  size?: number;
  /** Stores this checksum instead of the right one. */
  checksum?: number;
}

function put(h: Uint8Array, at: number, text: string): void {
  h.set(Buffer.from(text, 'latin1'), at);
}

export function rawHeader(e: RawEntry): Uint8Array {
  const h = new Uint8Array(512);
  const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? new Uint8Array(0));
  put(h, 0, e.name);
  put(h, 100, `${(e.mode ?? 0o644).toString(8).padStart(7, '0')}\0`);
  put(h, 108, '0000000\0');
  put(h, 116, '0000000\0');
  put(h, 124, `${(e.size ?? data.length).toString(8).padStart(11, '0')}\0`);
  put(h, 136, `${(0).toString(8).padStart(11, '0')}\0`);
  h[156] = (e.type ?? '0').charCodeAt(0);
  put(h, 157, e.linkname ?? '');
  put(h, 257, e.magic ?? 'ustar\u000000');
  put(h, 345, e.prefix ?? '');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  put(h, 148, `${(e.checksum ?? sum).toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Headers, contents padded to 512, and the two zero end blocks (plus `trailing`). */
export function rawTar(entries: RawEntry[], trailing: Uint8Array = new Uint8Array(0)): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(rawHeader(e));
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? new Uint8Array(0));
    if (data.length) {
      parts.push(data);
      parts.push(new Uint8Array((512 - (data.length % 512)) % 512));
    }
  }
  parts.push(new Uint8Array(1024), trailing);
  return Buffer.concat(parts);
}
