/**
 * From bytes to a `parsed_services` record and its fingerprint, per protocol:
 * the parsers (redis.ts, memcached.ts, mysql.ts, pgsql.ts, mongodb.ts) read
 * the bytes, the rules (rules.yaml) name the product from the texts they
 * hand over, and the fields say what the protocol told. Pure: the module
 * (index.ts) and the tests call it with Banners.
 */

import { Banner, ParsedBanner, JsonValue, ProductMatch, RuleSet, RuleMatch, printable } from "../../../sdk/assemblyscript/index";
import { RULES_JSON } from "./rules.generated";
import { parseRedis, RedisReply } from "./redis";
import { parseMemcached } from "./memcached";
import { parseMysql } from "./mysql";
import { parsePg, PgReply } from "./pgsql";
import { parseMongo, MongoReply } from "./mongodb";

export const PROBE_MYSQL = "mysql-greeting";
export const PROBE_REDIS = "redis-info";
export const PROBE_MEMCACHED = "memcached-version";
export const PROBE_PG_SSL = "pgsql-ssl";
export const PROBE_PG_STARTUP = "pgsql-startup";
export const PROBE_MONGO = "mongodb-hello";

const RULES = RuleSet.parse(RULES_JSON);
const EVIDENCE_CHARS: i32 = 300;

/** The rule match for `text`, or a product-less match of `confidence` when no rule names one. */
function named(on: string, text: string, confidence: i32): ProductMatch {
  const m: RuleMatch | null = RULES.first(on, text);
  if (m !== null) return m;
  const none = new ProductMatch();
  none.confidence = confidence;
  return none;
}

function result(b: Banner, service: string, fields: JsonValue, m: ProductMatch, evidence: string): ParsedBanner {
  // A rule's own fields (mariadb-debian's debian_release) join the protocol's.
  if (m instanceof RuleMatch) {
    const extra = (<RuleMatch>m).fields;
    const keys = extra.keys();
    for (let i = 0; i < keys.length; i++) {
      const v = extra.get(keys[i]);
      if (v.length > 0 && !fields.has(keys[i])) fields.setStr(keys[i], printable(v, 128));
    }
  }
  return new ParsedBanner(service, fields).add(b.print(service, m, printable(evidence, EVIDENCE_CHARS)));
}

/** Whatever this plugin can read in `b`: by the probe that produced it, else every protocol, most specific first. */
export function identify(b: Banner): ParsedBanner | null {
  const p = b.probe;
  if (p == PROBE_REDIS) return redis(b);
  if (p == PROBE_MEMCACHED) return memcached(b);
  if (p == PROBE_PG_SSL || p == PROBE_PG_STARTUP) return pgsql(b, p == PROBE_PG_SSL);
  if (p == PROBE_MONGO) return mongodb(b);
  if (p == PROBE_MYSQL) return mysql(b);
  // Passive reads (MySQL greets; Redis in protected mode says DENIED on connect) and input lines.
  let r = mysql(b);
  if (r === null) r = redis(b);
  if (r === null) r = memcached(b);
  if (r === null) r = mongodb(b);
  if (r === null) r = pgsql(b, false);
  return r;
}

export function redis(b: Banner): ParsedBanner | null {
  const r: RedisReply | null = parseRedis(b.data);
  if (r === null) return null;
  const fields = JsonValue.obj();
  if (!r.info) {
    fields.setStr("error_code", r.errorCode).setStr("error", r.error);
    if (r.errorCode == "DENIED") fields.setBool("protected_mode", true);
    if (r.errorCode == "NOAUTH") fields.setBool("auth_required", true);
    return result(b, "redis", fields, named("redis.error", r.error, 75), r.error);
  }
  for (let i = 0; i < r.keys.length; i++) {
    const k = r.keys[i];
    const v = r.values[i];
    if (k == "arch_bits" || k == "tcp_port") fields.setInt(k, I64.parseInt(v));
    else fields.setStr(k, v);
  }
  if (r.truncated) fields.setBool("truncated", true);
  const m = named("redis.info", r.text, 70);
  const os = r.get("os");
  if (m.osHint.length == 0 && os.length > 0) m.osHint = os;
  let ev = "redis_version:" + r.get("redis_version");
  const vk = r.get("valkey_version");
  if (vk.length > 0) ev += " valkey_version:" + vk;
  if (os.length > 0) ev += " os:" + os;
  return result(b, "redis", fields, m, ev);
}

export function memcached(b: Banner): ParsedBanner | null {
  const v = parseMemcached(b.data);
  if (v === null) return null;
  const fields = JsonValue.obj().setStr("version", v.version);
  return result(b, "memcached", fields, named("memcached.version", v.line, 70), v.line);
}

export function mysql(b: Banner): ParsedBanner | null {
  const g = parseMysql(b.data);
  if (g === null) return null;
  const fields = JsonValue.obj().setInt("protocol", g.protocol);
  if (g.isError()) {
    fields.setInt("error_code", g.errorCode);
    if (g.sqlState.length > 0) fields.setStr("sql_state", printable(g.sqlState, 5));
    fields.setStr("error_message", g.message);
    const text = g.errorCode.toString() + " " + g.message;
    return result(b, "mysql", fields, named("mysql.error", text, 70), text);
  }
  fields.setStr("server_version", printable(g.serverVersion, 128)).setInt("connection_id", <i64>g.connectionId);
  fields.setInt("capabilities", <i64>g.capabilities);
  const names = JsonValue.arr();
  const list = g.capabilityNames();
  for (let i = 0; i < list.length; i++) names.push(JsonValue.str(list[i]));
  fields.set("capability_flags", names).setBool("ssl", g.ssl());
  if (g.mariadbCapabilities != 0) fields.setInt("mariadb_capabilities", <i64>g.mariadbCapabilities);
  if (g.charset >= 0) fields.setInt("charset", g.charset);
  if (g.status >= 0) fields.setInt("status", g.status);
  if (g.authPlugin.length > 0) fields.setStr("auth_plugin", g.authPlugin);
  const m = named("mysql.server-version", g.serverVersion, 70);
  return result(b, "mysql", fields, m, "server_version " + g.serverVersion + (g.authPlugin.length > 0 ? " auth " + g.authPlugin : ""));
}

