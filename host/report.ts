/**
 * The records a scan prints and stores (`-o jsonl`, results/*.jsonl), derived
 * from the standard DataContext keys. Generic over keys: no protocol here.
 */

import type { DataContext } from './engine/context.ts';
import { compareIp, parseIp } from './net/address.ts';

export interface PortRecord {
  type: 'port';
  host: string;
  port: number;
  protocol: string;
  state: string;
}

export interface ServiceRecord {
  type: 'service';
  host: string;
  port: number;
  service: string;
  product: string | null;
  version: string | null;
  cpe: string | null;
  confidence: number;
  source: string;
  plugin: string;
  os_hint?: string;
  /** What produced the identification: the probe and an excerpt of the bytes (docs/service-probing.md). */
  evidence?: string;
  /** The kinds of evidence combined into the confidence: banner, probe:<name>, port-hint. */
  evidence_kinds?: string[];
}

export interface FindingRecord {
  type: 'finding';
  kind: 'vulnerability' | 'compliance';
  host: string;
  port: number | null;
  id: string;
  title: string;
  severity: string;
  plugin: string;
  [extra: string]: unknown;
}

/** A host discovery found up (merged over the discovery methods that saw it). */
export interface HostRecord {
  type: 'host';
  host: string;
  state: 'up';
  /** How it was found: icmp-echo, tcp-syn, tcp-connect, ... */
  methods: string[];
  /** The fastest answer, when one was timed. */
  rtt_ms?: number;
}

export type ResultRecord = HostRecord | PortRecord | ServiceRecord | FindingRecord;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** One collator for every comparison: localeCompare with options builds one per call. */
/** Hosts in numeric order where they are addresses (10.0.0.2 before 10.0.0.10), names after them by code unit. */
function compareHosts(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (x && y) return compareIp(x, y);
  if (x || y) return x ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function byHostPort(a: { host: string; port: number | null }, b: { host: string; port: number | null }): number {
  return compareHosts(a.host, b.host) || (a.port ?? 0) - (b.port ?? 0);
}

/** The hosts `discovered_hosts` says are up: a host is up when any method saw it. */
export function hostRecords(ctx: DataContext): HostRecord[] {
  const up = new Map<string, HostRecord>();
  for (const r of ctx.get('discovered_hosts') ?? []) {
    if (r.alive !== true) continue;
    const host = String(r.host);
    const rec = up.get(host) ?? { type: 'host', host, state: 'up', methods: [] };
    const method = str(r.method);
    if (method && !rec.methods.includes(method)) rec.methods.push(method);
    const rtt = num(r.rtt_ms);
    if (rtt !== null && (rec.rtt_ms === undefined || rtt < rec.rtt_ms)) rec.rtt_ms = rtt;
    up.set(host, rec);
  }
  return [...up.values()].sort((a, b) => byHostPort({ host: a.host, port: 0 }, { host: b.host, port: 0 }));
}

export function resultRecords(ctx: DataContext): { hosts: HostRecord[]; ports: PortRecord[]; services: ServiceRecord[]; findings: FindingRecord[] } {
  const ports: PortRecord[] = (ctx.get('open_ports') ?? []).map((r) => ({
    type: 'port',
    host: String(r.host),
    port: Number(r.port),
    protocol: String(r.protocol),
    state: String(r.state),
  }));
  // Several scanners may report the same port; keep one record per host/port/protocol.
  const seen = new Set<string>();
  const uniquePorts = ports.filter((p) => {
    const k = `${p.host}|${p.port}|${p.protocol}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const services: ServiceRecord[] = (ctx.get('service_fingerprints') ?? []).map((r) => {
    const rec: ServiceRecord = {
      type: 'service',
      host: String(r.host),
      port: Number(r.port),
      service: String(r.service),
      product: str(r.product),
      version: str(r.version),
      cpe: str(r.cpe),
      confidence: Number(r.confidence),
      source: String(r.source),
      plugin: String(r.plugin),
    };
    const os = str(r.os_hint);
    if (os) rec.os_hint = os;
    const evidence = str(r.evidence);
    if (evidence) rec.evidence = evidence;
    const extra = r.extra as { evidence?: unknown } | undefined;
    if (Array.isArray(extra?.evidence)) rec.evidence_kinds = extra.evidence.filter((k): k is string => typeof k === 'string');
    return rec;
  });
  const finding = (kind: FindingRecord['kind']) => (r: Record<string, unknown>): FindingRecord => {
    const { host, port, id, title, severity, plugin, ...rest } = r;
    return { type: 'finding', kind, host: String(host), port: num(port), id: String(id), title: String(title), severity: String(severity), plugin: String(plugin), ...rest };
  };
  const findings = [...(ctx.get('vulnerabilities') ?? []).map(finding('vulnerability')), ...(ctx.get('compliance_violations') ?? []).map(finding('compliance'))];
  return { hosts: hostRecords(ctx), ports: uniquePorts.sort(byHostPort), services: services.sort((a, b) => byHostPort(a, b) || b.confidence - a.confidence), findings: findings.sort(byHostPort) };
}
