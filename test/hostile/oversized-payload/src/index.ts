/**
 * Hostile: one host call whose request (a 64 KiB log line) is 16 times its
 * manifest's `hostcall_bytes` cap. The worker must refuse it before copying
 * the bytes out of guest memory or posting them to the parent.
 */

import { PluginModule, ExecuteContext, register, logInfo } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class OversizedPayload extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    logInfo("A".repeat(65536));
    return "the host accepted a 64 KiB host call over a 4 KiB cap";
  }
}

register(new OversizedPayload("hostile/oversized-payload", "0.1.0"));
