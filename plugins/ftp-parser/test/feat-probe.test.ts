/**
 * The ftp-feat probe in the sandbox, against a conversation replayed from
 * vsftpd 3.0.3 (greeting, FEAT, SYST refused before login, QUIT): what it
 * sends, and the features it writes.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannersAt } from '../../../sdk/testing/banners.ts';
import { runPlugin } from '../../../sdk/testing/harness.ts';
import type { Rec } from '../../../sdk/testing/parser-table.ts';
import { stepSends } from '../../../sdk/testing/sent.ts';

const step = (i: number) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `vsftpd-3.0.3-feat-syst.step${i}.txt`));
const HOST = '192.0.2.31';
const { banner } = bannersAt(HOST);

describe('ftp-parser: the ftp-feat follow-up', () => {
  const run = (network = true) =>
    runPlugin({
      plugin: 'plugins/ftp-parser',
      network,
      context: { banners: [banner(21, step(0))] },
      tcp: [{ host: HOST, port: 21, steps: [{ data: step(0) }, { whenSent: 'FEAT\r\n', data: step(1) }, { whenSent: 'SYST\r\n', data: step(2) }, { whenSent: 'QUIT\r\n', data: step(3) }] }],
    });

  it('reads the greeting, then sends FEAT, SYST and QUIT', async () => {
    const r = await run();
    expect(r.state, r.error).toBe('done');
    const [p] = r.probes.flat();
    expect(stepSends(p!)).toEqual(['', 'FEAT\r\n', 'SYST\r\n', 'QUIT\r\n']);
  });

  it('writes the features; SYST refused before login gives no system', async () => {
    const r = await run();
    const f = (r.written.parsed_services as Rec[])[0]!.fields as Rec;
    expect(f).toMatchObject({ probe: 'ftp-feat', code: 220, greeting: '(vsFTPd 3.0.3)', feat: true, features: ['EPRT', 'EPSV', 'MDTM', 'PASV', 'REST STREAM', 'SIZE', 'TVFS'], auth_tls: false });
    expect(f.system).toBeUndefined();
    // 95, +5 hinted port, +5 banner and probe agree.
    expect((r.written.service_fingerprints as Rec[])[0]).toMatchObject({ product: 'vsftpd', version: '3.0.3', confidence: 100 });
  });

  it('sends nothing with network false', async () => {
    const r = await run(false);
    expect(r.probes.flat()).toHaveLength(0);
    expect(((r.written.parsed_services as Rec[])[0]!.fields as Rec).features).toBeUndefined();
  });
});
