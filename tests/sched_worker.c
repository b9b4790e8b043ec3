/* SPDX-License-Identifier: GPL-2.0 */
/* sched_worker: a scheduler "worker" in a child process (see the header). */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "sched_worker.h"

void sched_table_create(struct sched_table_dir *td, const char *tag,
			const struct vgpu_sched_config *cfg)
{
	char path[sizeof(td->dir) + 8];

	assert_int_equal(harness_mkdtemp(td->dir, sizeof(td->dir), tag), 0);
	snprintf(path, sizeof(path), "%s/sched", td->dir);
	td->s = vgpu_sched_create(path, cfg);
	assert_non_null(td->s);
}

void sched_table_destroy(struct sched_table_dir *td)
{
	vgpu_sched_destroy(td->s);
	harness_rmtree(td->dir);
}

static char run(struct vgpu_sched *s, int idx, char cmd,
		sched_worker_extra extra)
{
	switch (cmd) {
	case 'q':
		vgpu_sched_acquire(s, idx);
		return 'g';
	case 'c':
		return vgpu_sched_charge(s, idx, true) ? '1' : '0';
	case 'n':
		return vgpu_sched_contended(s, idx) ? '1' : '0';
	case 'l':
		vgpu_sched_linger(s, idx);
		vgpu_sched_release(s, idx);
		return 'l';
	case 'r':
		vgpu_sched_release(s, idx);
		return 'r';
	default:
		return extra ? extra(s, idx, cmd) : '?';
	}
}

static void worker_loop(struct vgpu_sched *s, uint32_t domid,
			sched_worker_extra extra, int in, int out)
{
	int idx = vgpu_sched_attach(s, domid, 0);
	char cmd, rep;

	while (idx >= 0 && read(in, &cmd, 1) == 1 && cmd != 'x') {
		rep = run(s, idx, cmd, extra);
		if (write(out, &rep, 1) != 1) {
			break;
		}
	}
	if (idx >= 0) {
		vgpu_sched_detach(s, idx);
	}
	_exit(idx >= 0 ? 0 : 1);
}

void sched_worker_start(struct sched_worker *w, struct vgpu_sched *s,
			uint32_t domid, sched_worker_extra extra)
{
	int to_child[2], to_parent[2];

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(vgpu_sched_before_fork(s), 0);
	w->pid = fork();
	vgpu_sched_after_fork(s, w->pid);
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		/* A worker left blocked by a failed test goes with the test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to_child[1]);
		close(to_parent[0]);
		worker_loop(s, domid, extra, to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	w->cmd = to_child[1];
	w->reply = to_parent[0];
}

void sched_worker_send(struct sched_worker *w, char cmd)
{
	assert_int_equal(write(w->cmd, &cmd, 1), 1);
}

char sched_worker_reply(struct sched_worker *w)
{
	struct pollfd p = { .fd = w->reply, .events = POLLIN };
	char rep = 0;

	assert_int_equal(poll(&p, 1, harness_ms(5000)), 1);
	assert_int_equal(read(w->reply, &rep, 1), 1);
	return rep;
}

char sched_worker_ask(struct sched_worker *w, char cmd)
{
	sched_worker_send(w, cmd);
	return sched_worker_reply(w);
}

void sched_worker_stop(struct sched_worker *w)
{
	int status = 0, left = harness_ms(5000);
	pid_t got;

	if (!w->pid) {
		return;
	}
	sched_worker_send(w, 'x');
	close(w->cmd);
	close(w->reply);
	while ((got = waitpid(w->pid, &status, WNOHANG)) == 0 && left-- > 0) {
		usleep(1000);
	}
	if (got == 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
	}
	w->pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
