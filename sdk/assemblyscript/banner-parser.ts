/**
 * The loop every banner parser runs, written once: page through `banners`,
 * skip records without a host and port, keep one result per endpoint, decode
 * the bytes, hand them to the plugin's `parse`, and stream what it returns to
 * `parsed_services` and `service_fingerprints`. The plugin supplies only the
 * protocol: how to read its bytes and what they name.
 *
 * @example
 *   class EchoParser extends BannerParserModule {
 *     parse(b: Banner): ParsedBanner | null {
 *       if (!b.text.startsWith("ECHO ")) return null; // not this protocol: nothing is written
 *       const fields = JsonValue.obj().setStr("line", printable(b.text, 256));
 *       return new ParsedBanner("echo", fields).add(b.fingerprint("echo", "", "", "", 50));
 *     }
 *   }
 *   register(new EchoParser("acme/echo-parser", "0.1.0", 4096)); // decode at most 4 KiB of each banner
 */

import { JsonValue } from "./json";
import { base64Decode, latin1 } from "./bytes";
import { contextSet } from "./host";
import { ContextRecords } from "./pages";
import { PluginModule, ExecuteContext } from "./plugin";
import { fingerprint } from "./fingerprint";
import { ProductMatch } from "./product-match";

/** Records per context.set call: keeps each host-call request small while streaming results on. */
export const BANNER_FLUSH_RECORDS: i32 = 256;

/** One `banners` record with a host and port, its bytes decoded (host/engine/keys.ts). */
export class Banner {
  host: string;
  port: i32;
  /** "tcp" unless the record says otherwise. */
  protocol: string;
  /** Read over TLS (the record's `tls`): the plugin names the implicit-TLS service (https, ftps, ...). */
  tls: bool;
  /** The bytes, cut to the module's `decodeBytes` when it set one. */
  data: Uint8Array;
  /** `data` as latin1 text, one char per byte, so indexes are byte offsets. */
  text: string;
  /** The whole record, for fields the loop does not read; a probe reply's is `{probe}` alone. */
  record: JsonValue;
  /**
   * What produced the bytes: "passive" (read on connect, also the default for
   * records without a `probe`), a service probe's name, or what the record says.
   */
  probe: string = "passive";
  /** The bytes of each step of a conversation probe, in order (`data` is all of them); one entry otherwise. */
  steps: Uint8Array[] = [];

  constructor(host: string, port: i32, protocol: string, tls: bool, data: Uint8Array, record: JsonValue) {
    this.host = host;
    this.port = port;
    this.protocol = protocol;
    this.tls = tls;
    this.data = data;
    this.text = latin1(data);
    this.record = record;
    const probe = record.getStr("probe");
    if (probe.length > 0) this.probe = probe;
    this.steps = [data];
  }

  /** A `service_fingerprints` record for this endpoint with source "banner" (see `fingerprint`). */
  fingerprint(service: string, product: string, version: string, cpe: string, confidence: i32): JsonValue {
    return fingerprint(this.host, this.port, this.protocol, service, product, version, cpe, confidence, "banner");
  }

  /** The fingerprint of what a matcher named, with its `os_hint` (when any) and `evidence`. */
  print(service: string, m: ProductMatch, evidence: string): JsonValue {
    const fp = this.fingerprint(service, m.product, m.version, m.cpe(), m.confidence);
    if (m.osHint.length > 0) fp.setStr("os_hint", m.osHint);
    return fp.setStr("evidence", evidence);
  }
}

/** What `parse` found in one banner: one `parsed_services` record and its fingerprints. */
export class ParsedBanner {
  /** The service name written to both keys ("ssh", "https", ...). */
  service: string;
  /** The `fields` object of the `parsed_services` record. */
  fields: JsonValue;
  /** `service_fingerprints` records, in the order they are written (none is allowed). */
  prints: JsonValue[] = [];

  constructor(service: string, fields: JsonValue) {
    this.service = service;
    this.fields = fields;
  }

  /** Adds a fingerprint (build it with `Banner.fingerprint`); chainable. */
  add(print: JsonValue): ParsedBanner {
    this.prints.push(print);
    return this;
  }
}

