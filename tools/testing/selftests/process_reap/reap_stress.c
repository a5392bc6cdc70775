// SPDX-License-Identifier: GPL-2.0
/*
 * Kill/reap cycles in random mixes: multi-threaded, THP, robust-futex,
 * partly swapped-out and forked COW victims, robust ones held in the
 * kernel with their lists unwalked; one to three reaper threads with
 * blocking and
 * PROCESS_REAP_NOWAIT calls and budgets from 0 to SIZE_MAX;
 * process_mrelease() interleaved; victims that exit on their own; waitpid()
 * racing the calls.  Every call's result must be one the contract allows,
 * the bytes returned for a victim must stay within its footprint, robust
 * futex waiters must get EOWNERDEAD, and free memory must come back.
 *
 *   reap_stress [-n cycles] [-t seconds] [-s seed] [-j workers]
 *
 * The defaults come from REAP_STRESS_CYCLES (10000) and REAP_STRESS_SECONDS
 * (600), so that a debug lane can ask for more.  Cycles run in one worker
 * process per CPU (-j).  The seed is printed; the same seed and -j replay
 * the same mixes (the interleaving is the scheduler's).
 */
#include "reap.h"
#include "../kselftest.h"

#include <getopt.h>
#include <stdatomic.h>
#include <time.h>

#define MEMFREE_SLACK	(16 * SZ_1M)
#define WARMUP		200
#define MAX_REAPERS	3
#define MAX_CALLS	256

enum {
	P_THREADS = 1 << 0,	/* the victim has extra threads */
	P_THP = 1 << 1,		/* 4 MiB of MADV_HUGEPAGE memory */
	P_ROBUST = 1 << 2,	/* it holds a robust futex someone waits on */
	P_COW = 1 << 3,		/* it forked a child sharing its pages */
	P_SELFEXIT = 1 << 4,	/* it calls exit_group() instead of being killed */
	P_MRELEASE = 1 << 5,	/* process_mrelease() calls in between */
	P_WAIT_EARLY = 1 << 6,	/* waitpid() races the reapers */
	/*
	 * With P_ROBUST: the thread holding the futex is held in the kernel
	 * (a jammed pipe) with its list unwalked, and the list runs through
	 * a private robust mutex in the reaped memory first, so that the
	 * waiter gets EOWNERDEAD only if the reap kept the list's pages.
	 */
	P_HELD = 1 << 7,
	P_SWAP = 1 << 8,	/* half its memory paged out first */
	NR_PATTERNS = 9
};

struct shared {
	pthread_mutex_t mutex;
};

struct cycle {
	pid_t pid;
	int pidfd;
	unsigned int pattern;
	uint64_t seed;
	size_t footprint;
	atomic_long returned;
	atomic_bool waiting;	/* waitpid() may have released the pid */
	atomic_bool exited;	/* the victim is past exit_group()/SIGKILL */
	atomic_int bad;
	char why[160];
	pthread_mutex_t why_lock;
	int robust_err;
};

/* A worker's counts, in memory shared with the parent. */
struct stats {
	long cycles, calls, eagain, esrch, einval, zero, mrelease, failures;
	unsigned long long bytes;
	long patterns[NR_PATTERNS];
	char first[320];
};

static struct stats stats;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static bool one_in(uint64_t *s, unsigned int n)
{
	return reap_rand(s) % n == 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void complain(struct cycle *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->why_lock);
	if (!atomic_fetch_add(&c->bad, 1)) {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&c->why_lock);
}

