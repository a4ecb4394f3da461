/**
 * pentora/ftp-parser: reads `banners`, parses FTP greetings (RFC 959 §4.2
 * reply lines, multi-line "220-" continuations included), and writes
 * `parsed_services` and `service_fingerprints`. SMTP greetings and other
 * protocols produce nothing.
 */

import { GreetingParserModule, NumericReply, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { FtpMatch, identify } from "./match";

class FtpParser extends GreetingParserModule<FtpMatch> {
  match(reply: NumericReply): FtpMatch | null {
    return identify(reply);
  }
}

// Implicit FTPS (port 990; RFC 4217 only defines explicit AUTH TLS) arrives as a TLS banner.
register(new FtpParser("pentora/ftp-parser", "0.1.0", "ftp", "ftps"));
