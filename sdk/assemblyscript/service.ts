/**
 * The loop every protocol-family plugin runs (docs/service-probing.md),
 * written once: read `banners`, parse the bytes already there, send the
 * plugin's probes where they can tell more (follow-ups to what it parsed,
 * protocol probes to ports that stayed silent), parse the replies, and write
 * one `parsed_services` record and its `service_fingerprints` per endpoint.
 * The plugin supplies only the protocol: its probes and a pure `parse`.
 *
 * All probes of a round go out in batched `net.tcp.probe` calls, so the host
 * runs them concurrently; waits are short and scale with the RTT the passive
 * read measured. With `ctx.network` false (pentora fingerprint) nothing is
 * sent and only the bytes at hand are parsed.
 *
 * @example
 *   class Redis extends ServiceModule {
 *     probes(): ServiceProbe[] {
 *       return [ServiceProbe.tcp("redis-info", [6379]).send(latin1Bytes("INFO server\r\n")).read(8192, 1500, 200).fallback()];
 *     }
 *     parse(b: Banner): ParsedBanner | null {
 *       if (!b.text.startsWith("$")) return null;
 *       return new ParsedBanner("redis", JsonValue.obj()).add(b.fingerprint("redis", "Redis", "", "", 80));
 *     }
 *   }
 *   register(new Redis("pentora/redis", "0.1.0"));
 */

import { JsonValue } from "./json";
import { base64Decode } from "./bytes";
import { logWarn } from "./host";
import { ContextRecords } from "./pages";
import { PluginModule, ExecuteContext } from "./plugin";
import { Banner, ParsedBanner, ServiceRecords } from "./banner-parser";
import { TcpProbe, TcpStep, TcpResult, tcpProbe } from "./host-tcp";

/** One step of a probe: send (or not), then read (or not). */
export class ProbeStepSpec {
  send: Uint8Array | null = null;
  maxBytes: i32 = 0;
  timeoutMs: i32 = 0;
  idleMs: i32 = 0;
  until: Uint8Array | null = null;
}

/** Read defaults: a greeting or a reply of a few KiB, a short idle wait. */
export const PROBE_MAX_BYTES: i32 = 8192;
export const PROBE_TIMEOUT_MS: i32 = 2000;
export const PROBE_IDLE_MS: i32 = 200;

/**
 * A probe a service plugin may send. Build it with the chained calls:
 * `ServiceProbe.tcp("smtp-ehlo", [25, 587]).greet().send(ehlo).read(4096, 1500, 200).afterParse()`.
 */
export class ServiceProbe {
  name: string;
  /** Port hints: silent endpoints on these ports get the probe. */
  ports: i32[];
  /** Also sent to silent endpoints on every other port. */
  isFallback: bool = false;
  /** A follow-up: sent to endpoints this plugin already identified, not to silent ones. */
  isAfterParse: bool = false;
  /** The services a follow-up is for; empty: whatever the plugin identified. */
  forServices: string[] = [];
  steps: ProbeStepSpec[] = [];

  constructor(name: string, ports: i32[]) {
    this.name = name;
    this.ports = ports;
  }

  static tcp(name: string, ports: i32[]): ServiceProbe {
    return new ServiceProbe(name, ports);
  }

  /** First step: read what the server says on connect before sending anything. */
  greet(maxBytes: i32 = 4096, timeoutMs: i32 = PROBE_TIMEOUT_MS, idleMs: i32 = PROBE_IDLE_MS): ServiceProbe {
    const s = new ProbeStepSpec();
    s.maxBytes = maxBytes;
    s.timeoutMs = timeoutMs;
    s.idleMs = idleMs;
    this.steps.push(s);
    return this;
  }

  /** A new step that sends `bytes`; chain `read` to read its answer. */
  send(bytes: Uint8Array): ServiceProbe {
    const s = new ProbeStepSpec();
    s.send = bytes;
    this.steps.push(s);
    return this;
  }

  /** The read of the last step (a new read-only step when the last one already reads). */
  read(maxBytes: i32 = PROBE_MAX_BYTES, timeoutMs: i32 = PROBE_TIMEOUT_MS, idleMs: i32 = PROBE_IDLE_MS): ServiceProbe {
    let s: ProbeStepSpec;
    if (this.steps.length > 0 && this.steps[this.steps.length - 1].maxBytes == 0) s = this.steps[this.steps.length - 1];
    else {
      s = new ProbeStepSpec();
      this.steps.push(s);
    }
    s.maxBytes = max(maxBytes, 1);
    s.timeoutMs = max(timeoutMs, 1);
    s.idleMs = max(idleMs, 0);
    return this;
  }

