/**
 * A pure reader of a plugin (src/parse.ts and the like) called through its
 * compiled unit entry (src/__tests__/unit.ts, as-unit.ts), and the table of
 * cases most reader tests are: a name, the bytes, and what the reading must
 * hold, or null for "not this protocol".
 *
 * @example
 *   const mod = await instantiateAs(await compileAs('plugins/mail/src/__tests__/unit.ts'));
 *   const imap = byteReader<Rec>(mod, 'imap');
 *   readsAs(imap, [
 *     ['PREAUTH (RFC 9051 §7.1.4)', '* PREAUTH IMAP4rev1 server logged in as admin\r\n', { status: 'PREAUTH' }],
 *     ['POP3', '+OK Dovecot ready.\r\n', null],
 *   ]);
 */

import { expect, it } from 'vitest';
import type { AsModule } from './as-unit.ts';

/** Bytes, or a string of latin1 characters (one per byte). */
export type ReaderInput = Buffer | string;

/** A table row: the test's name, the input, and the fields the reading must match (null: it must be null). */
export type ReaderCase<W> = [name: string, data: ReaderInput, want: W | null];

/**
 * The unit entry `entry` of `mod` as a function: bytes in (invokeBytes), the
 * JSON it returns out (null for "not this protocol"). The entry must not
 * trap: its return code is checked on every call. `mod` may be a getter, for
 * a module instantiated in a `beforeAll`.
 */
export function byteReader<T>(mod: AsModule | (() => AsModule), entry: string): (data: ReaderInput) => T | null {
  return (data) => {
    const { rc, output } = (typeof mod === 'function' ? mod() : mod).invokeBytes(entry, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    expect(rc).toBe(0);
    return JSON.parse(output) as T | null;
  };
}

/** One test per row: `read(data)` is null where `want` is, else matches `want` (toMatchObject). */
export function readsAs<T, W = unknown>(read: (data: ReaderInput) => T | null, cases: Array<ReaderCase<W>>): void {
  it.each(cases)('%s', (_name, data, want) => {
    const r = read(data);
    if (want === null) expect(r).toBeNull();
    else expect(r).toMatchObject(want as object);
  });
}
