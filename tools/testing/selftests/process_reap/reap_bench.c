// SPDX-License-Identifier: GPL-2.0
/*
 * What try_reap_dying_process() buys a low-memory killer, measured in one
 * boot as ratios between strategies: under emulation absolute times mean
 * little, ratios between runs of the same boot do.
 *
 * Each victim allocates in a memory cgroup of its own, pinned to CPU 1,
 * and is starved there in one of two ways:
 *   idle  SCHED_IDLE next to a normal-priority CPU hog: after SIGKILL it
 *         barely runs, and usually still holds its mm 100 ms later;
 *   fifo  under a SCHED_FIFO hog: it gets the fair server's bursts, drops
 *         its mm within milliseconds and tears down in bursts.
 * Unstarved victims exit at once; as a bound on what a reaper on CPU 0
 * can add, the same memory is also split between two victims, one on each
 * CPU, each running its own exit.  And as a reaper frees memory another
 * CPU allocated, a victim also exits on CPU 0 after allocating on CPU 1.
 * The reaper runs on CPU 0.  A SCHED_FIFO thread samples the cgroup's
 * memory.current every millisecond; the metric is the time from SIGKILL
 * until it has dropped by 90%.
 *
 *   reap_bench [-r reps] [-s MiB] [-t seconds] [-o dir] [-P file]
 *              [scenario|strategy...]
 *
 * Scenarios (all by default): starved late relief loop rate sparse cpu
 * unstarved; a strategy's key (bench.csv's first column) runs it alone,
 * for a profile, say.
 * -t caps every wait (default 30 s); a capped time is a lower bound and
 * makes the ratios built on it bounds too.  -o writes bench.csv (one row
 * per run), bench-curves.csv (memory.current over time of the median run
 * of the plotted strategies) and bench.md (the tables printed at the end).
 * -P writes the kernel's profile of the runs, from each kill on (see
 * prof_write()), for harness/profile.sh to turn into functions.
 */
#include "reap.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#define REAPER_CPU	0
#define VICTIM_CPU	1
#define MAX_REPS	16
#define SAMPLE_NS	1000000L
#define LATE_MS		100
#define SPARSE_SPAN	(1024 * SZ_1G)
#define SZ_1G		(1024 * SZ_1M)

enum starve { UNSTARVED, IDLE, FIFO };
enum action { KILL, MRELEASE, REAP };

enum scenario {
	S_STARVED = 1 << 0,
	S_LATE = 1 << 1,
	S_RELIEF = 1 << 2,
	S_LOOP = 1 << 3,
	S_RATE = 1 << 4,
	S_SPARSE = 1 << 5,
	S_CPU = 1 << 6,
	S_UNSTARVED = 1 << 7,
	NR_SCENARIOS = 8
};

static const char *const scenario_name[NR_SCENARIOS] = {
	"starved", "late", "relief", "loop", "rate", "sparse", "cpu",
	"unstarved",
};

struct strategy {
	const char *key;
	const char *label;
	enum starve starve;
	enum action action;
	bool late;		/* act LATE_MS after the kill */
	bool thp;		/* MADV_HUGEPAGE instead of MADV_NOHUGEPAGE */
	bool sparse;		/* resident pieces spread over a 1 TiB map */
	bool curve;		/* drawn in the plot */
	bool busy;		/* a CPU hog on the CPU the victim exits beside */
	size_t step;		/* max_bytes per call */
	unsigned long mib;	/* victim size; 0 means -s (times @scale) */
	unsigned int scale;
	unsigned int threads;	/* more threads in the victim, all exiting */
	bool split;		/* two victims of half the size, one per CPU */
	bool moved;		/* allocates on CPU 1, exits on CPU 0 */
	unsigned int scenarios;
};

/* In run order: what a ratio compares runs close in time. */
enum {
	IDLE_KILL, IDLE_MRELEASE, IDLE_REAP, EXIT_4K, UNSTARVED_REAP,
	EXIT_4K_SPLIT, EXIT_4K_BUSY, EXIT_4K_MOVED, IDLE_LOOP16, IDLE_LOOP64,
	IDLE_LOOP1, IDLE_REAP_THP, IDLE_MRELEASE_THP, EXIT_THP,
	UNSTARVED_REAP_THP, EXIT_THP_SPLIT, EXIT_THP_BUSY, EXIT_THP_MOVED,
	EXIT_MT, UNSTARVED_REAP_MT, THP_LOOP1,
	THP_LOOP16, THP_LOOP64, FIFO_KILL, FIFO_LATE_MRELEASE, FIFO_LATE_REAP,
	SPARSE, DENSE, NR_STRATEGIES
};

/* THP runs are short: twice the size, so that a figure is not noise. */
#define THP_SCALE	2
#define MT_THREADS	8