/**
 * A plugin that reads `banners` and writes `parsed_services` and
 * `service_fingerprints`. Its summary holds `banners` (records read),
 * `identified` (endpoints parsed), what `summarize` adds, then `undecodable`
 * when some data_b64 was not base64. An instance executes once, so counts a
 * subclass keeps in its fields for `summarize` start from zero.
 */
export abstract class BannerParserModule extends PluginModule {
  /** Bytes of each banner handed to `parse` (0: all of it). */
  readonly decodeBytes: i32;

  constructor(name: string, version: string, decodeBytes: i32 = 0) {
    super(name, version);
    this.decodeBytes = max(decodeBytes, 0);
  }

  /** This protocol's reading of one banner, or null when the banner is not this protocol. */
  abstract parse(banner: Banner): ParsedBanner | null;

  /** Adds the plugin's own counts to the summary, after `banners` and `identified`. */
  summarize(summary: JsonValue): void {}

  execute(ctx: ExecuteContext): string | null {
    const banners = new ContextRecords("banners");
    const out = new ServiceRecords();
    const done = new Set<string>();
    let undecodable = 0;
    let identified = 0;

    for (let b = banners.next(); b !== null; b = banners.next()) {
      if (!b.isObj()) continue;
      const host = b.getStr("host");
      const port = b.getInt("port", -1);
      const protocol = b.getStr("protocol", "tcp");
      if (host.length == 0 || port < 0) continue;
      // One result per endpoint: a second banner of the same port adds nothing.
      // The key is taken only once a banner parses, so a later one may still.
      const key = host + "|" + port.toString() + "|" + protocol;
      if (done.has(key)) continue;
      const raw = base64Decode(b.getStr("data_b64"));
      if (raw === null) {
        undecodable++;
        continue;
      }
      const cap = this.decodeBytes;
      const data = cap > 0 && raw.length > cap ? raw.subarray(0, cap) : raw;
      const parsed = this.parse(new Banner(host, <i32>port, protocol, b.getBool("tls"), data, b));
      if (parsed === null) continue;
      done.add(key);
      identified++;

      out.add(host, port, protocol, parsed.service, parsed.fields);
      for (let i = 0; i < parsed.prints.length; i++) out.print(unchecked(parsed.prints[i]));
      const err = out.flushWhenFull();
      if (err !== null) return err;
    }
    const err = out.flush();
    if (err !== null) return err;

    ctx.summary.setInt("banners", banners.seen).setInt("identified", identified);
    this.summarize(ctx.summary);
    if (undecodable > 0) ctx.summary.setInt("undecodable", undecodable);
    return null;
  }
}

/**
 * The `parsed_services` records and their `service_fingerprints` a parser
 * writes, appended to the context every BANNER_FLUSH_RECORDS endpoints (so a
 * large scan never holds them all) and once at the end. Used by
 * BannerParserModule and ServiceModule.
 */
export class ServiceRecords {
  private services: JsonValue = JsonValue.arr();
  private prints: JsonValue = JsonValue.arr();

  /** One endpoint's `parsed_services` record. */
  add(host: string, port: i64, protocol: string, service: string, fields: JsonValue): void {
    this.services.push(JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", protocol).setStr("service", service).set("fields", fields));
  }

  /** One `service_fingerprints` record. */
  print(p: JsonValue): void {
    this.prints.push(p);
  }

  /** Writes what is held once BANNER_FLUSH_RECORDS records are; the error text, or null. */
  flushWhenFull(): string | null {
    return this.services.len() >= BANNER_FLUSH_RECORDS ? this.flush() : null;
  }

  /** Appends both record lists; the error text names the key the host refused. */
  flush(): string | null {
    const services = this.services;
    const prints = this.prints;
    if (services.len() == 0) return null;
    this.services = JsonValue.arr();
    this.prints = JsonValue.arr();
    let r = contextSet("parsed_services", services, true);
    if (!r.ok) return "context.set parsed_services: " + r.code + ": " + r.message;
    r = contextSet("service_fingerprints", prints, true);
    if (!r.ok) return "context.set service_fingerprints: " + r.code + ": " + r.message;
    return null;
  }
}
