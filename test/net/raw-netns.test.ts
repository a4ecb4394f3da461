/**
 * The raw-socket host calls against real packets, between two network
 * namespaces this file creates (test/net/netns.ts) and removes: listeners
 * and nftables rules in B, the scanner in A (or in B for loopback), as a
 * child process under `ip netns exec`. Traffic stays on the veth pair and
 * the namespaces' own loopback.
 *
 * nftables in B counts what arrives (SYNs per port range, packets over a
 * rate), so "how many packets" is measured on the receiving side.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IcmpEchoResponse, SynScanResponse, UdpProbeResponse } from '../../host/hostcalls/types.ts';
import type { SynScanOutcome } from '../../host/net/raw/syn.ts';
import { createNetnsPair, netnsSupport, sh, type NetnsPair, type ServiceHandle } from './netns.ts';

const support = netnsSupport();
const nftMissing = support.ok && spawnable('nft') === false;
if (process.env.CI && (!support.ok || nftMissing)) {
  // In CI these must run: a skip there would hide a broken fixture.
  throw new Error(`namespace tests cannot run in CI: ${support.ok ? 'nft is not installed (see .ci/run)' : support.reason}`);
}
const skipReason = !support.ok ? support.reason : nftMissing ? 'nft (nftables) is not installed' : null;
const hasCapsh = spawnable('capsh');
if (process.env.CI && !hasCapsh) throw new Error('capsh (libcap2-bin) is not installed (see .ci/run)');

function spawnable(cmd: string): boolean {
  try {
    sh(['sh', '-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

const SCANNER = 'test/net/fixtures/raw-scan.ts';
const TCP_OPEN = [22, 80, 443, 8080];
/** 200 listeners spread over 1..65535 (a fixed irregular spread, the four above included), off the ports the firewall rules use. */
const SPREAD_SET = ((): number[] => {
  const reserved = (p: number): boolean => [81, 82, 83].includes(p) || (p >= 20000 && p <= 31999);
  const set = new Set<number>(TCP_OPEN);
  for (let i = 0; set.size < 200 && i < 10_000; i++) {
    const p = 1 + ((i * 7919 + 13) % 65535);
    if (!reserved(p)) set.add(p);
  }
  return [...set].sort((a, b) => a - b);
})();

/** B's firewall: what is dropped, rejected, and counted. */
const RULES = `
table inet pentora_test {
  counter rate_syn {}
  counter rate_over {}
  counter scope_in {}
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 10.199.0.1 tcp dport 20000-20999 tcp flags & (syn | ack) == syn counter name rate_syn
    ip saddr 10.199.0.1 tcp dport 20000-20999 tcp flags & (syn | ack) == syn limit rate over 2500/second burst 250 packets counter name rate_over
    tcp dport 31000-31099 counter name scope_in
    tcp dport 81 drop
    tcp dport 82 reject with tcp reset
    tcp dport 83 reject with icmp type admin-prohibited
    tcp dport 83 reject with icmpv6 type admin-prohibited
    udp dport 5353 drop
    udp dport 5354 reject with icmp type admin-prohibited
    ip daddr 10.199.0.3 icmp type echo-request reject with icmp type host-prohibited
    ip6 daddr fd00:199::3 icmpv6 type echo-request drop
  }
}
`;
/** A's output hook: counts every packet that leaves for the scope test's ports, loopback included. */
const RULES_A = `
table inet pentora_test_out {
  counter scope_out {}
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport 31000-31099 counter name scope_out
  }
}
`;

function counter(pair: NetnsPair, side: 'a' | 'b', table: string, name: string): number {
  const out = JSON.parse(pair.exec(side, ['nft', '-j', 'list', 'counter', 'inet', table, name])) as { nftables: Array<{ counter?: { packets: number } }> };
  const c = out.nftables.find((x) => x.counter)?.counter;
  if (!c) throw new Error(`no counter ${name}`);
  return c.packets;
}
function resetCounter(pair: NetnsPair, side: 'a' | 'b', table: string, name: string): void {
  pair.exec(side, ['nft', 'reset', 'counter', 'inet', table, name]);
}