static const struct strategy strategies[NR_STRATEGIES] = {
	[IDLE_KILL] = { "idle_kill", "kill only", IDLE, KILL,
		.curve = true, .scenarios = S_STARVED },
	[IDLE_MRELEASE] = { "idle_mrelease", "kill + process_mrelease", IDLE,
		MRELEASE, .curve = true, .scenarios = S_STARVED },
	[IDLE_REAP] = { "idle_reap", "kill + try_reap_dying_process", IDLE,
		REAP, .curve = true, .step = SIZE_MAX,
		.scenarios = S_STARVED | S_RELIEF | S_LOOP | S_RATE | S_CPU },
	[IDLE_LOOP64] = { "idle_loop64", "kill + try_reap loop, 64 MiB steps",
		IDLE, REAP, .curve = true, .step = 64 * SZ_1M,
		.scenarios = S_RELIEF | S_LOOP },
	[IDLE_LOOP16] = { "idle_loop16", "kill + try_reap loop, 16 MiB steps",
		IDLE, REAP, .step = 16 * SZ_1M, .scenarios = S_LOOP },
	[IDLE_LOOP1] = { "idle_loop1", "kill + try_reap loop, 1 MiB steps",
		IDLE, REAP, .step = SZ_1M, .scenarios = S_LOOP },
	[FIFO_KILL] = { "fifo_kill", "kill only, FIFO-starved", FIFO, KILL,
		.curve = true, .scenarios = S_LATE },
	[FIFO_LATE_MRELEASE] = { "fifo_late_mrelease",
		"kill, process_mrelease 100 ms later, FIFO-starved", FIFO,
		MRELEASE, .late = true, .curve = true, .scenarios = S_LATE },
	[FIFO_LATE_REAP] = { "fifo_late_reap",
		"kill, try_reap 100 ms later, FIFO-starved", FIFO, REAP,
		.late = true, .curve = true, .step = SIZE_MAX,
		.scenarios = S_LATE },
	[EXIT_4K] = { "exit_4k", "kill only, unstarved", UNSTARVED, KILL,
		.scenarios = S_RATE | S_CPU | S_UNSTARVED },
	[UNSTARVED_REAP] = { "unstarved_reap",
		"kill + try_reap loop, unstarved", UNSTARVED, REAP,
		.step = 64 * SZ_1M, .scenarios = S_UNSTARVED },
	[EXIT_4K_SPLIT] = { "exit_4k_split",
		"kill only, unstarved, two victims of half the size, one per CPU",
		UNSTARVED, KILL, .split = true, .scenarios = S_UNSTARVED },
	[EXIT_4K_BUSY] = { "exit_4k_busy",
		"kill only, unstarved, other CPU busy", UNSTARVED, KILL,
		.busy = true, .scenarios = S_RATE },
	[EXIT_4K_MOVED] = { "exit_4k_moved",
		"kill only, unstarved, exits on the other CPU, its own busy",
		UNSTARVED, KILL, .moved = true, .busy = true,
		.scenarios = S_RATE },
	[IDLE_REAP_THP] = { "idle_reap_thp", "kill + try_reap_dying_process, THP",
		IDLE, REAP, .thp = true, .step = SIZE_MAX, .scale = THP_SCALE,
		.scenarios = S_RATE },
	[IDLE_MRELEASE_THP] = { "idle_mrelease_thp",
		"kill + process_mrelease, THP", IDLE, MRELEASE, .thp = true,
		.scale = THP_SCALE, .scenarios = S_RATE },
	[EXIT_THP] = { "exit_thp", "kill only, unstarved, THP", UNSTARVED,
		KILL, .thp = true, .scale = THP_SCALE,
		.scenarios = S_RATE | S_UNSTARVED },
	[UNSTARVED_REAP_THP] = { "unstarved_reap_thp",
		"kill + try_reap loop, unstarved, THP", UNSTARVED, REAP,
		.thp = true, .step = 64 * SZ_1M, .scale = THP_SCALE,
		.scenarios = S_UNSTARVED },
	[EXIT_THP_SPLIT] = { "exit_thp_split",
		"kill only, unstarved, THP, two victims of half the size, one per CPU",
		UNSTARVED, KILL, .thp = true, .scale = THP_SCALE, .split = true,
		.scenarios = S_UNSTARVED },
	[EXIT_THP_BUSY] = { "exit_thp_busy",
		"kill only, unstarved, THP, other CPU busy", UNSTARVED, KILL,
		.thp = true, .busy = true, .scale = THP_SCALE,
		.scenarios = S_RATE },
	[EXIT_THP_MOVED] = { "exit_thp_moved",
		"kill only, unstarved, THP, exits on the other CPU, its own busy",
		UNSTARVED, KILL, .thp = true, .moved = true, .busy = true,
		.scale = THP_SCALE, .scenarios = S_RATE },
	[EXIT_MT] = { "exit_mt", "kill only, unstarved, 8 threads", UNSTARVED,
		KILL, .threads = MT_THREADS, .scenarios = S_UNSTARVED },
	[UNSTARVED_REAP_MT] = { "unstarved_reap_mt",
		"kill + try_reap loop, unstarved, 8 threads", UNSTARVED, REAP,
		.step = 64 * SZ_1M, .threads = MT_THREADS,
		.scenarios = S_UNSTARVED },
	[THP_LOOP1] = { "thp_loop1", "THP, try_reap loop, 1 MiB steps", IDLE,
		REAP, .thp = true, .step = SZ_1M, .mib = 256,
		.scenarios = S_LOOP },
	[THP_LOOP16] = { "thp_loop16", "THP, try_reap loop, 16 MiB steps",
		IDLE, REAP, .thp = true, .step = 16 * SZ_1M, .mib = 256,
		.scenarios = S_LOOP },
	[THP_LOOP64] = { "thp_loop64", "THP, try_reap loop, 64 MiB steps",
		IDLE, REAP, .thp = true, .step = 64 * SZ_1M, .mib = 256,
		.scenarios = S_LOOP },
	[SPARSE] = { "sparse", "64 MiB resident in 1 TiB + 1 TiB PROT_NONE",
		IDLE, REAP, .sparse = true, .step = SIZE_MAX, .mib = 64,
		.scenarios = S_SPARSE },
	[DENSE] = { "dense", "64 MiB resident, dense", IDLE, REAP,
		.step = SIZE_MAX, .mib = 64, .scenarios = S_SPARSE },
};

struct sample {
	double ms;
	long bytes;
};

struct result {
	bool ran;
	size_t size;		/* memory.current at the kill */
	double thp_pct;		/* of the anon charge, in huge pages */
	double t90;		/* SIGKILL until 90% of the charge is gone */
	bool capped;
	double left_pct;	/* still charged at the cap */
	bool mm_gone;		/* no mm when the late call came */
	double first_ms;	/* SIGKILL until the first call returned */
	size_t first_bytes;
	double call_ms;		/* time in the calls that freed memory */
	size_t bytes;		/* what the calls returned */
	long calls;
	int err;		/* errno of a failed call */
	long eagain;		/* calls that waited out the victim's own teardown */
	double eagain_ms;	/* time in those calls, not in call_ms */
	double last_ms;		/* time in the call that said 0 */
	double done_ms;		/* SIGKILL until that call returned */
	size_t max_over;	/* largest return above max_bytes */
	double caller_cpu_ms;	/* the reaper thread's CPU in the calls */
	double victim_cpu_ms;	/* the victim's CPU after the kill */
	struct sample *samples;
	size_t nr_samples;
};

static struct result results[NR_STRATEGIES][MAX_REPS];
static bool run[NR_STRATEGIES];	/* what the command line asked for */
static double cap_ms = 30000;

/*
 * -P: what /proc/profile (profile=N on the kernel's command line) gains
 * from each kill until its run is over, summed over the runs, so that the
 * victims' allocation stays out of it.  A reaper's run is over when its
 * first call that frees nothing returns: its polls are not its work.
 */
static const char *prof_out;
static unsigned int *prof_sum, *prof_mark, *prof_now;
static size_t prof_words;
static bool prof_armed;

