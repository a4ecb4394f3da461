/**
 * Hostile: keeps allocating and holding 4 KiB blocks (each written to, so the
 * pages are really touched) until the allocator's memory.grow fails at the
 * cap the loader wrote into the module. Small blocks make the runtime grow
 * page by page up to the exact cap, as a slow leak in a real parser would.
 */

import { PluginModule, ExecuteContext, register } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

const hoard = new Array<Uint8Array>();

class MemoryGrower extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    while (true) {
      const block = new Uint8Array(4096);
      block.fill(0xa5);
      hoard.push(block);
    }
  }
}

register(new MemoryGrower("hostile/memory-grower", "0.1.0"));
