/**
 * The scope guard: the only addresses any plugin may reach are the scan's
 * targets. Every connect goes through `assert` (or `resolve` for a name) with
 * the address that will actually be dialled.
 *
 * Representation: merged numeric spans (AddressSet), not a Set of strings. A
 * scope is usually a few CIDRs, so a /16 is one span (a /12 too) instead of
 * 65k-1M strings of ~40 bytes each, and a lookup is a binary search over a
 * handful of spans. Every lookup has to parse its input anyway to canonicalise
 * it (::ffff:127.0.0.1, 0:0::1, upper-case hex), so a string Set would save
 * nothing on the lookup side.
 *
 * @example
 * const scope = new Scope(await parseTargets(['192.0.2.0/24', 'app.example']));
 * scope.assert('::ffff:192.0.2.9', 'acme/banner');    // '192.0.2.9'
 * await scope.resolve('app.example', 'acme/banner');  // its in-scope addresses
 * scope.assert('198.51.100.1', 'acme/banner');        // throws PENTORA_E_SCOPE
 */

import { ErrorCode, PentoraError, describeError } from '../errors.ts';
import { AddressSet, compareIp, formatIp, parseIp, type IpRange, type ParsedIp } from './address.ts';
import { defaultResolve, normaliseHostname, type Resolver, type Target } from './targets.ts';

export interface ScopeOptions {
  /** How plugin-supplied names are resolved at connect time (default: the system resolver). */
  resolve?: Resolver;
}

export class Scope {
  readonly #addresses: AddressSet;
  readonly #hostnames: ReadonlySet<string>;
  readonly #resolve: Resolver;
  /** Number of distinct addresses in scope. */
  readonly size: number;

  /** Built from the output of parseTargets; a host that is not an IP literal is a programming error. */
  constructor(targets: readonly Target[], opts: ScopeOptions = {}) {
    const names = new Set<string>();
    function* ranges(): Generator<IpRange> {
      for (const t of targets) {
        const ip = parseIp(t.host);
        if (!ip) {
          throw new PentoraError(ErrorCode.Target, `scope: target host ${JSON.stringify(t.host)} is not an IP address`);
        }
        if (t.hostname !== undefined) {
          const name = normaliseHostname(t.hostname);
          if (name.ok) names.add(name.value);
        }
        yield { family: ip.family, first: ip.value, last: ip.value };
      }
    }
    this.#addresses = AddressSet.from(ranges());
    this.#hostnames = names;
    this.#resolve = opts.resolve ?? defaultResolve;
    this.size = Number(this.#addresses.size);
  }

  /** Whether an IP literal is in scope (any spelling: mapped, bracketed, uncompressed). Names are never "in scope" here. */
  has(ip: string): boolean {
    const parsed = parseIp(ip);
    return parsed !== null && this.#addresses.has(parsed);
  }

  /** Whether a name is one of the scan's target hostnames (case and trailing dot ignored). */
  hasHostname(name: string): boolean {
    const n = normaliseHostname(name);
    return n.ok && this.#hostnames.has(n.value);
  }

  /** The scan's target hostnames, sorted. */
  get hostnames(): string[] {
    return [...this.#hostnames].sort();
  }

  /**
   * Throws a Scope error naming the plugin and address unless `addr` is an
   * in-scope IP literal; returns the canonical literal, which is what the
   * caller must dial (so the checked and the connected address are the same).
   */
  assert(addr: string, plugin: string): string {
    const parsed = parseIp(addr);
    if (!parsed) throw scopeError(plugin, addr, 'not an IP address (names go through resolve)');
    // connect() to 0.0.0.0 or :: reaches this machine (Linux treats it as a local
    // address), so "in scope" for the unspecified address would be a way to the
    // scanner's own loopback services. It is never dialled.
    if (parsed.value === 0n) throw scopeError(plugin, formatIp(parsed), 'the unspecified address is never dialled');
    if (!this.#addresses.has(parsed)) throw scopeError(plugin, formatIp(parsed), "not in the scan's targets");
    return formatIp(parsed);
  }

  /**
   * Turns a host a plugin passed (IP literal or name) into in-scope addresses
   * to dial. A name is only accepted if it is one of the scan's target
   * hostnames, and it is resolved again now: what it pointed at when the scan
   * started proves nothing about where it points today (DNS rebinding), so
   * only the freshly resolved addresses that are in scope are returned.
   * IPv4 first, then IPv6, each ascending.
   */
  async resolve(host: string, plugin: string): Promise<string[]> {
    if (parseIp(host)) return [this.assert(host, plugin)];
    const name = normaliseHostname(host);
    if (!name.ok || !this.#hostnames.has(name.value)) {
      throw scopeError(plugin, host, "not an IP address nor one of the scan's target hostnames");
    }
    let answers: string[];
    try {
      answers = await this.#resolve(name.value);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? describeError(err);
      throw new PentoraError(ErrorCode.HostCall, `scope: resolving ${name.value} for ${plugin} failed (${code})`, {
        plugin,
        hostname: name.value,
      });
    }
    const inScope: ParsedIp[] = [];
    const outside: string[] = [];
    for (const answer of answers) {
      const ip = parseIp(answer);
      if (!ip) continue; // a resolver that returns junk gets no benefit of the doubt
      if (this.#addresses.has(ip)) {
        if (!inScope.some((x) => x.family === ip.family && x.value === ip.value)) inScope.push(ip);
      } else outside.push(formatIp(ip));
    }
    if (inScope.length === 0) {
      const where = outside.length > 0 ? `resolves to ${outside.join(', ')}` : 'resolves to no address';
      throw scopeError(plugin, name.value, `${where}, outside the scan's targets`);
    }
    inScope.sort(compareIp);
    return inScope.map(formatIp);
  }
}

function scopeError(plugin: string, addr: string, why: string): PentoraError {
  return new PentoraError(ErrorCode.Scope, `scope: ${plugin} may not reach ${JSON.stringify(addr)}: ${why}`, {
    plugin,
    address: addr,
  });
}
