/**
 * The rsync daemon protocol's greeting (rsync's clientserver.c, documented in
 * rsyncd.conf(5) and the rsync technical report): the server speaks first,
 *
 *   "@RSYNCD: " protocol-version ["." sub] [SP digest-list] LF     e.g. "@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4\n"
 *   motd lines LF ...                                             (the "motd file", when one is set)
 *
 * and after the client's own "@RSYNCD: <version>\n" and "#list\n" it lists the
 * listable modules, one "name<TAB>comment" per line (the name padded with
 * spaces to 15), then "@RSYNCD: EXIT\n". Pure and bounded.
 */

import { printable } from "../../../sdk/assemblyscript/index";

const SCAN_CHARS: i32 = 16384;
const MAX_LINES: i32 = 128;
export const MAX_MODULES: i32 = 64;
const MAX_MOTD_LINES: i32 = 16;
const PREFIX: string = "@RSYNCD: ";

export class RsyncModule {
  name: string;
  comment: string;
  constructor(name: string, comment: string) {
    this.name = name;
    this.comment = comment;
  }
}

export class RsyncReading {
  /** "32.0", "31.0", "30.0" as sent. */
  protocol: string = "";
  /** The major protocol number (32). */
  major: i32 = 0;
  /** Checksum digests the daemon offers (protocol 31.0 and later). */
  digests: string[] = [];
  /** Message-of-the-day lines, printable. */
  motd: string[] = [];
  modules: RsyncModule[] = [];
  /** "@RSYNCD: EXIT" ended a module list (the follow-up's reply). */
  listed: bool = false;
  /** The daemon sent "@ERROR..." (access denied, max connections). */
  error: string = "";
}

function isDigits(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Reads an rsync daemon greeting (and module list), or null when the bytes do not start with "@RSYNCD: <digits>". */
export function parseRsync(text: string): RsyncReading | null {
  if (!text.startsWith(PREFIX)) return null;
  const window = text.length > SCAN_CHARS ? text.substring(0, SCAN_CHARS) : text;
  const nl = window.indexOf("\n");
  const first = nl < 0 ? window : window.substring(0, nl);
  const rest = first.substring(PREFIX.length).trim();
  const sp = rest.indexOf(" ");
  const version = sp < 0 ? rest : rest.substring(0, sp);
  const dot = version.indexOf(".");
  const major = dot < 0 ? version : version.substring(0, dot);
  if (!isDigits(major) || major.length > 4 || (dot >= 0 && !isDigits(version.substring(dot + 1)))) return null;
  const r = new RsyncReading();
  r.protocol = version;
  r.major = I32.parseInt(major);
  if (sp > 0) {
    const ds = rest.substring(sp + 1).split(" ");
    for (let i = 0; i < ds.length && r.digests.length < 16; i++) {
      const d = ds[i].trim();
      if (d.length > 0) r.digests.push(printable(d, 32));
    }
  }
  if (nl < 0) return r;
  const lines = window.substring(nl + 1).split("\n");
  let count = 0;
  for (let i = 0; i < lines.length && count < MAX_LINES; i++, count++) {
    let line = lines[i];
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    if (line.startsWith("@RSYNCD: EXIT")) {
      r.listed = true;
      break;
    }
    if (line.startsWith("@ERROR")) {
      r.error = printable(line, 256);
      break;
    }
    if (line.startsWith(PREFIX)) continue; // "@RSYNCD: OK" and the like
    const tab = line.indexOf("\t");
    if (tab > 0) {
      if (r.modules.length < MAX_MODULES) r.modules.push(new RsyncModule(printable(line.substring(0, tab).trim(), 64), printable(line.substring(tab + 1).trim(), 128)));
    } else if (line.trim().length > 0 && r.modules.length == 0 && r.motd.length < MAX_MOTD_LINES) {
      r.motd.push(printable(line.trim(), 256));
    }
  }
  return r;
}
