import { describe, expect, it } from 'vitest';
import { checkPortSpec } from '../../host/net/ports.ts';

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
