/**
 * ServiceModule (sdk/assemblyscript/service.ts) in the real sandbox, with
 * canned replies: which endpoints get which probes (follow-ups to parsed
 * ones, hinted and fallback probes to silent ones, nothing to ports that
 * spoke another protocol or to UDP), how replies are parsed and merged, the
 * evidence and confidence written, and that `network: false` sends nothing.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin } from '../../sdk/build/build.ts';
import { SDK_DIR } from '../../sdk/build/compile.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { TrustStore } from '../../host/trust/trust-store.ts';
import { runPlugin, type CannedTcp } from '../../sdk/testing/harness.ts';

type Rec = Record<string, unknown>;
const HOST = '192.0.2.77';
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-service-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const key = newSigningKey();
const trust = new TrustStore([{ keyid: key.keyid, publicKey: key.publicKey, namespaces: ['test/*'], tier: 'test', source: 'test' }]);

const MANIFEST = {
  name: 'test/greeter',
  version: '1.0.0',
  abi: 1,
  type: 'fingerprint',
  requires: ['banners'],
  provides: ['parsed_services', 'service_fingerprints'],
  config: {},
  capabilities: { net: { tcp: { targets: 'scope', ports: 'any' } } },
  limits: { memory_pages: 256, cpu_ms: 5000 },
};

const MODULE = (sdk: string) => `
import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, register, latin1Bytes } from "${sdk}/index";
export * from "${sdk}/exports";

class Greeter extends ServiceModule {
  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("greet-ehlo", [25]).greet().send(latin1Bytes("EHLO x\\r\\n")).read(4096, 1500, 100).afterParse(["greet"]),
      ServiceProbe.tcp("ping", [7000]).send(latin1Bytes("PING\\r\\n")).read(256, 1500, 100),
      ServiceProbe.tcp("hello", []).send(latin1Bytes("HELLO\\r\\n")).read(256, 1500, 100).fallback(),
    ];
  }
  parse(b: Banner): ParsedBanner | null {
    const t = b.text;
    if (t.startsWith("220 ")) {
      const f = JsonValue.obj().setInt("steps", b.steps.length);
      if (t.includes("\\r\\n250 ")) f.setBool("ehlo", true);
      return new ParsedBanner("greet", f).add(b.fingerprint("greet", "Greeter", "", "", 70).setStr("evidence", t.substring(0, 20)));
    }
    if (t.startsWith("+PONG")) return new ParsedBanner("pong", JsonValue.obj()).add(b.fingerprint("pong", "Ponger", "", "", 60));
    if (t.startsWith("HI v")) return new ParsedBanner("hi", JsonValue.obj()).add(b.fingerprint("hi", "Hi", t.substring(4, 7), "", 80));
    return null;
  }
}
register(new Greeter("test/greeter", "1.0.0"));
`;

let dir = '';
beforeAll(async () => {
  dir = path.join(tmp, 'greeter');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(MANIFEST));
  const sdk = path.relative(path.join(dir, 'src'), SDK_DIR).split(path.sep).join('/');
  fs.writeFileSync(path.join(dir, 'src', 'index.ts'), MODULE(sdk));
  await buildPlugin(dir, { key, optimize: false });
}, 120_000);

const banner = (port: number, data: string, protocol = 'tcp') => ({ host: HOST, port, protocol, probe: 'passive', data_b64: b64(data), rtt_ms: 0.2 });
const BANNERS = [banner(25, '220 greeter ready\r\n'), banner(7000, ''), banner(9999, ''), banner(8080, 'SSH-2.0-other\r\n'), banner(53, '', 'udp')];
const TCP: CannedTcp[] = [
  { port: 25, stayOpen: true, steps: [{ data: '220 greeter ready\r\n' }, { whenSent: /^EHLO /, data: '250 OK\r\n' }] },
  { port: 7000, whenSent: 'PING\r\n', data: '+PONG\r\n' },
  { port: 9999, whenSent: 'HELLO\r\n', data: 'HI v1.2\r\n' },
];

const sentTo = (probes: Array<Array<{ port: number; steps?: Array<{ send_b64?: string }> }>>) =>
  probes.flat().map((p) => `${p.port}:${Buffer.from(p.steps?.find((s) => s.send_b64)?.send_b64 ?? '', 'base64').toString('latin1').trim()}`).sort();

describe('ServiceModule', () => {
  it('sends follow-ups to what it parsed, hinted and fallback probes to silent ports (no fallback where its own hint applies), nothing elsewhere', async () => {
    const r = await runPlugin({ plugin: dir, trust, context: { banners: BANNERS }, tcp: TCP });
    expect(r.state, r.error).toBe('done');
    expect(sentTo(r.probes as never)).toEqual(['25:EHLO x', '7000:PING', '9999:HELLO']);
    const services = r.written.parsed_services as Rec[];
    expect(services.map((s) => [s.port, s.service])).toEqual([
      [25, 'greet'],
      [7000, 'pong'],
      [9999, 'hi'],
    ]);
    expect(services[0]!.fields).toEqual({ steps: 2, ehlo: true, probe: 'greet-ehlo' });
    const prints = r.written.service_fingerprints as Rec[];
    const at = (port: number) => prints.find((p) => p.port === port)!;
    // 70 from the parser, +5 port hint (25 is the follow-up's hint), +5 banner and probe agree.
    expect(at(25)).toMatchObject({ product: 'Greeter', confidence: 80, extra: { evidence: ['banner', 'probe:greet-ehlo', 'port-hint'] } });
    expect(at(25).evidence).toBe('probe=greet-ehlo; 220 greeter ready\r\n2');
    expect(at(7000)).toMatchObject({ product: 'Ponger', confidence: 65, extra: { evidence: ['probe:ping', 'port-hint'] } });
    expect(at(9999)).toMatchObject({ product: 'Hi', version: '1.2', confidence: 80, extra: { evidence: ['probe:hello'] } });
    expect(r.output.summary).toMatchObject({ banners: 5, identified: 3, probed: 3, by_probe: 2 });
  });

  it('of several records for one endpoint keeps the reading that says more, whatever their order', async () => {
    for (const order of [
      ['+PONG\r\n', 'HI v1.2\r\n'],
      ['HI v1.2\r\n', '+PONG\r\n'],
    ]) {
      const banners = order.map((data, i) => ({ ...banner(123, data, 'udp'), probe: `ask-${i}` }));
      const r = await runPlugin({ plugin: dir, trust, context: { banners } });
      expect(r.state, r.error).toBe('done');
      expect((r.written.parsed_services as Rec[]).map((x) => [x.port, x.service])).toEqual([[123, 'hi']]);
      expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ product: 'Hi', version: '1.2' });
    }
  });

  it('when the host refuses its probes (out of scope here), writes what it parsed and says why it stopped', async () => {
    const r = await runPlugin({ plugin: dir, trust, context: { banners: BANNERS }, tcp: TCP, scope: ['192.0.2.1'] });
    expect(r.state, r.error).toBe('done');
    expect((r.written.parsed_services as Rec[]).map((s) => [s.port, s.service])).toEqual([[25, 'greet']]);
    expect(String(r.output.summary?.probe_error)).toMatch(/^net\.tcp\.probe \(greet-ehlo\): PENTORA_E_SCOPE/);
    expect(r.logs.some((l) => /probing stopped/.test(JSON.stringify(l)))).toBe(true);
  });

  it('with network false, parses the bytes at hand and sends nothing', async () => {
    const r = await runPlugin({ plugin: dir, trust, context: { banners: BANNERS }, tcp: TCP, network: false });
    expect(r.state, r.error).toBe('done');
    expect(r.probes.flat()).toEqual([]);
    expect((r.written.parsed_services as Rec[]).map((s) => [s.port, s.service, (s.fields as Rec).probe])).toEqual([[25, 'greet', 'passive']]);
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ confidence: 75, extra: { evidence: ['banner', 'port-hint'] } });
  });
});
