/**
 * Port lists as operators type them (`22,80,443`, `1-1024`, `-` for all).
 * The host checks the syntax of --ports before a scan starts, so a typo is a
 * usage error rather than a failed plugin; scanner plugins parse the same
 * syntax themselves (sdk/assemblyscript/ports.ts).
 */

import { ErrorCode, PentoraError } from '../errors.ts';

/** Returns the number of distinct ports, or throws a one-line Usage error naming the bad item. */
export function checkPortSpec(spec: string, flag = '--ports'): number {
  const s = spec.trim();
  if (s === '-') return 65535;
  const seen = new Set<number>();
  const port = (t: string, item: string): number => {
    if (!/^\d{1,5}$/.test(t)) throw new PentoraError(ErrorCode.Usage, `${flag}: "${item}" is not a port or range (examples: 22,80,1-1024, - for all)`);
    const n = Number(t);
    if (n < 1 || n > 65535) throw new PentoraError(ErrorCode.Usage, `${flag}: port ${n} in "${item}" is outside 1-65535`);
    return n;
  };
  for (const raw of s.split(',')) {
    const item = raw.trim();
    if (item === '') throw new PentoraError(ErrorCode.Usage, `${flag}: empty item in "${spec}"`);
    const m = /^(\d*)-(\d*)$/.exec(item);
    if (m) {
      const lo = m[1] === '' ? 1 : port(m[1]!, item);
      const hi = m[2] === '' ? 65535 : port(m[2]!, item);
      if (lo > hi) throw new PentoraError(ErrorCode.Usage, `${flag}: range "${item}" runs backwards`);
      for (let p = lo; p <= hi; p++) seen.add(p);
    } else {
      seen.add(port(item, item));
    }
  }
  return seen.size;
}
