/**
 * What a plugin implements. One module per wasm: the plugin's top level
 * calls `register(new MyModule(name, version))`, and the exports in
 * exports.ts dispatch the ABI entry points to it.
 *
 * @example
 *   class SshParser extends PluginModule {
 *     execute(ctx: ExecuteContext): string | null {
 *       const banners = contextGet("banners");
 *       ctx.summary.setInt("parsed", banners.len());
 *       return null; // or an error message: the host marks the node failed with it
 *     }
 *   }
 *   register(new SshParser("pentora/ssh-parser", "0.1.0"));
 */

import { JsonValue } from "./json";

/** One file for the scan's artifacts/ folder (the host sanitises the name). */
export class Artifact {
  name: string;
  mediaType: string;
  text: string;

  constructor(name: string, mediaType: string, text: string) {
    this.name = name;
    this.mediaType = mediaType;
    this.text = text;
  }
}

/** The input and the accumulating output of one `execute` call. */
export class ExecuteContext {
  scanId: string = "";
  instanceId: string = "";
  /** The running module's name (from the host, `publisher/plugin`). */
  module: string = "";
  /** The instance's config object, defaults already applied by the host. */
  config: JsonValue = JsonValue.obj();
  /**
   * Whether the plugin may send probes: true in `pentora scan`, false in
   * `pentora fingerprint` (parse only what is given; every net call would be
   * refused). True when the host does not say.
   */
  network: bool = true;
  /** A small object of counts, kept in the scan's status.json. */
  summary: JsonValue = JsonValue.obj();
  artifacts: Artifact[] = [];

  addArtifact(name: string, mediaType: string, text: string): void {
    this.artifacts.push(new Artifact(name, mediaType, text));
  }
}

export abstract class PluginModule {
  name: string;
  version: string;

  constructor(name: string, version: string) {
    this.name = name;
    this.version = version;
  }

  /** Called once per instance before `execute`, with the config object; return an error message to refuse it. */
  configure(config: JsonValue): string | null {
    return null;
  }

  /** Does the work; null on success, or an error message. */
  abstract execute(ctx: ExecuteContext): string | null;

  /** Called before the instance is discarded. */
  cleanup(): void {}
}

let registered: PluginModule | null = null;

/** Installs the plugin's module; call once, at the top level of the plugin's index.ts. */
export function register(m: PluginModule): void {
  registered = m;
}

/** The registered module, or null (exports.ts reports that as an error rather than trapping). */
export function registeredModule(): PluginModule | null {
  return registered;
}
