// SPDX-License-Identifier: GPL-2.0
/*
 * reap: SIGKILL a process and free its memory with try_reap_dying_process(),
 * printing the bytes freed and the time taken.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reap_sys.h"

/* One exit code per kind of failure, so that scripts can tell them apart. */
enum {
	EXIT_ERROR = 1,		/* anything else */
	EXIT_USAGE = 2,		/* bad arguments */
	EXIT_NOPROC = 3,	/* no such process, or already waited for */
	EXIT_PERM = 4,		/* not allowed to kill it */
	EXIT_NOSYS = 5,		/* the kernel lacks try_reap_dying_process() */
	EXIT_BUSY = 6,		/* --nowait and its memory was busy */
	EXIT_NOTDYING = 7,	/* not dying (--no-kill), or memory shared */
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: reap [OPTION]... PID\n"
		"SIGKILL process PID through a pidfd and free its private memory\n"
		"with try_reap_dying_process(), then print the bytes freed.\n"
		"\n"
		"  -m, --max=BYTES    free about BYTES in all, then stop (default: all)\n"
		"  -s, --step=BYTES   free at most BYTES per call (default 64M)\n"
		"  -n, --nowait       fail instead of waiting for the memory's lock\n"
		"  -k, --no-kill      only reap: PID must already be dying\n"
		"  -h, --help         show this help\n"
		"\n"
		"BYTES takes a K, M or G suffix.\n"
		"Exit status: 0 freed (perhaps 0 bytes), 1 other error, 2 usage,\n"
		"3 no such process, 4 permission denied, 5 syscall not available,\n"
		"6 busy (--nowait; what was freed before is printed), 7 not dying\n"
		"(--no-kill) or sharing its memory with a live process.\n");
}

static int exit_code(int err)
{
	switch (err) {
	case ESRCH:
		return EXIT_NOPROC;
	case EPERM:
		return EXIT_PERM;
	case EAGAIN:
		return EXIT_BUSY;
	case EINVAL:
		return EXIT_NOTDYING;
	default:
		return EXIT_ERROR;
	}
}

static const char *why(int err, bool kill)
{
	switch (err) {
	case ESRCH:
		return "no such process (or already waited for)";
	case EPERM:
		return "permission denied: you may not kill it";
	case EAGAIN:
		return "its memory is busy (--nowait): try again";
	case EINVAL:
		return kill ? "it shares its memory with a live process" :
			      "it is not dying (--no-kill)";
	default:
		return strerror(err);
	}
}

static void report(long pid, const char *comm, size_t total,
		   unsigned int calls, double t0)
{
	printf("reap: pid %ld (%s): freed %zu bytes (%.1f MiB) in %u calls, %.1f ms\n",
	       pid, comm, total, total / 1048576.0, calls, now_ms() - t0);
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, len, f))
		snprintf(buf, len, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max", required_argument, NULL, 'm' },
		{ "step", required_argument, NULL, 's' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "no-kill", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	size_t max = SIZE_MAX, step = 64 << 20, total = 0, ask;
	unsigned int flags = 0, calls = 0;
	bool kill = true;
	double t0;
	char comm[32], *end;
	long pid, ret;
	int c, err, pidfd;

	while ((c = getopt_long(argc, argv, "m:s:nkh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
		case 's':
			if (parse_bytes(optarg, c == 'm' ? &max : &step) ||
			    (c == 's' && !step)) {
				fprintf(stderr, "reap: bad size '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			flags |= PROCESS_REAP_NOWAIT;
			break;
		case 'k':
			kill = false;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0 || pid != (pid_t)pid) {
		fprintf(stderr, "reap: '%s' is not a process ID\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!try_reap_probe()) {
		fprintf(stderr, "reap: try_reap_dying_process() is not available in this kernel\n");
		return EXIT_NOSYS;
	}

	comm_of(pid, comm, sizeof(comm));
	pidfd = sys_pidfd_open(pid, 0);
	if (pidfd < 0 && errno == EINVAL) {
		fprintf(stderr, "reap: %ld is a thread, not a process\n", pid);
		return EXIT_NOPROC;
	}
	if (pidfd < 0) {
		fprintf(stderr, "reap: pid %ld: %s\n", pid, why(errno, kill));
		return exit_code(errno);
	}
	t0 = now_ms();
	if (kill && sys_pidfd_send_signal(pidfd, SIGKILL)) {
		fprintf(stderr, "reap: kill pid %ld (%s): %s\n", pid, comm,
			why(errno, kill));
		return exit_code(errno);
	}
	/* --max 0 makes one call, which frees nothing: is it allowed? */
	do {
		ask = step < max - total ? step : max - total;
		ret = sys_try_reap_dying_process(pidfd, flags, ask);
		calls++;
		/*
		 * Without --nowait, EAGAIN says that its own exit holds pages
		 * it has unmapped and not yet freed: wait for them, a while.
		 */
		if (ret < 0 && errno == EAGAIN &&
		    !(flags & PROCESS_REAP_NOWAIT) && now_ms() - t0 < 10000) {
			usleep(1000);
			continue;
		}
		if (ret < 0) {
			err = errno;
			/* Waited for by its parent: all of it is back. */
			if (err == ESRCH && (calls > 1 || kill))
				break;
			fprintf(stderr, "reap: pid %ld (%s): %s\n", pid, comm,
				why(err, kill));
			if (total)
				report(pid, comm, total, calls, t0);
			return exit_code(err);
		}
		total += ret;
	} while (ret && total < max);
	report(pid, comm, total, calls, t0);
	return 0;
}
