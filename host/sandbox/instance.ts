/**
 * The parent side of a plugin instance: spawns its worker, queues calls into
 * it (never re-entered), serves its host calls, and enforces the CPU and wall
 * deadlines of every call. A limit or a trap terminates this instance's worker
 * and fails the call with a PluginFailure naming the plugin and the limit;
 * nothing else in the process is touched.
 */

import { Worker } from 'node:worker_threads';
import { ErrorCode, PluginFailure } from '../errors.ts';
import type { EntryPoint } from './abi.ts';
import type { LoadedPlugin } from './loader.ts';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';

/** Serves one host call: op + request bytes in, reply bytes out. Must not throw. */
export type HostCallHandler = (op: number, payload: Uint8Array) => Promise<Uint8Array>;

export interface InvokeResult {
  rc: number;
  output: Uint8Array;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** A sandbox thread; `init` null: a spare, told its plugin later by an 'init' message. */
function spawnWorker(init: WorkerInit | null): Worker {
  return new Worker(WORKER_URL, {
    workerData: init,
    // The guest cannot reach JS, but the shim's own heap is bounded too.
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    // Nothing of the host's environment, but the compile cache bin/pentora.mjs set up:
    // it saves each worker ~50 ms of stripping and compiling the shim's TypeScript.
    env: process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {},
    stdout: true,
    stderr: true,
  });
}

/**
 * One sandbox thread kept booted ahead of need: a thread and the shim take
 * ~40-60 ms to start, which a scan otherwise waits for before each node. A
 * spare has run no guest code and holds no plugin; `take()` hands it to one
 * PluginInstance, which sends it its plugin as the first message, and boots
 * the next spare while `remaining` says more nodes will want one. Spares are
 * unref'd (they never keep the process alive) and `close()` ends the idle one.
 *
 * @example
 * const spares = new SpareWorkers(); // early, while the catalog loads
 * const inst = await PluginInstance.start(plugin, handler, spares);
 * await spares.close();
 */
export class SpareWorkers {
  #spare: Worker | null = null;
  #closed = false;
  /** How many more instances will start; a spare is only kept while this is > 0. */
  remaining: number;

  constructor(remaining = 1) {
    this.remaining = remaining;
    this.#refill();
  }

  #refill(): void {
    if (this.#closed || this.#spare || this.remaining <= 0) return;
    const w = spawnWorker(null);
    // Before it is adopted nobody else listens: a spare that dies is just not used.
    w.on('error', () => undefined);
    w.unref();
    this.#spare = w;
  }

  /** Sets how many more instances will start, booting a spare if there is none yet. */
  expect(instances: number): void {
    this.remaining = instances;
    this.#refill();
  }

  /** The booted spare (still running), or null; boots the next one if more are expected. */
  take(): Worker | null {
    const w = this.#spare;
    this.#spare = null;
    this.remaining--;
    // threadId is -1 once the thread has stopped, even before 'exit' is emitted.
    const alive = w !== null && w.threadId !== -1;
    if (w && !alive) void w.terminate();
    this.#refill();
    if (!alive) return null;
    w.ref();
    return w;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#spare;
    this.#spare = null;
    if (w) await w.terminate();
  }
}
/** How often the parent samples the worker thread's CPU time. */
const CPU_POLL_MS = 20;

interface Pending {
  id: number;
  entry: EntryPoint | 'start';
  resolve: (r: InvokeResult) => void;
  reject: (e: Error) => void;
}

export class PluginInstance {
  readonly plugin: LoadedPlugin;
  readonly name: string;
  readonly #worker: Worker;
  readonly #handler: HostCallHandler;
  #queue: Promise<unknown> = Promise.resolve();
  #pending: Pending | null = null;
  #nextId = 0;
  #dead: string | null = null;

  private constructor(plugin: LoadedPlugin, handler: HostCallHandler, spares?: SpareWorkers) {
    this.plugin = plugin;
    this.name = plugin.manifest.name;
    this.#handler = handler;
    const init: WorkerInit = { module: plugin.module, plugin: this.name, limits: plugin.limits };
    const spare = spares?.take() ?? null;
    this.#worker = spare ?? spawnWorker(init);
    if (spare) this.#post({ t: 'init', init });
    this.#worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
    this.#worker.on('error', (err) => this.#fail(`crashed: ${err.message}`, 'worker'));
    this.#worker.on('exit', (code) => this.#fail(`worker exited (code ${code})`, 'worker'));
  }

  /**
   * Spawns the worker (or adopts a booted spare) and runs the module's start
   * function under the call deadlines.
   */
  static async start(plugin: LoadedPlugin, handler: HostCallHandler, spares?: SpareWorkers): Promise<PluginInstance> {
    const inst = new PluginInstance(plugin, handler, spares);
    try {
      await inst.#run('start', null);
    } catch (err) {
      // The caller never gets the instance, so it cannot close it: wait for
      // the worker to be gone before reporting, or its thread outlives the failure.
      await inst.close();
      throw err;
    }
    return inst;
  }

