/**
 * pentora/banner-grabber: reads `open_ports`, connects to every open TCP port
 * and writes what the service says as `banners`.
 *
 * Pass 1 (passive) sends nothing and reads: servers that speak first (SSH,
 * FTP, SMTP, POP3, IMAP, many databases) greet the client on connect.
 * Pass 2 (http-get) sends an HTTP/1.0 request to the ports that stayed silent,
 * since HTTP servers wait for the client. Each pass is one batched host call
 * per chunk of ports; the host runs the probes concurrently under the rate
 * limits. What the bytes mean is for the parser plugins downstream.
 */

import {
  PluginModule,
  ExecuteContext,
  register,
  JsonValue,
  ContextPages,
  contextSet,
  utf8Bytes,
  TcpProbe,
  TcpResult,
  tcpProbe,
} from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { Endpoint, Endpoints, batchSize, httpRequest } from "./plan";

const PROBE_PASSIVE = "passive";
const PROBE_HTTP = "http-get";
/**
 * Banners per context.set call. Every host call serialises its request as a
 * UTF-16 string in guest memory; small writes keep that copy small.
 */
const FLUSH_AT: i32 = 32;

/** The run's settings, read once from the config (the host has applied defaults and bounds). */
class Settings {
  readTimeoutMs: i32 = 1500;
  /** 0 = off: read until the timeout, max_bytes or close. */
  idleMs: i32 = 300;
  maxBytes: i32 = 4096;
  httpFallback: bool = false;
  connectTimeoutMs: i32 = 1500;
}

function clampInt(v: i64, lo: i32, hi: i32): i32 {
  return <i32>min(max(v, <i64>lo), <i64>hi);
}

function settingsOf(cfg: JsonValue): Settings {
  const s = new Settings();
  s.readTimeoutMs = clampInt(cfg.getInt("read_timeout_ms", 1500), 100, 30000);
  s.idleMs = clampInt(cfg.getInt("idle_ms", 300), 0, 30000);
  s.maxBytes = clampInt(cfg.getInt("max_bytes", 4096), 16, 65536);
  s.httpFallback = cfg.getBool("http_fallback", false);
  s.connectTimeoutMs = clampInt(cfg.getInt("connect_timeout_ms", 1500), 100, 30000);
  return s;
}

/** Counts for the summary. */
class Tally {
  batches: i32 = 0;
  passive: i32 = 0;
  http: i32 = 0;
  /** Open, but said nothing in any pass. */
  silent: i32 = 0;
  /** Refused or timed out on connect: the port changed state since the scan. */
  unreachable: i32 = 0;
}

function bannerOf(e: Endpoint, r: TcpResult, probe: string): JsonValue {
  return JsonValue.obj()
    .setStr("host", e.host)
    .setInt("port", e.port)
    .setStr("protocol", "tcp")
    .setStr("probe", probe)
    .setStr("data_b64", r.dataB64) // the host's base64, stored as is
    .setNum("rtt_ms", max(r.rttMs, 0.0))
    .setStr("reason", r.reason.length > 64 ? r.reason.substring(0, 64) : r.reason);
}

/** Appends `banners`; null on success, else the error for the node. */
function writeBanners(banners: JsonValue): string | null {
  if (banners.len() == 0) return null;
  const w = contextSet("banners", banners, true);
  return w.ok ? null : "context.set banners: " + w.code + ": " + w.message;
}

/** What a pass leaves: the open ports that sent nothing, or why it stopped. */
class PassResult {
  silent: Endpoint[] = [];
  error: string | null = null;

  static failed(error: string): PassResult {
    const r = new PassResult();
    r.error = error;
    return r;
  }
}

/**
 * Runs one pass over `targets`, chunk by chunk, appending a banner for every
 * reply with bytes. The ports that were open but silent come back for the
 * next pass.
 */
