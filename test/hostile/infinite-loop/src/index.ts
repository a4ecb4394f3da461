/**
 * Hostile: `execute` never returns. The loop writes a global on every turn so
 * no optimiser may delete it, and it makes no host call, so only the parent's
 * CPU deadline (worker.terminate) can stop it.
 */

import { PluginModule, ExecuteContext, register } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

let spins: u64 = 0;

class InfiniteLoop extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    while (true) spins++;
  }
}

register(new InfiniteLoop("hostile/infinite-loop", "0.1.0"));
