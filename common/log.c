/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr or syslog, with the program's name on every line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "vgpu_util.h"

/*
 * The logger's settings are process-wide by nature, like openlog()'s: a
 * log line can come from any handle, and there is one stderr.
 */
static const char *log_ident = "vgpu";
static bool log_syslog;
static int log_max = -1;

void vgpu_log_init(const char *ident, bool to_syslog)
{
	log_ident = ident;
	log_syslog = to_syslog;
	if (to_syslog) {
		openlog(ident, LOG_PID, LOG_DAEMON);
	}
}

static int max_level(void)
{
	const char *debug;

	if (log_max < 0) {
		debug = getenv("VGPU_DEBUG");
		log_max = debug && *debug == '1' ? VGPU_LOG_DEBUG
						 : VGPU_LOG_INFO;
	}
	return log_max;
}

void vgpu_log(enum vgpu_log_level level, const char *fmt, ...)
{
	static const int prio[] = {
		[VGPU_LOG_ERR] = LOG_ERR,
		[VGPU_LOG_WARN] = LOG_WARNING,
		[VGPU_LOG_INFO] = LOG_INFO,
		[VGPU_LOG_DEBUG] = LOG_DEBUG,
	};
	char line[1024];
	va_list ap;

	if ((int)level > max_level()) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prio[level], "%s", line);
	} else {
		fprintf(stderr, "%s: %s\n", log_ident, line);
	}
}
