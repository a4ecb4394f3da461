/**
 * CPE 2.3 formatted-string binding (NISTIR 7695 §6.2). Values are lowercased
 * as in the NVD dictionary, spaces become "_" (the dictionary's convention,
 * e.g. "internet_information_services"), "." "-" "_" stay bare (§6.2.2.2),
 * every other printable non-alphanumeric is backslash-quoted so "*" and "?"
 * in a banner can never turn into wildcards, and characters outside
 * printable ASCII (which a WFN cannot hold, §5.3.2) are dropped.
 */

function bindValue(v: string): string {
  if (v.length == 0) return "*"; // ANY
  if (v == "-") return "-"; // NA
  let out = "";
  for (let i = 0, n = v.length; i < n; i++) {
    let c = <i32>v.charCodeAt(i);
    if (c == 0x20) c = 0x5f;
    if (c < 0x21 || c > 0x7e) continue;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
    if (!alnum && c != 0x5f && c != 0x2e && c != 0x2d) out += "\\";
    out += String.fromCharCode(c);
  }
  return out.length > 0 ? out : "*";
}

/**
 * `cpe:2.3:<part>:<vendor>:<product>:<version>:*:*:*:*:*:*:*`. `part` is
 * "a" (application), "o" (operating system) or "h" (hardware); anything else
 * binds as ANY. An empty field binds as ANY ("*").
 *
 * @example cpe23("a", "OpenBSD", "OpenSSH", "8.9p1") == "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"
 */
export function cpe23(part: string, vendor: string, product: string, version: string): string {
  const p = part == "a" || part == "o" || part == "h" ? part : "*";
  return "cpe:2.3:" + p + ":" + bindValue(vendor) + ":" + bindValue(product) + ":" + bindValue(version) + ":*:*:*:*:*:*:*";
}
