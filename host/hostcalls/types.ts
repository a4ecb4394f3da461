/**
 * Host calls v1, declared once. Every implementation in host/hostcalls/ is
 * typed against `HostCallTable` (with `satisfies`), so a drift between the
 * contract and an implementation is a compile error.
 *
 * Wire format: the request is the JSON body the guest passes to `call(op, ...)`;
 * the reply wraps the response as {"ok":true,"value":<response>}.
 */

import type { Manifest } from '../sandbox/manifest.ts';

export interface ContextGetRequest {
  key: string;
}
/** The merged value of the key, or null when nothing has written it yet. */
export type ContextGetResponse = unknown;

export interface ContextSetRequest {
  key: string;
  value: unknown;
  /** Append the array items to what this instance already wrote (streaming). */
  append?: boolean;
}
export interface ContextSetResponse {
  count: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface LogRequest {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}
export type LogResponse = null;

export type ClockNowRequest = Record<string, never>;
export interface ClockNowResponse {
  /** Wall clock, milliseconds since the Unix epoch. */
  ms: number;
  /** Monotonic milliseconds since the scan started. */
  mono_ms: number;
}

/** Read after connect: up to max_bytes, for at most timeout_ms, or until the peer closes. */
export interface ReadSpec {
  max_bytes: number;
  timeout_ms: number;
}

export interface TcpProbe {
  host: string;
  port: number;
  /** Bytes to send after connect, base64. */
  payload_b64?: string;
  read?: ReadSpec;
}

/**
 * A batch: either `targets` x `ports` (sharing payload and read spec) or an
 * explicit `probes` list, or both. The host runs them concurrently under the
 * plugin's and the scan's rate limits.
 */
export interface TcpProbeRequest {
  targets?: string[];
  ports?: number[];
  payload_b64?: string;
  read?: ReadSpec;
  probes?: TcpProbe[];
  connect_timeout_ms?: number;
}

export type PortState = 'open' | 'closed' | 'filtered';

export interface TcpProbeResult {
  host: string;
  port: number;
  state: PortState;
  rtt_ms: number;
  /** Bytes read after connect (and after sending the payload), base64. */
  data_b64?: string;
  /** Why a read ended early, or why a connect failed (ECONNREFUSED, timeout, self-connect). */
  reason?: string;
}
export interface TcpProbeResponse {
  results: TcpProbeResult[];
}

/** The v1 host-call table: op name -> request/response. */
export interface HostCallTypes {
  'context.get': { req: ContextGetRequest; res: ContextGetResponse };
  'context.set': { req: ContextSetRequest; res: ContextSetResponse };
  log: { req: LogRequest; res: LogResponse };
  'clock.now': { req: ClockNowRequest; res: ClockNowResponse };
  'net.tcp.probe': { req: TcpProbeRequest; res: TcpProbeResponse };
}
export type HostCallName = keyof HostCallTypes;

/** What a host call implementation sees about its caller. */
export interface CallerInfo {
  /** `publisher/plugin` */
  plugin: string;
  instanceId: string;
  manifest: Manifest;
}

export type HostCallImpl<K extends HostCallName> = (
  caller: CallerInfo,
  req: HostCallTypes[K]['req'],
) => Promise<HostCallTypes[K]['res']>;

export type HostCallTable = { [K in HostCallName]: HostCallImpl<K> };
