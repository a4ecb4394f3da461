/**
 * Reading what each tool found: pentora's `scan -o json` document and nmap's
 * `-oX` XML, both reduced to one identification per port.
 */

export interface Ident {
  service: string;
  product: string | null;
  version: string | null;
  /** pentora's confidence (0-100); nmap's `conf` (0-10) times ten. */
  confidence: number | null;
}

interface PentoraService {
  host: string;
  port: number;
  protocol?: string;
  service: string;
  product: string | null;
  version: string | null;
  confidence: number;
}

/**
 * Every port's identifications from pentora's `-o json` output, most confident
 * first (a port may carry several: nginx + PHP).
 */
export function pentoraIdents(stdout: string, host: string): Map<number, Ident[]> {
  const out = new Map<number, Ident[]>();
  const start = stdout.indexOf('{');
  if (start < 0) return out;
  const doc = JSON.parse(stdout.slice(start)) as { services?: PentoraService[] };
  for (const s of doc.services ?? []) {
    if (s.host !== host || (s.protocol && s.protocol !== 'tcp')) continue;
    const list = out.get(s.port) ?? [];
    list.push({ service: s.service, product: s.product ?? null, version: s.version ?? null, confidence: s.confidence });
    out.set(s.port, list);
  }
  for (const list of out.values()) list.sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0));
  return out;
}

/** The DAG nodes that failed or were skipped, as "id (module): error" — why a scan was partial. */
export function pentoraFailures(stdout: string): string[] {
  const start = stdout.indexOf('{');
  if (start < 0) return [];
  try {
    const doc = JSON.parse(stdout.slice(start)) as { nodes?: Array<{ id: string; module: string; state: string; error?: string }> };
    return (doc.nodes ?? []).filter((n) => n.state === 'failed' || n.state === 'skipped').map((n) => `${n.id} (${n.module}) ${n.state}: ${(n.error ?? '').slice(0, 200)}`);
  } catch {
    return ['(unparsable output)'];
  }
}

/** How long each DAG node ran, from its startedAt/finishedAt: "id 1.23s" in start order — where the time went. */
export function pentoraStages(stdout: string): string[] {
  const start = stdout.indexOf('{');
  if (start < 0) return [];
  try {
    const doc = JSON.parse(stdout.slice(start)) as { nodes?: Array<{ id: string; state: string; startedAt?: string; finishedAt?: string }> };
    return (doc.nodes ?? [])
      .filter((n) => n.startedAt && n.finishedAt)
      .sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!))
      .map((n) => `${n.id} ${((Date.parse(n.finishedAt!) - Date.parse(n.startedAt!)) / 1000).toFixed(2)}s${n.state === 'done' ? '' : ` (${n.state})`}`);
  } catch {
    return [];
  }
}

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w-]+)="([^"]*)"/g)) out.set(m[1]!, unescapeXml(m[2]!));
  return out;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, n: string, d?: string) =>
    d ? String.fromCharCode(Number(d)) : ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[n]!,
  );
}

/**
 * nmap -oX: `<port protocol="tcp" portid="22"><state state="open" …/><service name="ssh"
 * product="OpenSSH" version="9.2p1 Debian 2+deb12u10" … conf="10"/></port>`. A port nmap
 * could not name has no service element, or `name="unknown"`; `name="tcpwrapped"` is no
 * identification either.
 */
export function nmapIdents(xml: string): Map<number, Ident[]> {
  const out = new Map<number, Ident[]>();
  for (const m of xml.matchAll(/<port protocol="tcp" portid="(\d+)">([\s\S]*?)<\/port>/g)) {
    const port = Number(m[1]);
    const st = /<state ([^>]*)\/>/.exec(m[2]!);
    if (!st || attrs(st[1]!).get('state') !== 'open') continue;
    const sv = /<service ([^>]*?)\/?>/.exec(m[2]!);
    if (!sv) continue;
    const a = attrs(sv[1]!);
    const name = a.get('name') ?? '';
    if (name === '' || name === 'unknown' || name === 'tcpwrapped') continue;
    // Without version detection's match, nmap only guesses the name from its port table.
    if (a.get('method') !== 'probed') continue;
    let ident: Ident = { service: name, product: a.get('product') ?? null, version: a.get('version') ?? null, confidence: a.has('conf') ? Number(a.get('conf')) * 10 : null };
    // nmap 7.93 names mosquitto's MQTT service after the $SYS/broker/version text it read:
    // name="mosquitto version 2.0.11", no product. Read it as what it means.
    const odd = /^(\S+) version (\S+)$/.exec(name);
    if (odd && !ident.product) ident = { ...ident, service: odd[1]!.toLowerCase() === 'mosquitto' ? 'mqtt' : name, product: odd[1]!, version: odd[2]! };
    out.set(port, [ident]);
  }
  return out;
}

/** Does a tool's service name mean the protocol we speak? nmap and pentora spell a few differently. */
export function sameService(got: string | null | undefined, want: string): boolean {
  if (!got) return false;
  const g = got.toLowerCase();
  const aliases: Record<string, string[]> = {
    http: ['http', 'http-proxy', 'http-alt'],
    mqtt: ['mqtt'],
    memcached: ['memcached', 'memcache'],
    vnc: ['vnc', 'rfb'],
    mysql: ['mysql', 'mariadb'],
    smtp: ['smtp', 'esmtp'],
    imap: ['imap'],
    pop3: ['pop3'],
    ftp: ['ftp'],
    ssh: ['ssh'],
    redis: ['redis'],
  };
  return (aliases[want] ?? [want]).includes(g);
}