  /** The last read ends as soon as its bytes contain `bytes`. */
  until(bytes: Uint8Array): ServiceProbe {
    if (this.steps.length > 0) this.steps[this.steps.length - 1].until = bytes;
    return this;
  }

  fallback(): ServiceProbe {
    this.isFallback = true;
    return this;
  }

  /**
   * Makes this a follow-up, sent to endpoints this plugin identified (only
   * as one of `services` when given: IMAP's CAPABILITY is not for POP3).
   */
  afterParse(services: string[] = []): ServiceProbe {
    this.isAfterParse = true;
    this.forServices = services;
    return this;
  }

  /** Whether this follow-up is for an endpoint identified as `service`. */
  followsUp(service: string): bool {
    return this.forServices.length == 0 || this.forServices.includes(service);
  }

  hints(port: i32): bool {
    return this.ports.includes(port);
  }

  /** Bytes the probe may read in all, for batch sizing. */
  readBudget(): i32 {
    let n = 0;
    for (let i = 0; i < this.steps.length; i++) n += this.steps[i].maxBytes;
    return max(n, 1);
  }
}

/** What the evidence of an identification was (`extra.evidence` of the prints). */
export const EVIDENCE_BANNER: i32 = 1;
export const EVIDENCE_PROBE: i32 = 2;
export const EVIDENCE_PORT: i32 = 4;

/** A print's confidence raised by the evidence that backs it: +5 for a hinted port, +5 for banner and probe agreeing; at most 100. */
export function combineConfidence(base: i32, evidence: i32): i32 {
  let c = base;
  if ((evidence & EVIDENCE_PORT) != 0) c += 5;
  if ((evidence & EVIDENCE_BANNER) != 0 && (evidence & EVIDENCE_PROBE) != 0) c += 5;
  return min(max(c, 0), 100);
}

/** The wait for a probe's reply: `base` (ms) + 20 RTTs, never above what the probe allows. */
export const ADAPTIVE_BASE_MS: i32 = 600;

export function adaptiveTimeout(specMs: i32, rttMs: f64): i32 {
  const adaptive = ADAPTIVE_BASE_MS + <i32>min(rttMs * 20.0, 30000.0);
  return max(min(specMs, adaptive), 1);
}

/** One endpoint the plugin follows through the rounds. */
class Endpoint {
  host: string;
  port: i32;
  protocol: string;
  rttMs: f64 = 0;
  /** The best reading so far, and what produced it. */
  best: ParsedBanner | null = null;
  bestProbe: string = "";
  evidence: i32 = 0;
  /** Had bytes that nothing in this plugin parsed (and `suggests` said no). */
  spoke: bool = false;
  /** Probes already sent here (names), so a round never repeats one. */
  sent: string[] = [];

  constructor(host: string, port: i32, protocol: string) {
    this.host = host;
    this.port = port;
    this.protocol = protocol;
  }
}

class Job {
  ep: Endpoint;
  probe: ServiceProbe;

  constructor(ep: Endpoint, probe: ServiceProbe) {
    this.ep = ep;
    this.probe = probe;
  }
}

/**
 * Bytes of replies one host call may bring back, counting every probe at its
 * read limit (a hostile network can fill them all): the reply's base64 JSON
 * and its UTF-16 strings come to ~4-5x that in guest memory, so 1 MiB stays
 * well inside the 16 MiB default ceiling. Silent ports send nothing, so
 * bigger batches mean fewer sequential waits on them.
 */
const READ_BUDGET: i32 = 1 << 20;
const MIN_BATCH: i32 = 8;
const MAX_BATCH: i32 = 256;
const MAX_ROUNDS: i32 = 3;
/** Base64 characters of replies between full collections (the reply trees are ~10x that in memory). */
const COLLECT_AFTER_CHARS: i32 = 1 << 18;

function replyCharsOf(r: TcpResult): i32 {
  let n = r.dataB64.length;
  for (let i = 0; i < r.steps.length; i++) n += r.steps[i].dataB64.length;
  return n;
}
const EXCERPT_CHARS: i32 = 160;

