/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker taken over by its guest writes the scheduler's table (DOC:
 * trust in vgpu_sched.h). Here a forked "worker" writes it directly, as
 * such a worker would, and the parent plays the backend's parent process
 * with its own watchdog (vgpuback_watchdog). What must hold:
 *
 * - The parent kills no process that is not one of its workers, whatever
 *   pid the table names, and still takes the GPU back.
 * - A table broken on purpose (the holder out of range, a zero period
 *   and slice, weights of 0 and of 2^32 - 1, credit at its limits), once
 *   or again and again while the others use it, crashes neither the
 *   parent nor an honest worker.
 * - A worker that keeps the table's lock stalls neither the parent nor
 *   the tools: their calls fail with -EBUSY (xenvgpu top says so and
 *   goes on), the watchdog kills that worker, and the honest worker
 *   waiting for the lock gets the GPU.
 * - A lock that names a process that is no worker is broken, and that
 *   process is not killed.
 * - A worker cannot get another reset: one the table names as a stalled
 *   holder, or as the owner of a kept lock, while its own page says
 *   otherwise, keeps running, and the GPU or the lock is taken back.
 *   No worker keeps another's page mapped.
 * - A lock left by a tool that died holding it is freed at the next
 *   watchdog pass, long before the timeout.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "parent.h"
#include "harness.h"
#include "sched_worker.h"
#include "table.h"
#include "vgpu_util.h"

#define TIMEOUT_MS      200
/* Longer than any scaled wait here: what comes sooner is not the timeout. */
#define LONG_TIMEOUT_MS 600000

struct fixture {
	struct sched_table_dir td;
	struct vgpu_sched *s;
	struct sched_worker rogue, honest;
	pid_t bystander;        /* not our child */
	int bystander_alive;    /* reads EOF once the bystander is gone */
	int bystander_stop;     /* closed: the bystander exits */
};

/* Read by the rogue, set before it is forked. */
static pid_t forged_pid;
static const void *other_page;  /* another worker's witness page */

#define SCRIBBLE_MS     300

/* What a worker may write anywhere at any time; round varies it. */
static void scribble(struct sched_table *t, unsigned int round)
{
	int i;

	t->holder = 0x7fffffff;
	t->cfg.period_us = 0;
	t->cfg.slice_us = 0;
	t->period_start_ns = round & 1 ? UINT64_MAX : 0;
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		t->e[i].weight = round & 2 && i & 1 ? UINT32_MAX : 0;
		t->e[i].credit_ns = i & 2 ? INT64_MIN : INT64_MAX;
		t->e[i].charged_ns = 0;
	}
}

/* addr lies in one of this process's mappings (/proc/self/maps). */
static bool mapped_here(const void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	while (maps && !found && fgets(line, sizeof(line), maps)) {
		found = sscanf(line, "%lx-%lx", &start, &end) == 2 &&
			a >= start && a < end;
	}
	if (maps) {
		fclose(maps);
	}
	return found;
}

/* Makes forged_pid's entry the holder, stalled since the epoch. */
static bool frame_holder(struct sched_table *t)
{
	int i;

	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (t->e[i].pid == forged_pid) {
			t->e[i].state = ENTRY_RUNNING;
			t->e[i].hold_start_ns = 1;
			t->e[i].progress_ns = 0;
			t->holder = i;
			return true;
		}
	}
	return false;
}

/*
 * The rogue's own commands. p: name forged_pid as its worker. b: break
 * the table once; w: keep breaking it for SCRIBBLE_MS. k: take the lock
 * and keep it; s: once another sleeps on the kept lock, free it without
 * waking the sleeper; f: write forged_pid in as the lock's owner. h: name
 * forged_pid's entry as a holder that never made progress. m: '1' if
 * other_page is not mapped here and its own page is.
 */
static char rogue_cmd(struct vgpu_sched *s, int idx, char cmd)
{
	struct sched_table *t = s->t;
	uint64_t until = vgpu_now_ns() + SCRIBBLE_MS * 1000000ull;
	unsigned int i;

	switch (cmd) {
	case 'p':
		t->e[idx].pid = forged_pid;
		return 'p';
	case 'b':
		scribble(t, 0);
		return 'b';
	case 'w':
		for (i = 0; vgpu_now_ns() < until; i++) {
			scribble(t, i);
		}
		return 'w';
	case 'k':
		vgpu_sched_table_lock(s);
		return 'k';
	case 's':
		while (!(__atomic_load_n(&t->lock, __ATOMIC_RELAXED) &
			 SCHED_LOCK_WAITERS) && vgpu_now_ns() < until) {
			usleep(1000);
		}
		__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
		return 's';
	case 'f':
		__atomic_store_n(&t->lock, (uint32_t)forged_pid,
				 __ATOMIC_RELEASE);
		return 'f';
	case 'h':
		return frame_holder(t) ? 'h' : '?';
	case 'm':
		return !mapped_here(other_page) && s->own &&
		       mapped_here(s->own) ? '1' : '0';
	default:
		return '?';
	}
}

