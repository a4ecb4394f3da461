/**
 * The 200-port listener set: 142 ports that speak a protocol (greeting-first
 * ones replay a server's greeting and answer its usual commands;
 * request-answering ones reply when asked) and 58 that accept and stay silent.
 * Ports and protocol assignment come from a seed. Bytes come from
 * captures.json (recorded from the real Debian daemons by capture.ts) and from
 * the parsers' committed fixtures (`git show HEAD:plugins/*\/test/fixtures/…`,
 * so a helper editing a fixture mid-run changes nothing); VNC's greetings are
 * the RFC 6143 §7.1.1 ProtocolVersion strings.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, rng } from './common.ts';

/** What listener-server.ts runs: one entry per port. */
export interface ListenerSpec {
  port: number;
  /** The protocol spoken, as a service name; "silent" for the quiet ones. */
  speaks: string;
  /** Where the bytes came from (printed in the plan). */
  variant: string;
  greetingB64?: string;
  /**
   * "line": rules see each received line; "chunk": rules see everything received so far;
   * "resp": rules see one whole Redis command (inline line or complete multibulk array).
   */
  mode: 'line' | 'chunk' | 'resp';
  rules: Array<{ match: string; replyB64: string; close?: boolean }>;
}

interface Captures {
  versions: Record<string, string>;
  conversations: Record<string, string[]>;
}

const TALKERS: Array<[string, number]> = [
  ['ssh', 18], ['ftp', 16], ['smtp', 16], ['pop3', 12], ['imap', 12], ['vnc', 8], ['mysql', 10], // greeting first: 92
  ['http', 20], ['redis', 12], ['memcached', 10], ['mqtt', 8], // answer a request: 50
];
export const TALKING = TALKERS.reduce((n, [, k]) => n + k, 0);
export const SILENT = 58;

function captures(): Captures {
  return JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'captures.json'), 'utf8')) as Captures;
}

/** Committed fixtures of one parser, by file name; not-* (counterexamples) and binaries left out. */
function fixtures(plugin: string, ext: RegExp): Array<[string, Buffer]> {
  const dir = `plugins/${plugin}/test/fixtures`;
  const ls = spawnSync('git', ['-C', REPO, 'ls-tree', '--name-only', 'HEAD', `${dir}/`], { encoding: 'utf8' });
  const out: Array<[string, Buffer]> = [];
  for (const f of (ls.stdout ?? '').split('\n').filter(Boolean).sort()) {
    const name = path.basename(f);
    // .stepN. files are later steps of a conversation (an EHLO reply), not a greeting or a response.
    if (name.startsWith('not-') || !ext.test(name) || /garbage|empty|truncated|prebanner|\.step\d+\./.test(name)) continue;
    const r = spawnSync('git', ['-C', REPO, 'show', `HEAD:${f}`], { maxBuffer: 1 << 20 });
    if (r.status === 0 && r.stdout.length > 0) out.push([`${plugin}/${name}`, r.stdout]);
  }
  return out;
}

/** An SMTP-style reply ends at its first `NNN ` line (RFC 5321 §4.2.1); [that reply, the rest]. */
function splitFirstReply(bytes: Buffer): [Buffer, Buffer] {
  const text = bytes.toString('latin1');
  const m = /^\d{3} [^\n]*\n/m.exec(text);
  if (!m) return [bytes, Buffer.alloc(0)];
  const end = m.index + m[0].length;
  return [bytes.subarray(0, end), bytes.subarray(end)];
}

const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('base64');

