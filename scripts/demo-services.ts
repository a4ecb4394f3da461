/**
 * Demo services on 127.0.0.1, each on an ephemeral port, speaking the first
 * bytes of real protocols (SSH identification string, an HTTP server, FTP and
 * SMTP greetings). Used by `npm run demo` and the end-to-end tests.
 */

import http from 'node:http';
import net from 'node:net';

export interface DemoService {
  name: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A line-based server: sends `greeting`, answers each line with `reply(line)`, closes on QUIT. */
export async function lineService(name: string, greeting: string, reply: (line: string) => string | null = () => null): Promise<DemoService> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined); // scanners reset connections; that is normal
    sock.setTimeout(10_000, () => sock.destroy());
    sock.write(greeting);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (/^quit$/i.test(line)) return void sock.end('221 Bye\r\n');
        const r = reply(line);
        if (r) sock.write(r);
      }
      if (buf.length > 4096) sock.destroy();
    });
  });
  return { name, port: await listen(server), close: closer(server, sockets) };
}

export async function httpService(name: string, headers: Record<string, string>, body: string): Promise<DemoService> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { name, port: await listen(server), close: closer(server, sockets) };
}

export async function startDemoServices(): Promise<DemoService[]> {
  return Promise.all([
    lineService('ssh', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'),
    httpService('http', { Server: 'nginx/1.22.1', 'X-Powered-By': 'PHP/8.2.7' }, '<!doctype html><html><head><title>Demo intranet</title></head><body>ok</body></html>\n'),
    lineService('ftp', '220 (vsFTPd 3.0.3)\r\n', (l) => (/^user /i.test(l) ? '331 Please specify the password.\r\n' : '530 Please login with USER and PASS.\r\n')),
    lineService('smtp', '220 mail.demo.test ESMTP Postfix (3.7.10)\r\n', (l) => (/^(ehlo|helo) /i.test(l) ? '250-mail.demo.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n' : '502 5.5.2 Error: command not recognized\r\n')),
  ]);
}
