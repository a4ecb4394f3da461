/**
 * Canonical JSON as TUF uses it (the OLPC dialect, as in securesystemslib's
 * `encode_canonical`): no whitespace, object keys sorted by code point, strings
 * escaping only `"` and `\` (every other character, control characters
 * included, is written as its raw UTF-8), integers only. Signatures cover these
 * bytes, so two parties that agree on the parsed value agree on what was signed.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { JsonValue } from './strict-json.ts';

/**
 * Canonical JSON of `value` as UTF-8 bytes.
 *
 * @example
 *   canonicalJson({ b: 1, a: 'x' }); // bytes of {"a":"x","b":1}
 */
export function canonicalJson(value: JsonValue): Uint8Array {
  const parts: string[] = [];
  encode(value, parts);
  return Buffer.from(parts.join(''), 'utf8');
}

function encode(v: JsonValue, out: string[]): void {
  if (v === null) out.push('null');
  else if (v === true) out.push('true');
  else if (v === false) out.push('false');
  else if (typeof v === 'number') {
    // OLPC canonical JSON has no floats, and an integer past 2^53 has no exact JS value.
    if (!Number.isSafeInteger(v)) throw new PentoraError(ErrorCode.Registry, `canonical JSON allows only safe integers, not ${v}`);
    out.push(Object.is(v, -0) ? '0' : String(v));
  } else if (typeof v === 'string') out.push(encodeString(v));
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item, i) => {
      if (i > 0) out.push(',');
      encode(item, out);
    });
    out.push(']');
  } else {
    // Sorting by UTF-8 bytes is sorting by code point (what Python's sorted() does);
    // JS's default sort compares UTF-16 units, which differs above U+FFFF.
    const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(',');
      out.push(encodeString(k), ':');
      encode(v[k]!, out);
    });
    out.push('}');
  }
}

function encodeString(s: string): string {
  if (!s.isWellFormed()) throw new PentoraError(ErrorCode.Registry, 'canonical JSON: string holds a lone surrogate');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
