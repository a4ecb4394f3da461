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
  contextSet,
  log,
  logDebug,
  logInfo,
  logWarn,
  logError,
  clockNow,
  clockMonoMs,
  TcpProbe,
  TcpResult,
  TcpBatch,
  tcpProbe,
  tcpScan,
  OP_CONTEXT_GET,
  OP_CONTEXT_SET,
  OP_LOG,
  OP_CLOCK_NOW,
  OP_NET_TCP_PROBE,
  OP_NET_UDP_PROBE,
  OP_NET_ICMP_ECHO,
  OP_NET_SYN_SCAN,
} from "./host";
export { PluginModule, ExecuteContext, Artifact, register } from "./plugin";
export { parsePortSpec, formatPortSpec } from "./ports";
export { cpe23 } from "./cpe";
export { fingerprint } from "./fingerprint";
