/**
 * The library API: the one public barrel of the host. The CLI (host/cli) is a
 * thin layer over these exports; everything not listed here is internal.
 */

export { ErrorCode, ExitCode, PentoraError, PluginFailure, UsageError, exitCodeFor } from './errors.ts';
export type { ErrorCode as ErrorCodeType } from './errors.ts';

// Scans
export { prepareScan, runScan } from './scan.ts';
export type { PreparedScan, ScanOptions, ScanResult } from './scan.ts';
export { parseFingerprintInput, planFingerprint, runFingerprint } from './fingerprint.ts';
export type { FingerprintInput, FingerprintOptions, FingerprintRecord, FingerprintResult } from './fingerprint.ts';
export { resultRecords } from './report.ts';
export type { FindingRecord, HostRecord, PortRecord, ResultRecord, ServiceRecord } from './report.ts';
export { SCAN_TYPES, defaultScanTypes, parseScanTypes, scanTypeOf } from './engine/scan-types.ts';
export type { DiscoveryMode, ScanType } from './engine/scan-types.ts';
export { ProbeMeter } from './net/meter.ts';
export type { MeterSnapshot } from './net/meter.ts';
export { discoveredHosts, DISCOVERED_TARGETS } from './workspace/discovered.ts';

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
export { TokenBucket, Semaphore } from './net/rate-limit.ts';
export { synScan } from './net/raw/syn.ts';
export type { SynScanOptions, SynScanOutcome } from './net/raw/syn.ts';
export { icmpEcho } from './net/raw/icmp.ts';
export type { IcmpEchoOptions, IcmpEchoOutcome } from './net/raw/icmp.ts';
export { udpProbe } from './net/raw/udp.ts';
export type { UdpProbeOptions, UdpProbeOutcome } from './net/raw/udp.ts';
export { rawCapability } from './net/raw/capability.ts';
export type { RawCapability } from './net/raw/capability.ts';

// Plugins: verification, catalog, DAGs
export { loadPlugin, loadPluginFromBytes, verifyManifest, pluginFilesIn } from './sandbox/loader.ts';
export type { ArtifactInfo, LoadedPlugin, PluginBytes, PluginFiles } from './sandbox/loader.ts';
export { parseManifest } from './sandbox/manifest.ts';
export type { Manifest, Capabilities, Limits } from './sandbox/manifest.ts';
export { ABI_VERSION, OpCode } from './sandbox/abi.ts';
export { Catalog } from './engine/catalog.ts';
export type { CatalogEntry, InstalledCandidate } from './engine/catalog.ts';
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
