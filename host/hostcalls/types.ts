/**
 * Host calls v1, declared once. Every implementation in host/hostcalls/ is
 * typed against `HostCallTable` (with `satisfies`), so a drift between the
 * contract and an implementation is a compile error.
 *
 * Wire format: the request is the JSON body the guest passes to `call(op, ...)`;
 * the reply wraps the response as {"ok":true,"value":<response>}.
 */

import type { ErrorCode } from '../errors.ts';
import type { Manifest } from '../sandbox/manifest.ts';

/**
 * Reads a DataContext key. Three forms:
 *
 * - `{key}`: the whole merged list, or null when nothing has written the key
 *   (the v1 reply, kept as it was).
 * - `{key, offset?, limit?, max_bytes?}`: one page of the merged list, an
 *   array: the records from `offset` on, at most `limit` of them (default and
 *   cap MAX_CONTEXT_PAGE), and no more once their JSON reaches `max_bytes`
 *   (but always at least one). Empty past the end, when nothing was written or
 *   for `limit: 0`, and only then: a reader pages on until an empty page.
 * - `{key, count_only: true}`: the number of merged records (0 when none).
 *
 * All numbers are non-negative integers. Paging keeps a reader's memory at
 * one page instead of the whole list; `max_bytes` bounds a page whatever size
 * its records are (a banner may be 1 KiB or 1 MiB). Pages are consistent
 * while nothing writes the key, which the DAG guarantees for the keys a node
 * requires: their providers finished before it started.
 *
 * @example {"key":"banners","offset":256,"limit":256,"max_bytes":1048576} -> [{...}, ...]
 * @example {"key":"banners","count_only":true} -> 5000
 */
export interface ContextGetRequest {
  key: string;
  offset?: number;
  limit?: number;
  max_bytes?: number;
  count_only?: boolean;
}
/** Records one paged `context.get` returns at most, whatever `limit` asks. */
export const MAX_CONTEXT_PAGE = 10_000;
/** The merged list (or null), a page (an array), or a count (a number): see ContextGetRequest. */
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

/**
 * Read after connect: up to max_bytes, for at most timeout_ms, or until the
 * peer closes. With `idle_ms`, the read also ends (reason `idle`) once at
 * least one byte has arrived and then none for idle_ms: a server that greets
 * and waits for the client is done talking long before timeout_ms. Absent or
 * 0: off. Capped like timeout_ms.
 *
 * @example {"max_bytes":4096,"timeout_ms":2000,"idle_ms":300}
 */
export interface ReadSpec {
  max_bytes: number;
  timeout_ms: number;
  idle_ms?: number;
}

export interface TcpProbe {
  host: string;
  port: number;
  /** Bytes to send after connect, base64. */
  payload_b64?: string;
  read?: ReadSpec;
  /** A conversation instead of `payload_b64`/`read` (giving both is a request error): see TcpStep. */
  steps?: TcpStep[];
}

/** The most steps one conversation probe may have. */
export const MAX_TCP_STEPS = 8;
/** The longest `until_b64` sequence, in decoded bytes. */
export const MAX_UNTIL_BYTES = 64;

/** A step's read: a ReadSpec that may also end as soon as this step's bytes contain `until_b64` (1..64 bytes). */
export interface StepReadSpec extends ReadSpec {
  until_b64?: string;
}

/**
 * One step of a conversation probe, run in order on one connection: send
 * `send_b64` (if any), then read as `read` says (if any). A read ends by
 * idle, timeout, until or max_bytes and the next step runs; eof, reset or a
 * socket error end the conversation. The reads of all steps together are
 * capped at 1 MiB.
 *
 * @example {"host":"192.0.2.7","port":25,"steps":[
 *   {"read":{"max_bytes":4096,"timeout_ms":1500,"idle_ms":200,"until_b64":"DQo="}},
 *   {"send_b64":"RUhMTyBwZW50b3JhLmludmFsaWQNCg==","read":{"max_bytes":4096,"timeout_ms":1500,"idle_ms":200}}]}
 */
export interface TcpStep {
  send_b64?: string;
  read?: StepReadSpec;
}

