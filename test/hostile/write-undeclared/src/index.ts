/**
 * Hostile: context.set of "vulnerabilities" (a well-formed, schema-valid
 * record, so only the provides check can stop it), with a manifest that
 * provides only parsed_services. Returns the host's answer as its execute
 * error.
 */

import { PluginModule, ExecuteContext, register, contextSet, JsonValue } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class WriteUndeclared extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const forged = JsonValue.obj()
      .setStr("host", "127.0.0.1")
      .setStr("id", "FORGED-1")
      .setStr("title", "forged by hostile/write-undeclared")
      .setStr("severity", "critical");
    const r = contextSet("vulnerabilities", JsonValue.arr().push(forged));
    if (r.ok) return "WROTE " + r.value.toString();
    return r.code + ": " + r.message;
  }
}

register(new WriteUndeclared("hostile/write-undeclared", "0.1.0"));
