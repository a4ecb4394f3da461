/**
 * `banners` records (the DataContext key the banner grabber and the UDP
 * scanner write, docs/service-probing.md) for the sandbox tests of the
 * service plugins: what a passive read, a probe reply or a `pentora
 * fingerprint` input line gives them.
 *
 * @example
 *   const { banner, silent } = bannersAt('192.0.2.30');
 *   runPlugin({ plugin: 'plugins/datastores', context: { banners: [banner(3306, handshake), silent(6379)] } });
 *   bannerRecord('192.0.2.61', 53, reply, { protocol: 'udp', probe: 'dns-version-bind' });
 */

import type { Rec } from './parser-table.ts';

/** Bytes, or a string of latin1 characters (one per byte). */
export type BannerBytes = Buffer | Uint8Array | string;

/** A TCP passive read of `data` from host:port; `fields` adds or overrides (`protocol`, `probe`, `tls`, `rtt_ms`). */
export function bannerRecord(host: string, port: number, data: BannerBytes, fields: Rec = {}): Rec {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
  return { host, port, protocol: 'tcp', probe: 'passive', data_b64: bytes.toString('base64'), ...fields };
}

/**
 * Record builders for one host: `banner(port, data)` a read of those bytes
 * (none when `data` is left out),
 * `silent(port)` a port that said nothing (`data_b64: ""`, so the plugins
 * probe it, always `probe: "passive"`). `defaults` go into every record
 * (`{ probe: 'mqtt-connect', rtt_ms: 1 }`).
 */
export function bannersAt(host: string, defaults: Rec = {}): { banner: (port: number, data?: BannerBytes, fields?: Rec) => Rec; silent: (port: number, fields?: Rec) => Rec } {
  return {
    banner: (port, data = '', fields = {}) => bannerRecord(host, port, data, { ...defaults, ...fields }),
    silent: (port, fields = {}) => bannerRecord(host, port, '', { ...defaults, probe: 'passive', ...fields }),
  };
}
