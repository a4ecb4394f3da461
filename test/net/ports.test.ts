import { describe, expect, it } from 'vitest';
import { checkPortSpec, formatPortSpec } from '../../host/net/ports.ts';

describe('checkPortSpec', () => {
  it.each([
    ['22', 1],
    ['22,80,443', 3],
    ['1-1024', 1024],
    ['22,20-25', 6],
    ['-', 65535],
    ['-1024', 1024],
    ['60000-', 5536],
    [' 22 , 80 ', 2],
  ])('accepts %j (%i ports)', (spec, n) => expect(checkPortSpec(spec)).toBe(n));

  it.each([
    ['70000', 'port 70000 in "70000" is outside 1-65535'],
    ['0', 'port 0 in "0" is outside 1-65535'],
    ['22,,80', 'empty item'],
    ['ssh', '"ssh" is not a port or range'],
    ['100-10', 'range "100-10" runs backwards'],
    ['1-2-3', '"1-2-3" is not a port or range'],
  ])('refuses %j', (spec, msg) => expect(() => checkPortSpec(spec)).toThrow(msg));
});

describe('formatPortSpec (audit entries)', () => {
  it.each([
    [[443, 22, 23, 24, 80], '22-24,80,443'],
    [Array.from({ length: 65535 }, (_, i) => i + 1), '1-65535'],
    [[65535, 1, 1, 2], '1-2,65535'],
    [[], ''],
    [[0, 70000, 1.5, 8080], '8080'],
  ])('%j -> %s', (ports, spec) => {
    expect(formatPortSpec(ports)).toBe(spec);
    if (spec !== '') expect(checkPortSpec(spec)).toBe(new Set(ports.filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535)).size);
  });
});
