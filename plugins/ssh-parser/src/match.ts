/**
 * Which SSH implementation an identification line names. The software token
 * is `name[_-/]version` by convention (RFC 4253 §4.2 leaves it free-form), so
 * each rule is a case-insensitive name prefix; the version is read only when
 * the banner spells it after a separator. CPE vendor/product names follow the
 * NVD dictionary.
 */

import { SshIdent } from "./parse";
import { ProductMatch, ProductRule, isDigit, startsWithLower, versionAt } from "../../../sdk/assemblyscript/index";

/** The fields are ProductMatch's: product, version, CPE name, OS hint, confidence. */
export class SshMatch extends ProductMatch {}

/** A ProductRule whose marker is the software token's name prefix, with its CPE part and whether the token's version is the CPE's. */
class Rule extends ProductRule {
  constructor(prefix: string, product: string, part: string, vendor: string, cpeProduct: string, cpeVersioned: bool, osHint: string) {
    super(prefix, product, vendor, cpeProduct, osHint);
    this.cpePart = part;
    this.cpeVersioned = cpeVersioned;
  }
}

// Longer prefixes first where one name starts another (OpenSSH_for_Windows
// before OpenSSH; libssh2 is safe because a digit is not a separator).
const RULES: Rule[] = [
  // Win32-OpenSSH tracks upstream OpenSSH releases, so upstream's CPE applies.
  new Rule("openssh_for_windows", "OpenSSH for Windows", "a", "openbsd", "openssh", true, "Windows"),
  new Rule("openssh", "OpenSSH", "a", "openbsd", "openssh", true, ""),
  new Rule("dropbear", "Dropbear SSH", "a", "dropbear_ssh_project", "dropbear_ssh", true, ""),
  new Rule("libssh2", "libssh2", "a", "libssh2", "libssh2", true, ""),
  new Rule("libssh", "libssh", "a", "libssh", "libssh", true, ""),
  // Cisco-1.25 is the version of Cisco's SSH stack, shared by IOS, IOS XE and ASA: no product CPE.
  new Rule("cisco_wlc", "Cisco WLC SSH", "a", "", "", false, "Cisco"),
  new Rule("cisco", "Cisco SSH", "a", "", "", false, "Cisco"),
  new Rule("romsshell", "Allegro RomSShell", "a", "allegrosoft", "romsshell", true, ""),
  // MikroTik's sshd shows no version; the CPE names the OS it is part of.
  new Rule("rosssh", "MikroTik RouterOS SSH", "o", "mikrotik", "routeros", false, "MikroTik RouterOS"),
  new Rule("serv-u", "Serv-U", "a", "solarwinds", "serv-u", true, ""),
  // golang.org/x/crypto/ssh sends "SSH-2.0-Go" with no version.
  new Rule("go", "Go x/crypto/ssh", "a", "golang", "crypto", false, ""),
  new Rule("aws_sftp", "AWS Transfer Family SFTP", "a", "", "", false, ""),
  new Rule("paramiko", "Paramiko", "a", "paramiko", "paramiko", true, ""),
  new Rule("asyncssh", "AsyncSSH", "a", "asyncssh_project", "asyncssh", true, ""),
  new Rule("apache-sshd", "Apache MINA SSHD", "a", "apache", "sshd", true, ""),
  new Rule("sshd-core", "Apache MINA SSHD", "a", "apache", "sshd", true, ""),
  new Rule("sun_ssh", "Sun SSH", "a", "sun", "sunssh", true, "Solaris"),
  // mod_sftp's own version is not ProFTPD's.
  new Rule("mod_sftp", "ProFTPD mod_sftp", "a", "proftpd", "proftpd", false, ""),
  new Rule("huawei", "Huawei VRP SSH", "a", "", "", false, "Huawei VRP"),
  new Rule("comware", "HPE Comware SSH", "a", "", "", false, "HPE Comware"),
  // The number is the Erlang ssh application's version, not OTP's.
  new Rule("erlang", "Erlang/OTP SSH", "a", "", "", false, ""),
  new Rule("crushftpsshd", "CrushFTP", "a", "crushftp", "crushftp", false, ""),
];

const MAX_PRODUCT: i32 = 128;

function isSeparator(c: i32): bool {
  return c == 0x5f || c == 0x2d || c == 0x2f; // _ - /
}

/** Distribution markers OpenSSH packagers put in the comments ("Debian-2+deb12u3", "Ubuntu-3ubuntu0.6", "FreeBSD-20230316"). */
const OS_MARKERS: string[] = ["ubuntu", "raspbian", "debian", "freebsd", "netbsd", "dragonfly", "fedora"];
const OS_NAMES: string[] = ["Ubuntu", "Raspbian", "Debian", "FreeBSD", "NetBSD", "DragonFly BSD", "Fedora"];

/**
 * The OS a comment names, "" when none. Ubuntu is tested before Debian
 * because older Ubuntu packages said "Debian-5ubuntu1".
 */
export function osFromComments(comments: string): string {
  if (comments.length == 0) return "";
  const lower = comments.toLowerCase();
  for (let i = 0; i < OS_MARKERS.length; i++) {
    if (lower.includes(unchecked(OS_MARKERS[i]))) return unchecked(OS_NAMES[i]);
  }
  return "";
}

/** The name part of an unknown software token: what precedes a separator followed by a digit. */
function namePart(sw: string): string {
  for (let i = 1; i + 1 < sw.length; i++) {
    if (isSeparator(sw.charCodeAt(i)) && isDigit(sw.charCodeAt(i + 1))) return sw.substring(0, i);
  }
  return sw;
}

function confidenceFor(version: string): i32 {
  return version.length > 0 ? 95 : 80;
}

/** Identifies the implementation behind an identification line. Always returns a match: the line itself proves SSH. */
export function identify(ident: SshIdent): SshMatch {
  const sw = ident.software;
  const m = new SshMatch();

  // Bitvise puts its version first and its name in the comments:
  // "SSH-2.0-9.33 FlowSsh: Bitvise SSH Server (WinSSHD) 9.33".
  if (ident.comments.includes("Bitvise SSH Server")) {
    m.product = "Bitvise SSH Server";
    const v = versionAt(sw, 0);
    if (v.length == sw.length) m.version = v;
    m.vendor = "bitvise";
    m.cpeProduct = "ssh_server";
    m.osHint = "Windows";
    m.confidence = confidenceFor(m.version);
    return m;
  }

  for (let i = 0; i < RULES.length; i++) {
    const r = unchecked(RULES[i]);
    if (!startsWithLower(sw, r.marker)) continue;
    let version = "";
    if (sw.length > r.marker.length) {
      // The name must end here: "OpenSSH_9.2p1" and "Cisco-1.25" match,
      // "Gopher" does not match "go", "Cisco_WLC" does not match "cisco".
      if (!isSeparator(sw.charCodeAt(r.marker.length))) continue;
      version = versionAt(sw, r.marker.length + 1);
      if (version.length == 0) continue;
    }
    r.applyTo(m, version, osFromComments(ident.comments));
    m.confidence = confidenceFor(version);
    return m;
  }

  // Unknown software: name it as the banner does, but do not guess which
  // part is a version.
  const name = namePart(sw);
  m.product = name.length > MAX_PRODUCT ? name.substring(0, MAX_PRODUCT) : name; // the record's product is at most 128 chars
  m.osHint = osFromComments(ident.comments);
  m.confidence = sw.length > 0 ? 60 : 50;
  return m;
}
