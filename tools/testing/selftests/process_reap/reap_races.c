// SPDX-License-Identifier: GPL-2.0
/*
 * try_reap_dying_process() against victims as real ones are: many
 * threads, all exiting at once, sharing their mm with a live process,
 * starved of CPU time while they tear down.  Each test repeats its race
 * enough times for the window it aims at to be hit.
 *
 * Starving: a victim thread at SCHED_IDLE on VICTIM_CPU next to a
 * normal-priority hog barely runs, so a SIGKILL takes it long to act on;
 * the test runs on REAPER_CPU.
 */
#include "reap.h"
#include "../kselftest_harness.h"

#include <dirent.h>
#include <stdatomic.h>
#include <time.h>

#define REAPER_CPU	0
#define VICTIM_CPU	1
#define STACK_SIZE	(64 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cgroup_path(pid_t pid, char *cg, size_t len)
{
	snprintf(cg, len, CGROUP_ROOT "/reap-races-%d", pid);
}

/*
 * Move the caller into a memory cgroup of its own, before it allocates
 * anything: charges do not move with a task.
 */
static int join_own_cgroup(void)
{
	char cg[96], procs[128];

	cgroup_path(getpid(), cg, sizeof(cg));
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -1;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	return write_file(procs, "0") ? 0 : -1;
}

static long memcg_read(const char *cg, const char *file, const char *key)
{
	char path[160], line[256];
	size_t len = key ? strlen(key) : 0;
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (!key)
		return read_long_file(path);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ' ') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Charged user memory: all but the kernel's (page tables, stacks...). */
static long memcg_user(const char *cg)
{
	return memcg_read(cg, "memory.current", NULL) -
	       memcg_read(cg, "memory.stat", "kernel");
}

/*
 * Reap until the call says nothing is left, waiting out EAGAIN; the sum,
 * or -errno of another error.
 */
static long reap_all(int pidfd, size_t step)
{
	long ret, sum = 0;
	double deadline = now_s() + 60;

	for (;;) {
		ret = sys_try_reap_dying_process(pidfd, 0, step);
		if (ret > 0) {
			sum += ret;
			continue;
		}
		if (!ret || errno == ESRCH)
			return sum;
		if (errno != EAGAIN || now_s() > deadline)
			return -errno;
		usleep(1000);
	}
}

/* How many threads of @pid still hold its mm: its status shows VmRSS. */
static int threads_with_mm(pid_t pid)
{
	char path[320], line[128];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "VmRSS:", 6)) {
				n++;
				break;
			}
		fclose(f);
	}
	closedir(dir);
	return n;
}

FIXTURE(races) {
};

FIXTURE_SETUP(races)
{
	if (!have_try_reap())
		SKIP(return, "try_reap_dying_process() is not available");
}

FIXTURE_TEARDOWN(races)
{
}

/* --- A live process sharing the target's mm --- */

/*
 * The target B shares the mm of a live process A and has threads of its
 * own, which all exit at once when B is killed.  Counting B's threads that
 * still hold the mm, then reading mm_users, could see a thread that then
 * dropped its reference as still holding it, take A's reference for that
 * thread's, and reap A.  A checks its memory after every round; a call
 * that frees anything is a failure.
 */
#define SHARER_ROUNDS	race_rounds(150, 30)
#define SHARER_THREADS	32
#define SHARER_SIZE	(4 * SZ_1M)

struct sharer {
	char *stacks[SHARER_THREADS + 1];
	int report;		/* B's pid, then A's verdict per round */
	char *mem;
};

/*
 * Sleep in the kernel until killed, with a raw syscall: these run on a
 * stack (and, under vfork, a mm) that libc does not know about.  ppoll,
 * since arm64 has no pause().
 */
#define block_forever() syscall(SYS_ppoll, NULL, 0, NULL, NULL, 0)

static int sharer_thread_fn(void *arg)
{
	for (;;)
		block_forever();
	return 0;
}

