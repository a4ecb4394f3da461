/** `{"type":"host"}` records: the hosts discovered_hosts says are up, merged over the methods that saw them. */

import { describe, expect, it } from 'vitest';
import { DataContext } from '../../host/engine/context.ts';
import { hostRecords, resultRecords } from '../../host/report.ts';

describe('host records', () => {
  it('a host is up when any method saw it; methods listed once, the fastest RTT kept; down hosts left out', () => {
    const ctx = new DataContext();
    ctx.write({ module: 'pentora/icmp-discovery', instance: 'icmp' }, 'discovered_hosts', [
      { host: '10.0.0.10', alive: true, method: 'icmp-echo', rtt_ms: 0.9 },
      { host: '10.0.0.9', alive: false, method: 'icmp-echo', reason: 'no-response' },
      { host: '10.0.0.2', alive: false, method: 'icmp-echo' },
    ]);
    ctx.write({ module: 'pentora/tcp-probe-discovery', instance: 'tcp' }, 'discovered_hosts', [
      { host: '10.0.0.10', alive: true, method: 'tcp-syn', rtt_ms: 0.4 },
      { host: '10.0.0.2', alive: true, method: 'tcp-syn' },
      { host: '10.0.0.2', alive: true, method: 'tcp-syn' },
      { host: '10.0.0.9', alive: false, method: 'tcp-syn' },
    ]);
    expect(hostRecords(ctx)).toEqual([
      { type: 'host', host: '10.0.0.2', state: 'up', methods: ['tcp-syn'] },
      { type: 'host', host: '10.0.0.10', state: 'up', methods: ['icmp-echo', 'tcp-syn'], rtt_ms: 0.4 },
    ]);
    expect(resultRecords(ctx).hosts).toHaveLength(2);
  });

  it('no discovery, no host records', () => {
    expect(resultRecords(new DataContext()).hosts).toEqual([]);
  });
});
