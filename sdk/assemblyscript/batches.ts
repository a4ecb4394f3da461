/**
 * Scan batching shared by the scanner plugins.
 *
 * Splits targets x ports into host calls of at most `batchSize` probes, each
 * in the targets x ports form the host expands itself (no per-probe JSON).
 *
 * When the whole port list fits in a batch, several hosts share a call
 * (hosts-major, so each host's results arrive together); otherwise each host
 * gets consecutive slices of the port list.
 */
export class BatchPlan {
  hosts: string[];
  ports: i32[];
  batchSize: i32;
  /** Hosts per call when the port list fits in one batch; 0 when ports are sliced instead. */
  private hostsPerBatch: i32;
  /** Port slices per host when they are sliced; 1 otherwise. */
  private slicesPerHost: i32;

  constructor(hosts: string[], ports: i32[], batchSize: i32) {
    this.hosts = hosts;
    this.ports = ports;
    this.batchSize = max(batchSize, 1);
    const np = ports.length;
    if (np > 0 && np <= this.batchSize) {
      this.hostsPerBatch = this.batchSize / np;
      this.slicesPerHost = 1;
    } else {
      this.hostsPerBatch = 0;
      this.slicesPerHost = np == 0 ? 0 : (np + this.batchSize - 1) / this.batchSize;
    }
  }

  /** Number of host calls. */
  count(): i32 {
    const nh = this.hosts.length;
    if (nh == 0 || this.ports.length == 0) return 0;
    if (this.hostsPerBatch > 0) return (nh + this.hostsPerBatch - 1) / this.hostsPerBatch;
    return nh * this.slicesPerHost;
  }

  /** Total probes over all batches. */
  probes(): i64 {
    return <i64>this.hosts.length * <i64>this.ports.length;
  }

  /** The hosts of batch `i` (0 <= i < count()). */
  hostsAt(i: i32): string[] {
    if (this.hostsPerBatch > 0) {
      const start = i * this.hostsPerBatch;
      return this.hosts.slice(start, min(start + this.hostsPerBatch, this.hosts.length));
    }
    return [this.hosts[i / this.slicesPerHost]];
  }

  /** The ports of batch `i`. */
  portsAt(i: i32): i32[] {
    if (this.hostsPerBatch > 0) return this.ports;
    const start = (i % this.slicesPerHost) * this.batchSize;
    return this.ports.slice(start, min(start + this.batchSize, this.ports.length));
  }
}
