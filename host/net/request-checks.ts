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
  /**
   * The common shape of a batch: an object with `targets` x `ports` (given
   * together) and/or explicit `probes`, at least one probe and at most
   * `maxProbes` (a Limit error, before anything is allocated per probe).
   */
  batch(req: unknown, maxProbes: number): BatchShape;
}

/** A checked batch: hosts and ports to cross, and the explicit probes still to check one by one. */
export interface BatchShape {
  hosts: string[];
  ports: number[];
  explicit: unknown[];
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
    batch(req, maxProbes) {
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw bad('the request must be an object');
      const r = req as { targets?: unknown; ports?: unknown; probes?: unknown };
      const targets = r.targets === undefined ? [] : this.array(r.targets, 'targets');
      const ports = r.ports === undefined ? [] : this.array(r.ports, 'ports');
      const explicit = r.probes === undefined ? [] : this.array(r.probes, 'probes');
      if ((targets.length === 0) !== (ports.length === 0)) throw bad('targets and ports must be given together');
      const count = targets.length * ports.length + explicit.length;
      if (count === 0) throw bad('no probes: give targets and ports, or probes');
      if (count > maxProbes) throw new PentoraError(ErrorCode.Limit, `${op}: ${count} probes in one call, more than the limit of ${maxProbes}`, { count, limit: maxProbes });
      return {
        hosts: targets.map((t, i) => this.host(t, `targets[${i}]`)),
        ports: ports.map((p, i) => this.port(p, `ports[${i}]`)),
        explicit,
      };
    },
    base64(v, where, maxBytes) {
      if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(`${where} must be standard padded base64`);
      if (Buffer.byteLength(v, 'base64') > maxBytes) throw bad(`${where} is larger than ${maxBytes} bytes`);
      return v;
    },
  };
}