static int prof_read(unsigned int *buf)
{
	size_t want = prof_words * sizeof(*buf), got = 0;
	int fd = open("/proc/profile", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	while (got < want && (n = read(fd, (char *)buf + got, want - got)) > 0)
		got += n;
	close(fd);
	return got == want ? 0 : -1;
}

static int prof_init(void)
{
	struct stat st;

	if (stat("/proc/profile", &st) || st.st_size < 2 * (off_t)sizeof(int))
		return -1;
	prof_words = st.st_size / sizeof(int);
	prof_sum = calloc(prof_words, sizeof(int));
	prof_mark = malloc(prof_words * sizeof(int));
	prof_now = malloc(prof_words * sizeof(int));
	/* Fault them in now: no page clearing in the profile. */
	return prof_sum && prof_mark && prof_now && !prof_read(prof_mark) &&
	       !prof_read(prof_now) ? 0 : -1;
}

static void prof_start(void)
{
	prof_armed = prof_out && !prof_read(prof_mark);
}

static void prof_stop(void)
{
	if (!prof_armed)
		return;
	prof_armed = false;
	if (prof_read(prof_now))
		return;
	/* The first word is the bytes of text per counter. */
	prof_sum[0] = prof_now[0];
	for (size_t i = 1; i < prof_words; i++)
		prof_sum[i] += prof_now[i] - prof_mark[i];
}

/*
 * "step N", then "counter hits" for each counter hit: counter i counts
 * the ticks at _stext + i * N.
 */
static int prof_write(void)
{
	FILE *f = fopen(prof_out, "w");

	if (!f)
		return -1;
	fprintf(f, "step %u\n", prof_sum[0]);
	for (size_t i = 1; i < prof_words; i++)
		if (prof_sum[i])
			fprintf(f, "%zu %u\n", i - 1, prof_sum[i]);
	return fclose(f);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_until(double ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1e3),
		.tv_nsec = (long)((ms - (time_t)(ms / 1e3) * 1e3) * 1e6),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static double tv_ms(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

static double rusage_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
}

static void pin(int cpu)
{
	if (pin_to_cpu(cpu))
		perror("sched_setaffinity");
}

static int set_fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	return sched_setscheduler(0, SCHED_FIFO, &sp);
}

static void populate(char *p, size_t len)
{
	if (!madvise(p, len, MADV_POPULATE_WRITE))
		return;
	for (size_t off = 0; off < len; off += page_size())
		p[off] = 1;
}

static char *map_aligned(size_t len, int prot)
{
	char *p = mmap(NULL, len + SZ_2M, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
}

/* Bound on what a victim writes before it joins its cgroup. */
#define PRE_JOIN_SLACK	(256 * 1024)

/*
 * The victim: join @cg on CPU @on, allocate, get starved, report its CPU
 * time so far on @wfd and wait for the kill.
 */
static void victim_main(const struct strategy *s, size_t size, int on,
			const char *cg, int wfd, atomic_ulong *beat)
{
	struct sched_param sp = { 0 };
	char path[128];
	double cpu;
	char *p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (!write_file(path, "0"))
		_exit(1);
	pin(on);
	if (s->sparse) {
		size_t pieces = size / SZ_2M;

		if (!map_aligned(SPARSE_SPAN, PROT_NONE))
			_exit(1);
		p = map_aligned(SPARSE_SPAN, PROT_READ | PROT_WRITE);
		if (!p)
			_exit(1);
		madvise(p, SPARSE_SPAN, MADV_NOHUGEPAGE);
		for (size_t i = 0; i < pieces; i++)
			populate(p + i * (SPARSE_SPAN / pieces), SZ_2M);
	} else {
		p = map_aligned(size, PROT_READ | PROT_WRITE);
		if (!p)
			_exit(1);
		madvise(p, size, s->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		populate(p, size);
	}
	for (unsigned int i = 1; i < s->threads; i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, pause_forever, NULL))
			_exit(1);
	}
	if (s->starve == IDLE && sched_setscheduler(0, SCHED_IDLE, &sp))
		_exit(1);
	/* Where a reaper would run: to CPU 0, whose caches hold none of it. */
	if (s->moved)
		pin(REAPER_CPU);
	cpu = rusage_ms(RUSAGE_SELF);
	if (write(wfd, &cpu, sizeof(cpu)) != sizeof(cpu))
		_exit(1);
	/* Under a FIFO hog, this shows the parent when a burst begins. */
	if (s->starve == FIFO)
		for (;;)
			atomic_fetch_add(beat, 1);
	for (;;)
		pause();
}

/*
 * The fair server defers its bursts: a fair task woken under a FIFO hog
 * first runs up to a second later.  Kill the spinning victim as one of
 * its bursts begins instead, so that it drops its mm and starts its exit
 * at once, as the late strategies expect.
 */
static int wait_burst(atomic_ulong *beat)
{
	double end = now_ms() + 3000;
	unsigned long b;

	usleep(20000);
	b = atomic_load(beat);
	while (atomic_load(beat) == b) {
		if (now_ms() > end)
			return -1;
		usleep(200);
	}
	return 0;
}

struct sampler {
	pthread_t thread;
	int fd;
	int cpu;
	struct sample *s;
	size_t n, max;
	atomic_long last;
	atomic_bool stop;
	atomic_bool sampling;	/* the first sample is in */
};

static long read_current(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static void *sampler_main(void *arg)
{
	struct sampler *sm = arg;
	double next;

	/*
	 * Above both hogs, so that a sample is late by at most a wakeup;
	 * and before moving next to a FIFO hog, or it never gets to run.
	 */
	if (set_fifo(50))
		perror("sampler: SCHED_FIFO");
	pin(sm->cpu);
	next = now_ms();
	while (!atomic_load(&sm->stop) && sm->n < sm->max) {
		long v = read_current(sm->fd);
		double t = now_ms();

		sm->s[sm->n++] = (struct sample){ t, v };
		atomic_store(&sm->last, v);
		atomic_store(&sm->sampling, true);
		next += SAMPLE_NS / 1e6;
		if (next < t)
			next = t;
		sleep_until(next);
	}
	return NULL;
}

static int sampler_start(struct sampler *sm, const char *cg, int cpu)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	sm->fd = open(path, O_RDONLY);
	sm->cpu = cpu;
	sm->n = 0;
	sm->max = (size_t)(cap_ms + 2 * LATE_MS + 1000);
	sm->s = malloc(sm->max * sizeof(*sm->s));
	atomic_store(&sm->last, read_current(sm->fd));
	atomic_store(&sm->stop, false);
	atomic_store(&sm->sampling, false);
	if (sm->fd < 0 || !sm->s ||
	    pthread_create(&sm->thread, NULL, sampler_main, sm))
		return -1;
	/* The curve must start before the kill, however slow the kernel. */
	while (!atomic_load(&sm->sampling))
		usleep(1000);
	return 0;
}

static void sampler_stop(struct sampler *sm)
{
	atomic_store(&sm->stop, true);
	pthread_join(sm->thread, NULL);
	close(sm->fd);
}

static void do_reap(const struct strategy *s, int pidfd, double t0,
		    struct result *r)
{
	double cpu = rusage_ms(RUSAGE_THREAD);

	for (;;) {
		double c0 = now_ms(), c1;
		long ret = sys_try_reap_dying_process(pidfd, 0, s->step);

		c1 = now_ms();
		r->calls++;
		/*
		 * Its own teardown holds pages it has not freed: a killer
		 * waits, and past the cap has freed all it could.  Those
		 * calls free nothing by definition: their time is the
		 * victim's pace, not the reaper's.
		 */
		if (ret <= 0)
			prof_stop();
		if (ret < 0 && errno == EAGAIN) {
			r->eagain++;
			r->eagain_ms += c1 - c0;
			if (c1 - t0 >= cap_ms)
				break;
			usleep(1000);
			continue;
		}
		if (ret < 0) {
			r->err = errno;
			break;
		}
		if (r->calls == 1) {
			r->first_ms = c1 - t0;
			r->first_bytes = ret;
		}
		/*
		 * The call that says 0 waits for the victim's teardown to
		 * finish with the mm (its free_pgtables() holds mmap_lock for
		 * write): the victim's pace again, kept apart.
		 */
		if (!ret) {
			r->last_ms = c1 - c0;
			r->done_ms = c1 - t0;
			break;
		}
		r->call_ms += c1 - c0;
		r->bytes += ret;
		if ((size_t)ret > s->step && ret - s->step > r->max_over)
			r->max_over = ret - s->step;
	}
	r->caller_cpu_ms = rusage_ms(RUSAGE_THREAD) - cpu;
}

static double wait_drop(struct sampler *sm, long target, double t0,
			struct result *r)
{
	while (atomic_load(&sm->last) > target) {
		if (now_ms() - t0 > cap_ms) {
			r->capped = true;
			r->left_pct = 100.0 * atomic_load(&sm->last) / r->size;
			return cap_ms;
		}
		usleep(1000);
	}
	/* The first sample at or below the target: */
	for (size_t i = 0; i < sm->n; i++)
		if (sm->s[i].ms >= t0 && sm->s[i].bytes <= target)
			return sm->s[i].ms - t0;
	return now_ms() - t0;
}

static long memcg_stat(const char *cg, const char *key)
{
	char path[128], line[128];
	size_t len = strlen(key);
	long val = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

static size_t victim_size(const struct strategy *s, size_t size)
{
	return s->mib ? s->mib * SZ_1M : size * (s->scale ?: 1);
}

/*
 * Start the victims of @s, @nr of them: split, the second runs where the
 * reaper would.  Return their CPU time so far, or a negative value.
 */
static double start_victims(const struct strategy *s, size_t size, int nr,
			    const char *cg, atomic_ulong *beat, pid_t *pid,
			    int *pidfd)
{
	double cpu0 = 0, cpu;
	int ready[2];

	for (int i = 0; i < nr; i++) {
		if (pipe(ready))
			return -1;
		pid[i] = fork();
		if (pid[i] == 0) {
			close(ready[0]);
			victim_main(s, size / nr, i ? REAPER_CPU : VICTIM_CPU,
				    cg, ready[1], beat);
		}
		close(ready[1]);
		if (pid[i] < 0 ||
		    read(ready[0], &cpu, sizeof(cpu)) != sizeof(cpu)) {
			close(ready[0]);
			return -1;
		}
		close(ready[0]);
		cpu0 += cpu;
		pidfd[i] = sys_pidfd_open(pid[i], 0);
		if (pidfd[i] < 0)
			return -1;
	}
	return cpu0;
}

static void stop_victims(const pid_t *pid, const int *pidfd, int nr)
{
	for (int i = 0; i < nr; i++) {
		kill_wait(pid[i]);
		if (pidfd[i] >= 0)
			close(pidfd[i]);
	}
}

static int run_one(int st, int rep, size_t size, struct result *r)
{
	const struct strategy *s = &strategies[st];
	int pidfd[2] = { -1, -1 }, status, nr = s->split ? 2 : 1;
	pid_t pid[2] = { 0, 0 }, hog = 0;
	atomic_ulong *beat;
	struct sampler sm;
	double t0 = 0, cpu0;
	struct rusage ru;
	char cg[64];
	long anon;

	memset(r, 0, sizeof(*r));
	snprintf(cg, sizeof(cg), CGROUP_ROOT "/reap-bench-%s-%d", s->key, rep);
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -1;
	beat = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (beat == MAP_FAILED)
		return -1;
	atomic_store(beat, 0);
	cpu0 = start_victims(s, victim_size(s, size), nr, cg, beat, pid, pidfd);
	if (cpu0 < 0) {
		stop_victims(pid, pidfd, nr);
		return -1;
	}
	anon = memcg_stat(cg, "anon");
	r->thp_pct = anon ? 100.0 * memcg_stat(cg, "anon_thp") / anon : 0;
	if (s->starve != UNSTARVED)
		hog = start_hog(VICTIM_CPU, s->starve == FIFO);
	else if (s->busy)
		hog = start_hog(s->moved ? VICTIM_CPU : REAPER_CPU, false);
	/* Unstarved, the sampler would steal from the victim's own exit. */
	if (hog < 0 ||
	    sampler_start(&sm, cg, s->starve == UNSTARVED && !s->moved ?
				   REAPER_CPU : VICTIM_CPU)) {
		kill_wait(hog);
		stop_victims(pid, pidfd, nr);
		return -1;
	}
	usleep(5000);
	if (s->starve == FIFO && wait_burst(beat)) {
		r->err = ETIMEDOUT;
		goto out;
	}
	r->size = atomic_load(&sm.last);

	prof_start();
	t0 = now_ms();
	for (int i = 0; i < nr; i++)
		if (sys_pidfd_send_signal(pidfd[i], SIGKILL)) {
			r->err = errno;
			goto out;
		}
	if (s->late) {
		sleep_until(t0 + LATE_MS);
		r->mm_gone = proc_kb(pid[0], "status", "VmRSS") < 0;
	}
	switch (s->action) {
	case MRELEASE:
		r->calls = 1;
		if (sys_process_mrelease(pidfd[0], 0))
			r->err = errno;
		r->first_ms = now_ms() - t0;
		prof_stop();
		break;
	case REAP:
		do_reap(s, pidfd[0], t0, r);
		break;
	case KILL:
		break;
	}
	r->t90 = wait_drop(&sm, r->size / 10, t0, r);
	/*
	 * The calls count pages they freed, which the cgroup was charged,
	 * but for the few the victim wrote (its stack, libc's data) between
	 * fork() and joining it: those are charged to ours.  The cgroup's
	 * other charges (page tables) usually cover them, not always: 6.1
	 * once returned 10 pages more than a charge of exactly 64 MiB.
	 */
	if (r->bytes > r->size + PRE_JOIN_SLACK) {
		fprintf(stderr, "%s: calls returned %zu bytes, the victim was charged %zu\n",
			s->key, r->bytes, r->size);
		r->err = ERANGE;
	}
out:
	sampler_stop(&sm);
	/* Free the victim's CPU so that what is left of its exit is quick. */
	kill_wait(hog);
	r->victim_cpu_ms = -cpu0;
	for (int i = 0; i < nr; i++) {
		if (wait4(pid[i], &status, 0, &ru) == pid[i])
			r->victim_cpu_ms += tv_ms(&ru.ru_utime) +
					    tv_ms(&ru.ru_stime);
		close(pidfd[i]);
	}
	prof_stop();
	munmap((void *)beat, 4096);
	for (int i = 0; i < 200 && rmdir(cg) && errno == EBUSY; i++)
		usleep(10000);

	for (size_t i = 0; i < sm.n; i++)
		sm.s[i].ms -= t0;
	r->samples = sm.s;
	r->nr_samples = sm.n;
	if (!s->curve) {
		free(r->samples);
		r->samples = NULL;
	}
	r->ran = true;
	return r->err && s->action != MRELEASE ? -1 : 0;
}

/* Order statistics of @n values. */
struct stat3 {
	double med, min, max;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct stat3 stat3(double *v, int n)
{
	struct stat3 st = { 0, 0, 0, n };

	if (!n)
		return st;
	qsort(v, n, sizeof(*v), cmp_double);
	st.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	st.min = v[0];
	st.max = v[n - 1];
	return st;
}

static int reps = 5;

typedef double (*metric_fn)(const struct result *r);

static double m_t90(const struct result *r) { return r->t90; }
static double m_first(const struct result *r) { return r->first_ms; }
static double m_call(const struct result *r) { return r->call_ms; }
static double m_done(const struct result *r) { return r->done_ms; }

static double m_reap_rate(const struct result *r)
{
	return r->call_ms ? r->bytes / (r->call_ms / 1e3) / SZ_1G : 0;
}

static double m_exit_rate(const struct result *r)
{
	return r->t90 ? 0.9 * r->size / (r->t90 / 1e3) / SZ_1G : 0;
}

static double m_cpu_per_gib(const struct result *r)
{
	return r->bytes ? r->caller_cpu_ms / 1e3 / ((double)r->bytes / SZ_1G) : 0;
}

static double m_victim_cpu(const struct result *r) { return r->victim_cpu_ms; }

/* Per-rep ratio of @fa over strategy @a to @fb over @b, paired by rep. */
static struct stat3 ratio(int a, metric_fn fa, int b, metric_fn fb)
{
	double v[MAX_REPS];
	int n = 0;

	for (int i = 0; i < reps; i++) {
		const struct result *ra = &results[a][i], *rb = &results[b][i];

		if (ra->ran && rb->ran && fb(rb) > 0)
			v[n++] = fa(ra) / fb(rb);
	}
	return stat3(v, n);
}

static struct stat3 metric(int a, metric_fn f)
{
	double v[MAX_REPS];
	int n = 0;

	for (int i = 0; i < reps; i++)
		if (results[a][i].ran)
			v[n++] = f(&results[a][i]);
	return stat3(v, n);
}

static bool any_capped(int st)
{
	for (int i = 0; i < reps; i++)
		if (results[st][i].capped)
			return true;
	return false;
}

static int count(int st, bool (*pred)(const struct result *r))
{
	int n = 0;

	for (int i = 0; i < reps; i++)
		n += results[st][i].ran && pred(&results[st][i]);
	return n;
}

static bool p_esrch(const struct result *r) { return r->err == ESRCH; }
static bool p_gone(const struct result *r) { return r->mm_gone; }

static size_t max_over(int st)
{
	size_t m = 0;

	for (int i = 0; i < reps; i++)
		if (results[st][i].max_over > m)
			m = results[st][i].max_over;
	return m;
}

static bool ran(int st)
{
	return results[st][0].ran;
}

static FILE *md;

/* Print to stdout and to bench.md. */
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (md) {
		va_start(ap, fmt);
		vfprintf(md, fmt, ap);
		va_end(ap);
	}
}

/*
 * A figure row: the median [min - max] of @st, its goal, and whether it is
 * met.  @bound says that the value is only an upper bound: the time it
 * is divided by was capped.
 */
static void figure(const char *name, struct stat3 st, const char *unit,
		   const char *goal_op, double goal, bool bound)
{
	bool met;
	char g[32] = "-";

	if (!st.n)
		return;
	met = goal_op[0] == '<' ? st.med <= goal : st.med >= goal;
	if (goal_op[0])
		snprintf(g, sizeof(g), "%s %.3g", goal_op, goal);
	out("| %s | %s%.3g%s [%.3g - %.3g] | %s | %s |\n", name,
	    bound ? "< " : "", st.med, unit, st.min, st.max, g,
	    !goal_op[0] ? "-" : met ? "yes" : "**no**");
}

static void print_strategies(size_t size)
{
	out("%s",
	    "\n| strategy | victim | time to 90% freed, median [min - max] | returned (run 1) | calls (run 1) | errors |\n");
	out("|---|---|---:|---:|---:|---|\n");
	for (int st = 0; st < NR_STRATEGIES; st++) {
		const struct strategy *s = &strategies[st];
		struct stat3 t = metric(st, m_t90);
		const struct result *r = &results[st][0];
		char err[64] = "none", bytes[32] = "-";
		int nerr = 0;

		if (!ran(st))
			continue;
		for (int i = 0; i < reps; i++)
			if (results[st][i].err) {
				nerr++;
				snprintf(err, sizeof(err), "%s in %d/%d",
					 strerror(results[st][i].err), nerr,
					 reps);
			}
		if (s->action == REAP)
			snprintf(bytes, sizeof(bytes), "%zu MiB", r->bytes >> 20);
		out("| %s | %zu MiB %s%s%s | %s%.1f ms [%.1f - %.1f] | %s | %ld | %s |\n",
		    s->label, victim_size(s, size) >> 20,
		    s->starve == IDLE ? "idle" : s->starve == FIFO ? "fifo" :
		    "unstarved", s->thp ? ", THP" : "",
		    s->sparse ? ", sparse" : "",
		    any_capped(st) ? "> " : "", t.med, t.min, t.max, bytes,
		    r->calls, err);
	}
}

static void print_figures(void)
{
	bool kcap = any_capped(IDLE_KILL), fcap = any_capped(FIFO_KILL);
	char name[128];

	out("%s",
	    "\n| # | figure (per-rep ratios unless a unit is given) | median [min - max] | goal | met |\n");
	out("|---|---|---:|---:|---|\n");
	if (ran(IDLE_REAP) && ran(IDLE_MRELEASE))
		figure("1 | starved: try_reap / process_mrelease, time to 90%",
		       ratio(IDLE_REAP, m_t90, IDLE_MRELEASE, m_t90), "", "<=",
		       1.2, false);
	if (ran(IDLE_REAP) && ran(IDLE_KILL))
		figure("1 | starved: try_reap / kill only, time to 90%",
		       ratio(IDLE_REAP, m_t90, IDLE_KILL, m_t90), "", "<=",
		       0.02, kcap);
	if (ran(IDLE_MRELEASE) && ran(IDLE_KILL))
		figure("1 | starved: process_mrelease / kill only",
		       ratio(IDLE_MRELEASE, m_t90, IDLE_KILL, m_t90), "", "",
		       0, kcap);
	if (ran(FIFO_LATE_REAP) && ran(FIFO_KILL))
		figure("2 | late: try_reap 100 ms after the kill / kill only",
		       ratio(FIFO_LATE_REAP, m_t90, FIFO_KILL, m_t90), "",
		       "<=", 0.05, fcap);
	if (ran(FIFO_LATE_MRELEASE) && ran(FIFO_KILL))
		figure("2 | late: process_mrelease 100 ms after the kill / kill only",
		       ratio(FIFO_LATE_MRELEASE, m_t90, FIFO_KILL, m_t90), "",
		       "", 0, fcap && !any_capped(FIFO_LATE_MRELEASE));
	if (ran(IDLE_LOOP64) && ran(IDLE_REAP))
		figure("3 | first relief: 64 MiB call / full reap, kill to return",
		       ratio(IDLE_LOOP64, m_first, IDLE_REAP, m_first), "",
		       "<=", 0.15, false);
	if (ran(IDLE_LOOP16) && ran(IDLE_REAP))
		figure("4 | loop: 16 MiB steps / one call, time to 90%",
		       ratio(IDLE_LOOP16, m_t90, IDLE_REAP, m_t90), "", "<=",
		       1.15, false);
	if (ran(IDLE_LOOP16) && ran(IDLE_REAP))
		figure("4 | loop: 16 MiB steps / one call, time in the calls that freed",
		       ratio(IDLE_LOOP16, m_call, IDLE_REAP, m_call), "", "",
		       0, false);
	if (ran(IDLE_REAP) && ran(EXIT_4K))
		figure("5 | rate, 4K: try_reap GiB/s / own exit GiB/s",
		       ratio(IDLE_REAP, m_reap_rate, EXIT_4K, m_exit_rate), "",
		       ">=", 0.9, false);
	if (ran(IDLE_REAP) && ran(EXIT_4K_BUSY))
		figure("5 | rate, 4K: try_reap / own exit with the other CPU busy",
		       ratio(IDLE_REAP, m_reap_rate, EXIT_4K_BUSY, m_exit_rate),
		       "", ">=", 0.9, false);
	if (ran(IDLE_REAP_THP) && ran(EXIT_THP_BUSY))
		figure("5 | rate, THP: try_reap / own exit with the other CPU busy",
		       ratio(IDLE_REAP_THP, m_reap_rate, EXIT_THP_BUSY,
			     m_exit_rate), "", ">=", 0.9, false);
	if (ran(IDLE_MRELEASE) && ran(EXIT_4K))
		figure("5 | rate, 4K: process_mrelease / own exit, both 90% / time to 90%",
		       ratio(IDLE_MRELEASE, m_exit_rate, EXIT_4K, m_exit_rate),
		       "", "", 0, false);
	if (ran(IDLE_MRELEASE_THP) && ran(EXIT_THP))
		figure("5 | rate, THP: process_mrelease / own exit, both 90% / time to 90%",
		       ratio(IDLE_MRELEASE_THP, m_exit_rate, EXIT_THP,
			     m_exit_rate), "", "", 0, false);
	if (ran(IDLE_REAP_THP) && ran(IDLE_MRELEASE_THP))
		figure("5 | THP: try_reap / process_mrelease, time to 90%",
		       ratio(IDLE_REAP_THP, m_t90, IDLE_MRELEASE_THP, m_t90),
		       "", "<=", 1.2, false);
	if (ran(EXIT_4K_BUSY) && ran(EXIT_4K))
		figure("5 | own exit, 4K: other CPU busy / idle, GiB/s",
		       ratio(EXIT_4K_BUSY, m_exit_rate, EXIT_4K, m_exit_rate),
		       "", "", 0, false);
	if (ran(EXIT_4K_MOVED) && ran(EXIT_4K_BUSY))
		figure("5 | own exit, 4K: on the CPU it did not allocate on / on its own, GiB/s",
		       ratio(EXIT_4K_MOVED, m_exit_rate, EXIT_4K_BUSY,
			     m_exit_rate), "", "", 0, false);
	if (ran(IDLE_REAP) && ran(EXIT_4K_MOVED))
		figure("5 | rate, 4K: try_reap / own exit on the CPU it did not allocate on",
		       ratio(IDLE_REAP, m_reap_rate, EXIT_4K_MOVED, m_exit_rate),
		       "", "", 0, false);
	if (ran(EXIT_THP_MOVED) && ran(EXIT_THP_BUSY))
		figure("5 | own exit, THP: on the CPU it did not allocate on / on its own, GiB/s",
		       ratio(EXIT_THP_MOVED, m_exit_rate, EXIT_THP_BUSY,
			     m_exit_rate), "", "", 0, false);
	if (ran(IDLE_REAP_THP) && ran(EXIT_THP_MOVED))
		figure("5 | rate, THP: try_reap / own exit on the CPU it did not allocate on",
		       ratio(IDLE_REAP_THP, m_reap_rate, EXIT_THP_MOVED,
			     m_exit_rate), "", "", 0, false);
	if (ran(IDLE_REAP_THP) && ran(EXIT_THP))
		figure("5 | rate, THP: try_reap GiB/s / own exit GiB/s",
		       ratio(IDLE_REAP_THP, m_reap_rate, EXIT_THP, m_exit_rate),
		       "", ">=", 0.9, false);
	if (ran(IDLE_REAP))
		figure("5 | try_reap, 4K", metric(IDLE_REAP, m_reap_rate),
		       " GiB/s", "", 0, false);
	if (ran(EXIT_4K))
		figure("5 | own exit, 4K", metric(EXIT_4K, m_exit_rate),
		       " GiB/s", "", 0, false);
	if (ran(IDLE_REAP_THP))
		figure("5 | try_reap, THP", metric(IDLE_REAP_THP, m_reap_rate),
		       " GiB/s", "", 0, false);
	if (ran(EXIT_THP))
		figure("5 | own exit, THP", metric(EXIT_THP, m_exit_rate),
		       " GiB/s", "", 0, false);
	if (ran(SPARSE) && ran(DENSE))
		figure("6 | sparse / dense, time in the calls that freed",
		       ratio(SPARSE, m_call, DENSE, m_call), "", "<=", 2,
		       false);
	if (ran(IDLE_REAP))
		figure("7 | caller CPU per GiB reaped (getrusage)",
		       metric(IDLE_REAP, m_cpu_per_gib), " s/GiB", "", 0,
		       false);
	if (ran(IDLE_REAP))
		figure("7 | kill until a call said 0, one call, starved",
		       metric(IDLE_REAP, m_done), " ms", "", 0, false);
	if (ran(IDLE_REAP))
		figure("7 | victim CPU after the kill, reaped",
		       metric(IDLE_REAP, m_victim_cpu), " ms", "", 0, false);
	if (ran(EXIT_4K))
		figure("7 | victim CPU after the kill, own exit",
		       metric(EXIT_4K, m_victim_cpu), " ms", "", 0, false);

	if (ran(UNSTARVED_REAP) && ran(EXIT_4K))
		figure("8 | unstarved, 4K: kill + reap loop / kill only, time to 90%",
		       ratio(UNSTARVED_REAP, m_t90, EXIT_4K, m_t90), "", "<=",
		       0.55, false);
	if (ran(UNSTARVED_REAP_THP) && ran(EXIT_THP))
		figure("8 | unstarved, THP: kill + reap loop / kill only, time to 90%",
		       ratio(UNSTARVED_REAP_THP, m_t90, EXIT_THP, m_t90), "",
		       "<=", 0.55, false);
	if (ran(UNSTARVED_REAP_MT) && ran(EXIT_MT))
		figure("8 | unstarved, 8 threads: kill + reap loop / kill only, time to 90%",
		       ratio(UNSTARVED_REAP_MT, m_t90, EXIT_MT, m_t90), "",
		       "<=", 0.55, false);
	if (ran(EXIT_4K_SPLIT) && ran(EXIT_4K))
		figure("8 | unstarved, 4K: two victims of half the size / one, time to 90%",
		       ratio(EXIT_4K_SPLIT, m_t90, EXIT_4K, m_t90), "", "", 0,
		       false);
	if (ran(UNSTARVED_REAP) && ran(EXIT_4K_SPLIT))
		figure("8 | unstarved, 4K: kill + reap loop / two victims of half the size",
		       ratio(UNSTARVED_REAP, m_t90, EXIT_4K_SPLIT, m_t90), "",
		       "<=", 1.1, false);
	if (ran(EXIT_THP_SPLIT) && ran(EXIT_THP))
		figure("8 | unstarved, THP: two victims of half the size / one, time to 90%",
		       ratio(EXIT_THP_SPLIT, m_t90, EXIT_THP, m_t90), "", "", 0,
		       false);
	if (ran(UNSTARVED_REAP_THP) && ran(EXIT_THP_SPLIT))
		figure("8 | unstarved, THP: kill + reap loop / two victims of half the size",
		       ratio(UNSTARVED_REAP_THP, m_t90, EXIT_THP_SPLIT, m_t90),
		       "", "<=", 1.1, false);

	if (ran(FIFO_LATE_MRELEASE) || ran(FIFO_LATE_REAP)) {
		out("\nLate calls (2): the victim had dropped its mm in %d/%d and %d/%d runs;\n",
		    count(FIFO_LATE_MRELEASE, p_gone), reps,
		    count(FIFO_LATE_REAP, p_gone), reps);
		out("process_mrelease got ESRCH in %d/%d, try_reap_dying_process in %d/%d.\n",
		    count(FIFO_LATE_MRELEASE, p_esrch), reps,
		    count(FIFO_LATE_REAP, p_esrch), reps);
	}
	if (ran(IDLE_LOOP1)) {
		out("\nOvershoot (4), the largest return above max_bytes over all calls:\n");
		for (int st = 0; st < NR_STRATEGIES; st++) {
			const struct strategy *s = &strategies[st];

			if (s->action != REAP || s->step == SIZE_MAX || !ran(st))
				continue;
			snprintf(name, sizeof(name), "%s %zu MiB", s->thp ?
				 "THP" : "4K", s->step >> 20);
			out("- %s: %zu KiB (goal <= 2048 KiB)\n", name,
			    max_over(st) >> 10);
		}
	}
	if (kcap && results[IDLE_KILL][0].left_pct < 100) {
		out("\nkill only (idle) hit the %.0f s cap with %.0f%% left;\n",
		    cap_ms / 1e3, results[IDLE_KILL][0].left_pct);
		out("at the rate seen, 90%% would take about %.0f s.\n",
		    cap_ms / 1e3 * 90 / (100 - results[IDLE_KILL][0].left_pct));
	}
	if (fcap)
		out("\nkill only (fifo) hit the %.0f s cap.\n", cap_ms / 1e3);
}

/* The rep with the median time to 90%. */
static int median_rep(int st)
{
	double v[MAX_REPS], med = metric(st, m_t90).med;
	int best = 0;

	for (int i = 0; i < reps; i++)
		v[i] = results[st][i].t90 > med ? results[st][i].t90 - med :
						   med - results[st][i].t90;
	for (int i = 1; i < reps; i++)
		if (v[i] < v[best])
			best = i;
	return best;
}

/*
 * Keep a point per MiB of change, and otherwise points spaced evenly on a
 * log time axis.
 */
static void write_curves(FILE *f)
{
	fprintf(f, "strategy,ms,MiB\n");
	for (int st = 0; st < NR_STRATEGIES; st++) {
		const struct result *r;
		double last_ms = -1e9;
		size_t from = 0;
		long last = -1;

		if (!strategies[st].curve || !ran(st))
			continue;
		r = &results[st][median_rep(st)];
		/* From the last sample before the kill, however early it was. */
		for (size_t i = 0; i < r->nr_samples && r->samples[i].ms <= 0; i++)
			from = i;
		for (size_t i = from; i < r->nr_samples; i++) {
			const struct sample *s = &r->samples[i];
			long d = s->bytes - last;
			bool last_one = i + 1 == r->nr_samples;

			if (i > from && !last_one &&
			    (d < 0 ? -d : d) < (long)SZ_1M &&
			    s->ms - last_ms < (s->ms > 20 ? s->ms / 20 : 1))
				continue;
			fprintf(f, "%s,%.3f,%.2f\n", strategies[st].key, s->ms,
				(double)s->bytes / SZ_1M);
			last = s->bytes;
			last_ms = s->ms;
		}
	}
}

static void write_runs(FILE *f)
{
	fprintf(f, "%s\n",
		"strategy,rep,starve,thp_pct,mib,t90_ms,capped,left_pct,mm_gone,first_ms,first_mib,call_ms,returned_mib,calls,errno,max_over_kib,caller_cpu_ms,victim_cpu_ms,eagain_calls,eagain_ms,last_ms,done_ms");
	for (int st = 0; st < NR_STRATEGIES; st++) {
		for (int i = 0; i < reps; i++) {
			const struct result *r = &results[st][i];

			if (!r->ran)
				continue;
			fprintf(f,
				"%s,%d,%s,%.1f,%.1f,%.3f,%d,%.1f,%d,%.3f,%.2f,%.3f,%.2f,%ld,%d,%zu,%.3f,%.3f,%ld,%.3f,%.3f,%.3f\n",
				strategies[st].key, i + 1,
				strategies[st].starve == IDLE ? "idle" :
				strategies[st].starve == FIFO ? "fifo" : "none",
				r->thp_pct, (double)r->size / SZ_1M, r->t90,
				r->capped, r->left_pct, r->mm_gone, r->first_ms,
				(double)r->first_bytes / SZ_1M, r->call_ms,
				(double)r->bytes / SZ_1M, r->calls, r->err,
				r->max_over >> 10, r->caller_cpu_ms,
				r->victim_cpu_ms, r->eagain, r->eagain_ms,
				r->last_ms, r->done_ms);
		}
	}
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		perror(path);
	return f;
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r reps] [-s MiB] [-t seconds] [-o dir] [-P file]\n"
		"       [scenario|strategy...]\n"
		"scenarios: starved late relief loop rate sparse cpu unstarved\n"
		"(default: all); a strategy is a key of bench.csv's first column\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int want = 0;
	bool only[NR_STRATEGIES] = { false }, some = false;
	size_t size = 1024 * SZ_1M;
	const char *dir = NULL;
	int opt, total = 0, done = 0;
	double start;
	FILE *f;

	while ((opt = getopt(argc, argv, "r:s:t:o:P:h")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) * SZ_1M;
			break;
		case 't':
			cap_ms = atof(optarg) * 1e3;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'P':
			prof_out = optarg;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	for (int i = optind; i < argc; i++) {
		int s, st;

		for (s = 0; s < NR_SCENARIOS &&
			    strcmp(argv[i], scenario_name[s]); s++)
			;
		for (st = 0; st < NR_STRATEGIES &&
			     strcmp(argv[i], strategies[st].key); st++)
			;
		if (s < NR_SCENARIOS)
			want |= 1U << s;
		else if (st < NR_STRATEGIES)
			only[st] = some = true;
		else
			print_usage(argv[0]);
	}
	if (!want && !some)
		want = ~0U;
	for (int st = 0; st < NR_STRATEGIES; st++)
		run[st] = (strategies[st].scenarios & want) || only[st];
	if (reps < 1 || reps > MAX_REPS || size < 64 * SZ_1M || cap_ms < 1000) {
		fprintf(stderr, "need 1 <= reps <= %d, -s >= 64 MiB, -t >= 1 s\n",
			MAX_REPS);
		return 2;
	}
	if (prof_out && prof_init()) {
		fprintf(stderr, "-P: no /proc/profile (CONFIG_PROFILING, profile=N)\n");
		return 2;
	}
	if (!have_try_reap()) {
		fprintf(stderr, "try_reap_dying_process() is not available\n");
		return 4;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "needs two CPUs: one for the victim, one for the reaper\n");
		return 4;
	}
	pin(REAPER_CPU);
	for (int st = 0; st < NR_STRATEGIES; st++)
		total += run[st];
	total *= reps;
	printf("reap_bench: %d runs, %d rep%s, %zu MiB victims, cap %.0f s\n",
	       total, reps, reps > 1 ? "s" : "", size >> 20, cap_ms / 1e3);
	start = now_ms();
	/* Strategies interleave within a rep, so that ratios pair runs close in time. */
	for (int i = 0; i < reps; i++) {
		for (int st = 0; st < NR_STRATEGIES; st++) {
			struct result *r = &results[st][i];

			if (!run[st])
				continue;
			if (run_one(st, i, size, r)) {
				fprintf(stderr, "%s: run %d failed: %s\n",
					strategies[st].key, i + 1,
					strerror(r->err ? r->err : errno));
				return 1;
			}
			printf("[%3d/%d %4.0fs] %-19s rep %d: 90%% in %s%8.1f ms",
			       ++done, total, (now_ms() - start) / 1e3,
			       strategies[st].key, i + 1,
			       r->capped ? ">" : " ", r->t90);
			if (strategies[st].action == REAP)
				printf(", returned %zu MiB in %ld calls",
				       r->bytes >> 20, r->calls);
			if (r->err)
				printf(", %s", strerror(r->err));
			printf("\n");
			fflush(stdout);
		}
	}
	if (dir) {
		mkdir(dir, 0755);
		md = open_out(dir, "bench.md");
	}
	out("\nreap_bench: %d rep%s, %zu MiB victims, cap %.0f s, %.0f s in all\n",
	    reps, reps > 1 ? "s" : "", size >> 20, cap_ms / 1e3,
	    (now_ms() - start) / 1e3);
	print_strategies(size);
	print_figures();
	if (md)
		fclose(md);
	if (prof_out && prof_write()) {
		perror(prof_out);
		return 1;
	}
	if (dir) {
		f = open_out(dir, "bench.csv");
		if (f) {
			write_runs(f);
			fclose(f);
		}
		f = open_out(dir, "bench-curves.csv");
		if (f) {
			write_curves(f);
			fclose(f);
		}
	}
	return 0;
}
