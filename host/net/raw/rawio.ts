/**
 * Batched raw IPv4 I/O through pentora's own addon (native/rawio, built by
 * scripts/build-native.ts): the only file that touches it.
 *
 * What raw-socket cannot do: `sendmmsg` (one syscall per chunk of SYNs
 * instead of one per SYN), `recvmmsg` (up to RECV_SLOTS replies per
 * syscall) and a classic BPF filter on the receive socket, so the kernel
 * drops every TCP segment that is not a SYN-ACK or RST to our source port
 * (on loopback that includes our own SYNs, which raw-socket's socket reads
 * back one recvfrom each). Readability comes from a uv_poll on Node's own
 * loop, so nothing spins while a scan waits for replies.
 *
 * Optional, like raw-socket: when it is not built or does not load,
 * `loadRawio()` says why and the SYN scanner keeps the raw-socket path.
 * `PENTORA_RAWIO=0` turns it off (to compare the two paths).
 *
 * @example
 * const tx = BatchSender.open(4 << 20);
 * const rx = FilteredReceiver.open(sport, sport, 8 << 20, (b, len) => handle(b, len));
 * tx.stage(packet, dst4); await tx.flush((tag, out) => ...);
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describeError } from '../../errors.ts';

interface RawioAddon {
  openSend(sndbuf: number): number;
  openRecv(portLo: number, portHi: number, rcvbuf: number): number;
  sendBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, dsts: Uint32Array, first: number, count: number): number;
  recvBatch(fd: number, buf: Uint8Array, slot: number, lens: Uint32Array): number;
  watch(fd: number, cb: () => void): object;
  unwatch(handle: object): void;
  close(fd: number): void;
}

export type RawioLoad = { ok: true; addon: RawioAddon } | { ok: false; reason: string };

export const RAWIO_PATH = path.resolve(import.meta.dirname, '..', '..', '..', 'native', 'rawio', 'build', 'Release', 'rawio.node');

let loaded: RawioLoad | null = null;

/** Loads native/rawio once; on failure says why in one line. */
export function loadRawio(): RawioLoad {
  if (loaded) return loaded;
  if (process.env.PENTORA_RAWIO === '0') return (loaded = { ok: false, reason: 'turned off by PENTORA_RAWIO=0' });
  if (process.platform !== 'linux') return (loaded = { ok: false, reason: 'Linux only' });
  if (!fs.existsSync(RAWIO_PATH)) return (loaded = { ok: false, reason: `not built (${path.relative(process.cwd(), RAWIO_PATH)} is missing; npm run build:native)` });
  try {
    loaded = { ok: true, addon: createRequire(import.meta.url)(RAWIO_PATH) as RawioAddon };
  } catch (err) {
    loaded = { ok: false, reason: (describeError(err).split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim() };
  }
  return loaded;
}

/** errno numbers (Linux, asm-generic/errno*.h) the send path acts on, to the names socket.ts uses. */
const ERRNO_NAME: Record<number, string> = {
  1: 'EPERM',
  11: 'EAGAIN',
  13: 'EACCES',
  22: 'EINVAL',
  90: 'EMSGSIZE',
  101: 'ENETUNREACH',
  105: 'ENOBUFS',
  113: 'EHOSTUNREACH',
};
const errnoName = (n: number): string => ERRNO_NAME[n] ?? `errno ${n}`;

/** Most packets one flush holds (a Pacer chunk is at most 128). */
export const SEND_BATCH = 256;

/**
 * IPv4 datagrams (with their own IP header) staged into one buffer and
 * sent with sendmmsg. `tag` is the caller's id for a packet, handed back
 * with its outcome: 'sent', 'again' (the send queue stayed full for
 * `maxWaitMs`) or an errno name (EPERM from a local firewall, ENETUNREACH).
 */
export class BatchSender {
  readonly #a: RawioAddon;
  readonly #fd: number;
  readonly #slot: number;
  readonly #buf: Uint8Array;
  readonly #offsets = new Uint32Array(SEND_BATCH);
  readonly #lengths = new Uint32Array(SEND_BATCH);
  readonly #dsts = new Uint32Array(SEND_BATCH);
  readonly #tags = new Int32Array(SEND_BATCH);
  #n = 0;
  #closed = false;

  private constructor(a: RawioAddon, fd: number, slot: number) {
    this.#a = a;
    this.#fd = fd;
    this.#slot = slot;
    this.#buf = new Uint8Array(slot * SEND_BATCH);
    for (let i = 0; i < SEND_BATCH; i++) this.#offsets[i] = i * slot;
  }

  /** Throws (EPERM without CAP_NET_RAW) when the kernel refuses the socket. */
  static open(sendBuffer: number, slot = 64): BatchSender {
    const a = loadRawio();
    if (!a.ok) throw new Error(`rawio addon unavailable: ${a.reason}`);
    return new BatchSender(a.addon, a.addon.openSend(sendBuffer), slot);
  }

  get pending(): number {
    return this.#n;
  }

  /** Copies one datagram (at most the slot size) for the next flush; false when the batch is full. */
  stage(packet: Uint8Array, dst4: number, tag: number): boolean {
    if (this.#n >= SEND_BATCH || packet.length > this.#slot) return false;
    const k = this.#n++;
    this.#buf.set(packet, k * this.#slot);
    this.#lengths[k] = packet.length;
    this.#dsts[k] = dst4 >>> 0;
    this.#tags[k] = tag;
    return true;
  }

  /**
   * Sends what is staged, in order. On a full send queue (EAGAIN/ENOBUFS)
   * yields to the loop and goes on, at most `maxWaitMs` per packet; a packet
   * the kernel refuses is reported with its errno and skipped.
   */
  async flush(onOutcome: (tag: number, outcome: string) => void, maxWaitMs = 2000): Promise<void> {
    const n = this.#n;
    let i = 0;
    let waits = 0;
    let deadline = 0;
    try {
      while (i < n) {
        if (this.#closed) {
          for (; i < n; i++) onOutcome(this.#tags[i] as number, 'EBADF');
          return;
        }
        const r = this.#a.sendBatch(this.#fd, this.#buf, this.#offsets, this.#lengths, this.#dsts, i, n - i);
        if (r > 0) {
          for (let k = i; k < i + r; k++) onOutcome(this.#tags[k] as number, 'sent');
          i += r;
          waits = 0;
          continue;
        }
        const errno = r === 0 ? 11 : -r;
        if (errno === 11 || errno === 105) {
          if (waits === 0) deadline = performance.now() + maxWaitMs;
          if (performance.now() >= deadline || waits >= 100_000) {
            onOutcome(this.#tags[i] as number, 'again');
            i++;
            waits = 0;
            continue;
          }
          await (waits++ < 16 ? new Promise((res) => setImmediate(res)) : new Promise((res) => setTimeout(res, 1)));
          continue;
        }
        onOutcome(this.#tags[i] as number, errnoName(errno));
        i++;
      }
    } finally {
      this.#n = 0;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#a.close(this.#fd);
  }
}

/** Replies read per recvmmsg, and the bytes kept of each (IPv4 + TCP headers with options fit in 120). */
const RECV_SLOTS = 64;
const RECV_SLOT_BYTES = 128;
/** Most packets read per readable event, so one busy socket cannot hold the event loop. */
const DRAIN_PACKETS = 2048;

/**
 * An IPPROTO_TCP raw socket whose kernel filter keeps only SYN-ACKs and
 * RSTs to a destination port in [portLo, portHi], each handed to `handler`
 * with its IPv4 header (a view valid until the handler returns).
 */
export class FilteredReceiver {
  readonly #a: RawioAddon;
  readonly #fd: number;
  #watch: object | null = null;
  #closed = false;

  private constructor(a: RawioAddon, fd: number) {
    this.#a = a;
    this.#fd = fd;
  }

  static open(portLo: number, portHi: number, receiveBuffer: number, handler: (b: Buffer, len: number) => void, onError?: (err: string) => void): FilteredReceiver {
    const a = loadRawio();
    if (!a.ok) throw new Error(`rawio addon unavailable: ${a.reason}`);
    const r = new FilteredReceiver(a.addon, a.addon.openRecv(portLo, portHi, receiveBuffer));
    const buf = Buffer.alloc(RECV_SLOTS * RECV_SLOT_BYTES);
    const lens = new Uint32Array(RECV_SLOTS);
    const views = Array.from({ length: RECV_SLOTS }, (_, k) => buf.subarray(k * RECV_SLOT_BYTES, (k + 1) * RECV_SLOT_BYTES));
    r.#watch = a.addon.watch(r.#fd, () => {
      for (let read = 0; read < DRAIN_PACKETS && !r.#closed; ) {
        const n = a.addon.recvBatch(r.#fd, buf, RECV_SLOT_BYTES, lens);
        if (n < 0) {
          if (n !== -11) onError?.(errnoName(-n));
          return;
        }
        for (let k = 0; k < n && !r.#closed; k++) handler(views[k] as Buffer, lens[k] as number);
        if (n < RECV_SLOTS) return;
        read += n;
      }
    });
    return r;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watch) this.#a.unwatch(this.#watch);
    this.#watch = null;
    this.#a.close(this.#fd);
  }
}
