import { describe, expect, it } from 'vitest';
import { routedOverLoopback, type Interfaces } from '../../host/net/local-addresses.ts';

const ifaces: Interfaces = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
  ],
  eth0: [{ address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.10/24' }],
  eth1: [{ address: '2001:db8::10', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:02', internal: false, cidr: '2001:db8::10/64', scopeid: 0 }],
};

describe('routedOverLoopback (nmap islocalhost: up without discovery probes)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.42.0.255', true],
    ['::1', true],
    ['::ffff:127.0.0.9', true],
    ['192.0.2.10', true], // an interface's own address: delivered on lo
    ['2001:db8:0::10', true], // any spelling
    ['192.0.2.11', false], // a neighbour on eth0's subnet is not this machine
    ['2001:db8::11', false],
    ['10.0.0.1', false],
    ['not-an-ip', false],
  ])('%s -> %s', (addr, want) => {
    expect(routedOverLoopback(addr, ifaces)).toBe(want);
  });
});
