/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_nop: the round trip of one request through the ring.
 *
 * Sends VGPUIF_OP_NOP with vgpufront_call() to a vgpu-backend started
 * here, once with both ends sleeping on the event channel and once with
 * both spinning (backend --poll-us, frontend vgpufront_set_poll_us), and
 * compares with a blocking UNIX-socket ping-pong of 96-byte messages
 * (one ring entry) between two processes, measured in the same run.
 *
 * usage: bench_nop [-n ROUNDS] [-w WARMUP] [-p POLL_US] [-t SPEC]
 * -t SPEC measures an existing device instead (e.g. "xen:0" inside a
 * guest, as tests/e2e does), sleeping only, next to the socket baseline.
 * Prints a table and "summary:" lines for bench/run.sh.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "stats.h"
#include "vgpufront.h"

#define MSG_SIZE sizeof(struct vgpuif_req)

struct opts {
	size_t rounds;
	size_t warmup;
	int poll_us;
	const char *spec;       /* an existing device, or NULL */
};

struct stats {
	bool ok;
	double median_us;
	double p99_us;
};

static void stats_from(struct stats *st, uint64_t *ns, size_t n)
{
	st->median_us = bench_percentile(ns, n, 50) / 1000.0;
	st->p99_us = bench_percentile(ns, n, 99) / 1000.0;
	st->ok = true;
}

static int nop_once(struct vgpufront *dev, uint64_t *ns)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_NOP };
	uint64_t t0 = harness_now_ns();
	int ret = vgpufront_call(dev, &req, NULL);

	*ns = harness_now_ns() - t0;
	return ret;
}