/* B: spawns its threads, which share everything, then reports. */
static int sharer_target_fn(void *arg)
{
	struct sharer *sh = arg;
	pid_t pid = syscall(SYS_getpid);
	int i;

	for (i = 0; i < SHARER_THREADS; i++)
		if (clone(sharer_thread_fn, sh->stacks[i + 1] + STACK_SIZE,
			  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			  CLONE_THREAD | CLONE_SYSVSEM, NULL) < 0)
			return 1;
	if (write(sh->report, &pid, sizeof(pid)) != sizeof(pid))
		return 1;
	for (;;)
		block_forever();
	return 0;
}

/*
 * A: one B per round; after each, its own memory must be intact.  A exits
 * only once @go is closed: a call still in flight when A started its exit
 * would find A dying, and might reap.
 */
static void __noreturn sharer_main(int report, int go, bool vfork_b)
{
	struct sharer sh = { .report = report };
	int i, status;
	char c;
	pid_t b;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sh.mem = mmap(NULL, SHARER_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh.mem == MAP_FAILED)
		_exit(1);
	fill_pattern(sh.mem, SHARER_SIZE, 21);
	for (i = 0; i <= SHARER_THREADS; i++) {
		sh.stacks[i] = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (sh.stacks[i] == MAP_FAILED)
			_exit(1);
	}
	for (i = 0; i < SHARER_ROUNDS; i++) {
		char ok;

		if (vfork_b) {
			b = vfork();
			if (b == 0) {
				/* We wait here, sharing our mm, until B dies. */
				b = syscall(SYS_getpid);
				if (write(report, &b, sizeof(b)) != sizeof(b))
					_exit(1);
				for (;;)
					block_forever();
			}
		} else {
			b = clone(sharer_target_fn, sh.stacks[0] + STACK_SIZE,
				  CLONE_VM | SIGCHLD, &sh);
		}
		if (b < 0 || waitpid(b, &status, 0) != b)
			_exit(1);
		ok = check_pattern(sh.mem, SHARER_SIZE, 21) ? 'y' : 'n';
		if (write(report, &ok, 1) != 1)
			_exit(1);
	}
	/* EOF: the test has closed it. */
	_exit(read(go, &c, 1) ? 1 : 0);
}

struct hammer {
	int pidfd;
	bool zero_ok;		/* the target can lose its mm (vfork) */
	atomic_bool stop;
	long got;		/* calls that freed anything */
	long zeros;		/* calls that said 0 where they must not */
	int bad_errno;		/* an errno other than EINVAL and ESRCH */
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;

	pin_to_cpu(REAPER_CPU);
	while (!atomic_load(&h->stop)) {
		long ret = sys_try_reap_dying_process(h->pidfd, 0, SIZE_MAX);

		/*
		 * A vfork child that has dropped its parent's mm has none; a
		 * CLONE_VM target keeps its own, refused while A lives.
		 */
		if (ret > 0)
			h->got++;
		else if (!ret)
			h->zeros += !h->zero_ok;
		else if (errno == ESRCH)
			break;
		else if (errno != EINVAL)
			h->bad_errno = errno;
	}
	return NULL;
}

static void sharer_race(struct __test_metadata *_metadata, bool vfork_b)
{
	int report[2], go[2], rounds = 0, intact = 0, status;
	long got = 0;
	pid_t a;

	/* B's pid, then A's verdict, each written whole (under PIPE_BUF). */
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(go));
	a = fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		close(report[0]);
		close(go[1]);
		sharer_main(report[1], go[0], vfork_b);
	}
	close(report[1]);
	close(go[0]);
	for (rounds = 0; rounds < SHARER_ROUNDS; rounds++) {
		struct hammer h = { .zero_ok = vfork_b };
		pthread_t th;
		pid_t b;
		char ok;

		if (read(report[0], &b, sizeof(b)) != sizeof(b))
			break;
		h.pidfd = sys_pidfd_open(b, 0);
		ASSERT_GE(h.pidfd, 0);
		ASSERT_EQ(0, pthread_create(&th, NULL, hammer_fn, &h));
		ASSERT_EQ(0, sys_pidfd_send_signal(h.pidfd, SIGKILL));
		if (read(report[0], &ok, 1) != 1)
			break;
		atomic_store(&h.stop, true);
		pthread_join(th, NULL);
		close(h.pidfd);
		got += h.got;
		EXPECT_EQ(0, h.zeros);
		EXPECT_EQ(0, h.bad_errno) {
			TH_LOG("round %d: errno %d", rounds, h.bad_errno);
		}
		intact += ok == 'y';
	}
	/* Every call has returned: A may exit. */
	close(go[1]);
	ASSERT_EQ(a, waitpid(a, &status, 0));
	/* A died of SIGBUS if its memory was zapped under it. */
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("the live sharer ended with status %#x", status);
	}
	EXPECT_EQ(SHARER_ROUNDS, rounds);
	EXPECT_EQ(rounds, intact);
	EXPECT_EQ(0, got) {
		TH_LOG("%ld calls reaped a mm that a live process shares", got);
	}
	TH_LOG("%d rounds, the sharer's memory intact after %d", rounds, intact);
	close(report[0]);
}

