/**
 * Builds `service_fingerprints` records (host/engine/keys.ts) so every
 * fingerprinting plugin writes the same shape.
 */

import { JsonValue } from "./json";

/**
 * A `service_fingerprints` record. Empty product/version/cpe are omitted;
 * confidence is clamped to 0..100. Add `os_hint`/`evidence` with `setStr`.
 *
 * @example
 *   fingerprint("10.0.0.5", 22, "tcp", "ssh", "OpenSSH", "8.9p1",
 *               cpe23("a", "openbsd", "openssh", "8.9p1"), 95, "pentora/ssh-parser")
 *     .setStr("evidence", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3");
 */
export function fingerprint(
  host: string,
  port: i32,
  protocol: string,
  service: string,
  product: string,
  version: string,
  cpe: string,
  confidence: i32,
  source: string,
): JsonValue {
  const r = JsonValue.obj().setStr("host", host).setInt("port", port).setStr("protocol", protocol).setStr("service", service);
  if (product.length > 0) r.setStr("product", product);
  if (version.length > 0) r.setStr("version", version);
  if (cpe.length > 0) r.setStr("cpe", cpe);
  r.setInt("confidence", min(max(confidence, 0), 100));
  r.setStr("source", source);
  return r;
}