static void init_robust(pthread_mutex_t *m, bool pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void __noreturn
victim_main(struct cycle *c, struct shared *sh, int ready, int go, int jam)
{
	uint64_t s = c->seed;
	size_t size = c->pattern & P_THP ? SZ_2M :
		      (1 + reap_rand(&s) % 256) * page_size();
	pthread_t t;
	char *p;

	p = mmap(NULL, size + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(p, size, c->pattern & P_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (madvise(p, size, MADV_POPULATE_WRITE))
		memset(p, 0x5a, size);
	if (c->pattern & P_THREADS)
		for (int i = 1 + reap_rand(&s) % 3; i > 0; i--)
			if (pthread_create(&t, NULL, pause_forever, NULL))
				_exit(1);
	if (c->pattern & P_ROBUST && pthread_mutex_lock(&sh->mutex))
		_exit(1);
	if (c->pattern & P_HELD) {
		pthread_mutex_t *priv = (pthread_mutex_t *)p;

		init_robust(priv, false);
		if (pthread_mutex_lock(priv))
			_exit(1);
	}
	if (c->pattern & P_SWAP)
		madvise(p, size / 2, MADV_PAGEOUT);
	if (c->pattern & P_COW) {
		pid_t parent = getpid();
		pid_t child = fork();

		if (child < 0)
			_exit(1);
		if (child == 0) {
			/*
			 * A self-exiting victim can be gone before this runs;
			 * its child then belongs to the subreaper, not init,
			 * and would outlive the test holding its stdout.
			 */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	/* Blocks in mutex_lock(&pipe->mutex); SIGKILL cannot end that. */
	if (c->pattern & P_HELD && write(jam, "x", 1) < 0)
		_exit(1);
	if (c->pattern & P_SELFEXIT) {
		/* Once the parent has its footprint and its reapers run. */
		char g;

		if (read(go, &g, 1) != 1)
			_exit(1);
		usleep(reap_rand(&s) % 2000);
		_exit(0);
	}
	for (;;)
		pause();
}

static size_t pick_budget(uint64_t *s)
{
	switch (reap_rand(s) % 6) {
	case 0:
		return 0;
	case 1:
		return page_size();
	case 2:
		return reap_rand(s) % (8UL << 20);
	case 3:
		return reap_rand(s);
	default:
		return SIZE_MAX;
	}
}

/* A call frees max_bytes rounded up to a page, or up to a huge page more. */
static size_t budget_limit(struct cycle *c, size_t budget)
{
	size_t slack = c->pattern & P_THP ? SZ_2M : page_size() - 1;

	return budget > SIZE_MAX - slack ? SIZE_MAX : budget + slack;
}

/*
 * Is a failed call's errno one the contract allows?  @dying: the victim
 * was known to be dying before the call; ESRCH is checked after it,
 * since waitpid() releases the pid during the call.
 */
static bool allowed(struct cycle *c, unsigned int flags, bool dying, int err)
{
	switch (err) {
	case EAGAIN:
		/*
		 * Its lock was busy, or its own teardown holds pages: it may
		 * have exited on its own before we knew.
		 */
		return (flags & PROCESS_REAP_NOWAIT) || dying ||
		       (c->pattern & P_SELFEXIT);
	case ESRCH:
		return atomic_load(&c->waiting);
	case EINVAL:
		/* Unknown flags, or not dying yet. */
		return (flags & ~PROCESS_REAP_NOWAIT) || !dying;
	default:
		return false;
	}
}

static void *reaper_fn(void *arg)
{
	struct cycle *c = arg;
	uint64_t s = reap_rand(&c->seed);
	int zeros = 0, calls;
	long sum = 0;

	for (calls = 0; calls < MAX_CALLS && !zeros; calls++) {
		unsigned int flags = one_in(&s, 2) ? PROCESS_REAP_NOWAIT : 0;
		size_t budget = pick_budget(&s);
		bool dying = atomic_load(&c->exited);
		long ret;

		if (one_in(&s, 16))
			flags |= 1U << (1 + reap_rand(&s) % 31);
		if (c->pattern & P_MRELEASE && one_in(&s, 4)) {
			ret = sys_process_mrelease(c->pidfd, 0);
			if (ret && errno != ESRCH && errno != EINVAL)
				complain(c, "process_mrelease: %s", strerror(errno));
			pthread_mutex_lock(&stats_lock);
			stats.mrelease++;
			pthread_mutex_unlock(&stats_lock);
			continue;
		}
		ret = sys_try_reap_dying_process(c->pidfd, flags, budget);
		pthread_mutex_lock(&stats_lock);
		stats.calls++;
		if (ret < 0) {
			stats.eagain += errno == EAGAIN;
			stats.esrch += errno == ESRCH;
			stats.einval += errno == EINVAL;
		} else {
			stats.zero += ret == 0;
		}
		pthread_mutex_unlock(&stats_lock);
		if (ret < 0) {
			if (!allowed(c, flags, dying, errno))
				complain(c, "flags %#x budget %zu: %s", flags,
					 budget, strerror(errno));
			if (errno == ESRCH)
				break;
			if (errno == EINVAL && !dying)
				usleep(100);
			continue;
		}
		if (ret > 0 && (flags & ~PROCESS_REAP_NOWAIT))
			complain(c, "unknown flags %#x accepted", flags);
		if (ret > 0 && !budget)
			complain(c, "a zero budget freed %ld bytes", ret);
		if ((size_t)ret > budget_limit(c, budget))
			complain(c, "budget %zu, returned %ld", budget, ret);
		sum += ret;
		if (!ret && dying && budget)
			zeros++;
	}
	atomic_fetch_add(&c->returned, sum);
	return NULL;
}

static void *robust_waiter(void *arg)
{
	struct shared *sh = ((void **)arg)[0];
	struct cycle *c = ((void **)arg)[1];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	c->robust_err = pthread_mutex_timedlock(&sh->mutex, &ts);
	if (c->robust_err == EOWNERDEAD) {
		pthread_mutex_consistent(&sh->mutex);
		pthread_mutex_unlock(&sh->mutex);
	} else if (!c->robust_err) {
		pthread_mutex_unlock(&sh->mutex);
	}
	return NULL;
}

/* One cycle; returns false and says why if something was wrong. */
static bool run_cycle(uint64_t seed, struct shared *sh, char *why,
		      size_t len)
{
	pthread_t reapers[MAX_REAPERS], waiter;
	struct pipe_jam jam = { .trap.uffd = -1 };
	struct cycle c = { .seed = seed };
	void *wargs[2] = { sh, &c };
	int ready[2], go[2], nr, status;
	uint64_t s = seed;
	char byte;

	pthread_mutex_init(&c.why_lock, NULL);
	c.pattern = (one_in(&s, 3) ? P_THREADS : 0) |
		    (one_in(&s, 4) ? P_THP : 0) |
		    (one_in(&s, 5) ? P_ROBUST : 0) |
		    (one_in(&s, 5) ? P_COW : 0) |
		    (one_in(&s, 6) ? P_SELFEXIT : 0) |
		    (one_in(&s, 2) ? P_WAIT_EARLY : 0);
	/* process_mrelease() loses robust futexes: that is not our bug. */
	if (!(c.pattern & P_ROBUST) && one_in(&s, 3))
		c.pattern |= P_MRELEASE;
	/* Held until the reapers are done, so neither exits nor is waited. */
	if (c.pattern & P_ROBUST && one_in(&s, 2))
		c.pattern = (c.pattern | P_HELD) & ~(P_SELFEXIT | P_WAIT_EARLY);
	if (one_in(&s, 4))
		c.pattern |= P_SWAP;
	if (c.pattern & P_HELD && pipe_jam_start(&jam))
		return snprintf(why, len, "pipe jam: %m"), false;
	if (c.pattern & P_ROBUST)
		init_robust(&sh->mutex, true);
	if (pipe(ready) || pipe(go))
		return snprintf(why, len, "pipe: %m"), false;
	c.pid = fork();
	if (c.pid == 0) {
		close(ready[0]);
		close(go[1]);
		/* The trap must die with us, not linger in the victim. */
		if (jam.on)
			close(jam.trap.uffd);
		victim_main(&c, sh, ready[1], go[0], jam.on ? jam.fd[1] : -1);
	}
	close(ready[1]);
	close(go[0]);
	if (c.pid < 0 || read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		close(go[1]);
		pipe_jam_release(&jam);
		kill_wait(c.pid);
		return snprintf(why, len, "victim setup failed"), false;
	}
	close(ready[0]);
	if (c.pattern & P_HELD && !wait_task_state(c.pid, c.pid, 'D', 20)) {
		pipe_jam_release(&jam);
		kill_wait(c.pid);
		return snprintf(why, len, "held victim did not block"), false;
	}
	c.pidfd = sys_pidfd_open(c.pid, 0);
	c.footprint = anon_bytes(c.pid);
	if (c.pidfd < 0 || (long)c.footprint < 0)
		return snprintf(why, len, "pidfd/smaps of %d: %m", c.pid), false;
	if (c.pattern & P_ROBUST)
		pthread_create(&waiter, NULL, robust_waiter, wargs);

	nr = 1 + reap_rand(&s) % MAX_REAPERS;
	if (!(c.pattern & P_SELFEXIT)) {
		sys_pidfd_send_signal(c.pidfd, SIGKILL);
		atomic_store(&c.exited, true);
	}
	for (int i = 0; i < nr; i++)
		pthread_create(&reapers[i], NULL, reaper_fn, &c);
	if (c.pattern & P_SELFEXIT && write(go[1], "g", 1) != 1)
		complain(&c, "go: %s", strerror(errno));
	close(go[1]);
	if (c.pattern & P_SELFEXIT) {
		siginfo_t si;

		/* Exited, but not yet waited for: WNOWAIT. */
		waitid(P_PID, c.pid, &si, WEXITED | WNOWAIT);
		atomic_store(&c.exited, true);
	}
	if (c.pattern & P_WAIT_EARLY) {
		atomic_store(&c.waiting, true);
		waitpid(c.pid, &status, 0);
	}
	for (int i = 0; i < nr; i++)
		pthread_join(reapers[i], NULL);
	/* Reaped, with its list still unwalked: now it may exit. */
	pipe_jam_release(&jam);
	if (!(c.pattern & P_WAIT_EARLY)) {
		atomic_store(&c.waiting, true);
		waitpid(c.pid, &status, 0);
	}
	if (c.pattern & P_ROBUST) {
		pthread_join(waiter, NULL);
		if (c.robust_err != EOWNERDEAD)
			complain(&c, "robust futex waiter got %s, not EOWNERDEAD",
				 strerror(c.robust_err));
	}
	close(c.pidfd);
	if ((size_t)atomic_load(&c.returned) > c.footprint)
		complain(&c, "returned %ld bytes, footprint %zu",
			 atomic_load(&c.returned), c.footprint);

	pthread_mutex_lock(&stats_lock);
	stats.bytes += atomic_load(&c.returned);
	for (int b = 0; b < NR_PATTERNS; b++)
		stats.patterns[b] += !!(c.pattern & (1 << b));
	pthread_mutex_unlock(&stats_lock);
	if (atomic_load(&c.bad)) {
		snprintf(why, len, "pattern %#x: %s", c.pattern, c.why);
		return false;
	}
	return true;
}

/* Orphaned COW children come to us as the subreaper. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Generic KASAN keeps freed slab objects in a quarantine of up to 1/32 of
 * memory, so that free memory drifts down with every allocation; kmemleak
 * is what finds leaks there.
 */
static bool kasan_quarantine(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " kasan_quarantine_put\n");
	if (f)
		fclose(f);
	return found;
}

/*
 * Free pages on the CPUs' page lists, in bytes.  MemFree leaves them out,
 * and 6.1 lets the CPUs of a zone keep up to its low watermark there:
 * enough to move MemFree by more than the slack from one moment to the
 * next, with nothing leaked.
 */
static long pcp_free(void)
{
	long pages, total = 0;
	char line[128];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &pages) == 1)
			total += pages;
	fclose(f);
	return total * sysconf(_SC_PAGESIZE);
}

/*
 * Free memory in bytes once caches are dropped: MemFree plus the CPUs'
 * page lists; with @slab, plus the slab (where KASAN's quarantine sits).
 */
static long memfree(bool slab)
{
	long kb, total = 0, pcp;
	char line[128];
	FILE *f;

	write_file("/proc/sys/vm/drop_caches", "3");
	write_file("/proc/sys/vm/compact_memory", "1");
	pcp = pcp_free();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1 ||
		    (slab && sscanf(line, "Slab: %ld kB", &kb) == 1))
			total += kb;
	fclose(f);
	return pcp < 0 ? -1 : total * 1024 + pcp;
}

/*
 * Run @n cycles from @seed, with a deadline; the counts go to @out.  Each
 * worker is a process of its own, the subreaper of its victims' children.
 */
static void run_cycles(int worker, long n, uint64_t seed, double deadline,
		       struct stats *out)
{
	double start = now_s(), last = start;
	struct shared *sh;
	char why[256];

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		snprintf(out->first, sizeof(out->first), "mmap: %s",
			 strerror(errno));
		out->failures = 1;
		return;
	}
	memset(&stats, 0, sizeof(stats));
	for (long i = 0; i < n; i++) {
		if (!run_cycle(reap_rand(&seed), sh, why, sizeof(why))) {
			if (!stats.failures++)
				snprintf(stats.first, sizeof(stats.first),
					 "worker %d, cycle %ld: %s", worker, i,
					 why);
			ksft_print_msg("worker %d, cycle %ld: %s\n", worker, i,
				       why);
			if (stats.failures > 10)
				break;
		}
		reap_orphans();
		stats.cycles++;
		if (now_s() - last > 20) {
			last = now_s();
			ksft_print_msg("worker %d: %ld/%ld cycles, %.0f s, %ld calls\n",
				       worker, i + 1, n, last - start,
				       stats.calls);
		}
		if (now_s() > deadline) {
			ksft_print_msg("worker %d: stopping at the time bound after %ld cycles\n",
				       worker, i + 1);
			break;
		}
	}
	munmap(sh, 4096);
	*out = stats;
}