TEST_F_TIMEOUT(races, clone_vm_sharer_survives_racing_exits, 300)
{
	sharer_race(_metadata, false);
}

TEST_F_TIMEOUT(races, vfork_parent_survives_racing_exits, 300)
{
	sharer_race(_metadata, true);
}

/* --- Starved, multi-threaded victims --- */

struct starved {
	pid_t pid;
	int pidfd;
	pid_t hog;
	char cg[96];
};

struct starved_spec {
	size_t size;		/* private anonymous bytes */
	int threads;		/* besides the main one */
	size_t stack;		/* of each thread, or 0 for the default */
	/* Run by each thread, and by the main one (@i = 0), before it starves. */
	void (*thread_setup)(void *arg, int i, char *mem);
	void *arg;
};

struct starved_victim {
	const struct starved_spec *s;
	char *mem;
	int i;
	pthread_barrier_t *ready;
};

static void *starved_thread(void *arg)
{
	struct starved_victim *v = arg;

	if (v->s->thread_setup)
		v->s->thread_setup(v->s->arg, v->i, v->mem);
	if (starve_self(VICTIM_CPU))
		_exit(1);
	pthread_barrier_wait(v->ready);
	for (;;)
		pause();
	return NULL;
}

static void __noreturn starved_main(const struct starved_spec *s, int ready_fd)
{
	struct starved_victim *v = calloc(s->threads + 1, sizeof(*v));
	pthread_barrier_t ready;
	pthread_attr_t attr;
	pthread_t th;
	char *mem = NULL;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!v || join_own_cgroup())
		_exit(1);
	if (s->size) {
		mem = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(1);
		madvise(mem, s->size, MADV_NOHUGEPAGE);
		fill_pattern(mem, s->size, 5);
	}
	pthread_barrier_init(&ready, NULL, s->threads + 1);
	pthread_attr_init(&attr);
	if (s->stack)
		pthread_attr_setstacksize(&attr, s->stack);
	for (i = 1; i <= s->threads; i++) {
		v[i] = (struct starved_victim){ s, mem, i, &ready };
		if (pthread_create(&th, &attr, starved_thread, &v[i]))
			_exit(1);
	}
	if (s->thread_setup)
		s->thread_setup(s->arg, 0, mem);
	if (starve_self(VICTIM_CPU))
		_exit(1);
	pthread_barrier_wait(&ready);
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Start a victim in a memory cgroup of its own, starved, not yet killed. */
static int starved_start(struct starved *st, const struct starved_spec *s)
{
	int ready[2];
	char c;

	memset(st, 0, sizeof(*st));
	st->pidfd = -1;
	if (pin_to_cpu(REAPER_CPU) || pipe(ready))
		return -1;
	st->hog = start_hog(VICTIM_CPU, false);
	if (st->hog < 0)
		return -1;
	st->pid = fork();
	if (st->pid < 0)
		return -1;
	if (st->pid == 0) {
		close(ready[0]);
		starved_main(s, ready[1]);
	}
	close(ready[1]);
	cgroup_path(st->pid, st->cg, sizeof(st->cg));
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	st->pidfd = sys_pidfd_open(st->pid, 0);
	return st->pidfd < 0 ? -1 : 0;
}

