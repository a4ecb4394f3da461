/*
 * rawio: batched raw IPv4 I/O for the SYN scanner (host/net/raw/rawio.ts).
 *
 *   openSend(sndbuf)              -> fd   IPPROTO_RAW (IP_HDRINCL implied), non-blocking
 *   openRecv(portLo, portHi, rcvbuf) -> fd   IPPROTO_TCP with a classic BPF filter keeping only
 *                                          unfragmented TCP segments to a destination port in
 *                                          [portLo, portHi] with SYN+ACK or RST set
 *   sendBatch(fd, buf, offsets, lengths, dsts, first, count) -> messages sent (>= 0) or -errno
 *                                          for message `first` (sendmmsg; dsts: IPv4 as host-order u32)
 *   recvBatch(fd, buf, slot, lens)  -> datagrams read (>= 0) or -errno (recvmmsg, MSG_DONTWAIT):
 *                                     datagram k at buf[k*slot], lens[k] bytes (truncated to slot)
 *   watch(fd, callback) -> handle     calls callback() on the JS thread whenever fd is readable (uv_poll)
 *   unwatch(handle)                   stops it (idempotent)
 *   close(fd)
 *
 * Plain node_api.h (+ uv.h for the poll handle); no dependency. Linux only.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

/* Messages per sendmmsg/recvmmsg call; their headers live on the stack (~24 KiB), so calls from
   several threads (workers) never share them. */
#define MAX_BATCH 256

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "rawio: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value num(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static int arg_i32(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static void set_buf(int fd, int force, int plain, int bytes) {
  if (bytes <= 0) return;
  if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) != 0) setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes);
}

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[160];
  const char* name = err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == EMFILE ? "EMFILE" : "E?";
  snprintf(msg, sizeof msg, "rawio: %s: %s (%s)", what, strerror(err), name);
  napi_throw_error(env, name, msg);
  return NULL;
}

static napi_value open_send(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sndbuf = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) arg_i32(env, argv[0], &sndbuf);
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) return throw_errno(env, "socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", errno);
  set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
  return num(env, fd);
}

static napi_value open_recv(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t lo = 0, hi = 0, rcvbuf = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !arg_i32(env, argv[0], &lo) || !arg_i32(env, argv[1], &hi) || lo < 0 || hi > 65535 || lo > hi) {
    napi_throw_type_error(env, NULL, "rawio.openRecv(portLo, portHi, rcvbuf?): ports in 0..65535, lo <= hi");
    return NULL;
  }
  if (argc >= 3) arg_i32(env, argv[2], &rcvbuf);
  /* Offsets are from the IPv4 header (a raw AF_INET socket's filter sees the datagram from it). */
  struct sock_filter code[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                 /* flags + fragment offset */
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0),    /* a later fragment: drop */
      /* 2 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                /* x = IP header length */
      /* 3 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),                 /* TCP destination port */
      /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 6),
      /* 5 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)hi, 5, 0),
      /* 6 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),                /* TCP flags */
      /* 7 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x04, 2, 0),      /* RST: keep */
      /* 8 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
      /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),       /* SYN+ACK: keep */
      /* 10 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
      /* 11 */ BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return throw_errno(env, "socket(AF_INET, SOCK_RAW, IPPROTO_TCP)", errno);
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", err);
  }
  /* Whatever was queued before the filter was attached: drop it (the JS side checks anyway). */
  char scratch[256];
  for (int i = 0; i < 4096 && recv(fd, scratch, sizeof scratch, MSG_DONTWAIT | MSG_TRUNC) >= 0; i++) {
  }
  set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
  return num(env, fd);
}

static int typed_u32(napi_env env, napi_value v, uint32_t** data, size_t* len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok || type != napi_uint32_array) return 0;
  *data = (uint32_t*)p;
  return 1;
}

static int bytes_of(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is;
  if (napi_is_buffer(env, v, &is) == napi_ok && is) {
    void* p;
    if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return 0;
    *data = p;
    return 1;
  }
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok || type != napi_uint8_array) return 0;
  *data = p;
  return 1;
}