static void add_stats(struct stats *sum, const struct stats *w)
{
	sum->cycles += w->cycles;
	sum->calls += w->calls;
	sum->eagain += w->eagain;
	sum->esrch += w->esrch;
	sum->einval += w->einval;
	sum->zero += w->zero;
	sum->mrelease += w->mrelease;
	sum->bytes += w->bytes;
	for (int b = 0; b < NR_PATTERNS; b++)
		sum->patterns[b] += w->patterns[b];
	if (w->failures && !sum->failures)
		snprintf(sum->first, sizeof(sum->first), "%s", w->first);
	sum->failures += w->failures;
}

/* Split @n cycles over @jobs workers, seeded from @seed; wait for them. */
static void run_workers(int jobs, long n, uint64_t *seed, double deadline,
			struct stats *out)
{
	for (int w = 0; w < jobs; w++) {
		long nw = n / jobs + (w < n % jobs);
		uint64_t wseed = reap_rand(seed);

		if (fork() == 0) {
			run_cycles(w, nw, wseed, deadline, &out[w]);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
}

int main(int argc, char **argv)
{
	long cycles = getenv("REAP_STRESS_CYCLES") ?
		      atol(getenv("REAP_STRESS_CYCLES")) : 10000;
	double limit = getenv("REAP_STRESS_SECONDS") ?
		       atof(getenv("REAP_STRESS_SECONDS")) : 600;
	int jobs = sysconf(_SC_NPROCESSORS_ONLN), opt;
	uint64_t seed = (uint64_t)time(NULL) ^ getpid();
	struct stats total = { 0 }, *slots;
	long before = 0, after;
	double start, deadline;
	bool slab = kasan_quarantine();

	while ((opt = getopt(argc, argv, "n:t:s:j:")) != -1) {
		switch (opt) {
		case 'n':
			cycles = atol(optarg);
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			jobs = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n cycles] [-t seconds] [-s seed] [-j workers]\n",
				argv[0]);
			return 2;
		}
	}
	jobs = jobs < 1 ? 1 : jobs > 16 ? 16 : jobs;
	ksft_print_header();
	ksft_set_plan(3);
	if (!have_try_reap()) {
		for (int i = 0; i < 3; i++)
			ksft_test_result_skip("try_reap_dying_process() is not available\n");
		ksft_finished();
	}
	ksft_print_msg("seed %#llx, %ld cycles, %d workers, at most %.0f s\n",
		       (unsigned long long)seed, cycles, jobs, limit);
	ksft_print_msg("replay: %s -s %#llx -n %ld -j %d\n", argv[0],
		       (unsigned long long)seed, cycles, jobs);
	signal(SIGPIPE, SIG_IGN);
	slots = mmap(NULL, 2 * jobs * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	/*
	 * The warm-up runs as many workers as the test, so that the slabs
	 * the baseline sees are those of the same load; the baseline is
	 * taken when nothing is left.
	 */
	start = now_s();
	deadline = start + limit;
	run_workers(jobs, cycles < WARMUP ? cycles : WARMUP, &seed, deadline,
		    &slots[jobs]);
	reap_orphans();
	before = memfree(slab);
	if (cycles > WARMUP)
		run_workers(jobs, cycles - WARMUP, &seed, deadline, slots);
	for (int w = 0; w < 2 * jobs; w++)
		add_stats(&total, &slots[w]);
	ksft_print_msg("%ld cycles in %.0f s, %llu MiB returned, %ld calls\n",
		       total.cycles, now_s() - start, total.bytes >> 20,
		       total.calls);
	ksft_print_msg("  EAGAIN %ld, ESRCH %ld, EINVAL %ld, 0 %ld, mrelease %ld\n",
		       total.eagain, total.esrch, total.einval, total.zero,
		       total.mrelease);
	ksft_print_msg("patterns: threads %ld, THP %ld, robust %ld, COW %ld,\n",
		       total.patterns[0], total.patterns[1], total.patterns[2],
		       total.patterns[3]);
	ksft_print_msg("  self-exit %ld, process_mrelease %ld, early waitpid %ld\n",
		       total.patterns[4], total.patterns[5], total.patterns[6]);
	ksft_test_result(!total.failures,
			 "%ld cycles: every result allowed, byte counts within footprints, robust waiters got EOWNERDEAD%s%s\n",
			 total.cycles, total.failures ? "; first failure: " : "",
			 total.first);
	ksft_test_result(total.cycles >= cycles, "ran the %ld cycles asked for (%ld)\n",
			 cycles, total.cycles);
	sleep(1);
	after = memfree(slab);
	if (total.cycles <= WARMUP) {
		ksft_test_result_skip("too few cycles for a MemFree baseline\n");
	} else {
		ksft_print_msg("%s: %ld kB after the warm-up, %ld kB at the end\n",
			       slab ? "MemFree + per-CPU lists + Slab (KASAN)" :
			       "MemFree + per-CPU lists", before >> 10, after >> 10);
		ksft_test_result(before - after <= (long)MEMFREE_SLACK,
				 "MemFree back to its baseline, within %lu kB\n",
				 MEMFREE_SLACK >> 10);
	}
	ksft_finished();
}
