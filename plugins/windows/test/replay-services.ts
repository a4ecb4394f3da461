/**
 * Replays captured servers on their well-known ports, for the namespace test
 * (netns.test.ts): each answers only the request pentora's probe sends, with
 * the bytes the real daemon sent to that request (test/fixtures of this
 * plugin and of pentora/netservices), and ignores anything else.
 *
 *   node replay-services.ts HOST
 *
 *   tcp 445   Samba 4.17: SMB2 NEGOTIATE -> negotiate reply, SESSION_SETUP (NTLMSSP) -> challenge, SMB1 "NT LM 0.12" -> SMB1 reply
 *   tcp 3389  xrdp 0.9.21: X.224 Connection Request -> Connection Confirm (TLS selected)
 *   tcp 53    BIND 9.18: version.bind over TCP -> its TXT answer
 *   tcp 389   slapd 2.5: a root DSE SearchRequest -> the entry and SearchResultDone
 *   udp 53    BIND 9.18: version.bind CH TXT -> its answer
 *   udp 161   net-snmp 5.9: a v2c GetRequest for sysDescr.0 with community "public" -> its GetResponse
 *   udp 123   ntpsec 1.2.2: an NTPv4 client request (mode 3) -> its mode 4 reply
 *
 * Prints {"ready":true} once every socket is bound; exits when stdin closes.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import { pluginFixture, replayOn } from '../../../sdk/testing/replay-servers.ts';

const host = process.argv[2] ?? '127.0.0.1';
const win = (f: string) => pluginFixture('windows', f);
const ns = (f: string) => pluginFixture('netservices', f);

/** [what a request contains, the reply] per TCP port; a reply is sent once per matching chunk. */
const TCP: Record<number, Array<[Buffer, Buffer]>> = {
  445: [
    [Buffer.from('NTLMSSP\0\x01', 'latin1'), win('smb-samba417-session-setup.bin')],
    [Buffer.from('pentora-smb2-gid'), win('smb-samba417-negotiate.bin')],
    [Buffer.from('NT LM 0.12'), win('smb1-samba417-negotiate.bin')],
  ],
  3389: [[Buffer.from('030000130ee0', 'hex'), win('rdp-xrdp-ssl-hybrid.bin')]],
  53: [[Buffer.from('\x07version\x04bind\x00\x00\x10\x00\x03', 'latin1'), ns('dns-bind9-debian12-tcp.bin')]],
  389: [[Buffer.from('\x87\x0bobjectClass', 'latin1'), ns('ldap-openldap-rootdse.bin')]],
};

const UDP: Record<number, Array<[Buffer, Buffer]>> = {
  53: [[Buffer.from('\x07version\x04bind\x00\x00\x10\x00\x03', 'latin1'), ns('dns-bind9-debian12-udp.bin')]],
  161: [[Buffer.from('02010104067075626c6963a0', 'hex'), ns('snmp-netsnmp-v2c-sysdescr.bin')]],
  123: [[Buffer.from([0x23]), ns('ntp-ntpsec-mode4.bin')]],
};

const servers: Array<net.Server | dgram.Socket> = [];
let pending = Object.keys(TCP).length + Object.keys(UDP).length;
const bound = () => {
  if (--pending === 0) process.stdout.write('{"ready":true}\n');
};

for (const [port, answers] of Object.entries(TCP)) {
  const server = net.createServer((sock) => replayOn(sock, { answers }));
  server.listen(Number(port), host, bound);
  servers.push(server);
}

for (const [port, answers] of Object.entries(UDP)) {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => {
    // NTP: only a mode 3 request of 48 bytes; the others by content.
    const hit = answers.find(([want]) => (Number(port) === 123 ? msg.length === 48 && msg[0] === want[0] : msg.includes(want)));
    if (hit) sock.send(hit[1], from.port, from.address);
  });
  sock.bind(Number(port), host, bound);
  servers.push(sock);
}

process.stdin.resume();
process.stdin.on('end', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