/**
 * A plugin that identifies one protocol family. Its summary holds `banners`
 * (records read), `identified`, `probed` (probes sent), `answered` (replies
 * with bytes), `by_probe` (identifications a probe made), what `summarize`
 * adds, and `undecodable` when some data_b64 was not base64.
 */
export abstract class ServiceModule extends PluginModule {
  /** Bytes of each banner handed to `parse` (0: all of it). */
  readonly decodeBytes: i32;
  private probeList: ServiceProbe[] | null = null;

  constructor(name: string, version: string, decodeBytes: i32 = 0) {
    super(name, version);
    this.decodeBytes = max(decodeBytes, 0);
  }

  /** The probes this plugin may send (none: it only parses). Called once. */
  probes(): ServiceProbe[] {
    return [];
  }

  /** This protocol's reading of some bytes, or null when they are not this protocol. Pure. */
  abstract parse(banner: Banner): ParsedBanner | null;

  /**
   * Combines a follow-up's reply with what the plugin had: by default the
   * reply's reading when it parses, else the earlier one. Override to add a
   * follow-up's findings to the earlier record (HTTP's favicon hash).
   */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    const next = this.parse(reply);
    return next !== null ? next : previous;
  }

  /** Whether bytes this plugin could not parse still suggest its protocol, so its probes should be tried there. */
  suggests(banner: Banner): bool {
    return false;
  }

  /** The first send of `probe` to `host`:`port`; default the probe's own bytes (override for a Host header). */
  payloadFor(probe: ServiceProbe, host: string, port: i32): Uint8Array | null {
    for (let i = 0; i < probe.steps.length; i++) {
      const s = probe.steps[i].send;
      if (s !== null) return s;
    }
    return null;
  }

  /** Adds the plugin's own counts to the summary. */
  summarize(summary: JsonValue): void {}

  private allProbes(): ServiceProbe[] {
    let list = this.probeList;
    if (list === null) {
      list = this.probes();
      this.probeList = list;
    }
    return list;
  }

  /** Whether `port` is a hint of any of this plugin's probes. */
  hintedPort(port: i32): bool {
    const list = this.allProbes();
    for (let i = 0; i < list.length; i++) if (list[i].hints(port)) return true;
    return false;
  }

  /**
   * Whether `port` is a hint for `service`: a hint of a probe that is not a
   * follow-up of other services (an IMAP follow-up's 143 is no hint for POP3).
   */
  hintedFor(service: string, port: i32): bool {
    const list = this.allProbes();
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.hints(port) && (!p.isAfterParse || p.followsUp(service))) return true;
    }
    return false;
  }

  execute(ctx: ExecuteContext): string | null {
    const probes = this.allProbes();
    const banners = new ContextRecords("banners");
    const byKey = new Map<string, Endpoint>();
    const order: Endpoint[] = [];
    let undecodable = 0;

    // Round 0: the bytes at hand.
    for (let r = banners.next(); r !== null; r = banners.next()) {
      if (!r.isObj()) continue;
      const host = r.getStr("host");
      const port = <i32>r.getInt("port", -1);
      const protocol = r.getStr("protocol", "tcp");
      if (host.length == 0 || port < 1 || port > 65535) continue;
      const key = host + "|" + port.toString() + "|" + protocol;
      let ep: Endpoint;
      if (byKey.has(key)) ep = byKey.get(key);
      else {
        ep = new Endpoint(host, port, protocol);
        byKey.set(key, ep);
        order.push(ep);
      }
      const rtt = r.getNum("rtt_ms", 0);
      if (rtt > ep.rttMs) ep.rttMs = rtt;
      const raw = base64Decode(r.getStr("data_b64"));
      if (raw === null) {
        undecodable++;
        continue;
      }
      if (raw.length == 0) continue;
      const b = new Banner(host, port, protocol, r.getBool("tls"), this.cut(raw), r);
      const parsed = this.parse(b);
      if (parsed !== null) {
        // Several records of one endpoint (a UDP port asked two ways): the reading that says more wins, whatever their order.
        const prev = ep.best;
        if (prev === null || weight(parsed) > weight(prev)) {
          ep.best = parsed;
          ep.bestProbe = b.probe;
        }
        ep.evidence |= b.probe == "passive" ? EVIDENCE_BANNER : EVIDENCE_PROBE;
      } else if (ep.best === null && !this.suggests(b)) {
        ep.spoke = true;
      }
    }

    let replyChars = 0;
    let probeError = "";
    let probed = 0;
    let answered = 0;
    let byProbe = 0;
    if (ctx.network && probes.length > 0) {
      for (let round = 0; round < MAX_ROUNDS && probeError.length == 0; round++) {
        const jobs = this.jobsFor(order, probes);
        if (jobs.length == 0) break;
        const connectMs = <i32>ctx.config.getInt("connect_timeout_ms", 1500);
        const timeoutMs = <i32>ctx.config.getInt("probe_timeout_ms", PROBE_TIMEOUT_MS);
        let start = 0;
        while (start < jobs.length) {
          const end = this.batchEnd(jobs, start);
          const list: TcpProbe[] = [];
          for (let i = start; i < end; i++) list.push(this.tcpProbeOf(jobs[i], timeoutMs));
          const batch = tcpProbe(list, connectMs);
          probed += end - start;
          if (!batch.ok) {
            // No grant (an operator narrowed it), out of scope, a limit: what was parsed still
            // counts, so the plugin says why it stopped probing and writes what it has.
            probeError = "net.tcp.probe (" + jobs[start].probe.name + "): " + batch.error;
            logWarn(probeError + "; probing stopped, writing what was identified without it");
            break;
          }
          const n = min(batch.results.length, end - start);
          for (let i = 0; i < n; i++) {
            const job = jobs[start + i];
            const reply = this.replyOf(job, batch.results[i]);
            if (reply === null) continue;
            answered++;
            const ep = job.ep;
            const prev = ep.best;
            if (prev !== null) {
              const next = this.followUp(prev, reply);
              // A reading replaced by the follow-up's is named after it; one it only added to keeps its probe.
              if (next !== prev) ep.bestProbe = job.probe.name;
              ep.best = next;
              ep.evidence |= EVIDENCE_PROBE;
            } else {
              const parsed = this.parse(reply);
              if (parsed === null) continue;
              ep.best = parsed;
              ep.bestProbe = job.probe.name;
              ep.evidence |= EVIDENCE_PROBE;
              byProbe++;
            }
          }
          start = end;
          // A full collection walks every endpoint kept so far, so it runs once replies worth
          // COLLECT_AFTER_CHARS have come in, not after each batch: a big scan of small replies
          // would pay for it quadratically, one of big replies (favicons) would run out of pages.
          for (let i = 0; i < n; i++) replyChars += replyCharsOf(batch.results[i]);
          if (replyChars >= COLLECT_AFTER_CHARS) {
            __collect();
            replyChars = 0;
          }
        }
      }
    }

    // Write one record per identified endpoint, in input order.
    const out = new ServiceRecords();
    let identified = 0;
    for (let i = 0; i < order.length; i++) {
      const ep = order[i];
      const best = ep.best;
      if (best === null) continue;
      identified++;
      let evidence = ep.evidence;
      if (this.hintedFor(best.service, ep.port)) evidence |= EVIDENCE_PORT;
      const fields = best.fields;
      if (fields.isObj() && fields.get("probe") === null) fields.setStr("probe", ep.bestProbe);
      out.add(ep.host, ep.port, ep.protocol, best.service, fields);
      for (let j = 0; j < best.prints.length; j++) out.print(stamped(best.prints[j], evidence, ep.bestProbe));
      const err = out.flushWhenFull();
      if (err !== null) return err;
    }
    const err = out.flush();
    if (err !== null) return err;

    ctx.summary.setInt("banners", banners.seen).setInt("identified", identified);
    if (probes.length > 0) ctx.summary.setInt("probed", probed).setInt("answered", answered).setInt("by_probe", byProbe);
    if (probeError.length > 0) ctx.summary.setStr("probe_error", probeError.length > 300 ? probeError.substring(0, 300) : probeError);
    this.summarize(ctx.summary);
    if (undecodable > 0) ctx.summary.setInt("undecodable", undecodable);
    return null;
  }

  private cut(raw: Uint8Array): Uint8Array {
    const cap = this.decodeBytes;
    return cap > 0 && raw.length > cap ? raw.subarray(0, cap) : raw;
  }

  /**
   * The probes of the next round: follow-ups for what is identified, the
   * other probes for endpoints that said nothing (hinted ports, and every
   * port for fallbacks) or whose bytes `suggests` took as a hint. TCP only:
   * UDP replies come from the UDP scanner.
   */
  private jobsFor(order: Endpoint[], probes: ServiceProbe[]): Job[] {
    const jobs: Job[] = [];
    for (let i = 0; i < order.length; i++) {
      const ep = order[i];
      if (ep.protocol != "tcp") continue;
      for (let j = 0; j < probes.length; j++) {
        const p = probes[j];
        if (ep.sent.includes(p.name)) continue;
        let want = false;
        const best = ep.best;
        if (p.isAfterParse) want = best !== null && p.followsUp(best.service);
        // A fallback skips ports another probe of this plugin names: that one speaks the protocol expected there.
        else want = best === null && !ep.spoke && (p.hints(ep.port) || (p.isFallback && !this.hintedPort(ep.port)));
        if (!want) continue;
        ep.sent.push(p.name);
        jobs.push(new Job(ep, p));
      }
    }
    return jobs;
  }

  /** The end of the batch that starts at `start`: as many probes as the read budget allows. */
  private batchEnd(jobs: Job[], start: i32): i32 {
    let budget = READ_BUDGET;
    let end = start;
    while (end < jobs.length && end - start < MAX_BATCH) {
      const need = jobs[end].probe.readBudget();
      if (end - start >= MIN_BATCH && need > budget) break;
      budget -= need;
      end++;
    }
    return end;
  }

  private tcpProbeOf(job: Job, maxTimeoutMs: i32): TcpProbe {
    const p = new TcpProbe(job.ep.host, job.ep.port);
    const spec = job.probe;
    const first = this.payloadFor(spec, job.ep.host, job.ep.port);
    let firstSend = true;
    for (let i = 0; i < spec.steps.length; i++) {
      const s = spec.steps[i];
      const step = new TcpStep();
      if (s.send !== null) {
        step.send = firstSend && first !== null ? first : s.send;
        firstSend = false;
      }
      if (s.maxBytes > 0) {
        step.readMaxBytes = s.maxBytes;
        step.readTimeoutMs = adaptiveTimeout(min(s.timeoutMs, maxTimeoutMs), job.ep.rttMs);
        step.readIdleMs = s.idleMs;
        step.until = s.until;
      }
      p.steps.push(step);
    }
    return p;
  }

  /** The reply as a Banner (all steps' bytes, and each step's), or null when nothing came back. */
  private replyOf(job: Job, r: TcpResult): Banner | null {
    if (r.state != "open") return null;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < r.steps.length; i++) {
      const d = r.steps[i].data;
      parts.push(d);
      total += d.length;
    }
    if (total == 0) return null;
    const all = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      all.set(parts[i], at);
      at += parts[i].length;
    }
    const record = JsonValue.obj().setStr("probe", job.probe.name);
    const b = new Banner(job.ep.host, job.ep.port, job.ep.protocol, false, this.cut(all), record);
    b.steps = parts;
    return b;
  }
}

