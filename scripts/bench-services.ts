/**
 * `npm run bench:services`: pentora's service identification against real
 * daemons and against nmap -sV, in network namespaces this script creates and
 * always removes.
 *
 *   node scripts/bench-services.ts [--only daemons|ports] [--no-nmap] [--json FILE]
 *                                  [--seed N] [--timeout S] [--nmap-timeout S] [--no-build]
 *
 * --timeout bounds each pentora scan (default 300 s), --nmap-timeout each nmap run
 * (default 2400 s: nmap -sV waits out its probes on every silent port, which takes it
 * many minutes on the 200-port set; at its --host-timeout nmap reports nothing).
 *
 * daemons  Installs (apt-get) the Debian packages of scripts/bench-services/daemons.ts
 *          when missing, starts each daemon in the foreground inside namespace
 *          pentora-svc-<pid> on its standard port bound to 127.0.0.1 with a config
 *          generated in a temp dir (no systemd), runs `pentora scan -o json` on
 *          those ports, compares service/product/version with dpkg-query's
 *          version (upstream part), then nmap -sV on the same ports.
 * ports    200 listeners over 1-65535 (seeded): 142 speak a real protocol
 *          (greeting-first or request-answering, bytes from the plugins'
 *          captured fixtures), 58 accept and stay silent. pentora and nmap -sV
 *          scan them; a port counts as identified when the tool's service
 *          name is the protocol the listener speaks.
 *
 * Wall time, CPU (user + sys) and peak RSS come from GNU time around each run
 * (one run each: nmap -sV takes minutes). Needs root (ip netns). nmap is
 * installed with apt-get when missing; --no-nmap measures pentora alone.
 * Every daemon, listener and namespace is killed/removed on exit, error,
 * SIGINT and SIGTERM.
 */

import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildAll } from '../sdk/build/build-all.ts';
import { cleanup, have, installCleanup, log } from './bench-services/common.ts';
import { DAEMONS, installedVersions } from './bench-services/daemons.ts';
import { aptInstall } from './bench-services/install.ts';
import { daemonsReport, runDaemons, type DaemonsResult } from './bench-services/run-daemons.ts';
import { portsReport, runPorts, type PortsResult } from './bench-services/run-ports.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'no-nmap': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      json: { type: 'string' },
      seed: { type: 'string', default: '2026' },
      timeout: { type: 'string', default: '300' },
      'nmap-timeout': { type: 'string', default: '2400' },
    },
  });
  if (values.only !== undefined && !['daemons', 'ports'].includes(values.only)) throw new Error('--only must be daemons or ports');
  const seed = Number(values.seed);
  const timeoutS = Number(values.timeout);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const nmapTimeoutS = Number(values['nmap-timeout']);
  if (!(timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  if (!(nmapTimeoutS > 0)) throw new Error(`--nmap-timeout must be a positive number of seconds, got ${values['nmap-timeout']}`);
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench-services: needs root (network namespaces, daemons on ports < 1024)\n');
    return 2;
  }
  installCleanup();
  const doDaemons = values.only !== 'ports';
  const doPorts = values.only !== 'daemons';

  const wanted = doDaemons ? [...new Set(DAEMONS.map((d) => d.pkg))] : [];
  let nmap = !values['no-nmap'];
  if (nmap && !have('nmap')) wanted.push('nmap');
  const missing = [...installedVersions(wanted)].filter(([, v]) => v === null).map(([p]) => p);
  if (missing.length > 0) aptInstall(missing);
  nmap = nmap && have('nmap');
  if (!values['no-nmap'] && !nmap) log('nmap unavailable: measuring pentora alone, no ratios');

  if (!values['no-build']) {
    try {
      await buildAll({ log: () => undefined });
    } catch (e) {
      // Plugins are edited while this runs in a shared checkout: measure what is built.
      log(`build failed, scanning with the plugins already built: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  let daemons: DaemonsResult | null = null;
  let ports: PortsResult | null = null;
  if (doDaemons) {
    daemons = await runDaemons({ nmap, timeoutS, nmapTimeoutS });
    process.stdout.write(`\n== real daemons (127.0.0.1 in a namespace) ==\n${daemonsReport(daemons)}`);
    cleanup(); // the daemons go before the listener bench starts: two cores are shared
  }
  if (doPorts) {
    ports = await runPorts({ nmap, seed, timeoutS, nmapTimeoutS });
    process.stdout.write(`\n== 200-port listener bench (seed ${seed}) ==\n${portsReport(ports)}`);
  }
  if (values.json) {
    const doc = { date: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() }, daemons, ports };
    fs.writeFileSync(values.json, JSON.stringify(doc, null, 2) + '\n');
  }
  const daemonsOk = !daemons || daemons.rows.every((r) => r.pentora.productOk);
  return daemonsOk ? 0 : 1;
}

main().then(
  (code) => {
    cleanup();
    process.exitCode = code;
  },
  (err: unknown) => {
    cleanup();
    process.stderr.write(`bench-services: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
