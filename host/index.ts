/**
 * The library API: the one public barrel of the host. The CLI (host/cli) is a
 * thin layer over these exports; everything not listed here is internal.
 */

export { ErrorCode, ExitCode, PentoraError, PluginFailure, UsageError, exitCodeFor } from './errors.ts';
export type { ErrorCode as ErrorCodeType } from './errors.ts';

// Scans
export { prepareScan, runScan } from './scan.ts';
export type { PreparedScan, ScanOptions, ScanResult } from './scan.ts';
export { resultRecords } from './report.ts';
export type { FindingRecord, PortRecord, ResultRecord, ServiceRecord } from './report.ts';

// Configuration, logging, workspace
export { loadConfig, defaultConfig } from './config/config.ts';
export type { PentoraConfig, ConfigLayer } from './config/config.ts';
export { createLogger } from './log.ts';
export type { Logger } from './log.ts';
export { resolveWorkspaceDir, ensureWorkspace } from './workspace/paths.ts';
export { listScans, readScan } from './workspace/scan-record.ts';
export { readTranscript } from './workspace/transcript.ts';

// Targets and scope
export { parseTargets, readTargetFile } from './net/targets.ts';
export type { Target } from './net/targets.ts';
export { Scope } from './net/scope.ts';
export { checkPortSpec } from './net/ports.ts';

// Plugins: verification, catalog, DAGs
export { loadPlugin, verifyManifest, pluginFilesIn } from './sandbox/loader.ts';
export type { LoadedPlugin, PluginFiles } from './sandbox/loader.ts';
export { parseManifest } from './sandbox/manifest.ts';
export type { Manifest, Capabilities, Limits } from './sandbox/manifest.ts';
export { ABI_VERSION, OpCode } from './sandbox/abi.ts';
export { Catalog } from './engine/catalog.ts';
export type { CatalogEntry } from './engine/catalog.ts';
export { parseDagYaml, validateDag } from './engine/dag.ts';
export type { Dag, DagSpec } from './engine/dag.ts';
export { planDag } from './engine/planner.ts';
export { STANDARD_KEYS } from './engine/keys.ts';

// Trust
export { TrustStore } from './trust/trust-store.ts';
export type { TrustedKey } from './trust/trust-store.ts';
export { loadTrustStore } from './trust/default-store.ts';
export { signEnvelope, verifyEnvelope } from './trust/envelope.ts';
export { keyIdOf, fingerprint } from './trust/ed25519.ts';
