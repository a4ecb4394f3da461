/**
 * The host's error hierarchy. Every error the host raises on purpose is a
 * PentoraError with a stable `code` (for programs) and a one-line `message`
 * that says what failed and where (for people). "No match" is never an error:
 * it is a null result.
 *
 * Exit codes (documented in the README) are derived from the code, in one place.
 */

export const ErrorCode = {
  Usage: 'PENTORA_E_USAGE',
  Target: 'PENTORA_E_TARGET',
  Config: 'PENTORA_E_CONFIG',
  Dag: 'PENTORA_E_DAG',
  Manifest: 'PENTORA_E_MANIFEST',
  Signature: 'PENTORA_E_SIGNATURE',
  Digest: 'PENTORA_E_DIGEST',
  Trust: 'PENTORA_E_TRUST',
  WasmImport: 'PENTORA_E_WASM_IMPORT',
  WasmMemory: 'PENTORA_E_WASM_MEMORY',
  WasmInvalid: 'PENTORA_E_WASM_INVALID',
  Capability: 'PENTORA_E_CAPABILITY',
  /** The host cannot open raw sockets (no CAP_NET_RAW, or the raw-socket addon is not built): fall back to connect scanning. */
  RawUnavailable: 'PENTORA_E_RAW_UNAVAILABLE',
  Scope: 'PENTORA_E_SCOPE',
  ContextKey: 'PENTORA_E_CONTEXT_KEY',
  Schema: 'PENTORA_E_SCHEMA',
  Limit: 'PENTORA_E_LIMIT',
  Trap: 'PENTORA_E_TRAP',
  Plugin: 'PENTORA_E_PLUGIN',
  HostCall: 'PENTORA_E_HOSTCALL',
  Workspace: 'PENTORA_E_WORKSPACE',
  /** An air-gapped bundle's structure or index is wrong (tar headers, paths, caps, hashes). */
  Bundle: 'PENTORA_E_BUNDLE',
  /** A download failed: network error, HTTP status, timeout, size cap, refused redirect or scheme. */
  Fetch: 'PENTORA_E_FETCH',
  /** Refused by policy: revoked key or artifact, a downgrade below the lockfile, a capability above the tier's ceiling, an unapproved capability. */
  Policy: 'PENTORA_E_POLICY',
  NotFound: 'PENTORA_E_NOT_FOUND',
  /** Registry metadata or a target refused: shape, size cap, path, delegation, digest of a metadata file. */
  Registry: 'PENTORA_E_REGISTRY',
  /** A registry role (or the pinned root) is past its `expires`: a possible freeze attack. */
  Expired: 'PENTORA_E_EXPIRED',
  /** Registry metadata older than what was already trusted: a possible rollback attack. */
  Rollback: 'PENTORA_E_ROLLBACK',
  Internal: 'PENTORA_E_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Process exit codes; the README's table is generated from the same meaning. */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Verification: 3,
  Partial: 4,
  Failed: 5,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class PentoraError extends Error {
  override readonly name: string = 'PentoraError';
  readonly code: ErrorCode;
  /** Structured detail (expected/actual digests, the plugin, the limit...). */
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, detail: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.detail = detail;
  }

  toJSON(): { code: ErrorCode; message: string; detail: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

export class UsageError extends PentoraError {
  override readonly name = 'UsageError';
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super(ErrorCode.Usage, message, detail);
  }
}

/** A plugin instance was stopped: trap, CPU/wall/memory/output limit, or a refused load. */
export class PluginFailure extends PentoraError {
  override readonly name = 'PluginFailure';
}

/** Maps an error to the exit code the CLI returns for it. */
export function exitCodeFor(err: unknown): ExitCode {
  if (!(err instanceof PentoraError)) return ExitCode.Internal;
  switch (err.code) {
    case ErrorCode.Usage:
    case ErrorCode.Target:
    case ErrorCode.Config:
    case ErrorCode.Dag:
    case ErrorCode.NotFound:
      return ExitCode.Usage;
    case ErrorCode.Signature:
    case ErrorCode.Digest:
    case ErrorCode.Trust:
    case ErrorCode.Manifest:
    case ErrorCode.WasmImport:
    case ErrorCode.WasmMemory:
    case ErrorCode.WasmInvalid:
    case ErrorCode.Policy:
    case ErrorCode.Bundle:
    case ErrorCode.Registry:
    case ErrorCode.Expired:
    case ErrorCode.Rollback:
      return ExitCode.Verification;
    case ErrorCode.Workspace:
    case ErrorCode.Fetch:
      return ExitCode.Failed;
    default:
      return ExitCode.Internal;
  }
}

/** Translates a foreign error (Node, V8, a socket) into a one-line message, at the edge. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
