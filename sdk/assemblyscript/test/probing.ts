/**
 * Self-test of the SDK's probing surface: conversation probes (host-tcp.ts:
 * TcpStep, TcpProbe.steps, TcpResult.steps), whose requests are checked and
 * answered in test/sdk/probing.test.ts by the harness's canned replies; and
 * `ExecuteContext.network` as exports.ts reads it from the execute input
 * (the registered module writes it into the summary).
 */

import { TcpProbe, TcpStep, tcpProbe, latin1, latin1Bytes, PluginModule, ExecuteContext, register } from "../index";
import { expectStr, expectInt, expectBool, report } from "../unit";

export * from "../exports";

class NetworkEcho extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    ctx.summary.setBool("network", ctx.network);
    return null;
  }
}
register(new NetworkEcho("test/network-echo", "0.0.1"));

export function run(): i32 {
  // An SMTP conversation: the greeting up to CRLF, then EHLO and its reply.
  const greet = new TcpStep();
  greet.read(4096, 1500, 200).until = latin1Bytes("\r\n");
  const ehlo = new TcpStep();
  ehlo.send = latin1Bytes("EHLO pentora.invalid\r\n");
  ehlo.read(4096, 1500, 200);
  const smtp = new TcpProbe("127.0.0.1", 25);
  smtp.steps = [greet, ehlo];
  // The single form, unchanged.
  const redis = new TcpProbe("127.0.0.1", 6379);
  redis.payload = latin1Bytes("PING\r\n");
  redis.readMaxBytes = 64;
  redis.readTimeoutMs = 1000;

  const b = tcpProbe([smtp, redis], 1000);
  expectBool("batch ok", b.ok, true);
  expectInt("two results", b.results.length, 2);
  if (b.results.length != 2) return report(), 0;
  const s = b.results[0];
  expectStr("conversation state", s.state, "open");
  expectInt("one result per step", s.steps.length, 2);
  expectStr("no top-level data for a conversation", s.dataB64, "");
  if (s.steps.length == 2) {
    expectStr("step 0 reason", s.steps[0].reason, "until");
    expectStr("step 0 greeting", latin1(s.steps[0].data), "220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n");
    expectStr("step 1 reason", s.steps[1].reason, "idle");
    expectStr("step 1 EHLO reply", latin1(s.steps[1].data), "250-mx.example.test\r\n250 SMTPUTF8\r\n");
  }
  expectStr("conversation reason is the last step's", s.reason, "idle");
  const r = b.results[1];
  expectInt("single form has no steps", r.steps.length, 0);
  expectStr("single form data", latin1(r.data), "+PONG\r\n");
  expectStr("single form reason", r.reason, "eof");
  report();
  return 0;
}
