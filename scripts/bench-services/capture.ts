/**
 * Records the conversations the listener bench replays, from the real
 * daemons: starts them as the daemons bench does (namespace, generated
 * configs), talks to each from inside the namespace and writes what they said
 * to scripts/bench-services/captures.json (base64 per step).
 *
 *   node scripts/bench-services/capture.ts        (root; the lead reruns it after a Debian update)
 *
 * The JSON records the package versions it was captured from.
 */

import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanup, createNamespace, installCleanup, log, tempDir } from './common.ts';
import { DAEMONS, installedVersions } from './daemons.ts';
import { startDaemons } from './run-daemons.ts';

export interface Conversation {
  name: string;
  port: number;
  /** Step 0 with no `send` reads the greeting. */
  steps: Array<{ send?: string; sendB64?: string; idleMs: number }>;
}

/** MQTT 3.1.1 CONNECT (clean session, keepalive 60, client id "pentora-bench") then SUBSCRIBE $SYS/broker/version QoS 0. */
function mqttConnectSubscribe(): Buffer {
  const id = Buffer.from('pentora-bench');
  const vh = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0x02, 0, 60])]);
  const connect = Buffer.concat([Buffer.from([0x10, vh.length + 2 + id.length]), vh, Buffer.from([0, id.length]), id]);
  const topic = Buffer.from('$SYS/broker/version');
  const sub = Buffer.concat([Buffer.from([0x82, 2 + 2 + topic.length + 1, 0, 1, 0, topic.length]), topic, Buffer.from([0])]);
  return Buffer.concat([connect, sub]);
}

export const CONVERSATIONS: Conversation[] = [
  { name: 'ssh', port: 22, steps: [{ idleMs: 300 }, { send: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n', idleMs: 500 }] },
  { name: 'ftp', port: 21, steps: [{ idleMs: 300 }, { send: 'FEAT\r\n', idleMs: 300 }, { send: 'SYST\r\n', idleMs: 300 }, { send: 'USER anonymous\r\n', idleMs: 300 }, { send: 'HELP\r\n', idleMs: 300 }, { send: 'QUIT\r\n', idleMs: 300 }] },
  { name: 'smtp', port: 25, steps: [{ idleMs: 500 }, { send: 'EHLO pentora.invalid\r\n', idleMs: 300 }, { send: 'HELP\r\n', idleMs: 300 }, { send: 'QUIT\r\n', idleMs: 300 }] },
  { name: 'imap', port: 143, steps: [{ idleMs: 300 }, { send: 'a1 CAPABILITY\r\n', idleMs: 300 }, { send: 'a2 LOGOUT\r\n', idleMs: 300 }] },
  { name: 'pop3', port: 110, steps: [{ idleMs: 300 }, { send: 'CAPA\r\n', idleMs: 300 }, { send: 'QUIT\r\n', idleMs: 300 }] },
  { name: 'http', port: 80, steps: [{ send: 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n', idleMs: 300 }] },
  { name: 'http-400', port: 80, steps: [{ send: 'HELP\r\n\r\n', idleMs: 300 }] },
  { name: 'http-404', port: 80, steps: [{ send: 'GET /nice%20ports%2C/Tri%6Eity.txt%2ebak HTTP/1.0\r\n\r\n', idleMs: 300 }] },
  { name: 'redis-info', port: 6379, steps: [{ send: 'INFO server\r\n', idleMs: 300 }] },
  { name: 'redis-ping', port: 6379, steps: [{ send: '*1\r\n$4\r\nPING\r\n', idleMs: 300 }] },
  { name: 'memcached', port: 11211, steps: [{ send: 'version\r\n', idleMs: 300 }, { send: 'stats\r\n', idleMs: 300 }, { send: 'bogus\r\n', idleMs: 300 }] },
  { name: 'mysql', port: 3306, steps: [{ idleMs: 1500 }] },
  { name: 'mqtt', port: 1883, steps: [{ sendB64: mqttConnectSubscribe().toString('base64'), idleMs: 500 }] },
];

/** One conversation: each step sends, then reads until `idleMs` passes with nothing new (cap 3 s). */
export function converse(host: string, c: Conversation): Promise<string[]> {
  return new Promise((resolve) => {
    const got: string[] = [];
    const sock = net.connect({ host, port: c.port });
    let buf: Buffer[] = [];
    let step = 0;
    let idle: NodeJS.Timeout | null = null;
    const hard = setTimeout(() => finish(), 15_000);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      if (idle) clearTimeout(idle);
      if (step < c.steps.length) got.push(Buffer.concat(buf).toString('base64'));
      sock.destroy();
      resolve(got);
    };
    const arm = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(next, c.steps[step]!.idleMs);
    };
    const next = () => {
      got.push(Buffer.concat(buf).toString('base64'));
      buf = [];
      step++;
      if (step >= c.steps.length) return finish();
      begin();
    };
    const begin = () => {
      const s = c.steps[step]!;
      if (s.send) sock.write(s.send, 'latin1');
      if (s.sendB64) sock.write(Buffer.from(s.sendB64, 'base64'));
      arm();
    };
    sock.on('connect', begin);
    sock.on('data', (d) => {
      buf.push(d);
      arm();
    });
    sock.on('error', (e) => {
      process.stderr.write(`capture ${c.name}: ${e.message}\n`);
      finish();
    });
    sock.on('close', () => finish());
  });
}

async function inner(): Promise<void> {
  const out: Record<string, string[]> = {};
  for (const c of CONVERSATIONS) out[c.name] = await converse('127.0.0.1', c);
  process.stdout.write(JSON.stringify(out));
}

async function outer(): Promise<void> {
  installCleanup();
  const ns = createNamespace(`pentora-cap-${process.pid}`);
  const work = tempDir('pentora-cap-');
  fs.chmodSync(work, 0o755);
  await startDaemons(ns, work);
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, import.meta.filename, '--inner'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`capture client: ${r.stderr}`);
  const conv = JSON.parse(r.stdout) as Record<string, string[]>;
  const versions = Object.fromEntries(installedVersions([...new Set(DAEMONS.map((d) => d.pkg))]));
  const doc = {
    note: 'Captured by scripts/bench-services/capture.ts from the Debian daemons below, bound to 127.0.0.1 in a network namespace with the configs of scripts/bench-services/daemons.ts. Each conversation: base64 of what the server sent in each step (step sends are in capture.ts).',
    captured: new Date().toISOString(),
    versions,
    conversations: conv,
  };
  const file = path.join(import.meta.dirname, 'captures.json');
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  for (const [k, v] of Object.entries(conv)) log(`${k}: ${v.map((s) => Buffer.from(s, 'base64').length).join(' + ')} bytes`);
  log(`wrote ${file}`);
}

if (process.argv.includes('--inner')) await inner();
else {
  try {
    await outer();
  } finally {
    cleanup();
  }
}