/*
 * A process that is not our child: forked from a child that exits at
 * once. It lives until bystander_stop closes; bystander_alive reads EOF
 * when it is gone, however it went.
 */
static void bystander_start(struct fixture *f)
{
	int stop[2], alive[2], pid_pipe[2];
	pid_t middle, grandchild;

	assert_int_equal(pipe(stop), 0);
	assert_int_equal(pipe(alive), 0);
	assert_int_equal(pipe(pid_pipe), 0);
	middle = fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		grandchild = fork();
		if (grandchild == 0) {
			char c;

			close(stop[1]);
			close(alive[0]);
			while (read(stop[0], &c, 1) > 0) {
				continue;
			}
			_exit(0);
		}
		_exit(write(pid_pipe[1], &grandchild, sizeof(grandchild)) !=
		      sizeof(grandchild));
	}
	assert_int_equal(waitpid(middle, NULL, 0), middle);
	assert_int_equal(read(pid_pipe[0], &f->bystander,
			      sizeof(f->bystander)), sizeof(f->bystander));
	assert_true(f->bystander > 0);
	close(pid_pipe[0]);
	close(pid_pipe[1]);
	close(stop[0]);
	close(alive[1]);
	f->bystander_stop = stop[1];
	f->bystander_alive = alive[0];
}

/* True if the bystander is still alive 500 ms (scaled) from now. */
static bool bystander_survives(struct fixture *f)
{
	struct pollfd p = { .fd = f->bystander_alive, .events = POLLIN };

	return poll(&p, 1, harness_ms(500)) == 0;
}

static int setup_with_timeout(void **state, uint32_t timeout_ms)
{
	struct vgpu_sched_config cfg;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vgpu_sched_config_defaults(&cfg);
	cfg.timeout_ms = timeout_ms;
	sched_table_create(&f->td, "trust", &cfg);
	f->s = f->td.s;
	f->bystander_alive = f->bystander_stop = -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with_timeout(state, TIMEOUT_MS);
}

static int setup_long_timeout(void **state)
{
	return setup_with_timeout(state, LONG_TIMEOUT_MS);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sched_worker_stop(&f->honest);
	sched_worker_stop(&f->rogue);
	if (f->bystander_stop >= 0) {
		close(f->bystander_stop);
		close(f->bystander_alive);
	}
	sched_table_destroy(&f->td);
	free(f);
	return 0;
}

#define MAX_STATS       8

/* The table's figures; the fixture's tables have few entries. */
static ssize_t snapshot(struct fixture *f, struct vgpu_sched_stat *st)
{
	ssize_t n = vgpu_sched_stats(f->s, st, MAX_STATS);

	assert_true(n >= 0 && n <= MAX_STATS);
	return n;
}

/* True if no entry holds the GPU. */
static bool gpu_free(struct fixture *f)
{
	struct vgpu_sched_stat st[MAX_STATS];
	ssize_t n = snapshot(f, st), i;

	for (i = 0; i < n; i++) {
		if (st[i].running) {
			return false;
		}
	}
	return true;
}

static void test_forged_pid_is_not_killed(void **state)
{
	struct fixture *f = *state;

	bystander_start(f);
	forged_pid = f->bystander;
	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	assert_int_equal(sched_worker_ask(&f->rogue, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->rogue, 'p'), 'p');

	/* The rogue holds the GPU and makes no progress. */
	harness_sleep_ms(TIMEOUT_MS + TIMEOUT_MS / 2);
	vgpuback_watchdog(f->s);
	assert_true(bystander_survives(f));
	assert_true(gpu_free(f));

	/* The GPU was taken back: an honest worker gets it. */
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->honest, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

/* An honest worker takes the GPU, is charged and gives it up. */
static void honest_turn(struct fixture *f)
{
	assert_int_equal(sched_worker_ask(&f->honest, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'c'), '0');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

static void test_broken_table_harms_no_one(void **state)
{
	struct fixture *f = *state;
	struct vgpu_sched_config cfg;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->rogue, 'b'), 'b');

	/* The parent's calls index with the holder and divide by the period. */
	vgpuback_watchdog(f->s);
	assert_int_equal(vgpu_sched_configure(f->s, 3, 0, 256, 0), 0);

	/* The honest worker gets the GPU, and again after a refill. */
	honest_turn(f);
	vgpu_sched_get_config(f->s, &cfg);
	harness_sleep_ms((int)(cfg.period_us / 1000) + 10);
	honest_turn(f);
}