/** What one step of a conversation got: its bytes (absent when none) and why its read ended (`sent` for a step without read). */
export interface TcpStepResult {
  data_b64?: string;
  reason: string;
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
  /** Why a read ended (eof, max_bytes, idle, timeout, reset), or why a connect failed (ECONNREFUSED, timeout, self-connect). */
  reason?: string;
  /**
   * For a conversation probe (one with `steps`), one entry per step run, and
   * no `data_b64`; `reason` is then the last step's (or the connect failure).
   */
  steps?: TcpStepResult[];
}
export interface TcpProbeResponse {
  results: TcpProbeResult[];
}

/**
 * Why a raw-socket host call could not run at all: the host process lacks
 * CAP_NET_RAW (or the raw-socket addon is not built). The error reply's code
 * is `PENTORA_E_RAW_UNAVAILABLE` (ErrorCode.RawUnavailable); its message says
 * which and how to fix it. Scanner plugins take it as "fall back to
 * net.tcp.probe (connect scanning)". A missing manifest grant is a different
 * error, `PENTORA_E_CAPABILITY`, naming the grant.
 */
export const RAW_UNAVAILABLE: typeof ErrorCode.RawUnavailable = 'PENTORA_E_RAW_UNAVAILABLE';

/** Caps the host applies to raw-socket requests whatever a plugin asks. */
export const MAX_RAW_RETRIES = 5;
export const MAX_RAW_TIMEOUT_MS = 10_000;

/**
 * net.syn.scan: a stateless TCP SYN scan of `targets` x `ports` over raw
 * sockets (IPv4 and IPv6). Needs the manifest grant `capabilities.net.syn: true` and a
 * host with CAP_NET_RAW. Every target must be in scope (IP literal or one of
 * the scan's target names), checked before the first packet.
 *
 * `retries`: extra SYNs sent to ports still unanswered (default 1, at most
 * MAX_RAW_RETRIES). `timeout_ms`: how long to wait for replies after each
 * round's last SYN (default 1000, at most MAX_RAW_TIMEOUT_MS).
 *
 * `states` chooses which results are listed (default all three): a full
 * -p- scan of one host is 65,535 results, most of them closed, so scanners
 * usually ask for `["open"]` and read the rest from `counts`.
 *
 * @example {"targets":["10.0.0.2"],"ports":[22,80,443],"states":["open"]}
 *   -> {"results":[{"host":"10.0.0.2","port":22,"state":"open","rtt_ms":0.21,"reason":"syn-ack"}],
 *       "counts":{"open":1,"closed":2,"filtered":0},"stats":{"sent":3,"received":3,"duration_ms":4.1}}
 */
export interface SynScanRequest {
  targets: string[];
  ports: number[];
  retries?: number;
  timeout_ms?: number;
  states?: PortState[];
}
export interface SynScanResult {
  host: string;
  port: number;
  state: PortState;
  /** SYN to first reply, for open and closed ports. */
  rtt_ms?: number;
  /** syn-ack | rst | no-response | icmp-unreachable (type 3 code n, from the path) */
  reason: string;
  /** TTL of the reply (open/closed, IPv4 only): a hint of the peer's OS and distance. */
  ttl?: number;
}
export interface RawScanStats {
  /** Packets the host sent (retries included). */
  sent: number;
  /** Replies matched to a probe of this call. */
  received: number;
  duration_ms: number;
}
export interface SynScanResponse {
  /** Sorted by target order, then port order. Only the states asked for. */
  results: SynScanResult[];
  /** Every probe's state counted, whatever `states` listed. */
  counts: Record<PortState, number>;
  stats: RawScanStats;
}