function runPass(targets: Endpoint[], probe: string, s: Settings, t: Tally): PassResult {
  const out = new PassResult();
  const chunk = batchSize(s.maxBytes);
  for (let start = 0; start < targets.length; start += chunk) {
    const end = min(start + chunk, targets.length);
    const probes: TcpProbe[] = [];
    for (let i = start; i < end; i++) {
      const e = unchecked(targets[i]);
      const p = new TcpProbe(e.host, e.port);
      p.readMaxBytes = s.maxBytes;
      p.readTimeoutMs = s.readTimeoutMs;
      p.readIdleMs = s.idleMs;
      if (probe == PROBE_HTTP) p.payload = utf8Bytes(httpRequest(e.host, e.port));
      probes.push(p);
    }
    const batch = tcpProbe(probes, s.connectTimeoutMs);
    t.batches++;
    if (!batch.ok) return PassResult.failed("net.tcp.probe (" + probe + " pass): " + batch.error);
    // The reply's JSON tree is garbage once read into results (they keep only
    // its base64 strings); free it before the records are built.
    __collect();
    let banners = JsonValue.arr();
    // Results come back in probe order; the records name the endpoint as
    // open_ports did, whatever address the host dialled.
    const n = min(batch.results.length, end - start);
    for (let i = 0; i < n; i++) {
      const r = unchecked(batch.results[i]);
      const e = unchecked(targets[start + i]);
      if (r.state != "open") {
        t.unreachable++;
        continue;
      }
      if (r.dataB64.length == 0) {
        e.rttMs = max(r.rttMs, 0.0);
        e.reason = r.reason;
        out.silent.push(e);
        continue;
      }
      banners.push(bannerOf(e, r, probe));
      if (probe == PROBE_HTTP) t.http++;
      else t.passive++;
      if (banners.len() >= FLUSH_AT) {
        const werr = writeBanners(banners);
        if (werr !== null) return PassResult.failed(werr);
        banners = JsonValue.arr();
      }
    }
    const werr = writeBanners(banners);
    if (werr !== null) return PassResult.failed(werr);
    // Everything of this batch is garbage now: collect before the next one
    // so the heap holds one batch, not a creeping pile of them.
    __collect();
  }
  return out;
}

/** One `banners` record with empty data per silent endpoint, streamed in FLUSH_AT chunks. */
function writeSilent(silent: Endpoint[]): string | null {
  let banners = JsonValue.arr();
  for (let i = 0; i < silent.length; i++) {
    const e = unchecked(silent[i]);
    const rec = JsonValue.obj().setStr("host", e.host).setInt("port", e.port).setStr("protocol", "tcp").setStr("probe", PROBE_PASSIVE).setStr("data_b64", "").setNum("rtt_ms", e.rttMs);
    if (e.reason.length > 0) rec.setStr("reason", e.reason.length > 64 ? e.reason.substring(0, 64) : e.reason);
    banners.push(rec);
    if (banners.len() >= FLUSH_AT) {
      const werr = writeBanners(banners);
      if (werr !== null) return werr;
      banners = JsonValue.arr();
    }
  }
  return writeBanners(banners);
}

class BannerGrabber extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const s = settingsOf(ctx.config);
    const endpoints = new Endpoints();
    const pages = new ContextPages("open_ports");
    for (let page = pages.next(); page.len() > 0; page = pages.next()) endpoints.add(page);
    const targets = endpoints.list;
    const t = new Tally();

    let pass = runPass(targets, PROBE_PASSIVE, s, t);
    if (pass.error !== null) return pass.error;
    if (s.httpFallback && pass.silent.length > 0) {
      pass = runPass(pass.silent, PROBE_HTTP, s, t);
      if (pass.error !== null) return pass.error;
    }
    t.silent = pass.silent.length;
    // Ports that said nothing in any pass get a record with no bytes, so the
    // protocol plugins know to probe them (docs/service-probing.md).
    const werr = writeSilent(pass.silent);
    if (werr !== null) return werr;

    ctx.summary
      .setInt("ports", targets.length)
      .setInt("passive", t.passive)
      .setInt("http", t.http)
      .setInt("silent", t.silent)
      .setInt("unreachable", t.unreachable)
      .setInt("batches", t.batches);
    return null;
  }
}

register(new BannerGrabber("pentora/banner-grabber", "0.1.0"));
