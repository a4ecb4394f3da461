/**
 * pentora/json-reporter: reads whatever the scan produced and writes one
 * machine-readable report, artifacts/report.json (format in README.md).
 * Every input key is optional, so it runs after any subset of the DAG.
 */

import { PluginModule, ExecuteContext, register, contextGet, clockNow } from "../../../sdk/assemblyscript/index";
import { ReportBuilder } from "./report";
import { isoTime } from "./time";

export * from "../../../sdk/assemblyscript/exports";

const NAME = "pentora/json-reporter";
const VERSION = "0.1.0";

class JsonReporter extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const b = new ReportBuilder();
    b.addDiscovered(contextGet("discovered_hosts").values());
    b.addOpenPorts(contextGet("open_ports").values());
    b.addBanners(contextGet("banners").values());
    b.addParsedServices(contextGet("parsed_services").values());
    b.addFingerprints(contextGet("service_fingerprints").values());
    b.addProfiles(contextGet("asset_profiles").values());
    b.addVulnerabilities(contextGet("vulnerabilities").values());
    b.addComplianceViolations(contextGet("compliance_violations").values());

    const report = b.build(ctx.scanId, isoTime(clockNow()), NAME + " " + VERSION);
    ctx.addArtifact("report.json", "application/json", report.toPretty(2) + "\n");
    const summary = report.get("summary");
    if (summary !== null) ctx.summary = summary;
    return null;
  }
}

register(new JsonReporter(NAME, VERSION));
