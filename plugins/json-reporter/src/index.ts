/**
 * pentora/json-reporter: reads whatever the scan produced and writes one
 * machine-readable report, artifacts/report.json (format in README.md).
 * Every input key is optional, so it runs after any subset of the DAG.
 */

import { PluginModule, ExecuteContext, register, ContextPages, JsonValue, clockNow } from "../../../sdk/assemblyscript/index";
import { ReportBuilder } from "./report";
import { isoTime } from "./time";

export * from "../../../sdk/assemblyscript/exports";

const NAME = "pentora/json-reporter";
const VERSION = "0.1.0";

/** The keys read, in the order the builder needs them (ports before what is found on them). */
const KEYS: string[] = [
  "discovered_hosts",
  "open_ports",
  "banners",
  "parsed_services",
  "service_fingerprints",
  "asset_profiles",
  "vulnerabilities",
  "compliance_violations",
];

/** Hands one page of `key` to the builder. */
function addPage(b: ReportBuilder, key: string, items: JsonValue[]): void {
  if (key == "discovered_hosts") b.addDiscovered(items);
  else if (key == "open_ports") b.addOpenPorts(items);
  else if (key == "banners") b.addBanners(items);
  else if (key == "parsed_services") b.addParsedServices(items);
  else if (key == "service_fingerprints") b.addFingerprints(items);
  else if (key == "asset_profiles") b.addProfiles(items);
  else if (key == "vulnerabilities") b.addVulnerabilities(items);
  else if (key == "compliance_violations") b.addComplianceViolations(items);
}

class JsonReporter extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const b = new ReportBuilder();
    // Page by page: the report keeps what it shows (a 256-byte banner
    // preview, not the 4 KiB banner), so the raw lists never sit in memory whole.
    for (let k = 0; k < KEYS.length; k++) {
      const pages = new ContextPages(unchecked(KEYS[k]));
      for (let page = pages.next(); page.len() > 0; page = pages.next()) addPage(b, unchecked(KEYS[k]), page.values());
    }

    const report = b.build(ctx.scanId, isoTime(clockNow()), NAME + " " + VERSION);
    ctx.addArtifact("report.json", "application/json", report.toPretty(2) + "\n");
    const summary = report.get("summary");
    if (summary !== null) ctx.summary = summary;
    return null;
  }
}

register(new JsonReporter(NAME, VERSION));
