/**
 * The pentora AssemblyScript SDK (the contract is docs/sdk-api.md).
 * Plugins import from here and re-export ./exports from their entry file.
 */

export { JsonValue, parseJson, quoteJson, MAX_JSON_DEPTH } from "./json";
export { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_INT, JSON_STR, JSON_ARR, JSON_OBJ } from "./json";
export { StrBuf } from "./strbuf";
export { base64Encode, base64Decode, latin1, latin1Bytes, utf8Bytes, utf8String, utf8DecodeUnsafe, startsWithAscii } from "./bytes";
export {
  HostReply,
  hostCall,
  contextGet,
  contextGetPage,
  contextCount,
  MAX_CONTEXT_PAGE,
  contextSet,
  log,
  logDebug,
  logInfo,
  logWarn,
  logError,
  clockNow,
  clockMonoMs,
  OP_CONTEXT_GET,
  OP_CONTEXT_SET,
  OP_LOG,
  OP_CLOCK_NOW,
  OP_NET_TCP_PROBE,
  OP_NET_UDP_PROBE,
  OP_NET_ICMP_ECHO,
  OP_NET_SYN_SCAN,
} from "./host";
export { TcpProbe, TcpStep, TcpResult, TcpStepResult, TcpBatch, tcpProbe, tcpScan } from "./host-tcp";
export {
  RAW_UNAVAILABLE,
  SCOPE_ERROR,
  ScanOptions,
  RawStats,
  StateCounts,
  SynResult,
  SynBatch,
  synScan,
  IcmpResult,
  IcmpBatch,
  icmpEcho,
  UdpProbe,
  UdpResult,
  UdpBatch,
  udpProbe,
  udpScan,
} from "./host-raw";
export { ContextPages, ContextRecords, PAGE_RECORDS, PAGE_BYTES } from "./pages";
export { PluginModule, ExecuteContext, Artifact, register } from "./plugin";
export { parsePortSpec, formatPortSpec } from "./ports";
export { topPorts, rankPorts, rankedPortCount, selectPorts } from "./top-ports";
export { BatchPlan } from "./batches";
export { ScanHosts, scanHosts, uniqueHosts } from "./scan-hosts";
export { cpe23 } from "./cpe";
export { isDigit, isAlpha, isAlnum, splitLines, versionAt, findWord, afterWord, startsWithLower, printable } from "./text";
export { NumericReply, parseNumericReply, replyCode, REPLY_MAX_LINES, REPLY_SCAN_CHARS } from "./lines";
export { splitReplies, REPLIES_SCAN_CHARS, REPLIES_MAX_LINES } from "./lines";
export { fingerprint } from "./fingerprint";
export { ProductMatch, ProductRule } from "./product-match";
export { Banner, ParsedBanner, BannerParserModule, BANNER_FLUSH_RECORDS } from "./banner-parser";
export { GreetingMatch, GreetingParserModule } from "./greeting-parser";
export { md5Hex, sha256Hex } from "./hash";
export { Regex, RegexMatch, REGEX_STEP_BUDGET } from "./regex";
export { RuleSet, Rule, RuleMatch, RULE_DEFAULT_CONFIDENCE, expandTemplate, cpeComponent, ruleMatchJson } from "./rules";
export { ServiceProbe, ServiceModule, ProbeStepSpec, combineConfidence, adaptiveTimeout, EVIDENCE_BANNER, EVIDENCE_PROBE, EVIDENCE_PORT, PROBE_MAX_BYTES, PROBE_TIMEOUT_MS, PROBE_IDLE_MS, ADAPTIVE_BASE_MS } from "./service";
export { HttpMessage, HeaderField, MessageSyntax, parseHttpMessage, statusLineProtocol, isTchar, trimOws } from "./http-message";
export { ByteWriter, ByteReader, concatBytes, u16be, u24be, u32be, u16le, u32le, u64le } from "./wire";
export { berTlv, berUint } from "./ber";
export { BatchScanModule, BatchFailure, appendRecords, writePlanSummary, portsSpecError } from "./batch-scan";