/** How much a reading says: a named product counts most, then a version, then confidence. */
function weight(p: ParsedBanner): i32 {
  let w = 0;
  for (let i = 0; i < p.prints.length; i++) {
    const print = p.prints[i];
    let v = <i32>print.getInt("confidence", 0);
    if (print.getStr("product").length > 0) v += 1000;
    if (print.getStr("version").length > 0) v += 500;
    w = max(w, v);
  }
  return w;
}

/** A print with the evidence that backs it: confidence combined, `extra.evidence` listed, the probe named in `evidence`. */
function stamped(print: JsonValue, evidence: i32, probe: string): JsonValue {
  if (!print.isObj()) return print;
  print.setInt("confidence", combineConfidence(<i32>print.getInt("confidence", 50), evidence));
  const kinds = JsonValue.arr();
  if ((evidence & EVIDENCE_BANNER) != 0) kinds.push(JsonValue.str("banner"));
  if ((evidence & EVIDENCE_PROBE) != 0) kinds.push(JsonValue.str("probe:" + probe));
  if ((evidence & EVIDENCE_PORT) != 0) kinds.push(JsonValue.str("port-hint"));
  let extra = print.get("extra");
  if (extra === null || !extra.isObj()) {
    extra = JsonValue.obj();
    print.set("extra", extra);
  }
  extra.set("evidence", kinds);
  const text = print.getStr("evidence");
  const excerpt = text.length > EXCERPT_CHARS * 4 ? text.substring(0, EXCERPT_CHARS * 4) : text;
  print.setStr("evidence", "probe=" + probe + (excerpt.length > 0 ? "; " + excerpt : ""));
  return print;
}