/*
 * The same, with the rogue writing while the others use the table. The
 * honest worker runs the calls that do not wait for the GPU (with the
 * holder rewritten all the time it would wait for ever: a rogue can keep
 * others off the GPU, but not crash them).
 */
static void test_table_scribbled_while_in_use(void **state)
{
	struct fixture *f = *state;
	struct vgpu_sched_stat st[8];
	uint64_t until;
	int turns = 0;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	sched_worker_send(&f->rogue, 'w');
	until = vgpu_now_ns() + SCRIBBLE_MS * 1000000ull;
	while (vgpu_now_ns() < until) {
		vgpuback_watchdog(f->s);
		assert_true(vgpu_sched_stats(f->s, st, 8) >= 0);
		assert_int_equal(vgpu_sched_configure(f->s, 3, 0, 256, 0), 0);
		assert_int_equal(sched_worker_ask(&f->honest, 'c'), '0');
		assert_true(sched_worker_ask(&f->honest, 'n') != '?');
		assert_int_equal(sched_worker_ask(&f->honest, 'l'), 'l');
		turns++;
	}
	assert_int_equal(sched_worker_reply(&f->rogue), 'w');
	assert_true(turns > 0);
}

/* xenvgpu top -b -i 1 on the fixture's table; its output in top->log. */
static void top_start(struct fixture *f, struct harness_child *top)
{
	char bin[PATH_MAX], table[sizeof(f->td.dir) + 16];
	char log[sizeof(f->td.dir) + 16];
	char *argv[] = { bin, "top", table, "-b", "-i", "1", "-d", "0.05",
			 NULL };

	harness_build_path(bin, sizeof(bin), "bin/xenvgpu");
	snprintf(table, sizeof(table), "--table=%s/sched", f->td.dir);
	snprintf(log, sizeof(log), "%s/top.log", f->td.dir);
	assert_int_equal(harness_spawn(top, NULL, argv, NULL, log), 0);
}

/* top exited 0, having said the table was busy, then shown a block. */
static void top_went_on(struct harness_child *top)
{
	char *text;

	assert_int_equal(harness_wait(top, harness_ms(5000)), 0);
	text = harness_read_file(top->log);
	assert_non_null(text);
	assert_non_null(strstr(text, "keeps the scheduler table locked"));
	assert_non_null(strstr(text, "xenvgpu top - "));
	free(text);
}

static void test_kept_lock_is_reset(void **state)
{
	struct fixture *f = *state;
	struct vgpu_sched_stat st[8];
	int status, left = harness_ms(5000) / 20;
	struct harness_child top = { 0 };
	pid_t got = 0;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'k'), 'k');
	sched_worker_send(&f->honest, 'q');

	/* Neither the parent nor a tool waits for ever. */
	assert_int_equal(vgpu_sched_configure(f->s, 3, 0, 256, 0), -EBUSY);
	assert_int_equal(vgpu_sched_stats(f->s, st, 8), -EBUSY);
	top_start(f, &top);

	/* Within the timeout (and a little), the watchdog kills the rogue. */
	while (!got && left-- > 0) {
		vgpuback_watchdog(f->s);
		harness_sleep_ms(20);
		got = waitpid(f->rogue.pid, &status, WNOHANG);
	}
	assert_int_equal(got, f->rogue.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(f->rogue.cmd);
	close(f->rogue.reply);
	f->rogue.pid = 0;
	vgpu_sched_reaped(f->s, got);

	/* Reaping the rogue freed its lock: the honest worker goes on. */
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
	assert_true(vgpu_sched_stats(f->s, st, 8) >= 1);
	top_went_on(&top);
}

/*
 * A rogue frees the lock it kept without waking the worker asleep on it:
 * the sleeper takes it anyway, soon, with no watchdog pass to help.
 */
