/**
 * The DataContext (DESIGN §4): lists of records flowing through the DAG.
 * Each instance writes under its own namespace `<module>.<instance>.<key>`;
 * reading a standard key returns the merge of every namespace in write order.
 * Writes are validated against the key's schema item by item, and the host
 * stamps `plugin` on every record so provenance cannot be forged.
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { validate } from './json-schema.ts';
import { isStandardKey, STANDARD_KEYS } from './keys.ts';

export interface Writer {
  /** `publisher/plugin`, or `host`. */
  module: string;
  instance: string;
}

interface Entry {
  writer: Writer;
  key: string;
  items: Record<string, unknown>[];
}

export class DataContext {
  readonly #entries = new Map<string, Entry>();

  static namespaced(w: Writer, key: string): string {
    return `${w.module}.${w.instance}.${key}`;
  }

  /**
   * Writes (or appends) records for `writer`. Throws ContextKey for a key that
   * is not a standard key and Schema for a record that does not validate; a
   * failed write changes nothing.
   */
  write(writer: Writer, key: string, value: unknown, append = false): { count: number } {
    if (!isStandardKey(key)) throw new PentoraError(ErrorCode.ContextKey, `"${key}" is not a DataContext key (${Object.keys(STANDARD_KEYS).join(', ')})`);
    if (!Array.isArray(value)) throw new PentoraError(ErrorCode.Schema, `${key}: value must be a list of records`);
    const ns = DataContext.namespaced(writer, key);
    const prev = this.#entries.get(ns);
    const items = value.map((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>), plugin: writer.module } : v));
    const schema = STANDARD_KEYS[key];
    const problem = validate(schema, items, key);
    if (problem) throw new PentoraError(ErrorCode.Schema, `${writer.module} wrote an invalid record: ${problem}`, { key });
    const base = append && prev ? prev.items : [];
    const max = schema.maxItems ?? Infinity;
    if (base.length + items.length > max) throw new PentoraError(ErrorCode.Limit, `${key}: more than ${max} records from ${writer.module}`);
    const merged = base.length > 0 ? base.concat(items as Record<string, unknown>[]) : (items as Record<string, unknown>[]);
    this.#entries.set(ns, { writer, key, items: merged });
    return { count: merged.length };
  }

  /** The merge of every namespace's records for `key`, or null when nothing has written it. */
  get(key: string): Record<string, unknown>[] | null {
    let out: Record<string, unknown>[] | null = null;
    for (const e of this.#entries.values()) {
      if (e.key !== key) continue;
      out = out ? out.concat(e.items) : e.items.slice();
    }
    return out;
  }

  /** How many records the merge of `key` holds (0 when nothing wrote it). */
  count(key: string): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.key === key) n += e.items.length;
    return n;
  }

  /**
   * Records [offset, offset + limit) of the merge of `key`, in get()'s order,
   * stopping early once their JSON (UTF-8) passes `maxBytes` (a page always
   * holds at least one record). Sliced namespace by namespace, so a page
   * costs its own size, not a copy of the whole merged list.
   */
  page(key: string, offset: number, limit: number, maxBytes = Infinity): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    let skip = offset;
    let bytes = 0;
    for (const e of this.#entries.values()) {
      if (e.key !== key) continue;
      if (skip >= e.items.length) {
        skip -= e.items.length;
        continue;
      }
      for (let i = skip; i < e.items.length; i++) {
        if (out.length >= limit) return out;
        const item = e.items[i] as Record<string, unknown>;
        if (maxBytes !== Infinity) {
          bytes += Buffer.byteLength(JSON.stringify(item));
          if (bytes > maxBytes && out.length > 0) return out;
        }
        out.push(item);
      }
      skip = 0;
    }
    return out;
  }

  /** What one writer wrote under `key`, or null. */
  writtenBy(writer: Writer, key: string): Record<string, unknown>[] | null {
    return this.#entries.get(DataContext.namespaced(writer, key))?.items ?? null;
  }

  /** Every namespaced entry, for status and debugging. */
  namespaces(): Array<{ name: string; count: number }> {
    return [...this.#entries].map(([name, e]) => ({ name, count: e.items.length }));
  }

  /** The keys an instance wrote; a failed node keeps what it wrote (partial results). */
  keysWrittenBy(writer: Writer): string[] {
    return [...this.#entries.values()].filter((e) => e.writer.module === writer.module && e.writer.instance === writer.instance).map((e) => e.key);
  }
}
