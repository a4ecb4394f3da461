/**
 * Hostile: floods the entry point's output, 64 KiB per call, forever. The
 * worker must refuse the call that would cross `output_bytes` before copying
 * its bytes, so the host never buffers more than the cap.
 */

import { PluginModule, ExecuteContext, register } from "../../../../sdk/assemblyscript/index";
import { writeOutput } from "../../../../sdk/assemblyscript/host";

export * from "../../../../sdk/assemblyscript/exports";

class OutputFlood extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const chunk = new ArrayBuffer(65536);
    while (true) writeOutput(chunk);
  }
}

register(new OutputFlood("hostile/output-flood", "0.1.0"));
