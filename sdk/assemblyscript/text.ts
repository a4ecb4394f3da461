/**
 * ASCII text helpers for matching what servers send. AssemblyScript has no
 * RegExp, so banner matchers scan by hand. Banner text is latin1-decoded (one
 * char per byte, see `latin1`), so every index here is a byte offset into
 * what the server sent.
 *
 * @example
 *   const lower = line.toLowerCase();
 *   const at = afterWord(lower, "vsftpd");          // just past "vsFTPd " in "220 (vsFTPd 3.0.3)"
 *   const version = versionAt(line, at);            // "3.0.3"
 *   fp.setStr("evidence", printable(line, 300));    // control bytes shown as "."
 */

/** ASCII 0-9 (a char code, as `charCodeAt` gives it). */
export function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** ASCII A-Z, a-z. */
export function isAlpha(c: i32): bool {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** ASCII letter or digit. */
export function isAlnum(c: i32): bool {
  return isDigit(c) || isAlpha(c);
}

/** Characters that may sit inside a product word (so they are not boundaries). */
function isWordChar(c: i32): bool {
  return isAlnum(c) || c == 0x2e || c == 0x2d || c == 0x5f; // . - _
}

/**
 * The lines of `text`, split at LF with one trailing CR dropped: text
 * protocols end lines with CRLF (RFC 4253 §4.2, RFC 959, RFC 5321, RFC 9112),
 * and older peers send a bare LF. At most `maxLines` lines are returned (a hostile peer can send
 * thousands); a final unterminated line is kept, since reads are capped.
 */
export function splitLines(text: string, maxLines: i32): string[] {
  const out: string[] = [];
  let start = 0;
  const n = text.length;
  while (start < n && out.length < maxLines) {
    let end = text.indexOf("\n", start);
    const next = end < 0 ? n : end + 1;
    if (end < 0) end = n;
    if (end > start && text.charCodeAt(end - 1) == 0x0d) end--;
    out.push(text.substring(start, end));
    start = next;
  }
  return out;
}

/**
 * The version token starting at `start`: a digit, then digits, letters and
 * dots ("9.2p1", "1.3.5e", "2022.83"), trailing dots dropped, at most 64
 * characters. "" when no digit is at `start`: versions are read, never guessed.
 */
export function versionAt(s: string, start: i32): string {
  if (start < 0 || !isDigit(s.charCodeAt(start))) return "";
  let end = start;
  const n = s.length;
  while (end < n && end - start < 64) {
    const c = s.charCodeAt(end);
    if (!isAlnum(c) && c != 0x2e) break;
    end++;
  }
  while (end > start && s.charCodeAt(end - 1) == 0x2e) end--;
  return s.substring(start, end);
}

/**
 * Index of `word` (lower-case ASCII) in `lower` (already lower-cased) where it
 * stands as a word of its own: "exim" matches "ESMTP Exim 4.96" but not the
 * host name "exim.example.org". -1 when absent.
 */
export function findWord(lower: string, word: string, from: i32 = 0): i32 {
  let i = lower.indexOf(word, from);
  while (i >= 0) {
    const before = i == 0 ? 0x20 : lower.charCodeAt(i - 1);
    const after = i + word.length >= lower.length ? 0x20 : lower.charCodeAt(i + word.length);
    if (!isWordChar(before) && !isWordChar(after)) return i;
    i = lower.indexOf(word, i + 1);
  }
  return -1;
}

/** Index just past `word` and any spaces after it, or -1 when `word` is not there as a word. */
export function afterWord(lower: string, word: string): i32 {
  const i = findWord(lower, word);
  if (i < 0) return -1;
  let j = i + word.length;
  while (j < lower.length && lower.charCodeAt(j) == 0x20) j++;
  return j;
}

/** True when `s` starts with `prefix`, ignoring ASCII case (`prefix` given in lower case). */
export function startsWithLower(s: string, prefix: string): bool {
  if (s.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c != prefix.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * A copy of `s` safe to store as evidence: printable ASCII kept, tabs become
 * spaces, every other byte becomes '.', cut to `max` characters.
 */
export function printable(s: string, max: i32): string {
  const n = min(s.length, max);
  let clean = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      clean = false;
      break;
    }
  }
  if (clean) return n == s.length ? s : s.substring(0, n);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out[i] = c == 0x09 ? " " : c < 0x20 || c > 0x7e ? "." : String.fromCharCode(c);
  }
  return out.join("");
}
