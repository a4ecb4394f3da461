/**
 * Hostile: context.get of "vulnerabilities", which its manifest neither
 * requires nor lists as optional. It uses the raw host call (the SDK's
 * contextGet would swallow the error) and returns the host's error code and
 * message as its execute error, so a test can see exactly what was refused.
 * Were the read allowed, it returns the leaked value instead.
 */

import { PluginModule, ExecuteContext, register, hostCall, JsonValue, OP_CONTEXT_GET } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class ReadUndeclared extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const r = hostCall(OP_CONTEXT_GET, JsonValue.obj().setStr("key", "vulnerabilities"));
    if (r.ok) return "LEAKED " + r.value.toString();
    return r.code + ": " + r.message;
  }
}

register(new ReadUndeclared("hostile/read-undeclared", "0.1.0"));