export function pgsql(b: Banner, sslProbe: bool): ParsedBanner | null {
  const r: PgReply | null = parsePg(b.data);
  if (r === null) return null;
  // A lone "S"/"N" means something only as the answer to our SSLRequest.
  if (!r.messages() && !sslProbe) return null;
  const fields = JsonValue.obj();
  if (r.ssl.length > 0) fields.setBool("ssl_supported", r.ssl == "S");
  if (r.authTypes.length > 0) {
    fields.setStr("auth", r.authName()).setInt("auth_type", r.authTypes[r.authTypes.length - 1]);
    if (r.saslMechanisms.length > 0) {
      const mechs = JsonValue.arr();
      for (let i = 0; i < r.saslMechanisms.length; i++) mechs.push(JsonValue.str(r.saslMechanisms[i]));
      fields.set("sasl_mechanisms", mechs);
    }
  }
  if (r.hasError) {
    fields.setStr("error_severity", r.severity).setStr("error_code", r.code).setStr("error_message", r.message);
    if (r.file.length > 0) fields.setStr("error_file", r.file);
    if (r.routine.length > 0) fields.setStr("error_routine", r.routine);
  }
  if (r.v2Error.length > 0) fields.setStr("error_message", r.v2Error).setInt("protocol", 2);
  if (r.paramNames.length > 0) {
    const params = JsonValue.obj();
    for (let i = 0; i < r.paramNames.length; i++) params.setStr(r.paramNames[i], r.paramValues[i]);
    fields.set("parameters", params);
  }
  if (r.types.length > 0) fields.setStr("messages", r.types);
  const summary = r.summary();
  const version = r.param("server_version");
  let m: ProductMatch | null = null;
  if (version.length > 0) m = RULES.first("pgsql.server-version", version);
  if (m === null) m = named("pgsql.reply", summary, 60);
  const ev = r.message.length > 0 ? summary + " message=" + r.message : summary;
  return result(b, "postgresql", fields, m, version.length > 0 ? "server_version " + version + "; " + ev : ev);
}

export function mongodb(b: Banner): ParsedBanner | null {
  const r: MongoReply | null = parseMongo(b.data);
  if (r === null) return null;
  const fields = JsonValue.obj();
  const h = r.hello;
  if (h !== null) {
    fields.setInt("max_wire_version", r.maxWireVersion()).setInt("min_wire_version", r.minWireVersion());
    const primary = h.get("isWritablePrimary");
    fields.setBool("is_writable_primary", primary !== null ? primary.asBool() : h.getBool("ismaster"));
    const msg = h.getStr("msg");
    if (msg.length > 0) fields.setStr("msg", printable(msg, 64)); // "isdbgrid": a mongos router
    const set = h.getStr("setName");
    if (set.length > 0) fields.setStr("set_name", printable(set, 128));
    if (h.has("readOnly")) fields.setBool("read_only", h.getBool("readOnly"));
  }
  const bi = r.buildInfo;
  const version = r.version();
  if (bi !== null) {
    fields.setStr("version", version);
    const git = bi.getStr("gitVersion");
    if (git.length > 0) fields.setStr("git_version", printable(git, 64));
    const alloc = bi.getStr("allocator");
    if (alloc.length > 0) fields.setStr("allocator", printable(alloc, 32));
    if (bi.has("bits")) fields.setInt("bits", bi.getInt("bits"));
    const os = r.buildEnv("target_os");
    if (os.length > 0) fields.setStr("target_os", os);
    const distmod = r.buildEnv("distmod");
    if (distmod.length > 0) fields.setStr("distmod", distmod);
    const arch = r.buildEnv("distarch");
    if (arch.length > 0) fields.setStr("distarch", arch);
    const ssl = bi.get("openssl");
    if (ssl !== null && ssl.isObj() && ssl.getStr("running").length > 0) fields.setStr("openssl", printable(ssl.getStr("running"), 64));
  }
  if (r.errmsg.length > 0 || r.codeName.length > 0) {
    fields.setStr("error", r.errmsg).setInt("error_code", r.errorCode);
    if (r.codeName.length > 0) fields.setStr("error_code_name", r.codeName);
  }
  let m: ProductMatch;
  let ev: string;
  if (version.length > 0) {
    const text = version + " " + r.buildEnv("distmod");
    m = named("mongodb.version", text, 80);
    if (m.osHint.length == 0) m.osHint = osName(r.buildEnv("target_os"));
    ev = "buildInfo version " + version + " maxWireVersion " + r.maxWireVersion().toString();
  } else if (h !== null) {
    const text = "maxWireVersion=" + r.maxWireVersion().toString() + " msg=" + h.getStr("msg");
    m = named("mongodb.hello", text, 80);
    ev = "isMaster " + text;
  } else {
    // Only an error document: MongoDB's command reply shape, no more.
    m = named("mongodb.hello", "error", 70);
    ev = "error " + r.codeName + " " + r.errmsg;
  }
  return result(b, "mongodb", fields, m, ev);
}

/** buildEnvironment.target_os as an OS hint ("linux" → "Linux"). */
function osName(os: string): string {
  if (os == "linux") return "Linux";
  if (os == "windows") return "Windows";
  if (os == "macOS" || os == "osx") return "macOS";
  return os;
}
