/**
 * The version strings plugin manifests allow (`MAJOR.MINOR.PATCH[-PRERELEASE]`,
 * host/sandbox/manifest.ts) and their SemVer 2.0.0 §11 precedence, used to
 * pick the highest version when `plugin install NAME` names none.
 */

export const VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function isVersion(v: string): boolean {
  return VERSION.test(v);
}

/**
 * Negative when a < b, positive when a > b, 0 when equal in precedence.
 * Both must satisfy `isVersion`.
 *
 * @example
 *   ['1.0.0', '1.0.0-rc.1', '0.9.9'].sort(compareVersions); // 0.9.9, 1.0.0-rc.1, 1.0.0
 */
export function compareVersions(a: string, b: string): number {
  const ma = VERSION.exec(a);
  const mb = VERSION.exec(b);
  if (!ma || !mb) throw new TypeError(`not a version: ${ma ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const d = compareNumeric(ma[i]!, mb[i]!);
    if (d !== 0) return d;
  }
  const pa = ma[4];
  const pb = mb[4];
  // A pre-release has lower precedence than the release itself (§11.3).
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? 1 : -1;
  const xa = pa.split('.');
  const xb = pb.split('.');
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const d = compareIdentifier(xa[i]!, xb[i]!);
    if (d !== 0) return d;
  }
  return xa.length - xb.length;
}

/** Numeric strings without leading zeros, of any length (no float rounding). */
function compareNumeric(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** §11.4: numeric identifiers compare numerically and rank below alphanumeric ones. */
function compareIdentifier(a: string, b: string): number {
  const na = /^[0-9]+$/.test(a);
  const nb = /^[0-9]+$/.test(b);
  if (na && nb) return compareNumeric(a.replace(/^0+(?=.)/, ''), b.replace(/^0+(?=.)/, ''));
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
