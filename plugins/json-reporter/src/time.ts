/**
 * ISO 8601 / RFC 3339 UTC timestamps from epoch milliseconds. Plugins have
 * no Date (it would import from `env`), so the civil date is computed here
 * with Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
 */

function pad(n: i64, width: i32): string {
  let s = n.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

/** "2024-05-01T12:34:56.789Z"; years outside 0..9999 are clamped to the range ISO 8601 basic form allows. */
export function isoTime(epochMs: f64): string {
  let ms = <i64>Math.floor(isFinite(epochMs) ? epochMs : 0);
  const MAX: i64 = 253402300799999; // 9999-12-31T23:59:59.999Z
  const MIN: i64 = -62167219200000; // 0000-01-01T00:00:00.000Z
  if (ms > MAX) ms = MAX;
  if (ms < MIN) ms = MIN;
  let days = ms / 86400000;
  let rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days -= 1;
  }
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const hh = rem / 3600000;
  const mm = (rem / 60000) % 60;
  const ss = (rem / 1000) % 60;
  const frac = rem % 1000;
  return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(hh, 2) + ":" + pad(mm, 2) + ":" + pad(ss, 2) + "." + pad(frac, 3) + "Z";
}
