/**
 * The standard DataContext keys (DESIGN §4) and their JSON Schemas. Every
 * value is a list of records; writes are validated item by item, and the host
 * stamps each record's `plugin` with the writer's name, so provenance cannot
 * be forged by a plugin.
 */

import type { JsonSchema } from './json-schema.ts';

const host: JsonSchema = { type: 'string', minLength: 1, maxLength: 255 };
const port: JsonSchema = { type: 'integer', minimum: 0, maximum: 65535 };
const protocol: JsonSchema = { enum: ['tcp', 'udp', 'icmp', 'sctp'] };
const plugin: JsonSchema = { type: 'string', maxLength: 130 };
const text = (max: number): JsonSchema => ({ type: 'string', maxLength: max });
const severity: JsonSchema = { enum: ['info', 'low', 'medium', 'high', 'critical'] };

function list(props: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return {
    type: 'array',
    maxItems: 1_000_000,
    items: { type: 'object', required, additionalProperties: false, properties: { ...props, plugin } },
  };
}

export const STANDARD_KEYS = {
  /** Scan targets, written by the host from the parsed target specs. */
  targets: list({ host, hostname: text(255) }, ['host']),
  discovered_hosts: list(
    { host, alive: { type: 'boolean' }, method: text(64), rtt_ms: { type: 'number', minimum: 0 }, reason: text(200) },
    ['host', 'alive'],
  ),
  open_ports: list(
    {
      host,
      port,
      protocol,
      state: { enum: ['open', 'closed', 'filtered', 'open|filtered'] },
      reason: text(200),
      rtt_ms: { type: 'number', minimum: 0 },
    },
    ['host', 'port', 'protocol', 'state'],
  ),
  banners: list(
    { host, port, protocol, probe: text(64), data_b64: text(1_400_000), tls: { type: 'boolean' }, rtt_ms: { type: 'number', minimum: 0 }, reason: text(64) },
    ['host', 'port', 'protocol', 'data_b64'],
  ),
  parsed_services: list(
    { host, port, protocol, service: text(64), fields: { type: 'object' } },
    ['host', 'port', 'protocol', 'service'],
  ),
  service_fingerprints: list(
    {
      host,
      port,
      protocol,
      service: text(64),
      product: text(128),
      version: text(64),
      cpe: { type: 'string', maxLength: 400, pattern: '^cpe:2\\.3:[aho\\*-]:' },
      confidence: { type: 'integer', minimum: 0, maximum: 100 },
      source: text(64),
      os_hint: text(128),
      evidence: text(2000),
      extra: { type: 'object' },
    },
    ['host', 'port', 'protocol', 'service', 'confidence', 'source'],
  ),
  asset_profiles: list({ host, os: text(128), hostname: text(255), tags: { type: 'array', items: text(64) }, extra: { type: 'object' } }, ['host']),
  vulnerabilities: list(
    {
      host,
      port,
      protocol,
      id: text(128),
      title: text(300),
      severity,
      cve: { type: 'array', items: { type: 'string', pattern: '^CVE-[0-9]{4}-[0-9]{4,}$' } },
      cvss: { type: 'number', minimum: 0, maximum: 10 },
      evidence: text(4000),
      cpe: text(400),
    },
    ['host', 'id', 'title', 'severity'],
  ),
  compliance_violations: list(
    { host, port, protocol, id: text(128), title: text(300), severity, rule: text(200), evidence: text(4000) },
    ['host', 'id', 'title', 'severity'],
  ),
} as const satisfies Record<string, JsonSchema>;

export type StandardKey = keyof typeof STANDARD_KEYS;
export const STANDARD_KEY_NAMES = Object.keys(STANDARD_KEYS) as StandardKey[];

export function isStandardKey(key: string): key is StandardKey {
  return Object.hasOwn(STANDARD_KEYS, key);
}

/** Keys the host writes itself before any plugin runs. */
export const HOST_PROVIDED_KEYS: readonly StandardKey[] = ['targets'];
