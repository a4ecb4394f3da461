/**
 * The plugin manifest (DESIGN §5): what a plugin is, what it reads and
 * writes, what it may do, and the digest of the wasm it describes. It is only
 * ever parsed after its signature has been verified over its exact bytes.
 *
 * @example
 * {
 *   "name": "pentora/ssh-parser", "version": "0.1.0", "abi": 1, "type": "parser",
 *   "wasm": {"sha256": "…64 hex…", "size": 18342},
 *   "requires": ["banners"], "provides": ["parsed_services", "service_fingerprints"],
 *   "config": {"min_confidence": {"type": "integer", "default": 0, "min": 0, "max": 100}},
 *   "capabilities": {}, "limits": {"memory_pages": 64, "cpu_ms": 2000}
 * }
 */

import { ErrorCode, PentoraError } from '../errors.ts';
import { validate, type JsonSchema } from '../engine/json-schema.ts';
import { ABI_VERSION } from './abi.ts';

export const MODULE_TYPES = ['discovery', 'scanner', 'grabber', 'parser', 'fingerprint', 'evaluator', 'reporter'] as const;
export type ModuleType = (typeof MODULE_TYPES)[number];

export type ConfigFieldType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
export interface ConfigField {
  type: ConfigFieldType;
  default?: unknown;
  min?: number;
  max?: number;
  enum?: unknown[];
  required?: boolean;
  description?: string;
}

export interface TcpGrant {
  /** "scope": any address in the scan's target set (the only value in v1). */
  targets: 'scope';
  ports: 'any' | number[];
}
export interface NetCapabilities {
  tcp?: TcpGrant | null;
  udp?: TcpGrant | null;
  icmp?: boolean;
  syn?: boolean;
}
export interface Capabilities {
  net?: NetCapabilities;
  rate?: { pps?: number; concurrent?: number };
}

export interface Limits {
  /** Memory cap in 64 KiB wasm pages; the loader rewrites the module's maximum to it. */
  memory_pages?: number;
  /** CPU time per entry-point call, measured on the worker thread. */
  cpu_ms?: number;
  /** Wall time per entry-point call, host calls included. */
  wall_ms?: number;
  /** Bytes a call may write through `output`. */
  output_bytes?: number;
  /** Bytes of one host-call request. */
  hostcall_bytes?: number;
}

export interface Manifest {
  name: string;
  version: string;
  abi: number;
  type: ModuleType;
  description?: string;
  wasm: { sha256: string; size: number };
  requires: string[];
  /** Keys read when present; never block planning. */
  optional?: string[];
  provides: string[];
  config: Record<string, ConfigField>;
  capabilities: Capabilities;
  limits: Limits;
  /** Profiles the planner includes this plugin in (quick, standard, ...). */
  profiles?: string[];
}

const NAME = '^[a-z0-9][a-z0-9._-]{0,63}/[a-z0-9][a-z0-9._-]{0,63}$';
const KEY = '^[a-z][a-z0-9_]{0,63}$';
const grant: JsonSchema = {
  type: ['object', 'null'],
  required: ['targets', 'ports'],
  additionalProperties: false,
  properties: {
    targets: { enum: ['scope'] },
    ports: { type: ['string', 'array'], items: { type: 'integer', minimum: 1, maximum: 65535 } },
  },
};

/** The manifest's own schema. Unknown top-level fields are refused, so a signed field cannot be silently ignored. */
export const MANIFEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'version', 'abi', 'type', 'wasm', 'requires', 'provides', 'config', 'capabilities', 'limits'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NAME },
    version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$' },
    abi: { const: ABI_VERSION },
    type: { enum: MODULE_TYPES },
    description: { type: 'string', maxLength: 500 },
    wasm: {
      type: 'object',
      required: ['sha256', 'size'],
      additionalProperties: false,
      properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, size: { type: 'integer', minimum: 8, maximum: 64 * 1024 * 1024 } },
    },
    requires: { type: 'array', maxItems: 32, items: { type: 'string', pattern: KEY } },
    optional: { type: 'array', maxItems: 32, items: { type: 'string', pattern: KEY } },
    provides: { type: 'array', maxItems: 32, items: { type: 'string', pattern: KEY } },
    config: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: ['string', 'integer', 'number', 'boolean', 'array', 'object'] },
          default: {},
          min: { type: 'number' },
          max: { type: 'number' },
          enum: { type: 'array' },
          required: { type: 'boolean' },
          description: { type: 'string' },
        },
      },
    },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      properties: {
        net: {
          type: 'object',
          additionalProperties: false,
          properties: { tcp: grant, udp: grant, icmp: { type: 'boolean' }, syn: { type: 'boolean' } },
        },
        rate: {
          type: 'object',
          additionalProperties: false,
          properties: { pps: { type: 'integer', minimum: 1, maximum: 10_000_000 }, concurrent: { type: 'integer', minimum: 1, maximum: 65_536 } },
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        memory_pages: { type: 'integer', minimum: 1, maximum: 65536 },
        cpu_ms: { type: 'integer', minimum: 1 },
        wall_ms: { type: 'integer', minimum: 1 },
        output_bytes: { type: 'integer', minimum: 0 },
        hostcall_bytes: { type: 'integer', minimum: 0 },
      },
    },
    profiles: { type: 'array', items: { type: 'string', pattern: KEY } },
  },
};

/**
 * Parses manifest bytes that have already passed signature verification.
 * `where` names the file for error messages.
 */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PentoraError(ErrorCode.Manifest, `${where}: manifest is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  const problem = validate(MANIFEST_SCHEMA, doc, 'manifest');
  if (problem) throw new PentoraError(ErrorCode.Manifest, `${where}: ${problem}`);
  const m = doc as Manifest;
  if (m.capabilities.net?.tcp && typeof m.capabilities.net.tcp.ports === 'string' && m.capabilities.net.tcp.ports !== 'any') {
    throw new PentoraError(ErrorCode.Manifest, `${where}: capabilities.net.tcp.ports must be "any" or a list of ports`);
  }
  for (const [field, spec] of Object.entries(m.config)) {
    if (spec.default !== undefined) {
      const err = checkConfigValue(field, spec, spec.default);
      if (err) throw new PentoraError(ErrorCode.Manifest, `${where}: default of config.${field}: ${err}`);
    }
  }
  return m;
}

/** Checks one config value against its field spec; returns a problem or null. */
export function checkConfigValue(field: string, spec: ConfigField, value: unknown): string | null {
  const s: JsonSchema = { type: spec.type };
  if (spec.enum) s.enum = spec.enum;
  if (spec.type === 'string' || spec.type === 'array') {
    if (spec.min !== undefined) s[spec.type === 'string' ? 'minLength' : 'minItems'] = spec.min;
    if (spec.max !== undefined) s[spec.type === 'string' ? 'maxLength' : 'maxItems'] = spec.max;
  } else {
    if (spec.min !== undefined) s.minimum = spec.min;
    if (spec.max !== undefined) s.maximum = spec.max;
  }
  return validate(s, value, field);
}
