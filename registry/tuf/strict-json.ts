/**
 * A strict JSON parser for registry metadata: the bytes a signature covers
 * must have exactly one meaning. `JSON.parse` keeps the last of two duplicate
 * keys and other parsers keep the first, so a file with `{"version": 1,
 * "version": 9}` could verify under one reading and act under another. We
 * refuse it, and with it everything else that gives bytes a second meaning:
 * a byte-order mark, invalid UTF-8, lone surrogate escapes, and anything but
 * whitespace after the value (unsigned bytes appended to a signed file).
 * The size cap is checked before a single byte is decoded.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface StrictJsonOptions {
  /** Refuse the file, unread, when it is larger than this. */
  maxBytes: number;
  /** Nesting depth cap (objects and arrays); default 64. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 64;

/**
 * Parses `bytes` as one JSON value, refusing duplicate keys, trailing bytes,
 * a BOM, invalid UTF-8 and nesting deeper than `maxDepth`.
 *
 * @example
 *   const doc = parseStrictJson(bytes, 'timestamp.json', { maxBytes: 64 * 1024 });
 */
export function parseStrictJson(bytes: Uint8Array, where: string, opts: StrictJsonOptions): JsonValue {
  if (bytes.length > opts.maxBytes) {
    throw new PentoraError(ErrorCode.Registry, `${where}: ${bytes.length} bytes, over the ${opts.maxBytes}-byte cap`, {
      size: bytes.length,
      max: opts.maxBytes,
    });
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new PentoraError(ErrorCode.Registry, `${where}: starts with a byte-order mark`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new PentoraError(ErrorCode.Registry, `${where}: not valid UTF-8`);
  }
  return new Parser(text, where, opts.maxDepth ?? DEFAULT_MAX_DEPTH).document();
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  readonly #s: string;
  readonly #where: string;
  readonly #maxDepth: number;
  #i = 0;

  constructor(s: string, where: string, maxDepth: number) {
    this.#s = s;
    this.#where = where;
    this.#maxDepth = maxDepth;
  }

  document(): JsonValue {
    this.#ws();
    const v = this.#value(0);
    this.#ws();
    if (this.#i < this.#s.length) this.#fail(`unexpected data after the JSON value at offset ${this.#i}`);
    return v;
  }

  #fail(msg: string): never {
    throw new PentoraError(ErrorCode.Registry, `${this.#where}: ${msg}`, { offset: this.#i });
  }

  #ws(): void {
    while (this.#i < this.#s.length && WS.has(this.#s.charCodeAt(this.#i))) this.#i++;
  }

  #value(depth: number): JsonValue {
    const c = this.#s[this.#i];
    if (c === '{') return this.#object(depth + 1);
    if (c === '[') return this.#array(depth + 1);
    if (c === '"') return this.#string();
    if (c === 't') return this.#literal('true', true);
    if (c === 'f') return this.#literal('false', false);
    if (c === 'n') return this.#literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    return this.#fail(c === undefined ? 'unexpected end of JSON' : `unexpected character ${JSON.stringify(c)} at offset ${this.#i}`);
  }

  #literal<T>(word: string, value: T): T {
    if (!this.#s.startsWith(word, this.#i)) this.#fail(`invalid literal at offset ${this.#i}`);
    this.#i += word.length;
    return value;
  }

  #number(): number {
    NUMBER.lastIndex = this.#i;
    const m = NUMBER.exec(this.#s);
    if (!m) this.#fail(`invalid number at offset ${this.#i}`);
    this.#i += m[0].length;
    return Number(m[0]);
  }

  #string(): string {
    this.#i++; // opening quote
    let out = '';
    for (;;) {
      const code = this.#s.charCodeAt(this.#i);
      if (Number.isNaN(code)) this.#fail('unterminated string');
      if (code === 0x22) {
        this.#i++;
        return out;
      }
      if (code < 0x20) this.#fail(`unescaped control character in a string at offset ${this.#i}`);
      if (code !== 0x5c) {
        out += this.#s[this.#i++];
        continue;
      }
      const e = this.#s[this.#i + 1];
      this.#i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': out += this.#unicodeEscape(); break;
        default: this.#fail(`invalid escape at offset ${this.#i - 2}`);
      }
    }
  }

  /** `\uXXXX`, with surrogate pairs joined; a lone surrogate has no UTF-8 form and is refused. */
  #unicodeEscape(): string {
    const hi = this.#hex4();
    if (hi >= 0xdc00 && hi <= 0xdfff) this.#fail('lone low surrogate escape');
    if (hi < 0xd800 || hi > 0xdbff) return String.fromCharCode(hi);
    if (this.#s[this.#i] !== '\\' || this.#s[this.#i + 1] !== 'u') this.#fail('lone high surrogate escape');
    this.#i += 2;
    const lo = this.#hex4();
    if (lo < 0xdc00 || lo > 0xdfff) this.#fail('high surrogate escape not followed by a low one');
    return String.fromCharCode(hi, lo);
  }

  #hex4(): number {
    const h = this.#s.slice(this.#i, this.#i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.#fail(`invalid \\u escape at offset ${this.#i}`);
    this.#i += 4;
    return parseInt(h, 16);
  }

  #array(depth: number): JsonValue[] {
    if (depth > this.#maxDepth) this.#fail(`nested deeper than ${this.#maxDepth}`);
    this.#i++;
    const out: JsonValue[] = [];
    this.#ws();
    if (this.#s[this.#i] === ']') {
      this.#i++;
      return out;
    }
    for (;;) {
      this.#ws();
      out.push(this.#value(depth));
      this.#ws();
      const c = this.#s[this.#i++];
      if (c === ']') return out;
      if (c !== ',') this.#fail(`expected "," or "]" at offset ${this.#i - 1}`);
    }
  }

  #object(depth: number): JsonObject {
    if (depth > this.#maxDepth) this.#fail(`nested deeper than ${this.#maxDepth}`);
    this.#i++;
    const out: JsonObject = {};
    this.#ws();
    if (this.#s[this.#i] === '}') {
      this.#i++;
      return out;
    }
    for (;;) {
      this.#ws();
      if (this.#s[this.#i] !== '"') this.#fail(`expected a string key at offset ${this.#i}`);
      const keyAt = this.#i;
      const key = this.#string();
      if (Object.hasOwn(out, key)) {
        this.#i = keyAt;
        this.#fail(`duplicate key ${JSON.stringify(key)} at offset ${keyAt}`);
      }
      this.#ws();
      if (this.#s[this.#i++] !== ':') this.#fail(`expected ":" at offset ${this.#i - 1}`);
      this.#ws();
      // defineProperty, not assignment: a "__proto__" key stays an own data property.
      Object.defineProperty(out, key, { value: this.#value(depth), enumerable: true, writable: true, configurable: true });
      this.#ws();
      const c = this.#s[this.#i++];
      if (c === '}') return out;
      if (c !== ',') this.#fail(`expected "," or "}" at offset ${this.#i - 1}`);
    }
  }
}
