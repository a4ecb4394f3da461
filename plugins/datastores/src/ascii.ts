/** Text checks the datastore parsers share (byte reading is the SDK's ByteReader, sdk/assemblyscript/wire.ts). */

/** Whether every char of `s` is printable ASCII (0x20..0x7e). */
export function allPrintable(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
