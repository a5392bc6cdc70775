// SPDX-License-Identifier: GPL-2.0
/*
 * memload: a workload that drives a memory cgroup (or a system) into
 * pressure, for showing and testing low-memory killers such as reapd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "reap_sys.h"

#define MAX_WORKERS 32
#define MIB (1024UL * 1024)

enum kind { BG, FG, SYS, PIN };

struct worker {
	char name[16];
	size_t size;
	int adj;
	enum kind kind;
	pid_t pid;
	int status;
	bool died_early;	/* dying before the foreground finished */
};

static int cpu = -1;
static unsigned long rate = 64;		/* MiB/s, foreground only */
static unsigned int hold = 3;		/* seconds, foreground only */

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: memload [OPTION]... NAME:SIZE:ADJ:KIND...\n"
		"Start workers in order, each once the one before holds its memory:\n"
		"  bg   allocate SIZE at once, then turn SCHED_IDLE and hold it\n"
		"       (a cached background app)\n"
		"  sys  allocate SIZE and hold it at normal priority (a daemon)\n"
		"  pin  allocate SIZE and lock it in memory (the rest of a small\n"
		"       device's RAM, for a killer that only reads /proc/meminfo)\n"
		"  fg   allocate SIZE at --rate while a second thread spins (a busy\n"
		"       foreground app), hold it for --hold seconds, then exit\n"
		"ADJ is the worker's oom_score_adj; SIZE is in MiB.  memload ends when\n"
		"the fg worker does, SIGKILLs the workers left, and prints one line\n"
		"per worker saying how it ended.\n"
		"\n"
		"  -c, --cpu=N       pin the workers to CPU N\n"
		"  -r, --rate=MIB    fg allocation rate in MiB/s (default 64)\n"
		"  -H, --hold=SEC    how long fg holds its memory (default 3)\n"
		"  -h, --help        show this help\n");
}

static void fail(const char *what)
{
	perror(what);
	exit(2);
}

static unsigned long spins;

static void *spin(void *arg)
{
	for (;;)
		__atomic_fetch_add(&spins, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { ms / 1000, (long)(ms * 1e6) % 1000000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* In the child: become the worker, tell the parent once it holds it all. */
static void work(struct worker *w, int ready)
{
	struct sched_param idle = { 0 };
	pthread_t thread;
	double next = now_ms();
	char *p;
	size_t i;
	FILE *f;

	prctl(PR_SET_NAME, w->name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	f = fopen("/proc/self/oom_score_adj", "w");
	if (!f || fprintf(f, "%d\n", w->adj) < 0 || fclose(f))
		fail("oom_score_adj");
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fail("sched_setaffinity");
	}
	p = mmap(NULL, w->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	/* Small pages: a victim's exit then costs what an app's would. */
	madvise(p, w->size, MADV_NOHUGEPAGE);
	if (w->kind == FG && pthread_create(&thread, NULL, spin, NULL))
		fail("pthread_create");
	for (i = 0; i < w->size; i += 4096) {
		p[i] = 1;
		if (w->kind != FG || i % MIB)
			continue;
		/* A steady rate: time lost in a stall is not made up in a burst. */
		next += 1000.0 / rate;
		if (now_ms() > next + 20)
			next = now_ms();
		sleep_ms(next - now_ms());
	}
	if (w->kind == PIN && mlock(p, w->size))
		fail("mlock");
	if (write(ready, "", 1) != 1)
		fail("write");
	if (w->kind == BG && sched_setscheduler(0, SCHED_IDLE, &idle))
		fail("SCHED_IDLE");
	while (w->kind != FG)
		pause();
	sleep(hold);
	_exit(0);
}

static int parse(const char *arg, struct worker *w)
{
	char kind[8];
	unsigned long mib;
	int n;

	if (sscanf(arg, "%15[^:]:%lu:%d:%7s%n", w->name, &mib, &w->adj, kind,
		   &n) != 4 || arg[n] || !mib || w->adj < -1000 || w->adj > 1000)
		return -1;
	w->size = mib * MIB;
	if (!strcmp(kind, "bg"))
		w->kind = BG;
	else if (!strcmp(kind, "fg"))
		w->kind = FG;
	else if (!strcmp(kind, "sys"))
		w->kind = SYS;
	else if (!strcmp(kind, "pin"))
		w->kind = PIN;
	else
		return -1;
	return 0;
}

/* Killed or exiting, but not yet gone: it is not "alive at the end". */
static bool dying(pid_t pid)
{
	struct stat_line s;

	if (read_stat(pid, &s))
		return false;
	return s.state == 'Z' || s.flags & PF_EXITING || kill_pending(pid);
}

static const char *ending(struct worker *w)
{
	static char buf[64];

	if (WIFEXITED(w->status))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(w->status));
	else if (!w->died_early)
		snprintf(buf, sizeof(buf), "alive at the end");
	else
		snprintf(buf, sizeof(buf), "killed (%s)",
			 sigabbrev_np(WTERMSIG(w->status)) ?: "?");
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct worker w[MAX_WORKERS] = { };
	int c, i, n = 0, fg = -1, pipefd[2];
	bool fg_killed;
	char byte;
	FILE *f;

	while ((c = getopt_long(argc, argv, "c:r:H:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'r':
			rate = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			hold = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind == argc || argc - optind > MAX_WORKERS || !rate) {
		print_usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++, n++) {
		if (parse(argv[i], &w[n])) {
			fprintf(stderr, "memload: bad worker '%s'\n", argv[i]);
			return 2;
		}
		if (w[n].kind == FG)
			fg = n;
	}
	if (fg != n - 1) {
		fprintf(stderr, "memload: the last worker, and only it, must be fg\n");
		return 2;
	}

	/* Whoever kills to relieve the pressure should pick a worker. */
	f = fopen("/proc/self/oom_score_adj", "w");
	if (f) {
		fprintf(f, "-1000\n");
		fclose(f);
	}
	for (i = 0; i < n; i++) {
		if (pipe(pipefd))
			fail("pipe");
		w[i].pid = fork();
		if (w[i].pid < 0)
			fail("fork");
		if (!w[i].pid) {
			close(pipefd[0]);
			work(&w[i], pipefd[1]);
		}
		close(pipefd[1]);
		/* EOF: it died before holding its memory. */
		if (read(pipefd[0], &byte, 1) != 1)
			fprintf(stderr, "memload: %s died while allocating\n",
				w[i].name);
		close(pipefd[0]);
		printf("memload: %s (pid %d) holds %zu MiB, oom_score_adj %d\n",
		       w[i].name, w[i].pid, w[i].size / MIB, w[i].adj);
		fflush(stdout);
	}
	if (waitpid(w[fg].pid, &w[fg].status, 0) < 0)
		fail("waitpid");
	w[fg].died_early = true;
	for (i = 0; i < fg; i++) {
		w[i].died_early = dying(w[i].pid);
		if (waitpid(w[i].pid, &w[i].status, WNOHANG) == w[i].pid) {
			w[i].died_early = true;
			continue;
		}
		kill(w[i].pid, SIGKILL);
		if (waitpid(w[i].pid, &w[i].status, 0) < 0)
			fail("waitpid");
	}
	for (i = 0; i < n; i++)
		printf("memload: %s (pid %d): %s\n", w[i].name, w[i].pid,
		       ending(&w[i]));
	fg_killed = !WIFEXITED(w[fg].status);
	printf("memload: foreground %s\n", fg_killed ? "killed" : "survived");
	return 0;
}
