/* SPDX-License-Identifier: GPL-2.0 */
/*
 * screen-vncrec: the dom0 side of the screen benchmark, a VNC client
 * (libvncclient) that records what a guest's screen delivers.
 *
 *   screen-vncrec HOST:DISPLAY [--seconds=N] [--guest=DOMID]
 *                 [--password-file=FILE] [--label=NAME]
 *
 * It asks for raw pixels in the guest's XRGB8888 order, so every frame
 * costs the server the same on every path and the stamp (stamp.h) reads
 * back exactly. From the first stamped frame on, for N seconds (default
 * 20), it counts the distinct frames that arrive and, for each, the time
 * from the guest's stamp to the end of the update that brought it. With
 * --guest it also reads dom0's and the guest's CPU time from Xen, so the
 * cost per delivered frame includes everything dom0 did for it: the
 * device model or backend, the kernel, and this client (reported apart).
 * Ends with one line for scripts:
 *
 *   RESULT label=L frames=N fps=F lat_p50_ms=A lat_p95_ms=B
 *          dom0_cpu_ms_per_frame=C guest_cpu_ms_per_frame=D
 *          recorder_cpu_ms_per_frame=E torn=T
 *
 * Exits 1 when no stamped frame arrives: a benchmark that saw nothing
 * prints no figure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <rfb/rfbclient.h>
#include <xenctrl.h>

#include "stamp.h"
#include "stats.h"

#define FIRST_FRAME_TIMEOUT_S   60
#define MAX_SAMPLES             100000

/* CPU time in ns: dom0's and the guest's from Xen, this process's own. */
struct cpu_times {
	uint64_t dom0;
	uint64_t guest;
	uint64_t self;
};

struct recording {
	const char *label;
	unsigned int seconds;
	int guest_domid;                /* -1: no CPU figures */
	const char *password_file;
	uint64_t start_usec;            /* CLOCK_REALTIME of the first frame */
	uint32_t last_counter;
	bool have_frame;
	uint64_t frames;
	uint64_t torn;                  /* updates whose stamp did not read */
	uint32_t first_torn[SCREEN_STAMP_PIXELS];       /* for the report */
	uint64_t latency_usec[MAX_SAMPLES];
	size_t samples;
	xc_interface *xch;              /* NULL: no CPU figures */
	struct cpu_times at_first;      /* when the first frame arrived */
};