  get dead(): boolean {
    return this.#dead !== null;
  }

  /** Calls an entry point with an optional JSON input; calls are queued, one at a time. */
  invoke(entry: EntryPoint, input?: unknown): Promise<InvokeResult> {
    const bytes = input === undefined ? null : new TextEncoder().encode(JSON.stringify(input));
    const run = this.#queue.then(() => this.#run(entry, bytes));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (!this.#dead) this.#dead = 'closed';
    await this.#worker.terminate();
  }

  #run(entry: EntryPoint | 'start', input: Uint8Array | null): Promise<InvokeResult> {
    if (this.#dead) return Promise.reject(new PluginFailure(ErrorCode.Plugin, `${this.name}: instance is no longer running (${this.#dead})`, { plugin: this.name }));
    return new Promise<InvokeResult>((resolve, reject) => {
      const id = ++this.#nextId;
      const { cpuMs, wallMs } = this.plugin.limits;
      let cpuTimer: NodeJS.Timeout | undefined;
      let base: NodeJS.CpuUsage | undefined;
      const wallTimer = setTimeout(() => this.#kill(`wall-clock limit of ${wallMs} ms exceeded in ${entry}`, 'wall_ms'), wallMs);
      const stop = (): void => {
        clearTimeout(wallTimer);
        clearInterval(cpuTimer);
      };
      this.#pending = {
        id,
        entry,
        resolve: (r) => (stop(), resolve(r)),
        reject: (e) => (stop(), reject(e)),
      };
      // CPU time is measured on the worker's thread, so time spent waiting for
      // host I/O does not count; an infinite loop does. cpuUsage() rejects
      // until the thread is running (always so for 'start', which begins as
      // the Worker is constructed), so the baseline is retried on each poll
      // until it is known: otherwise a start function that never returns
      // would only ever meet the wall-clock limit.
      const sampleBase = (): void => {
        void this.#worker.cpuUsage().then((u) => {
          base ??= u;
        }, () => undefined);
      };
      sampleBase();
      cpuTimer = setInterval(() => {
        if (!base) return sampleBase();
        this.#worker.cpuUsage(base).then((d) => {
          const usedMs = (d.user + d.system) / 1000;
          if (usedMs > cpuMs && this.#pending?.id === id) this.#kill(`CPU limit of ${cpuMs} ms exceeded in ${entry}`, 'cpu_ms');
        }, () => undefined);
      }, CPU_POLL_MS);
      if (entry !== 'start') this.#post({ t: 'invoke', id, entry, input }, input ? [input.buffer as ArrayBuffer] : []);
    });
  }

  #post(msg: ParentMessage, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(msg, transfer);
  }

  #onMessage(m: WorkerMessage): void {
    switch (m.t) {
      case 'ready':
        if (this.#pending?.entry === 'start') this.#settle((p) => p.resolve({ rc: 0, output: new Uint8Array(0) }));
        return;
      case 'call':
        this.#handler(m.op, m.payload).then(
          (payload) => {
            if (!this.#dead) this.#post({ t: 'reply', seq: m.seq, payload }, [payload.buffer as ArrayBuffer]);
          },
          (err: unknown) => this.#kill(`host call failed inside the host: ${(err as Error).message}`, 'hostcall'),
        );
        return;
      case 'done':
        if (this.#pending?.id === m.id) this.#settle((p) => p.resolve({ rc: m.rc, output: m.output }));
        return;
      case 'trap': {
        const what = m.limit ? `stopped: ${m.message} (limit: ${m.limit})` : `trapped: ${m.message}`;
        this.#kill(what, m.limit ?? 'trap');
        return;
      }
    }
  }

  #settle(fn: (p: Pending) => void): void {
    const p = this.#pending;
    this.#pending = null;
    if (p) fn(p);
  }

  /** Terminates the worker and fails the call in flight: the instance is discarded. */
  #kill(reason: string, limit: string): void {
    if (this.#dead && this.#dead !== 'closed') return;
    this.#dead = reason;
    void this.#worker.terminate();
    const code = limit === 'trap' || limit === 'worker' ? ErrorCode.Trap : ErrorCode.Limit;
    const entry = this.#pending?.entry ?? 'idle';
    this.#settle((p) => p.reject(new PluginFailure(code, `${this.name}: ${reason}`, { plugin: this.name, limit, entry })));
  }

  #fail(reason: string, limit: string): void {
    if (this.#dead) return;
    this.#kill(reason, limit);
  }
}
