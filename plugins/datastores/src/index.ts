/**
 * pentora/datastores: Redis (and Valkey, KeyDB, Dragonfly), memcached,
 * MySQL/MariaDB, PostgreSQL and MongoDB. Reads `banners` (MySQL greets; a
 * Redis in protected mode says DENIED on connect), probes silent ports with
 * each protocol's cheapest question, and writes `parsed_services` and
 * `service_fingerprints` (src/identify.ts; products from rules.yaml).
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, latin1Bytes, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { identify, PROBE_MYSQL, PROBE_REDIS, PROBE_MEMCACHED, PROBE_PG_SSL, PROBE_PG_STARTUP, PROBE_MONGO } from "./identify";
import { helloProbe } from "./mongodb";
import { sslRequest, startupMessage } from "./pgsql";

/** Only the first bytes matter: a handshake, an INFO section, two command replies. */
const DECODE_BYTES: i32 = 65536;

/** How much a reading says: its first print's confidence, +10 with a version. */
function weight(p: ParsedBanner): i32 {
  if (p.prints.length == 0) return 0;
  const fp = p.prints[0];
  return <i32>fp.getInt("confidence", 0) + (fp.getStr("version").length > 0 ? 10 : 0);
}

class Datastores extends ServiceModule {
  probes(): ServiceProbe[] {
    return [
      // MySQL greets first, but only after its reverse DNS lookup of the client (unless
      // skip-name-resolve): a slow resolver can outlast the passive read. Wait longer on 3306.
      ServiceProbe.tcp(PROBE_MYSQL, [3306]).greet(4096, 5000, 200),
      ServiceProbe.tcp(PROBE_REDIS, [6379]).send(latin1Bytes("INFO server\r\n")).read(8192, 1500, 200).fallback(),
      ServiceProbe.tcp(PROBE_MEMCACHED, [11211]).send(latin1Bytes("version\r\n")).read(256, 1500, 200).until(latin1Bytes("\r\n")).fallback(),
      ServiceProbe.tcp(PROBE_PG_SSL, [5432]).send(sslRequest()).read(1, 1500, 200),
      ServiceProbe.tcp(PROBE_PG_STARTUP, [5432]).send(startupMessage("pentora", "pentora")).read(4096, 1500, 200),
      ServiceProbe.tcp(PROBE_MONGO, [27017, 27018, 27019]).send(helloProbe()).read(8192, 1500, 300).fallback(),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    return identify(b);
  }

  /**
   * Several probes of this plugin may answer on one port (PostgreSQL's two;
   * a fallback probe on a port another identified): keep the reading that
   * says most, with the fields of the other added when both are the same service.
   */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    const next = this.parse(reply);
    if (next === null) return previous;
    const keep = weight(next) > weight(previous) ? next : previous;
    const other = keep === next ? previous : next;
    if (keep.service == other.service) mergeFields(keep.fields, other.fields);
    return keep;
  }
}

function mergeFields(into: JsonValue, from: JsonValue): void {
  if (!into.isObj() || !from.isObj()) return;
  const keys = from.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k != "probe" && !into.has(k)) {
      const v = from.get(k);
      if (v !== null) into.set(k, v);
    }
  }
}

register(new Datastores("pentora/datastores", "0.1.0", DECODE_BYTES));