/**
 * net.icmp.echo: ICMP echo requests (ping) to each target, matched to
 * replies by identifier and sequence. Needs `capabilities.net.icmp: true` and
 * CAP_NET_RAW. IPv4 and IPv6 literals / target names.
 *
 * `retries`: extra echo requests to a target that has not answered (default
 * 1, at most MAX_RAW_RETRIES); `timeout_ms` per round (default 1000);
 * `payload_size`: bytes of echo data (default 16, 0..1400).
 *
 * @example {"targets":["10.0.0.2","10.0.0.3"]}
 *   -> {"results":[{"host":"10.0.0.2","alive":true,"rtt_ms":0.12,"ttl":64,"reason":"echo-reply"},
 *                  {"host":"10.0.0.3","alive":false,"reason":"no-response"}], "stats":{...}}
 */
export interface IcmpEchoRequest {
  targets: string[];
  retries?: number;
  timeout_ms?: number;
  payload_size?: number;
}
export interface IcmpEchoResult {
  host: string;
  alive: boolean;
  rtt_ms?: number;
  ttl?: number;
  /** echo-reply | no-response | unreachable (type 3 code n, with the reporting router in `from`) */
  reason: string;
  /** Who sent an ICMP error instead of a reply. */
  from?: string;
}
export interface IcmpEchoResponse {
  /** One per target, in request order. */
  results: IcmpEchoResult[];
  stats: RawScanStats;
}

/** UDP adds open|filtered: silence proves nothing for UDP (RFC 1122 §4.1.3.1, nmap's term). */
export type UdpPortState = 'open' | 'closed' | 'filtered' | 'open|filtered';

export interface UdpProbe {
  host: string;
  port: number;
  /** Datagram to send, base64 (empty when omitted; at most 1400 bytes). */
  payload_b64?: string;
}

/**
 * net.udp.probe: send one datagram per probe from an ordinary UDP socket and
 * classify: a UDP reply -> open (its bytes returned), ICMP port unreachable
 * -> closed, another ICMP unreachable -> filtered, silence after retries ->
 * open|filtered. Needs `capabilities.net.udp` (ports "any" or a list); no
 * CAP_NET_RAW needed (ICMP errors arrive on the socket's error queue).
 * Like net.tcp.probe: `targets` x `ports` share `payload_b64`, plus explicit
 * `probes` with their own payloads.
 *
 * `retries` (default 1), `timeout_ms` per round (default 1000),
 * `max_bytes` of each reply returned (default 1500, at most 65535).
 * `states` as for net.syn.scan (default all).
 *
 * @example {"probes":[{"host":"10.0.0.2","port":53,"payload_b64":"..."}]}
 *   -> {"results":[{"host":"10.0.0.2","port":53,"state":"open","rtt_ms":0.3,"reason":"udp-response","data_b64":"..."}],
 *       "counts":{"open":1,"closed":0,"filtered":0,"open|filtered":0},"stats":{...}}
 */
export interface UdpProbeRequest {
  targets?: string[];
  ports?: number[];
  payload_b64?: string;
  probes?: UdpProbe[];
  retries?: number;
  timeout_ms?: number;
  max_bytes?: number;
  states?: UdpPortState[];
}
export interface UdpProbeResult {
  host: string;
  port: number;
  state: UdpPortState;
  rtt_ms?: number;
  /** udp-response | port-unreachable | icmp-unreachable (type 3 code n) | no-response */
  reason: string;
  /** The first reply datagram, base64, up to max_bytes. */
  data_b64?: string;
}
export interface UdpProbeResponse {
  /** Probe order (targets x ports first, then explicit probes); only the states asked for. */
  results: UdpProbeResult[];
  counts: Record<UdpPortState, number>;
  stats: RawScanStats;
}

/** The v1 host-call table: op name -> request/response. */
export interface HostCallTypes {
  'context.get': { req: ContextGetRequest; res: ContextGetResponse };
  'context.set': { req: ContextSetRequest; res: ContextSetResponse };
  log: { req: LogRequest; res: LogResponse };
  'clock.now': { req: ClockNowRequest; res: ClockNowResponse };
  'net.tcp.probe': { req: TcpProbeRequest; res: TcpProbeResponse };
  'net.udp.probe': { req: UdpProbeRequest; res: UdpProbeResponse };
  'net.icmp.echo': { req: IcmpEchoRequest; res: IcmpEchoResponse };
  'net.syn.scan': { req: SynScanRequest; res: SynScanResponse };
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
