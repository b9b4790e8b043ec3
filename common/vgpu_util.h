/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the frontend library, the backend and the tools:
 * logging, strict parsing of node values, and the loopback socket's
 * message framing.
 */
#ifndef VGPU_UTIL_H
#define VGPU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpu_loopback.h"

#define VGPU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VGPU_DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

enum vgpu_log_level {
	VGPU_LOG_ERR,
	VGPU_LOG_WARN,
	VGPU_LOG_INFO,
	VGPU_LOG_DEBUG,
};

/*
 * Names the program in log lines; to_syslog sends them to syslog (the
 * journal) instead of stderr. $VGPU_DEBUG=1 enables debug lines.
 */
void vgpu_log_init(const char *ident, bool to_syslog);
void vgpu_log(enum vgpu_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vgpu_err(...)   vgpu_log(VGPU_LOG_ERR, __VA_ARGS__)
#define vgpu_warn(...)  vgpu_log(VGPU_LOG_WARN, __VA_ARGS__)
#define vgpu_info(...)  vgpu_log(VGPU_LOG_INFO, __VA_ARGS__)
#define vgpu_dbg(...)   vgpu_log(VGPU_LOG_DEBUG, __VA_ARGS__)

/*
 * The one prefix of a line about a guest's device, in logs and in the
 * tools' output alike, so that one grep finds all of a device's lines:
 *	vgpu_err(VGPU_DEV_FMT "cannot map: %s", domid, devid, strerror(e));
 * (tools/style-check.py refuses the short "dom%u: " and "domain %u: ").
 */
#define VGPU_DEV_FMT    "domain %u device %u: "

/*
 * Parses a decimal uint32 in [min, max]: digits only, no sign, no
 * spaces, no trailing bytes. Returns 0 or -EINVAL (-ERANGE out of range).
 */
int vgpu_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * Finds key in "key=value\n" text and copies its value into buf.
 * Returns 0, -ENOENT if absent, -ENAMETOOLONG if buf is too small.
 */
int vgpu_kv_get(const char *text, const char *key, char *buf, size_t len);

/* Appends "key=value\n" to text (capacity len). Returns 0 or -ENOSPC. */
int vgpu_kv_add(char *text, size_t len, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Loopback framing: one struct vgpu_lb_hdr, payload, and up to 2 fds.
 * vgpu_lb_recv NUL-terminates the payload (payload_max must leave room)
 * and returns the payload length, -EPIPE on orderly close, or -errno.
 * Received fds are close-on-exec; *nfds is set to how many came.
 */
int vgpu_lb_send(int sock, uint32_t type, const void *payload, uint32_t len,
		 const int *fds, int nfds);
int vgpu_lb_recv(int sock, uint32_t *type, void *payload, size_t payload_max,
		 int *fds, int *nfds);
int vgpu_lb_reply(int sock, int status, const char *message);
/* Connects to a loopback backend's socket; returns it or -errno. */
int vgpu_lb_dial(const char *path);

/*
 * A non-blocking eventfd as a kick: signal adds one, drain takes the
 * count (nothing pending is no error). Each returns 0 or -errno.
 */
int vgpu_eventfd_signal(int fd);
int vgpu_eventfd_drain(int fd);

/* Monotonic time in nanoseconds. */
uint64_t vgpu_now_ns(void);

/*
 * One turn of a spin loop that has spun for spun_ns (the caller reads
 * the clock for its deadline anyway). After a few microseconds it yields
 * on every turn, so that a spinner never keeps the CPU from the peer it
 * waits for when all cores are busy.
 */
void vgpu_spin_pause(uint64_t spun_ns);

/*
 * How long a waiter spins before it sleeps, learnt from its recent waits
 * as KVM's halt polling learns: a wait that ended within max_ns but
 * after the spin doubles the spin; a wait longer than max_ns, which no
 * spin could have saved, halves it, down to none. A waiter whose answers
 * take a frame's rendering stops burning the CPU that rendering needs,
 * and one that makes quick round trips keeps spinning.
 */
struct vgpu_spin_window {
	uint64_t max_ns;        /* the configured poll time; 0: never spin */
	uint64_t cur_ns;        /* how long the next wait spins */
};

void vgpu_spin_window_init(struct vgpu_spin_window *sw, uint64_t max_ns);
/* Learns from a wait that ended waited_ns after it began. */
void vgpu_spin_window_learn(struct vgpu_spin_window *sw, uint64_t waited_ns);

#endif /* VGPU_UTIL_H */
