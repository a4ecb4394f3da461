/**
 * The real daemons of `npm run bench:services`: one row per daemon saying
 * which Debian package holds it, the port it listens on (its standard one,
 * bound to 127.0.0.1 inside the benchmark's namespace), how to start it in the
 * foreground with a configuration generated into a temp dir (no systemd, no
 * /etc edits), what pentora should call it, and whether the service tells
 * its version to an unauthenticated client.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Daemon {
  /** Our name for the row (one package can give two: dovecot imap + pop3). */
  name: string;
  /** The Debian package whose dpkg-query version is the truth. */
  pkg: string;
  port: number;
  /** pentora `service` expected. */
  service: string;
  /** pentora `product` expected (compared case-insensitively, ignoring punctuation). */
  product: string;
  /** The service reveals its version without logging in. */
  revealsVersion: boolean;
  /** The nmap `product` that counts as right (nmap's own spelling). */
  nmapProduct: string;
  /**
   * Writes the configuration under `dir` (a fresh temp dir) and returns the argv that
   * runs the daemon in the foreground. Null when another row's launcher serves this
   * port (dovecot's pop3 comes with its imap).
   */
  launch: ((dir: string) => string[]) | null;
}

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function sshd(dir: string): string[] {
  const key = path.join(dir, 'ssh_host_ed25519_key');
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pentora-bench', '-f', key]);
  if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr?.toString().trim()}`);
  // sshd wants its privilege-separation directory; the package's tmpfiles rule makes it at boot.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const conf = write(
    path.join(dir, 'sshd_config'),
    [`Port 22`, `ListenAddress 127.0.0.1`, `HostKey ${key}`, `PidFile ${path.join(dir, 'sshd.pid')}`, `UsePAM no`, `PasswordAuthentication no`, `KbdInteractiveAuthentication no`, ''].join('\n'),
  );
  return ['/usr/sbin/sshd', '-D', '-e', '-f', conf];
}

function nginx(dir: string): string[] {
  const t = (n: string) => path.join(dir, n);
  const conf = write(
    t('nginx.conf'),
    `pid ${t('nginx.pid')};
error_log stderr warn;
worker_processes 1;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  server {
    listen 127.0.0.1:80;
    root ${t('www')};
  }
}
`,
  );
  write(t('www/index.html'), '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n');
  fs.chmodSync(dir, 0o755);
  return ['/usr/sbin/nginx', '-p', dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off;'];
}

function vsftpd(dir: string): string[] {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty, { mode: 0o555 });
  const conf = write(
    path.join(dir, 'vsftpd.conf'),
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      'listen_port=21',
      'background=NO',
      'anonymous_enable=NO',
      // With both local and anonymous logins off vsftpd answers every connection with
      // "500 OOPS" instead of its greeting; local logins on (nobody logs in) keeps it normal.
      'local_enable=YES',
      'write_enable=NO',
      `secure_chroot_dir=${empty}`,
      'pam_service_name=vsftpd',
      // The seccomp sandbox refuses syscalls some container kernels route differently.
      'seccomp_sandbox=NO',
      'xferlog_enable=NO',
      '',
    ].join('\n'),
  );
  fs.chmodSync(conf, 0o600);
  return ['/usr/sbin/vsftpd', conf];
}

function redis(dir: string): string[] {
  return ['/usr/bin/redis-server', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--logfile', ''];
}

function postfix(dir: string): string[] {
  const q = path.join(dir, 'queue');
  const data = path.join(dir, 'data');
  fs.mkdirSync(q, { mode: 0o755 });
  fs.mkdirSync(data, { mode: 0o700 });
  spawnSync('chown', ['postfix:postfix', data]);
  fs.chmodSync(dir, 0o755);
  write(
    path.join(dir, 'main.cf'),
    [
      'compatibility_level = 3.6',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      `queue_directory = ${q}`,
      `data_directory = ${data}`,
      'myhostname = bench.pentora.invalid',
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'maillog_file = /dev/stdout',
      'smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)',
      'biff = no',
      '',
    ].join('\n'),
  );
  // The package's master.cf with every chroot column set to n: a chrooted smtpd would need
  // copies of /etc files inside the temp queue directory.
  const master = fs
    .readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((l) => {
      if (/^\s|^#|^$/.test(l)) return l;
      const cols = l.split(/\s+/);
      if (cols.length >= 8) cols[4] = 'n';
      return cols.join(' ');
    })
    .join('\n');
  write(path.join(dir, 'master.cf'), master);
  // Creates the queue's subdirectories with postfix's owners and modes.
  const r = spawnSync('/usr/sbin/postfix', ['-c', dir, 'set-permissions'], { encoding: 'utf8' });
  if (r.status !== 0) spawnSync('/usr/sbin/postfix', ['-c', dir, 'check'], { encoding: 'utf8' });
  return ['/usr/sbin/postfix', '-c', dir, 'start-fg'];
}

function dovecot(dir: string): string[] {
  const t = (n: string) => path.join(dir, n);
  fs.chmodSync(dir, 0o755);
  for (const d of ['run', 'state', 'mail']) fs.mkdirSync(t(d), { mode: 0o755 });
  const conf = write(
    t('dovecot.conf'),
    `protocols = imap pop3
