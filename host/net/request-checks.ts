/**
 * Shape checks for the batch requests of the network host calls. Requests come
 * from untrusted plugins, so every field is checked before a socket opens, and
 * the error names the op and the field (`net.udp.probe: probes[3].port must be …`).
 */

import { ErrorCode, PentoraError } from '../errors.ts';

export interface RequestChecks {
  bad(problem: string): PentoraError;
  array(v: unknown, where: string): unknown[];
  host(v: unknown, where: string): string;
  port(v: unknown, where: string): number;
  /** Standard padded base64 of at most `maxBytes` decoded bytes. */
  base64(v: unknown, where: string, maxBytes: number): string;
}

export function requestChecks(op: string): RequestChecks {
  const bad = (problem: string): PentoraError => new PentoraError(ErrorCode.HostCall, `${op}: ${problem}`);
  return {
    bad,
    array(v, where) {
      if (!Array.isArray(v)) throw bad(`${where} must be an array`);
      return v;
    },
    host(v, where) {
      if (typeof v !== 'string' || v.length === 0 || v.length > 255 || /[\s\0]/.test(v)) throw bad(`${where} must be a host name or IP address string`);
      return v;
    },
    port(v, where) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw bad(`${where} must be an integer port in 1..65535, got ${JSON.stringify(v)}`);
      return v;
    },
    base64(v, where, maxBytes) {
      if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(`${where} must be standard padded base64`);
      if (Buffer.byteLength(v, 'base64') > maxBytes) throw bad(`${where} is larger than ${maxBytes} bytes`);
      return v;
    },
  };
}
