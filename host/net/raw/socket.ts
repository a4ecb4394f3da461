/**
 * Raw sockets through the optional `raw-socket` addon, behind a small typed
 * class. The only file that touches the addon.
 *
 * We drive the addon's native SocketWrap directly instead of its JS Socket:
 * that wrapper queues sends and performs one sendto and one recvfrom per
 * event-loop turn, which caps a scan at a few thousand packets per second.
 * Here `send` is a synchronous sendto (the addon calls back before
 * returning), and each "readable" event drains the socket with up to
 * DRAIN_BATCH recvfrom calls until it would block.
 *
 * The addon reports errors as strerror(3) text without the errno, so
 * errnoOf maps the texts we act on back to names (glibc's wording).
 *
 * @example
 * const s = RawSocket.open({ family: 4, protocol: IpProto.TCP, receiveBuffer: 8 << 20 });
 * s.onPacket((buf, len, from) => handle(buf.subarray(0, len), from));
 * s.send(packetBytes, '10.0.0.2'); // 'sent' | 'again' | an errno name
 * s.close();
 */

import { createRequire } from 'node:module';
import { describeError } from '../../errors.ts';

interface NativeSocketWrap {
  close(): void;
  pause(recvPaused: boolean, sendPaused: boolean): void;
  recv(buffer: Buffer, cb: (buffer: Buffer, bytes: number, source: string) => void): void;
  send(buffer: Uint8Array, offset: number, length: number, address: string, cb: (bytes: number) => void): void;
  setOption(level: number, option: number, value: number): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  removeAllListeners(event?: string): void;
}
interface AddonSocket {
  wrap: NativeSocketWrap;
}
interface RawAddon {
  createSocket(opts: { protocol: number; addressFamily: number; bufferSize?: number }): AddonSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}

export type AddonLoad = { ok: true; addon: RawAddon } | { ok: false; reason: string };

let loaded: AddonLoad | null = null;