static void starved_end(struct starved *st)
{
	kill_wait(st->hog);
	if (st->pid > 0) {
		kill(st->pid, SIGKILL);
		waitpid(st->pid, NULL, 0);
	}
	if (st->pidfd >= 0)
		close(st->pidfd);
	rmdir(st->cg);
}

/*
 * The mm is reachable for as long as the teardown runs.  With several
 * threads, the one whose mmput() dropped mm_users from 2 to 1 may see it
 * at 0 later, while another thread runs exit_mmap(): that is no sign that
 * the teardown is over.  Reap once every thread has dropped the mm; what
 * is still mapped must go.
 */
#define LATE_ROUNDS	race_rounds(4, 2)

/*
 * Up to a minute per round for the starved threads to drop the mm, and
 * the debug kernel's exits take most of it.
 */
TEST_F_TIMEOUT(races, late_reaper_frees_a_multithreaded_teardown, 600)
{
	struct starved_spec s = { .size = 32 * SZ_1M, .threads = 8 };
	int round, late = 0;

	for (round = 0; round < LATE_ROUNDS; round++) {
		long mapped, left, freed;
		struct starved st;
		double deadline;

		ASSERT_EQ(0, starved_start(&st, &s));
		ASSERT_EQ(0, sys_pidfd_send_signal(st.pidfd, SIGKILL));
		deadline = now_s() + 60;
		while (threads_with_mm(st.pid) && now_s() < deadline)
			usleep(2000);
		mapped = memcg_read(st.cg, "memory.stat", "anon");
		freed = reap_all(st.pidfd, SIZE_MAX);
		left = memcg_read(st.cg, "memory.stat", "anon");
		TH_LOG("round %d: %ld KiB mapped once no thread held the mm",
		       round, mapped >> 10);
		TH_LOG("round %d: %ld KiB freed, %ld KiB left", round,
		       freed >> 10, left >> 10);
		/* Only a teardown still running makes the round count. */
		if (!threads_with_mm(st.pid) && mapped > 8 * (long)SZ_1M) {
			late++;
			EXPECT_GT(freed, 0);
			EXPECT_LT(left, (long)SZ_1M);
		}
		starved_end(&st);
	}
	EXPECT_GT(late, 0) {
		TH_LOG("no round caught the teardown with memory mapped");
	}
}

/*
 * A starved victim's own teardown can unmap pages into its mmu_gather and
 * be preempted before it frees them: up to about 10000 pages, the whole
 * 16 MiB victim here.  0 must still mean that the memory is back: once the
 * calls say so, the victim's cgroup holds no more user memory than the
 * robust list page kept for it, pages still in the CPUs' LRU batches, and
 * the charges each CPU keeps in stock for the cgroup (64 pages each).  The
 * calls start at varying points of the teardown.
 */
#define ZERO_ROUNDS	race_rounds(10, 3)

static void lock_private_robust(void *arg, int i, char *mem)
{
	pthread_mutexattr_t a;
	pthread_mutex_t *m;

	if (i)
		return;
	m = (pthread_mutex_t *)mem;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	if (pthread_mutex_lock(m))
		_exit(1);
}

TEST_F_TIMEOUT(races, zero_means_the_memory_is_back, 300)
{
	struct starved_spec s = { .size = 16 * SZ_1M, .threads = 3,
				  .thread_setup = lock_private_robust };
	long slack = 200 * (long)page_size();
	int round;

	for (round = 0; round < ZERO_ROUNDS; round++) {
		struct starved st;
		long freed, user;

		ASSERT_EQ(0, starved_start(&st, &s));
		ASSERT_EQ(0, sys_pidfd_send_signal(st.pidfd, SIGKILL));
		usleep(round * 20000);
		freed = reap_all(st.pidfd, 4 * SZ_1M);
		user = memcg_user(st.cg);
		EXPECT_GE(freed, 0);
		EXPECT_LE(user, slack) {
			TH_LOG("round %d (%d ms after the kill): %ld KiB freed",
			       round, round * 20, freed >> 10);
			TH_LOG("%ld KiB still charged once the calls said 0",
			       user >> 10);
		}
		starved_end(&st);
	}
}

