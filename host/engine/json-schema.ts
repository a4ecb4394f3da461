/**
 * A small JSON Schema validator for the subset pentora's own schemas use:
 * type (string or list), properties, required, additionalProperties (bool or
 * schema), items, enum, const, minimum, maximum, minLength, maxLength, pattern,
 * minItems, maxItems, oneOf-free. It is used for DataContext writes, manifests
 * and DAG files; it never compiles code from a schema.
 *
 * Returns the first problem as a path-qualified message, or null when valid.
 */

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export interface JsonSchema {
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  description?: string;
}

export function typeOf(v: unknown): JsonType | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    case 'object':
      return 'object';
    default:
      return 'undefined';
  }
}

function typeMatches(actual: JsonType | 'undefined', want: JsonType): boolean {
  return actual === want || (want === 'number' && actual === 'integer');
}

const patternCache = new Map<string, RegExp>();

export function validate(schema: JsonSchema, value: unknown, path = '$'): string | null {
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const wants = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!wants.some((w) => typeMatches(t, w))) return `${path}: expected ${wants.join('|')}, got ${t}`;
  }
  if (schema.const !== undefined && value !== schema.const) return `${path}: must be ${JSON.stringify(schema.const)}`;
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    return `${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${path}: must be a finite number`;
    if (schema.minimum !== undefined && value < schema.minimum) return `${path}: ${value} is below the minimum ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `${path}: ${value} is above the maximum ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `${path}: shorter than ${schema.minLength}`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${path}: longer than ${schema.maxLength}`;
    if (schema.pattern !== undefined) {
      let re = patternCache.get(schema.pattern);
      if (!re) patternCache.set(schema.pattern, (re = new RegExp(schema.pattern, 'u')));
      if (!re.test(value)) return `${path}: ${JSON.stringify(value.slice(0, 80))} does not match ${schema.pattern}`;
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `${path}: fewer than ${schema.minItems} items`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${path}: more than ${schema.maxItems} items`;
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const err = validate(schema.items, value[i], `${path}[${i}]`);
        if (err) return err;
      }
    }
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? []) {
      if (!Object.hasOwn(obj, req)) return `${path}: missing required property "${req}"`;
    }
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) {
        const err = validate(sub, v, `${path}.${k}`);
        if (err) return err;
      } else if (schema.additionalProperties === false) {
        return `${path}: unknown property "${k}"`;
      } else if (typeof schema.additionalProperties === 'object') {
        const err = validate(schema.additionalProperties, v, `${path}.${k}`);
        if (err) return err;
      }
    }
  }
  return null;
}
