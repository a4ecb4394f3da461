/**
 * The plugin ABI, version 1 — declared once; the worker shim, the loader's
 * import check and the SDK are all written against these names.
 *
 * A plugin is a core WebAssembly module.
 *
 * Imports (namespace `pentora`, nothing else is allowed):
 *   call(op: i32, ptr: i32, len: i32) -> i32
 *       Host call `op` (see OpCode) with a UTF-8 JSON request at [ptr, ptr+len).
 *       Returns the byte length of the JSON reply, which the guest copies in
 *       with `take` before its next call. The guest is suspended (JSPI) while
 *       the host does the I/O.
 *   take(dst: i32) -> void        copy the pending reply to [dst, dst+len)
 *   output(ptr: i32, len: i32)    append bytes to the current entry point's output
 *   abort(msg, file, line, col)   AssemblyScript-style abort; traps the instance
 *
 * Exports:
 *   memory                        the module's single 32-bit memory
 *   alloc(len: i32) -> i32        guest buffer for the host to write input into
 *   dealloc(ptr: i32, len: i32)
 *   describe() -> i32             writes {"name","version","abi"} via output
 *   configure(ptr, len) -> i32    config JSON in; 0 = ok, else error text via output
 *   execute(ptr, len) -> i32      ExecuteInput JSON in; ExecuteOutput JSON via output
 *   cleanup() -> i32
 *
 * Replies to `call` are always JSON: {"ok":true,"value":...} or
 * {"ok":false,"error":{"code":"PENTORA_E_...","message":"..."}}.
 */

export const ABI_VERSION = 1;
export const IMPORT_NAMESPACE = 'pentora';

export const OpCode = {
  ContextGet: 1,
  ContextSet: 2,
  Log: 3,
  ClockNow: 4,
  NetTcpProbe: 16,
  NetUdpProbe: 17,
  NetIcmpEcho: 18,
  NetSynScan: 19,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** The op names used in capability errors, logs and the transcript. */
export const OpName: Readonly<Record<OpCode, string>> = {
  [OpCode.ContextGet]: 'context.get',
  [OpCode.ContextSet]: 'context.set',
  [OpCode.Log]: 'log',
  [OpCode.ClockNow]: 'clock.now',
  [OpCode.NetTcpProbe]: 'net.tcp.probe',
  [OpCode.NetUdpProbe]: 'net.udp.probe',
  [OpCode.NetIcmpEcho]: 'net.icmp.echo',
  [OpCode.NetSynScan]: 'net.syn.scan',
};

/** Functions a plugin may import, with their exact wasm signatures. */
export const ALLOWED_IMPORTS: Readonly<Record<string, { params: readonly string[]; results: readonly string[] }>> = {
  call: { params: ['i32', 'i32', 'i32'], results: ['i32'] },
  take: { params: ['i32'], results: [] },
  output: { params: ['i32', 'i32'], results: [] },
  abort: { params: ['i32', 'i32', 'i32', 'i32'], results: [] },
};

/** Exports the host requires of every plugin. */
export const REQUIRED_EXPORTS = ['memory', 'alloc', 'dealloc', 'describe', 'configure', 'execute', 'cleanup'] as const;

/** Entry points the host invokes (each wrapped by WebAssembly.promising). */
export type EntryPoint = 'describe' | 'configure' | 'execute' | 'cleanup';

/** What `execute` receives. */
export interface ExecuteInput {
  scan_id: string;
  instance_id: string;
  module: string;
  config: Record<string, unknown>;
  /**
   * Whether the plugin may probe the network: true in `pentora scan`, false
   * in `pentora fingerprint` (which refuses every net.* call anyway). A
   * plugin seeing false parses the bytes it is given and sends nothing.
   */
  network: boolean;
}

/** What `execute` may write through `output` (all fields optional). */
export interface ExecuteOutput {
  /** Files the host writes into the scan's artifacts/ folder (names are sanitised). */
  artifacts?: Array<{ name: string; media_type?: string; text?: string; data_b64?: string }>;
  /** A short machine-readable summary, kept in status.json. */
  summary?: Record<string, unknown>;
}

export type HostCallReply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
