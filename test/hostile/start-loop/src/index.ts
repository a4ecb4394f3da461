/**
 * Hostile: AssemblyScript compiles top-level statements into the module's
 * start function, which `new WebAssembly.Instance` runs before any export can
 * be called. This one spins forever there, so the host's deadline must cover
 * instantiation, not only the entry points.
 */

import { PluginModule, ExecuteContext, register } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class StartLoop extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    return null;
  }
}

register(new StartLoop("hostile/start-loop", "0.1.0"));

let spins: u64 = 0;
while (true) spins++;
