/**
 * Hostile: probes every {host, port} of its `probes` config in one batch,
 * whatever the scan's targets are. A test puts an in-scope listener and an
 * out-of-scope one (another loopback address) in the same batch; the host
 * must refuse the batch and connect to neither. Returns the host's answer as
 * its execute error, or what it reached if the host let it through.
 */

import { PluginModule, ExecuteContext, register, tcpProbe, TcpProbe } from "../../../../sdk/assemblyscript/index";

export * from "../../../../sdk/assemblyscript/exports";

class OutOfScope extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    const wanted = ctx.config.getArr("probes");
    const probes = new Array<TcpProbe>();
    for (let i = 0; i < wanted.length; i++) {
      probes.push(new TcpProbe(wanted[i].getStr("host"), <i32>wanted[i].getInt("port")));
    }
    const batch = tcpProbe(probes, 1000);
    if (!batch.ok) return batch.error;
    let reached = "REACHED";
    for (let i = 0; i < batch.results.length; i++) {
      const r = batch.results[i];
      reached += " " + r.host + ":" + r.port.toString() + "=" + r.state;
    }
    return reached;
  }
}

register(new OutOfScope("hostile/out-of-scope", "0.1.0"));