listen = 127.0.0.1
base_dir = ${t('run')}
state_dir = ${t('state')}
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:${t('mail')}/%u
passdb {
  driver = static
  args = password=unused-bench-only
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${t('mail')}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = 110
  }
  inet_listener pop3s {
    port = 0
  }
}
`,
  );
  return ['/usr/sbin/dovecot', '-F', '-c', conf];
}

function memcached(): string[] {
  return ['/usr/bin/memcached', '-u', 'nobody', '-l', '127.0.0.1', '-p', '11211', '-U', '0', '-m', '16'];
}

function mosquitto(dir: string): string[] {
  const conf = write(path.join(dir, 'mosquitto.conf'), ['listener 1883 127.0.0.1', 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'user mosquitto', ''].join('\n'));
  return ['/usr/sbin/mosquitto', '-c', conf];
}

function mariadb(dir: string): string[] {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o750 });
  fs.chmodSync(dir, 0o755);
  spawnSync('chown', ['mysql:mysql', data]);
  // A fresh system database (a few seconds); --no-defaults keeps /etc/mysql out of it.
  const r = spawnSync('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=mysql', '--skip-test-db', '--auth-root-authentication-method=socket'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mariadb-install-db: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return ['/usr/sbin/mariadbd', '--no-defaults', `--datadir=${data}`, `--socket=${path.join(data, 'mysqld.sock')}`, `--pid-file=${path.join(data, 'mysqld.pid')}`, '--port=3306', '--bind-address=127.0.0.1', '--user=mysql', '--skip-log-bin', '--innodb-buffer-pool-size=16M'];
}

export const DAEMONS: Daemon[] = [
  { name: 'sshd', pkg: 'openssh-server', port: 22, service: 'ssh', product: 'OpenSSH', nmapProduct: 'OpenSSH', revealsVersion: true, launch: sshd },
  { name: 'nginx', pkg: 'nginx', port: 80, service: 'http', product: 'nginx', nmapProduct: 'nginx', revealsVersion: true, launch: nginx },
  { name: 'vsftpd', pkg: 'vsftpd', port: 21, service: 'ftp', product: 'vsftpd', nmapProduct: 'vsftpd', revealsVersion: true, launch: vsftpd },
  { name: 'redis', pkg: 'redis-server', port: 6379, service: 'redis', product: 'Redis', nmapProduct: 'Redis key-value store', revealsVersion: true, launch: redis },
  { name: 'postfix', pkg: 'postfix', port: 25, service: 'smtp', product: 'Postfix', nmapProduct: 'Postfix smtpd', revealsVersion: false, launch: postfix },
  { name: 'dovecot-imap', pkg: 'dovecot-imapd', port: 143, service: 'imap', product: 'Dovecot', nmapProduct: 'Dovecot imapd', revealsVersion: false, launch: dovecot },
  { name: 'dovecot-pop3', pkg: 'dovecot-pop3d', port: 110, service: 'pop3', product: 'Dovecot', nmapProduct: 'Dovecot pop3d', revealsVersion: false, launch: null },
  { name: 'memcached', pkg: 'memcached', port: 11211, service: 'memcached', product: 'memcached', nmapProduct: 'Memcached', revealsVersion: true, launch: memcached },
  { name: 'mariadb', pkg: 'mariadb-server', port: 3306, service: 'mysql', product: 'MariaDB', nmapProduct: 'MariaDB', revealsVersion: true, launch: mariadb },
  { name: 'mosquitto', pkg: 'mosquitto', port: 1883, service: 'mqtt', product: 'Mosquitto', nmapProduct: 'Mosquitto', revealsVersion: true, launch: mosquitto },
];

/**
 * The upstream version in a Debian version string: no epoch, no Debian revision.
 * `1:9.2p1-2+deb12u10` → `9.2p1`, `1.22.1-9` → `1.22.1`, `5:7.0.15-1~deb12u10` → `7.0.15`,
 * `3.0.3-13+b2` → `3.0.3`, `1:2.3.19.1+dfsg1-2.1` → `2.3.19.1` (repack suffixes go too).
 */
export function upstreamVersion(debian: string): string {
  let v = debian.replace(/^\d+:/, '');
  const dash = v.lastIndexOf('-');
  if (dash > 0) v = v.slice(0, dash);
  return v.replace(/[+~](dfsg|ds|repack)\d*$/i, '');
}

/** Installed version per package (`dpkg-query -W`), null when not installed. */
export function installedVersions(pkgs: string[]): Map<string, string | null> {
  const out = new Map<string, string | null>(pkgs.map((p) => [p, null]));
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package}\t${Version}\t${db:Status-Status}\n', ...pkgs], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const [p, v, status] = line.split('\t');
    if (p && v && status === 'installed') out.set(p, v);
  }
  return out;
}

/** Same product? Case and punctuation aside, either name containing the other. */
export function sameProduct(got: string | null | undefined, want: string): boolean {
  if (!got) return false;
  const n = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return n(got).includes(n(want)) || n(want).includes(n(got));
}

/** Same version? Exactly the upstream one (9.2 for 9.2p1 does not count), a suffix after a space aside. */
export function sameVersion(got: string | null | undefined, upstream: string): boolean {
  if (!got) return false;
  // nmap appends the distribution's revision: "9.2p1 Debian 2+deb12u10".
  return got === upstream || got.startsWith(upstream + ' ');
}
