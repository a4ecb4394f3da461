/**
 * HTTP/1.x responses (RFC 9112): the status line (§4), field lines (§5) with
 * obsolete line folding (§5.2) and the start of the body, read by the SDK's
 * HTTP-style message parser (sdk/assemblyscript/http-message.ts) with HTTP's
 * rules. Pure functions over latin1 text (one char per byte); no host calls.
 */

import { HttpMessage, MessageSyntax, parseHttpMessage } from "../../../sdk/assemblyscript/index";

/** Field lines kept per response; past this a hostile or broken server gets `truncated`. */
export const MAX_FIELD_LINES: i32 = 100;
/** Characters kept of one (combined) field value. */
const MAX_VALUE: i32 = 4096;

class Http1 extends MessageSyntax {
  joinValue(name: string, old: string, value: string): string {
    // RFC 9110 §5.3: repeated fields combine with ", "; Set-Cookie is the
    // exception (§5.3 note) because its values contain commas.
    const sep = name == "set-cookie" ? "\n" : ", ";
    const v = old + sep + value;
    return v.length > this.maxValue ? v.substring(0, this.maxValue) : v;
  }
}

/** HTTP/1.x only (2 and later are not line-based), status 100-599. */
const HTTP1 = new Http1(["HTTP"], 1, 100, 599, MAX_FIELD_LINES, MAX_VALUE);

/** Parses a response, or null when `text` does not begin with an HTTP/1.x status line. */
export function parseResponse(text: string): HttpMessage | null {
  return parseHttpMessage(text, HTTP1);
}