/** Loads raw-socket once; on failure says why in one line (not installed, wrong ABI, ...). */
export function loadRawAddon(): AddonLoad {
  if (loaded) return loaded;
  const req = createRequire(import.meta.url);
  try {
    req.resolve('raw-socket');
  } catch {
    loaded = { ok: false, reason: 'the optional dependency raw-socket is not installed' };
    return loaded;
  }
  try {
    loaded = { ok: true, addon: req('raw-socket') as RawAddon };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const first = (describeError(err).split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim();
    loaded = {
      ok: false,
      reason:
        code === 'MODULE_NOT_FOUND'
          ? 'raw-socket is installed but its native part is not built (build/Release/raw.node is missing)'
          : first.includes('NODE_MODULE_VERSION')
            ? `built for another Node: ${first}`
            : first,
    };
  }
  return loaded;
}

/** Linux socket options the addon does not name (asm-generic/socket.h). */
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32; // CAP_NET_ADMIN: past net.core.wmem_max
const SO_RCVBUFFORCE = 33;

const ERRNO_TEXT: ReadonlyArray<[string, string]> = [
  ['Resource temporarily unavailable', 'EAGAIN'],
  ['No buffer space available', 'ENOBUFS'],
  ['Operation not permitted', 'EPERM'],
  ['Permission denied', 'EACCES'],
  ['Network is unreachable', 'ENETUNREACH'],
  ['No route to host', 'EHOSTUNREACH'],
  ['Message too long', 'EMSGSIZE'],
  ['Invalid argument', 'EINVAL'],
];

/** The errno name behind an addon error's strerror text, or the text itself. */
export function errnoOf(err: unknown): string {
  const msg = describeError(err);
  for (const [text, name] of ERRNO_TEXT) if (msg.includes(text)) return name;
  return msg;
}

/** Most packets read per readable event, so one busy socket cannot hold the event loop. */
const DRAIN_BATCH = 2048;

export interface RawSocketOptions {
  family: 4 | 6;
  /** IPPROTO_*: TCP/ICMP/ICMPV6 to receive that protocol; RAW (255) for a send-only IPv4 socket whose packets carry their own IP header. */
  protocol: number;
  /** Bytes of kernel receive queue (a full-range scan's replies arrive in bursts). */
  receiveBuffer?: number;
  sendBuffer?: number;
}

export type SendOutcome = 'sent' | 'again' | string;

export class RawSocket {
  readonly #wrap: NativeSocketWrap;
  readonly #buf = Buffer.alloc(65_536);
  #closed = false;
  #onError: ((err: string) => void) | null = null;

  private constructor(wrap: NativeSocketWrap) {
    this.#wrap = wrap;
  }

  /** Opens the socket; throws (with the strerror text) when the kernel refuses, e.g. EPERM without CAP_NET_RAW. */
  static open(opts: RawSocketOptions): RawSocket {
    const addon = loadRawAddon();
    if (!addon.ok) throw new Error(`raw-socket addon unavailable: ${addon.reason}`);
    const { wrap } = addon.addon.createSocket({
      protocol: opts.protocol,
      addressFamily: opts.family === 6 ? addon.addon.AddressFamily.IPv6 : addon.addon.AddressFamily.IPv4,
    });
    // Detach the addon's JS Socket: it would read one packet per turn into its own buffer.
    wrap.removeAllListeners();
    const s = new RawSocket(wrap);
    wrap.on('error', (err) => s.#onError?.(describeError(err)));
    if (opts.receiveBuffer) s.#setBuffer(SO_RCVBUFFORCE, SO_RCVBUF, opts.receiveBuffer);
    if (opts.sendBuffer) s.#setBuffer(SO_SNDBUFFORCE, SO_SNDBUF, opts.sendBuffer);
    // Until onPacket is called nothing is read; a send-only socket never polls.
    wrap.pause(true, true);
    return s;
  }

  #setBuffer(force: number, plain: number, bytes: number): void {
    try {
      this.#wrap.setOption(SOL_SOCKET, force, bytes);
    } catch {
      try {
        this.#wrap.setOption(SOL_SOCKET, plain, bytes); // capped by net.core.[rw]mem_max
      } catch {
        // keep the default: a smaller queue only costs retries
      }
    }
  }

  /**
   * sendto(2), synchronously. 'again' when the send queue is full
   * (EAGAIN/ENOBUFS: try again after the loop turns); another errno name
   * when this packet cannot be sent (EPERM: a local firewall; ENETUNREACH).
   */
  send(packet: Uint8Array, address: string): SendOutcome {
    if (this.#closed) return 'EBADF';
    try {
      this.#wrap.send(packet, 0, packet.length, address, noop);
      return 'sent';
    } catch (err) {
      const errno = errnoOf(err);
      return errno === 'EAGAIN' || errno === 'ENOBUFS' ? 'again' : errno;
    }
  }

  /**
   * Starts reading. `handler` gets the shared receive buffer, the byte count
   * and the source address; it must copy what it keeps before returning.
   */
  onPacket(handler: (buf: Buffer, len: number, from: string) => void, onError?: (err: string) => void): void {
    this.#onError = onError ?? null;
    const wrap = this.#wrap;
    const buf = this.#buf;
    let len = 0;
    let from = '';
    const take = (_b: Buffer, bytes: number, source: string): void => {
      len = bytes;
      from = source;
    };
    wrap.on('recvReady', () => {
      for (let i = 0; i < DRAIN_BATCH && !this.#closed; i++) {
        len = -1;
        try {
          wrap.recv(buf, take);
        } catch (err) {
          const errno = errnoOf(err);
          if (errno !== 'EAGAIN') this.#onError?.(errno);
          return;
        }
        if (len < 0) return;
        handler(buf, len, from);
      }
    });
    wrap.pause(false, true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wrap.removeAllListeners('recvReady');
    this.#wrap.close();
  }
}

function noop(): void {}
