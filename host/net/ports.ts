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

/**
 * The ports as a spec in the same syntax, ascending with runs folded into
 * ranges: [443, 22, 23, 24, 80] -> "22-24,80,443". For audit entries, where a
 * 65,535-port batch should read "1-65535", not 65,535 numbers. Values
 * outside 1..65535 or not integers are left out.
 */
export function formatPortSpec(ports: Iterable<number>): string {
  // Sorted, not a 65,536-slot scan: a batch's per-host open list is a handful of ports; a
  // request's list is often in order already, and then is not sorted again.
  const list = Array.isArray(ports) ? (ports as readonly number[]) : [...ports];
  const buf = new Int32Array(list.length);
  let n = 0;
  let ordered = true;
  for (const p of list) {
    if (!(Number.isInteger(p) && p >= 1 && p <= 65535)) continue;
    if (n > 0 && p < (buf[n - 1] as number)) ordered = false;
    buf[n++] = p;
  }
  const sorted = ordered ? buf.subarray(0, n) : buf.subarray(0, n).sort();
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const lo = sorted[i] as number;
    let hi = lo;
    while (i < sorted.length && (sorted[i] as number) <= hi + 1) hi = Math.max(hi, sorted[i++] as number);
    out.push(hi === lo ? String(lo) : `${lo}-${hi}`);
  }
  return out.join(',');
}
