/**
 * The batched IPv4 path (native/rawio through host/net/raw/rawio.ts): when
 * the addon is built the SYN scanner sends with sendmmsg and receives behind
 * the kernel filter, and the filter keeps only SYN-ACKs and RSTs to our
 * port. Loopback only (root); the namespace tests cover the rest, through
 * whichever path loads (this one when built).
 */

import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rawCapability } from '../../host/net/raw/capability.ts';
import { SynCookies } from '../../host/net/raw/cookie.ts';
import { Syn4Writer, TcpFlag, ipv4ToInt, readU16 } from '../../host/net/raw/packets.ts';
import { BatchSender, FilteredReceiver, loadRawio } from '../../host/net/raw/rawio.ts';
import { synScan } from '../../host/net/raw/syn.ts';
import { SynWire } from '../../host/net/raw/syn-wire.ts';
import { Scope } from '../../host/net/scope.ts';
import { parseTargets } from '../../host/net/targets.ts';

const rawio = loadRawio();
const raw = rawCapability();
if (process.env.CI && !rawio.ok) throw new Error(`the rawio addon must build in CI: ${rawio.reason}`);
const skipReason = !raw.ok ? raw.reason : !rawio.ok ? `rawio addon unavailable: ${rawio.reason}` : null;
const LO = ipv4ToInt('127.0.0.1');

async function listen(): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

describe.skipIf(skipReason !== null)(`rawio: batched raw IPv4${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  afterEach(() => vi.restoreAllMocks());

  it('is the path the SYN scanner takes for IPv4 when it loads', async () => {
    const flush = vi.spyOn(BatchSender.prototype, 'flush');
    const open = vi.spyOn(FilteredReceiver, 'open');
    const srv = await listen();
    try {
      // Privileged ports nothing in the suite listens on: the ephemeral range is where other test
      // files' listen(0) servers come and go on this same loopback while this runs.
      const ports = [srv.port, ...Array.from({ length: 300 }, (_, i) => 700 + i)].filter((p, i, a) => a.indexOf(p) === i);
      const scope = new Scope(await parseTargets(['127.0.0.1']));
      const r = await synScan({ targets: ['127.0.0.1'], ports, scope, retries: 1, timeoutMs: 300 });
      expect(r.results.filter((x) => x.state === 'open').map((x) => x.port)).toEqual([srv.port]);
      expect(r.counts).toEqual({ open: 1, closed: ports.length - 1, filtered: 0 });
      expect(r.stats.sent).toBe(ports.length);
      expect(open).toHaveBeenCalledTimes(1);
      expect(flush).toHaveBeenCalled();
    } finally {
      srv.close();
    }
    const wire = new SynWire({
      targets: [{ address: '127.0.0.1', family: 4, src4: LO, dst4: LO, src6: null, dst6: null }],
      sport: 61000,
      cookies: new SynCookies(Buffer.alloc(32, 1)),
      wants: () => true,
      onReply: () => {},
    });
    expect(wire.engine4).toBe('rawio');
    wire.close();
  });

  it('PENTORA_RAWIO=0 falls back to raw-socket with the same answers', () => {
    const script = `
      import { SynWire } from ${JSON.stringify(path.resolve('host/net/raw/syn-wire.ts'))};
      const lo = 0x7f000001;
      const w = new SynWire({ targets: [{ address: '127.0.0.1', family: 4, src4: lo, dst4: lo, src6: null, dst6: null }], sport: 61001,
        cookies: { flow: () => 0, cookie: () => 1 }, wants: () => true, onReply: () => {} });
      console.log(w.engine4); w.close();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, PENTORA_RAWIO: '0' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('raw-socket');
  });

  it('the kernel filter drops our own SYNs and keeps the RST that answers them', async () => {
    const sport = 61002;
    const got: Array<{ sport: number; dport: number; flags: number }> = [];
    const rx = FilteredReceiver.open(sport, sport, 1 << 20, (b, len) => {
      const ihl = ((b[0] as number) & 0x0f) * 4;
      if (len >= ihl + 20) got.push({ sport: readU16(b, ihl), dport: readU16(b, ihl + 2), flags: (b[ihl + 13] as number) & 0x3f });
    });
    const tx = BatchSender.open(1 << 20);
    try {
      const w = new Syn4Writer(sport);
      const closed = [40999, 40998, 40997]; // nothing listens there on this test's loopback
      closed.forEach((p, i) => {
        w.write(LO, LO, p, 1000 + i, i);
        expect(tx.stage(w.packet, LO, i)).toBe(true);
      });
      const outcomes: string[] = [];
      await tx.flush((_tag, out) => outcomes.push(out));
      expect(outcomes).toEqual(['sent', 'sent', 'sent']);
      for (let i = 0; i < 100 && got.length < closed.length; i++) await new Promise((r) => setTimeout(r, 5));
      // Only the three RSTs (to our port); the SYNs (from our port, SYN alone) never reached us.
      expect(got.map((g) => g.sport).sort()).toEqual([...closed].sort());
      for (const g of got) {
        expect(g.dport).toBe(sport);
        expect(g.flags & TcpFlag.RST).toBe(TcpFlag.RST);
      }
    } finally {
      rx.close();
      tx.close();
    }
  });
});
