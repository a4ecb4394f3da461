/** Hostile: `execute` executes `unreachable`, a WebAssembly trap (no abort message, no host call). */

import { PluginModule, ExecuteContext, register } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class Trap extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    unreachable();
    return null;
  }
}

register(new Trap("hostile/trap", "0.1.0"));