/** Every variant of each protocol: [label, spec without port]. */
function catalog(): Map<string, Array<Omit<ListenerSpec, 'port'>>> {
  const c = captures();
  const conv = (name: string, step: number) => Buffer.from(c.conversations[name]?.[step] ?? '', 'base64');
  const v = c.versions;
  const cat = new Map<string, Array<Omit<ListenerSpec, 'port'>>>();
  const add = (speaks: string, s: Omit<ListenerSpec, 'port' | 'speaks'>) => {
    const list = cat.get(speaks) ?? [];
    list.push({ speaks, ...s });
    cat.set(speaks, list);
  };

  // SSH: identification strings from ssh-parser's fixtures plus the captured OpenSSH; after
  // the client's identification every one sends the captured KEXINIT packet (RFC 4253 §7.1).
  const kexinit = conv('ssh', 1);
  const sshRules = [{ match: '^SSH-', replyB64: b64(kexinit) }];
  add('ssh', { variant: `captured openssh-server ${v['openssh-server']}`, greetingB64: b64(conv('ssh', 0)), mode: 'line', rules: sshRules });
  for (const [name, bytes] of fixtures('ssh-parser', /\.txt$/)) add('ssh', { variant: name, greetingB64: b64(bytes), mode: 'line', rules: sshRules });

  // FTP: greetings from ftp-parser's fixtures and vsftpd's; replies to commands are vsftpd's.
  const ftpRules = [
    { match: '^FEAT', replyB64: b64(conv('ftp', 1)) },
    { match: '^SYST', replyB64: b64(conv('ftp', 2)) },
    { match: '^USER', replyB64: b64(conv('ftp', 3)) },
    { match: '^QUIT', replyB64: b64(conv('ftp', 5)), close: true },
    { match: '', replyB64: b64(conv('ftp', 4)) },
  ];
  add('ftp', { variant: `captured vsftpd ${v['vsftpd']}`, greetingB64: b64(conv('ftp', 0)), mode: 'line', rules: ftpRules });
  for (const [name, bytes] of fixtures('ftp-parser', /\.txt$/)) add('ftp', { variant: name, greetingB64: b64(bytes), mode: 'line', rules: ftpRules });

  // SMTP: greetings from smtp-parser's fixtures and postfix's; EHLO etc. answered as postfix does.
  const smtpRules = [
    { match: '^EHLO', replyB64: b64(conv('smtp', 1)) },
    { match: '^HELO', replyB64: b64('250 bench.pentora.invalid\r\n') },
    { match: '^QUIT', replyB64: b64(conv('smtp', 3)), close: true },
    { match: '', replyB64: b64(conv('smtp', 2)) },
  ];
  add('smtp', { variant: `captured postfix ${v['postfix']}`, greetingB64: b64(conv('smtp', 0)), mode: 'line', rules: smtpRules });
  for (const [name, bytes] of fixtures('smtp-parser', /\.txt$/)) {
    // A transcript fixture (greeting, then the EHLO reply) is split: the greeting goes at
    // connect, the rest answers EHLO — as the server it was captured from did.
    const [greeting, ehlo] = splitFirstReply(bytes);
    const rules = ehlo.length > 0 && ehlo.toString('latin1').startsWith('250') ? [{ match: '^EHLO', replyB64: b64(ehlo) }, ...smtpRules] : smtpRules;
    add('smtp', { variant: name, greetingB64: b64(greeting), mode: 'line', rules });
  }

  // POP3 (RFC 1939) and IMAP (RFC 9051): dovecot's captured greetings and replies, plus the
  // RFCs' example greetings.
  const pop3Rules = [
    { match: '^CAPA', replyB64: b64(conv('pop3', 1)) },
    { match: '^QUIT', replyB64: b64(conv('pop3', 2)), close: true },
    { match: '', replyB64: b64('-ERR Unknown command.\r\n') },
  ];
  add('pop3', { variant: `captured dovecot-pop3d ${v['dovecot-pop3d']}`, greetingB64: b64(conv('pop3', 0)), mode: 'line', rules: pop3Rules });
  add('pop3', { variant: 'RFC 1939 §4 example greeting', greetingB64: b64('+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n'), mode: 'line', rules: pop3Rules });
  const imapRules = [
    { match: '^\\S+ CAPABILITY', replyB64: b64(conv('imap', 1)) },
    { match: '^\\S+ LOGOUT', replyB64: b64(conv('imap', 2)), close: true },
    { match: '', replyB64: b64('* BAD Error in IMAP command received by server.\r\n') },
  ];
  add('imap', { variant: `captured dovecot-imapd ${v['dovecot-imapd']}`, greetingB64: b64(conv('imap', 0)), mode: 'line', rules: imapRules });
  add('imap', { variant: 'RFC 9051 §8 example greeting', greetingB64: b64('* OK [CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI] Server ready\r\n'), mode: 'line', rules: imapRules });

  // VNC: the server speaks first with its ProtocolVersion (RFC 6143 §7.1.1).
  for (const ver of ['RFB 003.008\n', 'RFB 003.007\n', 'RFB 003.003\n']) add('vnc', { variant: `RFC 6143 ${ver.trim()}`, greetingB64: b64(ver), mode: 'chunk', rules: [] });

  // MySQL protocol: MariaDB's captured initial handshake (protocol 10); whatever the client
  // sends, the server waits (a real one times the handshake out after 10 s).
  add('mysql', { variant: `captured mariadb-server ${v['mariadb-server']}`, greetingB64: b64(conv('mysql', 0)), mode: 'chunk', rules: [] });

  // HTTP: any request (up to its blank line) gets one of http-parser's fixture responses or
  // nginx's captured one, then the connection closes. Bytes that are not an HTTP request get
  // nginx's captured 400 from the nginx listener; a fixture listener, which has no capture of
  // its server's error page, answers them with its one response (a server stays itself).
  const request = '^(GET|HEAD|POST|OPTIONS|PUT|DELETE|TRACE|CONNECT) \\S+ HTTP/1\\.[01]\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n';
  const anything = '\\r?\\n\\r?\\n';
  add('http', {
    variant: `captured nginx ${v['nginx']}`,
    mode: 'chunk',
    rules: [
      { match: request, replyB64: b64(conv('http', 0)), close: true },
      { match: anything, replyB64: b64(conv('http-400', 0)), close: true },
    ],
  });
  for (const [name, bytes] of fixtures('http-parser', /\.http$/)) add('http', { variant: name, mode: 'chunk', rules: [{ match: anything, replyB64: b64(bytes), close: true }] });

  // Redis (RESP, inline or multibulk): INFO gets the captured INFO reply, PING +PONG, the rest
  // redis 7's unknown-command error.
  add('redis', {
    variant: `captured redis-server ${v['redis-server']}`,
    mode: 'resp',
    rules: [
      { match: '^INFO\\b', replyB64: b64(conv('redis-info', 0)) },
      { match: '^PING\\b', replyB64: b64(conv('redis-ping', 0)) },
      { match: '', replyB64: b64("-ERR unknown command, with args beginning with: \r\n") },
    ],
  });

  // memcached text protocol: version / stats captured, anything else ERROR.
  add('memcached', {
    variant: `captured memcached ${v['memcached']}`,
    mode: 'line',
    rules: [
      { match: '^version', replyB64: b64(conv('memcached', 0)) },
      { match: '^stats', replyB64: b64(conv('memcached', 1)) },
      { match: '', replyB64: b64(conv('memcached', 2)) },
    ],
  });

  // MQTT: a CONNECT packet (type 1, first byte 0x10) gets mosquitto's captured CONNACK, SUBACK
  // and retained $SYS/broker/version PUBLISH.
  add('mqtt', { variant: `captured mosquitto ${v['mosquitto']}`, mode: 'chunk', rules: [{ match: '^\\x10[\\s\\S]{1,4}\\x00\\x04MQTT', replyB64: b64(conv('mqtt', 0)) }] });
  return cat;
}

/** The seeded plan: 200 distinct ports over 1-65535, each with what it speaks. */
export function plan(seed: number): ListenerSpec[] {
  const r = rng(seed);
  const ports = new Set<number>();
  while (ports.size < TALKING + SILENT) ports.add(1 + Math.floor(r() * 65535));
  const roles: string[] = [];
  for (const [p, n] of TALKERS) for (let i = 0; i < n; i++) roles.push(p);
  for (let i = 0; i < SILENT; i++) roles.push('silent');
  // Fisher-Yates with the same generator: which port speaks what is seeded too.
  for (let i = roles.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [roles[i], roles[j]] = [roles[j]!, roles[i]!];
  }
  const cat = catalog();
  const used = new Map<string, number>();
  return [...ports].map((port, i) => {
    const role = roles[i]!;
    if (role === 'silent') return { port, speaks: 'silent', variant: 'accepts, never writes, never closes', mode: 'chunk', rules: [] };
    const variants = cat.get(role)!;
    const k = used.get(role) ?? 0;
    used.set(role, k + 1);
    return { port, ...variants[k % variants.length]! };
  });
}