/*
 * Hundreds of threads, each holding robust mutexes: the walk over their
 * lists is bounded.  Past the bound the call refuses (EAGAIN) at once,
 * without zapping, and the waiter on the shared mutex still gets
 * EOWNERDEAD once the victim exits; within it, the call reaps and the
 * waiter gets EOWNERDEAD too.
 */
struct many {
	pthread_mutex_t *shared;	/* held by thread 1, a waiter on it */
	int locks;			/* private ones, per thread */
};

static void init_robust_mutex(pthread_mutex_t *m, bool pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* Each thread locks mn->locks private robust mutexes of its own. */
static void lock_many(void *arg, int i, char *mem)
{
	struct many *mn = arg;
	pthread_mutex_t *m;
	int k;

	if (i == 1 && pthread_mutex_lock(mn->shared))
		_exit(1);
	m = calloc(mn->locks, sizeof(*m));
	if (!m)
		_exit(1);
	for (k = 0; k < mn->locks; k++) {
		init_robust_mutex(&m[k], false);
		if (pthread_mutex_lock(&m[k]))
			_exit(1);
	}
}

struct waiter {
	pthread_mutex_t *mutex;
	int ret;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 120;
	w->ret = pthread_mutex_timedlock(w->mutex, &ts);
	if (!w->ret || w->ret == EOWNERDEAD)
		pthread_mutex_consistent(w->mutex);
	return NULL;
}

static void many_threads_case(struct __test_metadata *_metadata, int threads,
			      int locks, bool over)
{
	struct many mn = { .locks = locks };
	struct starved_spec s = { .size = 16 * SZ_1M, .threads = threads,
				  .stack = 64 * 1024, .thread_setup = lock_many,
				  .arg = &mn };
	struct waiter w;
	struct starved st;
	pthread_t th;
	double t0, took;
	long ret;

	mn.shared = mmap(NULL, sizeof(*mn.shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mn.shared);
	init_robust_mutex(mn.shared, true);
	ASSERT_EQ(0, starved_start(&st, &s));
	w = (struct waiter){ .mutex = mn.shared };
	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_fn, &w));
	ASSERT_EQ(0, sys_pidfd_send_signal(st.pidfd, SIGKILL));
	t0 = now_s();
	ret = sys_try_reap_dying_process(st.pidfd, 0, SIZE_MAX);
	took = now_s() - t0;
	TH_LOG("%d threads x %d robust mutexes: %ld (%s) in %.3f s", threads,
	       locks, ret, ret < 0 ? strerror(errno) : "bytes", took);
	if (over) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EAGAIN, errno);
	} else {
		EXPECT_GT(ret, 8 * (long)SZ_1M);
	}
	/* A bound on the walk, not a speed: it must not crawl the lists. */
	EXPECT_LT(took, 30);
	/* Let the victim run its exit: the waiter must get the mutex. */
	kill_wait(st.hog);
	st.hog = -1;
	pthread_join(th, NULL);
	EXPECT_EQ(EOWNERDEAD, w.ret);
	starved_end(&st);
	munmap(mn.shared, sizeof(*mn.shared));
}

/*
 * 600 x (3 + 64) list words, over the 32768 a call may read; as many
 * words in fewer threads than that would take, for the debug kernel's
 * sake (creating and exiting 2000 threads took it over 300 s).
 */
TEST_F_TIMEOUT(races, hundreds_of_threads_over_the_walk_bound_refused, 300)
{
	many_threads_case(_metadata, 600, 64, true);
}

/* 400 x (3 + 16) words: within the bound. */
TEST_F_TIMEOUT(races, hundreds_of_threads_with_robust_lists_reaped, 300)
{
	many_threads_case(_metadata, 400, 16, false);
}

TEST_HARNESS_MAIN
