// SPDX-License-Identifier: GPL-2.0
/*
 * How fast does a killed, starved victim's memory come back?
 *
 * The victim allocates in a memory cgroup of its own, then runs SCHED_IDLE
 * on a CPU that a normal-priority hog saturates, so after SIGKILL it barely
 * gets to run its own exit.  The reaper runs on the other CPU.  The time
 * from SIGKILL until the cgroup's memory.current has dropped by 90% is
 * measured for each strategy, in one boot, and reported as ratios to
 * "kill only": under emulation, absolute times mean little.
 *
 *   reap_bench [-s MiB] [-r reps] [-t seconds]
 *
 * -t caps the wait for 90% (default 60 s): under emulation a starved
 * victim can take minutes to exit on its own; a capped time is reported
 * as a lower bound, with how much had come back by then.
 */
#include "process_reap.h"

#include <getopt.h>
#include <time.h>

#define VICTIM_CPU 1
#define REAPER_CPU 0

enum strategy { KILL_ONLY, MRELEASE, REAP_ALL, REAP_LOOP, NR_STRATEGIES };

static const char *const strategy_name[] = {
	[KILL_ONLY] = "kill only",
	[MRELEASE] = "kill + process_mrelease",
	[REAP_ALL] = "kill + try_reap_dying_process",
	[REAP_LOOP] = "kill + try_reap loop, 64 MiB steps",
};

struct result {
	double ms;		/* SIGKILL until 90% of the charge is gone */
	double left;		/* fraction still charged at the cap */
	bool capped;
	long bytes;		/* what the reap calls returned */
	long calls;
	int err;		/* errno of the first failed call */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static pid_t start_hog(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pin(VICTIM_CPU);
		for (;;)
			;
	}
	return pid;
}

/* A victim in cgroup @cg with @size bytes touched; returns its pid. */
static pid_t start_victim(const char *cg, size_t size)
{
	struct sched_param sp = { 0 };
	char path[128];
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	mkdir(cg, 0755);
	pid = fork();
	if (pid == 0) {
		char *p;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (!write_file(path, "0"))
			_exit(1);
		pin(VICTIM_CPU);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, size, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < size; off += 4096)
			p[off] = 1;
		/* From now on it barely runs next to the hog. */
		if (sched_setscheduler(0, SCHED_IDLE, &sp))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

static long memcg_current(const char *cg)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	return read_long_file(path);
}

static double cap_ms = 60000;

static int run_one(enum strategy st, size_t size, int rep, struct result *r)
{
	char cg[64];
	long start, target, ret;
	double t0;
	pid_t pid;
	int pidfd;

	memset(r, 0, sizeof(*r));
	snprintf(cg, sizeof(cg), CGROUP_ROOT "/reap-bench-%d-%d", st, rep);
	pid = start_victim(cg, size);
	if (pid < 0)
		return -1;
	pidfd = sys_pidfd_open(pid, 0);
	start = memcg_current(cg);
	target = start / 10;

	t0 = now_ms();
	if (sys_pidfd_send_signal(pidfd, SIGKILL))
		return -1;
	switch (st) {
	case KILL_ONLY:
		break;
	case MRELEASE:
		r->calls = 1;
		if (sys_process_mrelease(pidfd, 0))
			r->err = errno;
		break;
	case REAP_ALL:
	case REAP_LOOP:
		do {
			ret = sys_try_reap_dying_process(pidfd, 0,
				st == REAP_ALL ? SIZE_MAX : 64 * SZ_1M);
			r->calls++;
			if (ret < 0) {
				r->err = errno;
				break;
			}
			r->bytes += ret;
		} while (ret);
		break;
	default:
		break;
	}
	while (memcg_current(cg) > target) {
		if (now_ms() - t0 > cap_ms) {
			r->capped = true;
			r->left = (double)memcg_current(cg) / start;
			break;
		}
	}
	r->ms = now_ms() - t0;

	waitpid(pid, NULL, 0);
	close(pidfd);
	rmdir(cg);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct result res[NR_STRATEGIES][16];
	double med[NR_STRATEGIES], v[16];
	bool capped[NR_STRATEGIES] = { false };
	size_t size = 1024 * SZ_1M;
	int reps = 1, opt, st, i;
	pid_t hog;

	while ((opt = getopt(argc, argv, "s:r:t:")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) * SZ_1M;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 't':
			cap_ms = atof(optarg) * 1000;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MiB] [-r reps] [-t seconds]\n",
				argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > 16) {
		fprintf(stderr, "reps must be 1..16\n");
		return 2;
	}
	if (!have_try_reap()) {
		fprintf(stderr, "try_reap_dying_process() is not available\n");
		return 4;
	}
	pin(REAPER_CPU);
	hog = start_hog();
	printf("Starved victim: %zu MiB, SCHED_IDLE on CPU %d next to a CPU hog; reaper on CPU %d.\n",
	       size >> 20, VICTIM_CPU, REAPER_CPU);
	for (i = 0; i < reps; i++) {
		for (st = 0; st < NR_STRATEGIES; st++) {
			if (run_one(st, size, i, &res[st][i])) {
				fprintf(stderr, "%s: victim setup failed\n",
					strategy_name[st]);
				kill(hog, SIGKILL);
				return 1;
			}
			printf("  rep %d/%d  %-36s %s%9.1f ms\n", i + 1, reps,
			       strategy_name[st], res[st][i].capped ? ">" : " ",
			       res[st][i].ms);
			fflush(stdout);
		}
	}
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);

	for (st = 0; st < NR_STRATEGIES; st++) {
		for (i = 0; i < reps; i++) {
			v[i] = res[st][i].ms;
			capped[st] |= res[st][i].capped;
		}
		qsort(v, reps, sizeof(v[0]), cmp_double);
		med[st] = reps % 2 ? v[reps / 2] :
			(v[reps / 2 - 1] + v[reps / 2]) / 2;
	}
	if (capped[KILL_ONLY])
		printf("\nkill only hit the %.0f s cap with %.0f%% of the charge left.\n",
		       cap_ms / 1000, res[KILL_ONLY][0].left * 100);
	printf("\n| strategy | time to 90%% freed (median of %d) | vs kill only | bytes returned | calls | errors |\n",
	       reps);
	printf("|---|---:|---:|---:|---:|---|\n");
	for (st = 0; st < NR_STRATEGIES; st++) {
		struct result *r = &res[st][0];
		char bytes[32] = "-", ratio[32];

		if (st >= REAP_ALL)
			snprintf(bytes, sizeof(bytes), "%ld MiB", r->bytes >> 20);

		/* A capped kill-only time only bounds the ratios from above. */
		snprintf(ratio, sizeof(ratio), "%s%.4f",
			 capped[KILL_ONLY] && !capped[st] ? "< " : "",
			 med[st] / med[KILL_ONLY]);
		printf("| %s | %s%.1f ms%s | %s | %s | %ld | %s |\n",
		       strategy_name[st], capped[st] ? "> " : "", med[st],
		       capped[st] ? " (cap)" : "", st == KILL_ONLY ? "1" : ratio,
		       bytes, r->calls, r->err ? strerror(r->err) : "none");
	}
	return 0;
}