static struct recording rec = { .guest_domid = -1, .seconds = 20, .label = "screen" };

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CPU time of a domain in ns, or 0 when Xen cannot say. */
static uint64_t domain_cpu_ns(xc_interface *xch, int domid)
{
	xc_dominfo_t info;

	if (!xch || domid < 0 || xc_domain_getinfo(xch, domid, 1, &info) != 1 ||
	    (int)info.domid != domid) {
		return 0;
	}
	return info.cpu_time;
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static struct cpu_times cpu_now(void)
{
	return (struct cpu_times){
		.dom0 = domain_cpu_ns(rec.xch, 0),
		.guest = domain_cpu_ns(rec.xch, rec.guest_domid),
		.self = self_cpu_ns(),
	};
}

static void frame_arrived(rfbClient *client)
{
	struct screen_stamp s;
	uint64_t t = now_usec();

	if (client->width < SCREEN_STAMP_PIXELS) {
		return;
	}
	if (!screen_stamp_read((const uint32_t *)client->frameBuffer, &s)) {
		if (!rec.torn++) {
			memcpy(rec.first_torn, client->frameBuffer, sizeof(rec.first_torn));
		}
		return;
	}
	if (rec.have_frame && s.counter == rec.last_counter) {
		return;         /* an update of part of the same frame */
	}
	if (!rec.have_frame) {
		rec.start_usec = t;
		rec.at_first = cpu_now();
	}
	rec.have_frame = true;
	rec.last_counter = s.counter;
	rec.frames++;
	if (rec.samples < MAX_SAMPLES) {
		rec.latency_usec[rec.samples++] = t > s.usec ? t - s.usec : 0;
	}
}

static char *read_password(rfbClient *client)
{
	char buf[256] = "";
	FILE *f;

	(void)client;
	if (!rec.password_file) {
		return strdup("");
	}
	f = fopen(rec.password_file, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "screen-vncrec: cannot read %s\n", rec.password_file);
	}
	if (f) {
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

static void quiet(const char *format, ...)
{
	(void)format;
}

static rfbClient *connect_to(const char *where)
{
	rfbClient *client = rfbGetClient(8, 3, 4);
	char *argv[] = { "screen-vncrec", (char *)where, NULL };
	int argc = 2;

	if (!client) {
		return NULL;
	}
	rfbClientLog = quiet;   /* the handshake, line by line; errors stay */
	/* XRGB8888 as the guest writes it: the stamp reads back as written. */
	client->format.redShift = 16;
	client->format.greenShift = 8;
	client->format.blueShift = 0;
	client->appData.encodingsString = "raw";
	client->FinishedFrameBufferUpdate = frame_arrived;
	client->GetPassword = read_password;
	if (!rfbInitClient(client, &argc, argv)) {
		return NULL;    /* rfbInitClient freed the client */
	}
	return client;
}

/* Serves the connection until the recording is over; 0 or -1. */
static int record(rfbClient *client)
{
	uint64_t deadline = now_usec() + FIRST_FRAME_TIMEOUT_S * 1000000ull;

	for (;;) {
		uint64_t t = now_usec();
		int n;

		if (rec.have_frame) {
			deadline = rec.start_usec + rec.seconds * 1000000ull;
		}
		if (t >= deadline) {
			return rec.have_frame ? 0 : -1;
		}
		n = WaitForMessage(client, 100000);
		if (n < 0 || (n > 0 && !HandleRFBServerMessage(client))) {
			fprintf(stderr, "screen-vncrec: the server closed the connection\n");
			return -1;
		}
	}
}

static double per_frame_ms(uint64_t ns)
{
	return rec.frames ? ns / 1e6 / rec.frames : 0;
}

static void report(void)
{
	struct cpu_times end = cpu_now();
	uint64_t dom0_ns = end.dom0 - rec.at_first.dom0;
	uint64_t guest_ns = end.guest - rec.at_first.guest;
	uint64_t self_ns = end.self - rec.at_first.self;

	double secs = rec.seconds;
	double p50 = bench_percentile(rec.latency_usec, rec.samples, 50) / 1e3;
	double p95 = bench_percentile(rec.latency_usec, rec.samples, 95) / 1e3;

	printf("%s: %llu frames in %.0f s (%.1f/s), %llu torn updates\n", rec.label,
	       (unsigned long long)rec.frames, secs, rec.frames / secs,
	       (unsigned long long)rec.torn);
	if (rec.torn) {
		const uint32_t *px = rec.first_torn;

		printf("%s: the first torn stamp read %06x %06x %06x %06x %06x %06x\n",
		       rec.label, px[0] & SCREEN_STAMP_MASK, px[1] & SCREEN_STAMP_MASK,
		       px[2] & SCREEN_STAMP_MASK, px[3] & SCREEN_STAMP_MASK,
		       px[4] & SCREEN_STAMP_MASK, px[5] & SCREEN_STAMP_MASK);
	}
	printf("%s: latency guest to client: p50 %.1f ms, p95 %.1f ms\n", rec.label,
	       p50, p95);
	if (rec.xch) {
		printf("%s: CPU per delivered frame: dom0 %.2f ms (this client %.2f ms), guest %.2f ms\n",
		       rec.label, per_frame_ms(dom0_ns), per_frame_ms(self_ns),
		       per_frame_ms(guest_ns));
	}
	printf("RESULT label=%s frames=%llu fps=%.2f lat_p50_ms=%.2f lat_p95_ms=%.2f "
	       "dom0_cpu_ms_per_frame=%.3f guest_cpu_ms_per_frame=%.3f "
	       "recorder_cpu_ms_per_frame=%.3f torn=%llu\n",
	       rec.label, (unsigned long long)rec.frames, rec.frames / secs, p50, p95,
	       per_frame_ms(dom0_ns), per_frame_ms(guest_ns), per_frame_ms(self_ns),
	       (unsigned long long)rec.torn);
}

static int parse_args(int argc, char **argv, const char **where)
{
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--seconds=", 10)) {
			rec.seconds = strtoul(argv[i] + 10, NULL, 10);
		} else if (!strncmp(argv[i], "--guest=", 8)) {
			rec.guest_domid = atoi(argv[i] + 8);
		} else if (!strncmp(argv[i], "--password-file=", 16)) {
			rec.password_file = argv[i] + 16;
		} else if (!strncmp(argv[i], "--label=", 8)) {
			rec.label = argv[i] + 8;
		} else if (argv[i][0] != '-' && !*where) {
			*where = argv[i];
		} else {
			return -1;
		}
	}
	return *where && rec.seconds ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *where = NULL;
	rfbClient *client;
	int ret = 1;

	if (parse_args(argc, argv, &where)) {
		fprintf(stderr, "usage: screen-vncrec HOST:DISPLAY [--seconds=N] [--guest=DOMID] "
			"[--password-file=FILE] [--label=NAME]\n");
		return 2;
	}
	if (rec.guest_domid >= 0 && !(rec.xch = xc_interface_open(NULL, NULL, 0))) {
		fprintf(stderr, "screen-vncrec: no libxenctrl (%s): no CPU figures\n",
			strerror(errno));
	}
	client = connect_to(where);
	if (!client) {
		fprintf(stderr, "screen-vncrec: cannot connect to %s\n", where);
		goto out;
	}
	if (record(client)) {
		fprintf(stderr, "screen-vncrec: no stamped frame from %s in %d s\n", where,
			FIRST_FRAME_TIMEOUT_S);
	} else {
		ret = 0;
	}
	/* Before the cleanup, which costs this process CPU of its own. */
	if (!ret) {
		report();
	}
	rfbClientCleanup(client);
out:
	if (rec.xch) {
		xc_interface_close(rec.xch);
	}
	return ret;
}
