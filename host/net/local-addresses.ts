/**
 * Whether a target is this machine: an address the kernel delivers over the
 * loopback device. That is 127.0.0.0/8 and ::1, and every address of one of
 * the machine's own interfaces (Linux routes those through `lo` too, from
 * its `local` routing table).
 *
 * nmap applies the same rule (islocalhost(): 127/8, 0.0.0.0, or an
 * interface's address) and reports such a host "up, received
 * localhost-response" without sending a discovery probe: nothing on a path
 * can hide this machine from itself. pentora does the same when every
 * target is local (host/scan.ts).
 *
 * @example
 * routedOverLoopback('127.42.0.7'); // true
 * routedOverLoopback('192.0.2.1');  // false, unless an interface has it
 */

import os from 'node:os';
import { isLoopback, parseIp } from './address.ts';

export type Interfaces = ReturnType<typeof os.networkInterfaces>;

export function routedOverLoopback(address: string, interfaces: Interfaces = os.networkInterfaces()): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (isLoopback(ip)) return true;
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      const own = parseIp(a.address);
      if (own && own.family === ip.family && own.value === ip.value) return true;
    }
  }
  return false;
}