static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  int32_t fd, first, count;
  uint8_t* buf;
  size_t buflen, no, nl, nd;
  uint32_t *offs, *lens, *dsts;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7 || !arg_i32(env, argv[0], &fd) || !bytes_of(env, argv[1], &buf, &buflen) || !typed_u32(env, argv[2], &offs, &no) ||
      !typed_u32(env, argv[3], &lens, &nl) || !typed_u32(env, argv[4], &dsts, &nd) || !arg_i32(env, argv[5], &first) || !arg_i32(env, argv[6], &count) ||
      first < 0 || count < 0 || (size_t)first + (size_t)count > no || (size_t)first + (size_t)count > nl || (size_t)first + (size_t)count > nd) {
    napi_throw_type_error(env, NULL, "rawio.sendBatch(fd, buf, offsets: Uint32Array, lengths: Uint32Array, dsts: Uint32Array, first, count)");
    return NULL;
  }
  if (count > MAX_BATCH) count = MAX_BATCH;
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_in to[MAX_BATCH];
  for (int k = 0; k < count; k++) {
    uint32_t o = offs[first + k], l = lens[first + k];
    if ((size_t)o + l > buflen) {
      napi_throw_range_error(env, NULL, "rawio.sendBatch: a packet lies outside the buffer");
      return NULL;
    }
    iov[k].iov_base = buf + o;
    iov[k].iov_len = l;
    memset(&to[k], 0, sizeof to[k]);
    to[k].sin_family = AF_INET;
    to[k].sin_addr.s_addr = htonl(dsts[first + k]);
    memset(&msgs[k], 0, sizeof msgs[k]);
    msgs[k].msg_hdr.msg_name = &to[k];
    msgs[k].msg_hdr.msg_namelen = sizeof to[k];
    msgs[k].msg_hdr.msg_iov = &iov[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
  }
  if (count == 0) return num(env, 0);
  int r;
  do r = sendmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT);
  while (r < 0 && errno == EINTR);
  return num(env, r < 0 ? -errno : r);
}

static napi_value recv_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, slot;
  uint8_t* buf;
  size_t buflen, nl;
  uint32_t* lens;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !arg_i32(env, argv[0], &fd) || !bytes_of(env, argv[1], &buf, &buflen) || !arg_i32(env, argv[2], &slot) || slot <= 0 ||
      !typed_u32(env, argv[3], &lens, &nl)) {
    napi_throw_type_error(env, NULL, "rawio.recvBatch(fd, buf, slot, lens: Uint32Array)");
    return NULL;
  }
  size_t n = buflen / (size_t)slot;
  if (n > nl) n = nl;
  if (n > MAX_BATCH) n = MAX_BATCH;
  if (n == 0) return num(env, 0);
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  for (size_t k = 0; k < n; k++) {
    iov[k].iov_base = buf + k * (size_t)slot;
    iov[k].iov_len = (size_t)slot;
    memset(&msgs[k], 0, sizeof msgs[k]);
    msgs[k].msg_hdr.msg_iov = &iov[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
  }
  int r;
  do r = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
  while (r < 0 && errno == EINTR);
  if (r < 0) return num(env, -errno);
  for (int k = 0; k < r; k++) lens[k] = msgs[k].msg_len > (unsigned)slot ? (uint32_t)slot : msgs[k].msg_len;
  return num(env, r);
}

/* ---- readability watch (uv_poll on the Node loop) ---- */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int active;
  int closed;       /* uv_close finished */
  int handle_alive; /* the JS external still refers to it */
} watcher;

static void on_closed(uv_handle_t* h) {
  watcher* w = h->data;
  w->closed = 1;
  if (!w->handle_alive) free(w);
}

static void stop_watcher(watcher* w) {
  if (!w->active) return;
  w->active = 0;
  uv_poll_stop(&w->poll);
  if (w->cb) napi_delete_reference(w->env, w->cb);
  w->cb = NULL;
  if (w->ctx) napi_async_destroy(w->env, w->ctx);
  w->ctx = NULL;
  uv_close((uv_handle_t*)&w->poll, on_closed);
}

static void on_poll(uv_poll_t* h, int status, int events) {
  (void)status;
  (void)events;
  watcher* w = h->data;
  if (!w->active) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv;
  if (napi_get_reference_value(env, w->cb, &cb) == napi_ok && napi_get_global(env, &recv) == napi_ok) {
    napi_status s = napi_make_callback(env, w->ctx, recv, cb, 0, NULL, NULL);
    if (s == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_watch(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  /* The JS handle is gone: stop a watch left running (a leak in the caller, not a crash). */
  watcher* w = data;
  w->handle_alive = 0;
  if (w->active) stop_watcher(w);
  else if (w->closed) free(w);
}

static napi_value watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  napi_valuetype t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !arg_i32(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "rawio.watch(fd, callback)");
    return NULL;
  }
  uv_loop_t* loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher* w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  w->poll.data = w;
  if (uv_poll_init(loop, &w->poll, fd) != 0) {
    free(w);
    napi_throw_error(env, NULL, "rawio.watch: uv_poll_init failed");
    return NULL;
  }
  napi_value name;
  CHECK(napi_create_string_utf8(env, "pentora.rawio", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &w->ctx));
  CHECK(napi_create_reference(env, argv[1], 1, &w->cb));
  w->active = 1;
  w->handle_alive = 1;
  uv_poll_start(&w->poll, UV_READABLE, on_poll);
  napi_value handle;
  CHECK(napi_create_external(env, w, finalize_watch, NULL, &handle));
  return handle;
}

static napi_value unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "rawio.unwatch(handle)");
    return NULL;
  }
  stop_watcher((watcher*)data);
  return NULL;
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !arg_i32(env, argv[0], &fd) || fd < 0) {
    napi_throw_type_error(env, NULL, "rawio.close(fd)");
    return NULL;
  }
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openSend", NULL, open_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openRecv", NULL, open_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvBatch", NULL, recv_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