interface HostCallOut<T> {
  reply: { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  transcript: Array<{ op: string; target?: string; result: Record<string, unknown>; sent?: string; recv?: string }>;
  elapsed_ms: number;
  raw: { ok: boolean };
}

const DNS_QUERY = Buffer.from('1234010000010000000000000776657273696f6e0462696e640000100003', 'hex'); // version.bind TXT CH

describe.skipIf(skipReason !== null)(`raw sockets in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let pair: NetnsPair;
  let svc: ServiceHandle;

  beforeAll(async () => {
    pair = await createNetnsPair('raw');
    pair.exec('b', ['ip', 'addr', 'add', '10.199.0.3/29', 'dev', 'veth-b']);
    pair.exec('b', ['ip', 'addr', 'add', 'fd00:199::3/64', 'dev', 'veth-b', 'nodad']);
    // B answers every probe that needs an ICMP error (closed UDP, prohibited): no per-peer rate limit in this namespace.
    pair.exec('b', ['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0']);
    pair.exec('b', ['nft', '-f', '-'], RULES);
    pair.exec('a', ['nft', '-f', '-'], RULES_A);
    // B has two IPv6 addresses: the responder binds the one the probes use, so its replies come from it.
    svc = await pair.startService('b', [`tcp:${SPREAD_SET.join(',')}`, 'udp:53', `host6:${pair.addr6B}`]);
  });

  afterAll(async () => {
    await svc?.stop();
    await pair?.cleanup();
  });

  const syn = (req: unknown, extra: Record<string, unknown> = {}, opts: { dropNetRaw?: boolean } = {}) =>
    pair.runJson<HostCallOut<SynScanResponse>>('a', SCANNER, { op: 'net.syn.scan', req, scope: [pair.addrB], capabilities: { net: { syn: true } }, ...extra }, opts);

  it('SYN scan: listeners open, RST closed, DROP and ICMP-prohibited filtered; open and filtered audited per probe, closed in the call entry', async () => {
    const out = await syn({ targets: [pair.addrB], ports: [...TCP_OPEN, 81, 82, 83, 9999], retries: 1, timeout_ms: 300 });
    expect(out.reply.ok).toBe(true);
    if (!out.reply.ok) return;
    const byPort = Object.fromEntries(out.reply.value.results.map((r) => [r.port, r]));
    for (const p of TCP_OPEN) expect(byPort[p]).toMatchObject({ host: pair.addrB, state: 'open', reason: 'syn-ack', ttl: 64 });
    expect(byPort[81]).toMatchObject({ state: 'filtered', reason: 'no-response' });
    expect(byPort[82]).toMatchObject({ state: 'closed', reason: 'rst' });
    expect(byPort[83]).toMatchObject({ state: 'filtered', reason: expect.stringMatching(/^icmp-unreachable \(type 3 code 13 from 10\.199\.0\.2\)$/) });
    expect(byPort[9999]).toMatchObject({ state: 'closed', reason: 'rst' });
    expect(out.reply.value.counts).toEqual({ open: 4, closed: 2, filtered: 2 });
    // One retry for the one silent port: 8 + 1 SYNs.
    expect(out.reply.value.stats.sent).toBe(9);
    const perProbe = out.transcript.filter((t) => t.op === 'net.syn.scan' && t.target);
    expect(perProbe.map((t) => t.target).sort()).toEqual([...TCP_OPEN, 81, 83].map((p) => `${pair.addrB}:${p}`).sort());
    expect(perProbe.find((t) => t.target === `${pair.addrB}:22`)?.result).toMatchObject({ state: 'open', reason: 'syn-ack' });
    // The call's entry names what was probed, the counts, and the open and filtered ports per host.
    const call = out.transcript.filter((t) => t.op === 'net.syn.scan' && !t.target);
    expect(call).toHaveLength(1);
    expect(call[0]!.result).toMatchObject({
      targets: [pair.addrB],
      counts: { open: 4, closed: 2, filtered: 2 },
      open: { [pair.addrB]: [...TCP_OPEN].sort((a, b) => a - b).join(',') },
      filtered: { [pair.addrB]: '81,83' },
    });
  });

  it('SYN scan over IPv6: open, RST closed, dropped and ICMPv6-prohibited filtered', async () => {
    const out = await syn({ targets: [pair.addr6B], ports: [22, 8080, 81, 82, 83, 9999], retries: 1, timeout_ms: 300 }, { scope: [pair.addr6B] });
    expect(out.reply.ok).toBe(true);
    if (!out.reply.ok) return;
    expect(out.reply.value.results.map((r) => [r.port, r.state, r.reason])).toEqual([
      [22, 'open', 'syn-ack'],
      [8080, 'open', 'syn-ack'],
      [81, 'filtered', 'no-response'],
      [82, 'closed', 'rst'],
      [83, 'filtered', `icmp-unreachable (icmpv6 type 1 code 1 from ${pair.addr6B})`],
      [9999, 'closed', 'rst'],
    ]);
    expect(out.reply.value.results[0]?.ttl).toBeUndefined();
    expect(out.transcript.filter((t) => t.target).map((t) => t.target)).toContain(`[${pair.addr6B}]:22`);
  });

  it('SYN scan of a mixed IPv4 and IPv6 batch, each answered from its own family', async () => {
    const out = await syn({ targets: [pair.addrB, pair.addr6B], ports: [22, 9999], states: ['open', 'closed'] }, { scope: [pair.addrB, pair.addr6B] });
    expect(out.reply).toMatchObject({ ok: true });
    if (!out.reply.ok) return;
    expect(out.reply.value.results.map((r) => [r.host, r.port, r.state])).toEqual([
      [pair.addrB, 22, 'open'],
      [pair.addrB, 9999, 'closed'],
      [pair.addr6B, 22, 'open'],
      [pair.addr6B, 9999, 'closed'],
    ]);
  });

  it('SYN scan of all 65,535 ports finds exactly the 200 listeners', async () => {
    expect(SPREAD_SET).toHaveLength(200);
    const out = await pair.runJson<{ outcome: SynScanOutcome; elapsed_ms: number }>('a', SCANNER, {
      op: 'synScan',
      targets: [pair.addrB],
      ports: 'all',
      states: ['open'],
      timeoutMs: 500,
    });
    expect(out.outcome.results.map((r) => r.port)).toEqual(SPREAD_SET);
    // 81 (dropped) and 83 (prohibited) are the only filtered ports.
    expect(out.outcome.counts).toEqual({ open: SPREAD_SET.length, closed: 65535 - SPREAD_SET.length - 2, filtered: 2 });
  });

  it('SYN scan of loopback inside a namespace', async () => {
    const out = await pair.runJson<HostCallOut<SynScanResponse>>('b', SCANNER, {
      op: 'net.syn.scan',
      req: { targets: ['127.0.0.1'], ports: [22, 80, 82, 9999], states: ['open', 'closed'] },
      scope: ['127.0.0.1'],
      capabilities: { net: { syn: true } },
    });
    expect(out.reply).toMatchObject({ ok: true });
    if (!out.reply.ok) return;
    expect(out.reply.value.results.map((r) => [r.port, r.state])).toEqual([
      [22, 'open'],
      [80, 'open'],
      [82, 'closed'],
      [9999, 'closed'],
    ]);
  });

  it('respects the plugin rate: B counts every SYN and none over the rate', async () => {
    resetCounter(pair, 'b', 'pentora_test', 'rate_syn');
    resetCounter(pair, 'b', 'pentora_test', 'rate_over');
    const ports = Array.from({ length: 600 }, (_, i) => 20000 + i);
    // Plugin bucket: 2000 pps, burst 200; B's meter allows 2500/s with a burst of 250.
    const out = await syn({ targets: [pair.addrB], ports, states: ['open'] }, { capabilities: { net: { syn: true }, rate: { pps: 2000 } } });
    expect(out.reply).toMatchObject({ ok: true, value: { counts: { open: 0, closed: 600, filtered: 0 } } });
    expect(counter(pair, 'b', 'pentora_test', 'rate_syn')).toBe(600);
    expect(counter(pair, 'b', 'pentora_test', 'rate_over')).toBe(0);
    // (600 - burst 200) tokens at 2000/s take at least 200 ms.
    expect(out.reply.ok && out.reply.value.stats.duration_ms).toBeGreaterThanOrEqual(195);

    // Control: unpaced, the same meter does trip, so the zero above means something.
    resetCounter(pair, 'b', 'pentora_test', 'rate_syn');
    resetCounter(pair, 'b', 'pentora_test', 'rate_over');
    const more = Array.from({ length: 1000 }, (_, i) => 20000 + i);
    const fast = await syn({ targets: [pair.addrB], ports: more, states: ['open'] }, { capabilities: { net: { syn: true }, rate: { pps: 1_000_000 } }, pps: 1_000_000 });
    expect(fast.reply.ok).toBe(true);
    expect(counter(pair, 'b', 'pentora_test', 'rate_syn')).toBe(1000);
    expect(counter(pair, 'b', 'pentora_test', 'rate_over')).toBeGreaterThan(0);
  });

  it('refuses a batch with a target outside scope before sending any packet', async () => {
    resetCounter(pair, 'b', 'pentora_test', 'scope_in');
    resetCounter(pair, 'a', 'pentora_test_out', 'scope_out');
    const ports = Array.from({ length: 10 }, (_, i) => 31000 + i);
    const out = await syn({ targets: [pair.addrB, '127.0.0.1'], ports });
    expect(out.reply).toMatchObject({ ok: false, error: { code: 'PENTORA_E_SCOPE', message: expect.stringMatching(/may not reach "127\.0\.0\.1"/) } });
    expect(counter(pair, 'b', 'pentora_test', 'scope_in')).toBe(0);
    expect(counter(pair, 'a', 'pentora_test_out', 'scope_out')).toBe(0);
    const icmp = await pair.runJson<HostCallOut<IcmpEchoResponse>>('a', SCANNER, {
      op: 'net.icmp.echo',
      req: { targets: ['10.199.0.3'] },
      scope: [pair.addrB],
      capabilities: { net: { icmp: true } },
    });
    expect(icmp.reply).toMatchObject({ ok: false, error: { code: 'PENTORA_E_SCOPE' } });
  });

  it('an in-scope target without a route: filtered with the errno, nothing sent', async () => {
    // A has no route but the veth link: 192.0.2.1 (TEST-NET-1) is unreachable from it by construction.
    const out = await syn({ targets: ['192.0.2.1'], ports: [22, 80] }, { scope: ['192.0.2.1'] });
    expect(out.reply).toMatchObject({ ok: true, value: { counts: { open: 0, closed: 0, filtered: 2 }, stats: { sent: 0 } } });
    if (!out.reply.ok) return;
    expect(out.reply.value.results.map((r) => r.reason)).toEqual(['ENETUNREACH', 'ENETUNREACH']);
    expect(out.transcript.filter((t) => t.target).map((t) => t.target)).toEqual(['192.0.2.1:22', '192.0.2.1:80']);
  });

  it('refuses without the manifest grant, naming it', async () => {
    const out = await syn({ targets: [pair.addrB], ports: [22] }, { capabilities: { net: { tcp: { targets: 'scope', ports: 'any' } } } });
    expect(out.reply).toMatchObject({ ok: false, error: { code: 'PENTORA_E_CAPABILITY', message: expect.stringMatching(/no net\.syn grant/) } });
  });

  it('ICMP echo: IPv4 and IPv6 replies, a prohibited host, a silent one', async () => {
    const out = await pair.runJson<HostCallOut<IcmpEchoResponse>>('a', SCANNER, {
      op: 'net.icmp.echo',
      req: { targets: [pair.addrB, pair.addr6B, '10.199.0.3', 'fd00:199::3'], retries: 1, timeout_ms: 300 },
      scope: [pair.addrB, pair.addr6B, '10.199.0.3', 'fd00:199::3'],
      capabilities: { net: { icmp: true } },
    });
    expect(out.reply.ok).toBe(true);
    if (!out.reply.ok) return;
    const [v4, v6, prohibited, silent] = out.reply.value.results;
    expect(v4).toMatchObject({ host: pair.addrB, alive: true, ttl: 64, reason: 'echo-reply' });
    expect(v4?.rtt_ms).toBeGreaterThan(0);
    expect(v6).toMatchObject({ host: pair.addr6B, alive: true, reason: 'echo-reply' });
    expect(prohibited).toMatchObject({ host: '10.199.0.3', alive: false, reason: 'unreachable (type 3 code 10)', from: '10.199.0.3' });
    expect(silent).toMatchObject({ host: 'fd00:199::3', alive: false, reason: 'no-response' });
    expect(out.reply.value.stats.sent).toBe(5); // 4 + one retry for the silent host
    expect(out.transcript.filter((t) => t.target).map((t) => [t.target, t.result.alive])).toEqual([
      [pair.addrB, true],
      [pair.addr6B, true],
      ['10.199.0.3', false],
      ['fd00:199::3', false],
    ]);
  });

  it('UDP: a DNS reply is open, ICMP port unreachable closed, dropped open|filtered, prohibited filtered', async () => {
    const out = await pair.runJson<HostCallOut<UdpProbeResponse>>('a', SCANNER, {
      op: 'net.udp.probe',
      req: {
        probes: [
          { host: pair.addrB, port: 53, payload_b64: DNS_QUERY.toString('base64') },
          { host: pair.addr6B, port: 53, payload_b64: DNS_QUERY.toString('base64') },
          { host: pair.addrB, port: 54, payload_b64: DNS_QUERY.toString('base64') },
          { host: pair.addrB, port: 5353 },
          { host: pair.addrB, port: 5354 },
        ],
        // The DNS responder is a process in B: give it time on a loaded machine (the dropped port waits 2 x 1 s).
        retries: 1,
        timeout_ms: 1000,
      },
      scope: [pair.addrB, pair.addr6B],
      capabilities: { net: { udp: { targets: 'scope', ports: [53, 54, 5353, 5354] } } },
    });
    expect(out.reply.ok).toBe(true);
    if (!out.reply.ok) return;
    const [dns4, dns6, closed, dropped, prohibited] = out.reply.value.results;
    const answer = Buffer.from(DNS_QUERY);
    answer[2] = (answer[2] as number) | 0x80;
    expect(dns4).toMatchObject({ state: 'open', reason: 'udp-response', data_b64: answer.toString('base64') });
    expect(dns6).toMatchObject({ host: pair.addr6B, state: 'open', data_b64: answer.toString('base64') });
    expect(closed).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
    expect(dropped).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
    expect(prohibited).toMatchObject({ state: 'filtered', reason: 'icmp-unreachable (EHOSTUNREACH)' });
    expect(out.reply.value.counts).toEqual({ open: 2, closed: 1, filtered: 1, 'open|filtered': 1 });
    const dnsRecord = out.transcript.find((t) => t.target === `${pair.addrB}:53`);
    expect(dnsRecord).toMatchObject({ sent: DNS_QUERY.toString('base64'), recv: answer.toString('base64'), result: { state: 'open' } });
  });

  it('UDP grant lists ports: another port is refused, naming the grant', async () => {
    const out = await pair.runJson<HostCallOut<UdpProbeResponse>>('a', SCANNER, {
      op: 'net.udp.probe',
      req: { targets: [pair.addrB], ports: [53, 161] },
      scope: [pair.addrB],
      capabilities: { net: { udp: { targets: 'scope', ports: [53] } } },
    });
    expect(out.reply).toMatchObject({ ok: false, error: { code: 'PENTORA_E_CAPABILITY', message: expect.stringMatching(/UDP port 161.*net\.udp grant/) } });
  });

  it.skipIf(!hasCapsh)(`without CAP_NET_RAW: SYN and ICMP fail with the fallback message, UDP still works${hasCapsh ? '' : ' (skipped: capsh missing)'}`, async () => {
    const synOut = await syn({ targets: [pair.addrB], ports: [22] }, {}, { dropNetRaw: true });
    expect(synOut.raw.ok).toBe(false);
    expect(synOut.reply).toMatchObject({
      ok: false,
      error: {
        code: 'PENTORA_E_RAW_UNAVAILABLE',
        message: expect.stringMatching(/^net\.syn\.scan: raw sockets unavailable: this process runs as root but without CAP_NET_RAW .*bit 13 clear.*falls back to connect scanning$/),
      },
    });
    const icmpOut = await pair.runJson<HostCallOut<IcmpEchoResponse>>(
      'a',
      SCANNER,
      { op: 'net.icmp.echo', req: { targets: [pair.addrB] }, scope: [pair.addrB], capabilities: { net: { icmp: true } } },
      { dropNetRaw: true },
    );
    expect(icmpOut.reply).toMatchObject({ ok: false, error: { code: 'PENTORA_E_RAW_UNAVAILABLE' } });
    const udpOut = await pair.runJson<HostCallOut<UdpProbeResponse>>(
      'a',
      SCANNER,
      { op: 'net.udp.probe', req: { targets: [pair.addrB], ports: [53, 54], payload_b64: DNS_QUERY.toString('base64') }, scope: [pair.addrB], capabilities: { net: { udp: { targets: 'scope', ports: 'any' } } } },
      { dropNetRaw: true },
    );
    expect(udpOut.reply).toMatchObject({ ok: true, value: { counts: { open: 1, closed: 1 } } });
  });
});
