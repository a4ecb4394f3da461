/** Redis request framing (RESP2 and inline commands) for the listener bench's Redis listeners. */

/** One Redis command out of the buffer: [command words joined by spaces, bytes used] or null if incomplete. */
export function respCommand(buf: Buffer): [string, number] | null {
  const text = buf.toString('latin1');
  if (text[0] !== '*') {
    const nl = text.indexOf('\n');
    return nl < 0 ? null : [text.slice(0, nl).trim(), nl + 1];
  }
  // Multibulk: *N\r\n then N times $len\r\n<bytes>\r\n (RESP2).
  let at = text.indexOf('\r\n');
  if (at < 0) return null;
  const n = Number(text.slice(1, at));
  if (!Number.isSafeInteger(n) || n < 0 || n > 64) return ['', text.length];
  at += 2;
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = text.indexOf('\r\n', at);
    if (e < 0 || text[at] !== '$') return e < 0 ? null : ['', text.length];
    const len = Number(text.slice(at + 1, e));
    if (!Number.isSafeInteger(len) || len < 0) return ['', text.length];
    if (text.length < e + 2 + len + 2) return null;
    words.push(text.slice(e + 2, e + 2 + len));
    at = e + 2 + len + 2;
  }
  return [words.join(' '), at];
}