static int nop_loop(struct vgpufront *dev, const struct opts *o, uint64_t *ns)
{
	uint64_t dummy;
	size_t i;
	int ret;

	for (i = 0; i < o->warmup; i++) {
		ret = nop_once(dev, &dummy);
		if (ret) {
			return ret;
		}
	}
	for (i = 0; i < o->rounds; i++) {
		ret = nop_once(dev, &ns[i]);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/* NOP round trips; poll_us > 0 makes both ends spin that long. */
static int bench_ring(const struct opts *o, int poll_us, struct stats *st)
{
	struct harness_bench_backend b = { 0 };
	char poll[32];
	const char *const args[] = { poll, NULL };
	struct vgpufront *dev;
	uint64_t *ns;
	int ret = -1;

	ns = calloc(o->rounds, sizeof(*ns));
	if (!ns) {
		return -1;
	}
	snprintf(poll, sizeof(poll), "--poll-us=%d", poll_us);
	if (!o->spec && harness_bench_backend_start(&b, args, NULL)) {
		goto out_free;
	}
	dev = vgpufront_open(o->spec ? o->spec : b.spec, 0);
	if (!dev) {
		fprintf(stderr, "bench_nop: vgpufront_open: %s\n",
			strerror(errno));
		goto out_stop;
	}
	vgpufront_set_poll_us(dev, poll_us > 0 ? (unsigned int)poll_us : 0);
	ret = nop_loop(dev, o, ns);
	if (ret) {
		fprintf(stderr, "bench_nop: NOP failed: %d\n", ret);
	} else {
		stats_from(st, ns, o->rounds);
	}
	vgpufront_close(dev);
out_stop:
	if (!o->spec) {
		harness_bench_backend_stop(&b);
	}
out_free:
	free(ns);
	return ret;
}

static int xfer(int fd, char *buf, bool out)
{
	ssize_t n = out ? write(fd, buf, MSG_SIZE) : read(fd, buf, MSG_SIZE);

	return n == (ssize_t)MSG_SIZE ? 0 : -1;
}

/* The echoing process: answers each message until the socket closes. */
static void echo_child(int fd)
{
	char buf[MSG_SIZE];

	while (!xfer(fd, buf, false)) {
		if (xfer(fd, buf, true)) {
			break;
		}
	}
	_exit(0);
}

static int ping_loop(int fd, const struct opts *o, uint64_t *ns)
{
	char buf[MSG_SIZE] = { 0 };
	uint64_t t0;
	size_t i;

	for (i = 0; i < o->warmup + o->rounds; i++) {
		t0 = harness_now_ns();
		if (xfer(fd, buf, true) || xfer(fd, buf, false)) {
			return -1;
		}
		if (i >= o->warmup) {
			ns[i - o->warmup] = harness_now_ns() - t0;
		}
	}
	return 0;
}

/* Blocking SOCK_SEQPACKET ping-pong between this process and a child. */
static int bench_socket(const struct opts *o, struct stats *st)
{
	uint64_t *ns = calloc(o->rounds, sizeof(*ns));
	int sv[2], ret = -1;
	pid_t pid;

	if (!ns || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		goto out_free;
	}
	pid = fork();
	if (pid < 0) {
		goto out_close;
	}
	if (pid == 0) {
		close(sv[0]);
		echo_child(sv[1]);
	}
	ret = ping_loop(sv[0], o, ns);
	if (!ret) {
		stats_from(st, ns, o->rounds);
	}
	close(sv[0]);
	sv[0] = -1;
	waitpid(pid, NULL, 0);
out_close:
	if (sv[0] >= 0) {
		close(sv[0]);
	}
	close(sv[1]);
out_free:
	free(ns);
	return ret;
}

static void print_row(const char *name, const struct stats *st)
{
	if (st->ok) {
		printf("%-12s %12.2f %12.2f\n", name, st->median_us,
		       st->p99_us);
	} else {
		printf("%-12s %12s %12s\n", name, "FAILED", "FAILED");
	}
}

static void print_summary(const char *name, const struct stats *st)
{
	if (st->ok) {
		printf("summary: %s_median_us=%.2f %s_p99_us=%.2f\n", name,
		       st->median_us, name, st->p99_us);
	} else {
		printf("summary: %s_median_us=FAILED %s_p99_us=FAILED\n",
		       name, name);
	}
}

static void report(const struct opts *o, const struct stats st[3])
{
	static const char *const names[3] = { "nop_sleep", "nop_poll",
					      "socket" };
	double ratio;
	int i;

	printf("bench_nop: %zu round trips each after %zu warm-up; "
	       "poll %d us\n", o->rounds, o->warmup, o->poll_us);
	printf("%-12s %12s %12s\n", "path", "median_us", "p99_us");
	for (i = 0; i < 3; i++) {
		if (!o->spec || i != 1) {
			print_row(names[i], &st[i]);
		}
	}
	for (i = 0; i < 3; i++) {
		if (!o->spec || i != 1) {
			print_summary(names[i], &st[i]);
		}
	}
	if (st[0].ok && st[2].ok) {
		ratio = st[0].median_us / st[2].median_us;
		printf("summary: ratio_nop_sleep_over_socket=%.2f\n", ratio);
		printf("summary: nop_sleep_target_1.5x_socket=%s\n",
		       ratio <= 1.5 ? "met" : "missed");
	}
	if (st[1].ok) {
		printf("summary: nop_poll_target_5us=%s\n",
		       st[1].median_us <= 5.0 ? "met" : "missed");
	}
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .rounds = 100000, .warmup = 2000, .poll_us = 50 };
	while ((c = getopt(argc, argv, "n:w:p:t:")) != -1) {
		switch (c) {
		case 'n':
			o->rounds = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			o->warmup = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->poll_us = atoi(optarg);
			break;
		case 't':
			o->spec = optarg;
			break;
		default:
			return -1;
		}
	}
	return o->rounds && o->poll_us > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct stats st[3] = { 0 };
	struct opts o;
	int failed;

	if (parse_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: %s [-n ROUNDS] [-w WARMUP] "
			"[-p POLL_US>0] [-t SPEC]\n", argv[0]);
		return 2;
	}
	failed = bench_ring(&o, 0, &st[0]) != 0;
	/* The backend's polling is its own when it is not ours to start. */
	if (!o.spec) {
		failed |= bench_ring(&o, o.poll_us, &st[1]) != 0;
	}
	failed |= bench_socket(&o, &st[2]) != 0;
	report(&o, st);
	return failed;
}