static void test_silent_unlock_strands_no_one(void **state)
{
	struct fixture *f = *state;
	struct pollfd p;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'k'), 'k');
	sched_worker_send(&f->honest, 'q');
	assert_int_equal(sched_worker_ask(&f->rogue, 's'), 's');
	p = (struct pollfd){ .fd = f->honest.reply, .events = POLLIN };
	assert_int_equal(poll(&p, 1, harness_ms(2000)), 1);
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

/*
 * Plays the parent: runs its watchdog every 20 ms until the honest worker
 * replies, for ms (scaled) at most.
 */
static void watchdog_until_reply(struct fixture *f, int ms)
{
	struct pollfd p = { .fd = f->honest.reply, .events = POLLIN };
	int left = harness_ms(ms) / 20;

	while (poll(&p, 1, 0) == 0 && left-- > 0) {
		vgpuback_watchdog(f->s);
		harness_sleep_ms(20);
	}
}

static void test_forged_lock_owner_is_broken(void **state)
{
	struct fixture *f = *state;

	bystander_start(f);
	forged_pid = f->bystander;
	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'f'), 'f');
	sched_worker_send(&f->honest, 'q');

	/* No worker owns the lock: the watchdog breaks it, killing nobody. */
	watchdog_until_reply(f, 5000);
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
	assert_true(bystander_survives(f));
	assert_int_equal(sched_worker_ask(&f->rogue, 'r'), 'r');
}

/* The honest worker, then a rogue that knows its pid (forged_pid). */
static void honest_then_rogue(struct fixture *f)
{
	sched_worker_start(&f->honest, f->s, 2, NULL);
	/* Its first reply comes once it has attached. */
	assert_int_equal(sched_worker_ask(&f->honest, 'n'), '0');
	forged_pid = f->honest.pid;
	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
}

/* The honest worker's entry: its reset count. */
static uint64_t honest_resets(struct fixture *f)
{
	struct vgpu_sched_stat st[MAX_STATS];
	ssize_t n = snapshot(f, st), i;

	for (i = 0; i < n; i++) {
		if (st[i].pid == f->honest.pid) {
			return st[i].resets;
		}
	}
	fail_msg("the honest worker has no entry");
	return 0;
}

static void test_framed_holder_is_not_killed(void **state)
{
	struct fixture *f = *state;

	honest_then_rogue(f);
	assert_int_equal(sched_worker_ask(&f->rogue, 'h'), 'h');

	/* The table says the honest worker hung holding the GPU; it did not. */
	harness_sleep_ms(TIMEOUT_MS + TIMEOUT_MS / 2);
	vgpuback_watchdog(f->s);
	assert_true(gpu_free(f));
	assert_int_equal(honest_resets(f), 0);

	/* It is alive, still attached, and gets the GPU. */
	honest_turn(f);
}

static void test_framed_lock_owner_is_not_killed(void **state)
{
	struct fixture *f = *state;

	honest_then_rogue(f);
	assert_int_equal(sched_worker_ask(&f->rogue, 'f'), 'f');
	sched_worker_send(&f->honest, 'q');

	/* The lock names the honest worker, which waits for it. */
	watchdog_until_reply(f, 5000);
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
	assert_int_equal(honest_resets(f), 0);
}

static void test_no_other_witness_mapped(void **state)
{
	struct fixture *f = *state;

	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(f->s->nwitnesses, 1);
	other_page = f->s->witnesses[0].w;
	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	assert_int_equal(sched_worker_ask(&f->rogue, 'm'), '1');
}

/* A tool (not a worker) takes the lock through its own mapping and dies. */
static void tool_dies_holding_lock(struct fixture *f)
{
	char path[sizeof(f->td.dir) + 8];
	struct vgpu_sched *tool;
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/sched", f->td.dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tool = vgpu_sched_open(path);
		if (tool) {
			vgpu_sched_table_lock(tool);
		}
		_exit(tool ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(__atomic_load_n(&f->s->t->lock, __ATOMIC_RELAXED) &
			 SCHED_LOCK_OWNER, (uint32_t)pid);
}

static void test_dead_tools_lock_is_freed(void **state)
{
	struct fixture *f = *state;

	tool_dies_holding_lock(f);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	sched_worker_send(&f->honest, 'q');

	watchdog_until_reply(f, 2000);
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_true(vgpu_sched_stats(f->s, NULL, 0) >= 0);
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_pid_is_not_killed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_table_harms_no_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_scribbled_while_in_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_lock_owner_is_broken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_unlock_strands_no_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_lock_is_reset,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_framed_holder_is_not_killed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_framed_lock_owner_is_not_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_other_witness_mapped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_tools_lock_is_freed,
						setup_long_timeout, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
