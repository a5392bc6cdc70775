// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for try_reap_dying_process().
 *
 * A victim must stay dying, with its memory still there, for as long as a
 * test looks at it; sleeping and hoping would make the tests pass on luck.
 * Two userfaultfd traps hold a killed victim at each stage of its exit:
 *
 * - Before it drops its mm: a thread of the victim writes to a pipe whose
 *   mutex our "jammer" thread holds while it faults in a userfaultfd area
 *   (struct pipe_jam).  mutex_lock() does not return on SIGKILL, so that
 *   thread keeps the mm (and its robust futex list) until the jam is
 *   released.
 *
 * - After: a thread of ours reads the victim's /proc/PID/mem into a trapped
 *   buffer.  That holds mm_users, so every victim thread passes exit_mm()
 *   and the victim becomes a zombie, but exit_mmap() has not run.
 *
 * Reading the userfaultfd event tells us, without a sleep, that the trap
 * has caught its thread.
 */
#include "reap.h"
#include "../kselftest_harness.h"

#include <linux/fuse.h>
#include <linux/futex.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <time.h>

#define MAX_VICTIMS 2
#define MAX_EXTRA 4

struct victim_spec {
	size_t anon;		/* private anonymous bytes to fill */
	bool thp;		/* back them with THPs */
	bool stuck;		/* keep the mm after SIGKILL (jammed pipe) */
	/* More setup in the victim; the region is @anon bytes at @p. */
	void (*setup)(void *arg, char *p);
	/* Run by the stuck thread before it blocks. */
	void (*stuck_fn)(void *arg, char *p);
	void *arg;
};

struct victim {
	pid_t pid;
	int pidfd;
	pid_t stuck_tid;
	char *region;		/* same address in the victim and in us */
	long anon;		/* its anonymous footprint before the kill */
	char cgroup[64];
};

struct ready_msg {
	pid_t tid;
	char *region;
};

/* clone3()'s arguments, as far as CLONE_PIDFD. */
struct reap_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

FIXTURE(reap) {
	struct victim v[MAX_VICTIMS];
	int nr_victims;
	pid_t extra[MAX_EXTRA];	/* more processes to kill at the end */
	int nr_extra;
	struct uffd_trap trap;	/* for a /proc/PID/mem reader */
	struct pipe_jam jam;	/* for stuck victims */
};

static void jam_pipe(struct __test_metadata *_metadata,
		     FIXTURE_DATA(reap) *self)
{
	ASSERT_EQ(0, pipe_jam_start(&self->jam)) {
		TH_LOG("pipe jam (userfaultfd): %s", strerror(errno));
	}
}

/* Set in the victim before it starts its stuck thread. */
static int victim_ready_fd = -1, victim_jam_fd = -1;
static char *victim_region;

static void *stuck_thread(void *arg)
{
	const struct victim_spec *s = arg;
	struct ready_msg msg = { .tid = gettid() };

	if (s->stuck_fn)
		s->stuck_fn(s->arg, victim_region);
	msg.region = victim_region;
	if (write(victim_ready_fd, &msg, sizeof(msg)) != sizeof(msg))
		return NULL;
	/* Blocks in mutex_lock(&pipe->mutex); SIGKILL cannot end that. */
	if (write(victim_jam_fd, "x", 1) < 0)
		return NULL;
	for (;;)
		pause();
}

static void join_own_cgroup(void)
{
	char path[96];

	snprintf(path, sizeof(path), CGROUP_ROOT "/reap-%d", getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return;
	strcat(path, "/cgroup.procs");
	write_file(path, "0");
}

static void __noreturn
victim_main(const struct victim_spec *s, int ready_fd, int jam_fd)
{
	struct ready_msg msg = { 0 };
	pthread_t th;

	victim_ready_fd = ready_fd;
	victim_jam_fd = jam_fd;
	/* Charges do not move with a task: join the cgroup first. */
	join_own_cgroup();
	if (s->anon) {
		char *p = mmap(NULL, s->anon + SZ_2M, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
		madvise(p, s->anon, s->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		fill_pattern(p, s->anon, 1);
		victim_region = p;
	}
	if (s->setup)
		s->setup(s->arg, victim_region);
	if (s->stuck) {
		if (pthread_create(&th, NULL, stuck_thread, (void *)s))
			_exit(1);
	} else {
		msg.region = victim_region;
		if (write(ready_fd, &msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
	}
	for (;;)
		pause();
}

/* Fork a victim; it is ready (and, if stuck, its thread blocked) on return. */
static struct victim *spawn(struct __test_metadata *_metadata,
			    FIXTURE_DATA(reap) *self,
			    const struct victim_spec *s)
{
	struct victim *v = &self->v[self->nr_victims];
	struct ready_msg msg;
	int ready[2];

	if (s->stuck && !self->jam.on)
		jam_pipe(_metadata, self);
	if (self->nr_victims >= MAX_VICTIMS) {
		TH_LOG("too many victims");
		return NULL;
	}
	if (pipe(ready))
		return NULL;
	v->pid = fork();
	if (v->pid < 0)
		return NULL;
	if (v->pid == 0) {
		/* The trap must die with us, not linger in the victim. */
		if (self->jam.on)
			close(self->jam.trap.uffd);
		close(ready[0]);
		victim_main(s, ready[1], self->jam.on ? self->jam.fd[1] : -1);
	}
	self->nr_victims++;
	close(ready[1]);
	snprintf(v->cgroup, sizeof(v->cgroup), CGROUP_ROOT "/reap-%d", v->pid);
	v->pidfd = sys_pidfd_open(v->pid, 0);
	if (v->pidfd < 0 || read(ready[0], &msg, sizeof(msg)) != sizeof(msg)) {
		close(ready[0]);
		return NULL;
	}
	close(ready[0]);
	v->region = msg.region;
	v->stuck_tid = msg.tid;
	if (s->stuck && !wait_task_state(v->pid, v->stuck_tid, 'D', 20)) {
		TH_LOG("victim thread %d did not block on the pipe", msg.tid);
		return NULL;
	}
	v->anon = anon_bytes(v->pid);
	return v;
}

/* Put @pid on the list of processes the teardown kills. */
static bool add_extra(FIXTURE_DATA(reap) *self, pid_t pid)
{
	if (pid <= 0 || self->nr_extra >= MAX_EXTRA)
		return false;
	self->extra[self->nr_extra++] = pid;
	return true;
}

#define ADD_EXTRA(pid) ASSERT_TRUE(add_extra(self, pid))

/*
 * As spawn(), for a victim whose setup starts one more process and writes
 * its pid to the fd at @s->arg; the pid goes to @pid and on the list of
 * processes killed at the end.
 */
static struct victim *spawn_reporting(struct __test_metadata *_metadata,
				      FIXTURE_DATA(reap) *self,
				      struct victim_spec *s, pid_t *pid)
{
	struct victim *v;
	int fds[2];
	ssize_t n;

	/* Before the process exists: the teardown must be able to kill it. */
	if (self->nr_extra >= MAX_EXTRA) {
		TH_LOG("no room on the list of processes to kill");
		return NULL;
	}
	if (pipe(fds)) {
		TH_LOG("pipe(): %s", strerror(errno));
		return NULL;
	}
	s->arg = &fds[1];
	v = spawn(_metadata, self, s);
	s->arg = NULL;
	/* Had spawn() failed, a pid already written is still registered. */
	if (!v)
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
	n = read(fds[0], pid, sizeof(*pid));
	if (n != sizeof(*pid) || !add_extra(self, *pid)) {
		if (v)
			TH_LOG("the setup reported no pid (read %zd, pid %d)",
			       n, n == sizeof(*pid) ? *pid : 0);
		v = NULL;
	}
	close(fds[0]);
	close(fds[1]);
	return v;
}

#define SPAWNED(ret) ({							\
	struct victim *__v = (ret);					\
	ASSERT_NE(NULL, __v);						\
	ASSERT_GT(__v->anon, 0);					\
	__v;								\
})
#define SPAWN(spec) SPAWNED(spawn(_metadata, self, spec))
#define SPAWN_REPORTING(spec, pid)					\
	SPAWNED(spawn_reporting(_metadata, self, spec, pid))

static long memcg_current(struct victim *v)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/memory.current", v->cgroup);
	return read_long_file(path);
}

static void kill_victim(struct __test_metadata *_metadata, struct victim *v)
{
	ASSERT_EQ(0, sys_pidfd_send_signal(v->pidfd, SIGKILL));
}

/*
 * Reap in @step-sized calls until 0, as a killer does: EAGAIN (the
 * victim's own teardown holds pages) is waited out.  The sum, or -errno.
 */
static long reap_loop(int pidfd, unsigned int flags, size_t step,
		      long *max_ret)
{
	long ret, sum = 0;

	do {
		ret = sys_try_reap_dying_process(pidfd, flags, step);
		if (ret < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (ret < 0)
			return errno == ESRCH && sum ? sum : -errno;
		if (max_ret && ret > *max_ret)
			*max_ret = ret;
		sum += ret;
	} while (ret);
	return sum;
}

/*
 * Never above the footprint, and within 1% below it, give or take the
 * pages a CPU's LRU batch still holds (up to 31 folios each): those are
 * unmapped, but the call does not drop their last reference.
 */
#define LRU_SLACK ((long)(64 * page_size()))
#define EXPECT_FOOTPRINT(freed, anon) do {				\
	long __freed = (freed), __anon = (anon);			\
									\
	EXPECT_LE(__freed, __anon);					\
	EXPECT_GE(__freed, __anon - __anon / 100 - LRU_SLACK);		\
} while (0)

FIXTURE_SETUP(reap)
{
	memset(self, 0, sizeof(*self));
	self->trap.uffd = -1;
	self->jam.trap.uffd = -1;
	if (!have_try_reap())
		SKIP(return, "try_reap_dying_process() is not available");
	/* Orphaned grandchildren come back to us to be waited for. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
}

FIXTURE_TEARDOWN(reap)
{
	int i;

	uffd_trap_release(&self->trap);
	pipe_jam_release(&self->jam);
	for (i = 0; i < self->nr_extra; i++)
		kill(self->extra[i], SIGKILL);
	for (i = 0; i < self->nr_victims; i++) {
		kill(self->v[i].pid, SIGKILL);
		waitpid(self->v[i].pid, NULL, 0);
		if (self->v[i].pidfd > 0)
			close(self->v[i].pidfd);
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	for (i = 0; i < self->nr_victims; i++)
		rmdir(self->v[i].cgroup);
}

/* Does @pid still hold @seed's pattern at @addr?  Read through /proc. */
static bool mem_has_pattern(pid_t pid, const char *addr, size_t len,
			    unsigned long seed)
{
	char path[64], *buf = malloc(len);
	bool ok = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (buf && fd >= 0 &&
	    pread(fd, buf, len, (off_t)(uintptr_t)addr) == (ssize_t)len)
		ok = check_pattern(buf, len, seed);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

/* --- Arguments and permission --- */

TEST_F(reap, ebadf_minus_one)
{
	EXPECT_EQ(-1, sys_try_reap_dying_process(-1, 0, SIZE_MAX));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(reap, ebadf_regular_file)
{
	int fd = open("/proc/self/status", O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, sys_try_reap_dying_process(fd, 0, SIZE_MAX));
	EXPECT_EQ(EBADF, errno);
	close(fd);
}

TEST_F(reap, einval_unknown_flags)
{
	struct victim_spec s = { .anon = 4 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 2, SIZE_MAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, ~0U, SIZE_MAX));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was touched. */
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
}

TEST_F(reap, einval_live_target_untouched)
{
	struct victim_spec s = { .anon = 16 * SZ_1M };
	struct victim *v = SPAWN(&s);

	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(v->anon, anon_bytes(v->pid));
	EXPECT_TRUE(mem_has_pattern(v->pid, v->region, s.anon, 1));
}

TEST_F(reap, einval_kernel_thread)
{
	/* kthreadd is pid 2 wherever there is a pid namespace of init. */
	int pidfd = sys_pidfd_open(2, 0);

	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(-1, sys_try_reap_dying_process(pidfd, 0, SIZE_MAX));
	EXPECT_EQ(EINVAL, errno);
	close(pidfd);
}

/* Run @fn in a child with uid nobody; its result is the exit status. */
static int as_nobody(int (*fn)(int pidfd), int pidfd, bool keep_cap_kill)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		cap_value_t kill_cap = CAP_KILL;
		cap_t caps;

		if (keep_cap_kill && prctl(PR_SET_KEEPCAPS, 1))
			_exit(100);
		if (setresgid(UID_NOBODY, UID_NOBODY, UID_NOBODY) ||
		    setresuid(UID_NOBODY, UID_NOBODY, UID_NOBODY))
			_exit(101);
		caps = cap_init();
		if (keep_cap_kill &&
		    (cap_set_flag(caps, CAP_PERMITTED, 1, &kill_cap, CAP_SET) ||
		     cap_set_flag(caps, CAP_EFFECTIVE, 1, &kill_cap, CAP_SET)))
			_exit(102);
		if (cap_set_proc(caps))
			_exit(103);
		cap_free(caps);
		_exit(fn(pidfd));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int reap_errno(int pidfd)
{
	long ret = sys_try_reap_dying_process(pidfd, 0, SIZE_MAX);

	return ret < 0 ? errno : 0;
}

TEST_F(reap, eperm_as_nobody)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	EXPECT_EQ(EPERM, as_nobody(reap_errno, v->pidfd, false));
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
}

TEST_F(reap, cap_kill_allows_other_uid)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	EXPECT_EQ(0, as_nobody(reap_errno, v->pidfd, true));
	EXPECT_LT(anon_bytes(v->stuck_tid), v->anon / 100);
}

TEST_F(reap, esrch_after_wait_and_zero_before)
{
	struct victim_spec s = { .anon = 16 * SZ_1M };
	struct victim *v = SPAWN(&s);
	siginfo_t info;

	kill_victim(_metadata, v);
	/* A zombie whose teardown is over: nothing more to free. */
	ASSERT_EQ(0, waitid(P_PIDFD, v->pidfd, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
	ASSERT_EQ(v->pid, waitpid(v->pid, NULL, 0));
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, 0));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(reap, zero_budget_is_a_probe)
{
	struct victim_spec s = { .anon = 32 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	long freed;

	kill_victim(_metadata, v);
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, 0, 0));
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, PROCESS_REAP_NOWAIT, 0));
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_FOOTPRINT(freed, v->anon);
}

TEST_F(reap, nonblock_pidfd_and_nowait)
{
	struct victim_spec s = { .anon = 32 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	int pidfd;
	long freed;

	pidfd = sys_pidfd_open(v->pid, PIDFD_NONBLOCK);
	ASSERT_GE(pidfd, 0);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(pidfd, PROCESS_REAP_NOWAIT, SIZE_MAX);
	EXPECT_FOOTPRINT(freed, v->anon);
	close(pidfd);
}

TEST_F(reap, clone_pidfd)
{
	struct reap_clone_args args = {
		.flags = CLONE_PIDFD, .exit_signal = SIGCHLD
	};
	int pidfd = -1, ready[2];
	long anon, freed;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	args.pidfd = (uintptr_t)&pidfd;
	pid = syscall(__NR_clone3, &args, sizeof(args));
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *p = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, 16 * SZ_1M, MADV_NOHUGEPAGE);
		fill_pattern(p, 16 * SZ_1M, 3);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ADD_EXTRA(pid);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	anon = anon_bytes(pid);
	ASSERT_GT(anon, 16 * SZ_1M - 1);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	/* Not held back, but 16 MiB takes its exit longer than our call. */
	freed = reap_loop(pidfd, 0, SIZE_MAX, NULL);
	EXPECT_GT(freed, 0);
	EXPECT_LE(freed, anon);
	close(pidfd);
}

/* --- What is reaped, and what is counted --- */

TEST_F(reap, full_reap_returns_footprint)
{
	struct victim_spec s = { .anon = 64 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	long before, after, freed;

	before = memcg_current(v);
	ASSERT_GT(before, (long)s.anon);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	after = memcg_current(v);
	EXPECT_FOOTPRINT(freed, v->anon);
	/* The memory really came back, charged to nobody any more. */
	EXPECT_GE(before - after, freed - freed / 10);
	EXPECT_LT(anon_bytes(v->stuck_tid), v->anon / 100);
	/*
	 * Nothing more, but the page kept for the robust list of a thread
	 * that had yet to walk it when the call came, and has since exited.
	 */
	EXPECT_LE(reap_loop(v->pidfd, 0, SIZE_MAX, NULL), 2 * (long)page_size());
}

/* Calls free at least @step but the last, and overshoot by <= @overshoot. */
static void check_budget_loop(struct __test_metadata *_metadata,
			      struct victim *v, size_t step, size_t overshoot)
{
	long ret, sum = 0, calls = 0, short_calls = 0;

	do {
		ret = sys_try_reap_dying_process(v->pidfd, 0, step);
		ASSERT_GE(ret, 0);
		EXPECT_LE((size_t)ret, step + overshoot);
		if (ret && (size_t)ret < step)
			short_calls++;
		sum += ret;
		calls++;
	} while (ret);
	/* Only the call that ran out of memory may fall short. */
	EXPECT_LE(short_calls, 1);
	EXPECT_FOOTPRINT(sum, v->anon);
	TH_LOG("step %zu KiB: %ld calls, %ld bytes", step >> 10, calls, sum);
}

TEST_F(reap, budget_1m_loop)
{
	struct victim_spec s = { .anon = 64 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	/* Small pages: exact, no overshoot at all. */
	check_budget_loop(_metadata, v, SZ_1M, 0);
}

TEST_F(reap, budget_16m_loop)
{
	struct victim_spec s = { .anon = 128 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	check_budget_loop(_metadata, v, 16 * SZ_1M, 0);
}

TEST_F(reap, thp_victim)
{
	struct victim_spec s = { .anon = 64 * SZ_1M, .thp = true,
				 .stuck = true };
	struct victim *v = SPAWN(&s);
	long thp = proc_kb(v->pid, "smaps_rollup", "AnonHugePages");

	ASSERT_GE(thp, 32 * SZ_1M) {
		TH_LOG("only %ld bytes of THP; is THP enabled?", thp);
	}
	kill_victim(_metadata, v);
	/* One THP at most past a small budget (of any mTHP size). */
	check_budget_loop(_metadata, v, 256 * 1024, pmd_size());
}

static void map_file_cow(void *arg, char *unused)
{
	int fd = *(int *)arg;
	char *p = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		       fd, 0);

	/* Map it all from the page cache before the copy on write. */
	if (p == MAP_FAILED || madvise(p, 16 * SZ_1M, MADV_POPULATE_READ))
		_exit(1);
	/* Copy on write: the first half becomes anonymous memory. */
	fill_pattern(p, 8 * SZ_1M, 7);
}

TEST_F(reap, private_file_cow)
{
	char path[] = "/tmp/reap-file-XXXXXX";
	struct victim_spec s = { .anon = 8 * SZ_1M, .stuck = true,
				 .setup = map_file_cow };
	char *buf = malloc(16 * SZ_1M);
	struct victim *v;
	long freed;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	fill_pattern(buf, 16 * SZ_1M, 5);
	ASSERT_EQ((ssize_t)(16 * SZ_1M), pwrite(fd, buf, 16 * SZ_1M, 0));
	/* Or the victim would inherit it, COW-shared and not reapable. */
	free(buf);
	s.arg = &fd;
	v = SPAWN(&s);
	buf = malloc(16 * SZ_1M);
	ASSERT_NE(NULL, buf);
	/* 8 MiB of the region plus 8 MiB of COW'd file pages. */
	ASSERT_GE(v->anon, 16 * SZ_1M);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_FOOTPRINT(freed, v->anon);
	/* The page cache was not counted, nor changed. */
	ASSERT_EQ((ssize_t)(16 * SZ_1M), pread(fd, buf, 16 * SZ_1M, 0));
	EXPECT_TRUE(check_pattern(buf, 16 * SZ_1M, 5));
	close(fd);
	free(buf);
}

static void fill_shared(void *arg, char *unused)
{
	fill_pattern(arg, 16 * SZ_1M, 9);
}

TEST_F(reap, shared_anon_intact)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true,
				 .setup = fill_shared };
	struct victim *v;
	long freed;
	char *shared;

	shared = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	s.arg = shared;
	v = SPAWN(&s);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	/* shmem is not anonymous memory: neither zapped nor counted. */
	EXPECT_FOOTPRINT(freed, v->anon);
	EXPECT_TRUE(check_pattern(shared, 16 * SZ_1M, 9));
	/* Still mapped in the victim. */
	EXPECT_GE(proc_kb(v->stuck_tid, "smaps_rollup", "Rss"), 16 * SZ_1M);
	munmap(shared, 16 * SZ_1M);
}

static void map_hugetlb(void *arg, char *unused)
{
	char **addr = arg;

	*addr = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (*addr == MAP_FAILED)
		_exit(1);
	fill_pattern(*addr, 2 * SZ_2M, 11);
}

TEST_F(reap, hugetlb_never_reaped)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true,
				 .setup = map_hugetlb };
	struct victim *v;
	char **addr;
	long freed;

	/* Two huge pages for the victim, whatever the pool had. */
	ASSERT_TRUE(write_file("/proc/sys/vm/nr_hugepages", "4"));
	addr = mmap(NULL, sizeof(*addr), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, addr);
	s.arg = addr;
	v = SPAWN(&s);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	/* hugetlb is not in "Anonymous": neither counted nor zapped. */
	EXPECT_FOOTPRINT(freed, v->anon);
	EXPECT_TRUE(mem_has_pattern(v->stuck_tid, *addr, 2 * SZ_2M, 11));
}

static void fork_cow_child(void *arg, char *p)
{
	int fd = *(int *)arg;
	pid_t pid = fork();

	if (pid < 0)
		_exit(1);
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (write(fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	/* Our own copy of the second half; the first stays shared. */
	fill_pattern(p + 32 * SZ_1M, 32 * SZ_1M, 2);
}

TEST_F(reap, cow_family)
{
	struct victim_spec s = { .anon = 64 * SZ_1M, .stuck = true,
				 .setup = fork_cow_child };
	struct victim *v;
	long freed;
	pid_t child;

	v = SPAWN_REPORTING(&s, &child);

	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	/*
	 * The private half is counted, but for the few pages a CPU's LRU
	 * batch may still hold; what the child still maps is not.
	 */
	EXPECT_GE(freed, 32 * SZ_1M - LRU_SLACK);
	EXPECT_LE(freed, v->anon - 32 * SZ_1M);
	EXPECT_TRUE(mem_has_pattern(child, v->region, 64 * SZ_1M, 1));
}

/*
 * Only pages whose last reference the call drops are counted.  Of 48 MiB:
 * the first 16 are vmsplice()d into a pipe that we hold, the next 16 a COW
 * child still maps, the last 16 only the victim has.
 */
struct held {
	int pipe[2];
	int child_fd;
};

static void hold_elsewhere(void *arg, char *p)
{
	struct held *h = arg;
	size_t done = 0, len = 16 * SZ_1M;
	pid_t pid;

	/* It must outlive the victim: the test's teardown kills it. */
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (write(h->child_fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	/* Our own copies of the first and last parts; the middle stays shared. */
	fill_pattern(p, len, 1);
	fill_pattern(p + 2 * len, len, 1);
	while (done < len) {
		struct iovec iov = { p + done, len - done };
		ssize_t n = vmsplice(h->pipe[1], &iov, 1, 0);

		if (n <= 0)
			_exit(1);
		done += n;
	}
}

TEST_F(reap, count_only_what_was_freed)
{
	struct held h;
	struct victim_spec s = { .anon = 48 * SZ_1M, .stuck = true,
				 .setup = hold_elsewhere, .arg = &h };
	size_t len = 16 * SZ_1M;
	struct victim *v;
	int pids[2];
	long freed;
	pid_t child;
	char *buf;

	ASSERT_EQ(0, pipe(h.pipe));
	ASSERT_EQ(0, pipe(pids));
	h.child_fd = pids[1];
	/* Room for all of it; root may go past pipe-max-size. */
	ASSERT_GE(fcntl(h.pipe[1], F_SETPIPE_SZ, len), (int)len);
	v = SPAWN(&s);
	ASSERT_EQ(sizeof(child), read(pids[0], &child, sizeof(child)));
	ADD_EXTRA(child);
	close(h.pipe[1]);

	kill_victim(_metadata, v);
	freed = reap_loop(v->pidfd, 0, SIZE_MAX, NULL);
	TH_LOG("footprint %ld KiB, freed %ld KiB", v->anon >> 10, freed >> 10);
	/* The private third, and the little else the victim had alone. */
	EXPECT_GE(freed, (long)len - LRU_SLACK);
	EXPECT_LE(freed, (long)len + 2 * (long)SZ_1M);
	/* Nothing that others hold was lost: the COW child still has it all. */
	EXPECT_TRUE(mem_has_pattern(child, v->region, 3 * len, 1));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	for (size_t got = 0; got < len;) {
		ssize_t n = read(h.pipe[0], buf + got, len - got);

		ASSERT_GT(n, 0);
		got += n;
	}
	EXPECT_TRUE(check_pattern(buf, len, 1));
	free(buf);
	close(h.pipe[0]);
	close(pids[0]);
	close(pids[1]);
}

static int sibling_fn(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static void clone_vm_sibling(void *arg, char *p)
{
	int fd = *(int *)arg;
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (stack == MAP_FAILED)
		_exit(1);
	pid = clone(sibling_fn, stack + 65536, CLONE_VM | SIGCHLD, NULL);
	if (pid < 0 || write(fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
}

TEST_F(reap, clone_vm_sharer_refused)
{
	struct victim_spec s = { .anon = 16 * SZ_1M,
				 .setup = clone_vm_sibling };
	struct victim *v;
	pid_t sibling;
	long ret;

	v = SPAWN_REPORTING(&s, &sibling);

	kill_victim(_metadata, v);
	/*
	 * Refused while the sibling lives: before the victim has left the
	 * mm to it, and after, when the zombie still keeps it reachable.
	 */
	ret = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, waitid(P_PIDFD, v->pidfd, NULL, WEXITED | WNOWAIT));
	ret = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(mem_has_pattern(sibling, v->region, 16 * SZ_1M, 1));
}

static int sibling_nobody_fn(void *arg)
{
	int fd = *(int *)arg;
	pid_t pid = getpid();

	/* Raw calls: glibc's would signal the victim's threads as ours. */
	if (syscall(SYS_setresgid, UID_NOBODY, UID_NOBODY, UID_NOBODY) ||
	    syscall(SYS_setresuid, UID_NOBODY, UID_NOBODY, UID_NOBODY))
		pid = 0;
	if (write(fd, &pid, sizeof(pid)) != sizeof(pid) || !pid)
		syscall(SYS_exit, 1);
	for (;;)
		pause();
	return 0;
}

static void clone_vm_sibling_nobody(void *arg, char *p)
{
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED ||
	    clone(sibling_nobody_fn, stack + 65536, CLONE_VM | SIGCHLD,
		  arg) < 0)
		_exit(1);
}

static int probe_errno(int pidfd)
{
	return sys_try_reap_dying_process(pidfd, 0, 0) < 0 ? errno : 0;
}

/* What a call freed, in MiB, as an exit status; 255 for an error. */
static int reap_mib(int pidfd)
{
	long ret = sys_try_reap_dying_process(pidfd, 0, SIZE_MAX);

	return ret < 0 ? 255 : (ret >> 20) < 254 ? ret >> 20 : 254;
}

/*
 * The target is nobody's, its CLONE_VM sibling root's, and a thread of
 * the sibling holds the mm: a reap of the target would take the sibling's
 * memory, so nobody may not, dying or not.
 */
TEST_F(reap, clone_vm_sharer_of_other_uid_eperm)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true,
				 .setup = clone_vm_sibling_nobody };
	struct victim *v;
	pid_t target;
	int pidfd;

	v = SPAWN_REPORTING(&s, &target);
	/* Its stack is faulted in now. */
	v->anon = anon_bytes(v->pid);
	pidfd = sys_pidfd_open(target, 0);
	ASSERT_GE(pidfd, 0);

	/* The right to kill comes first: the live sibling's is missing. */
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	ASSERT_TRUE(wait_task_state(target, target, 'Z', 20));
	EXPECT_EQ(EPERM, as_nobody(reap_errno, pidfd, false));
	EXPECT_EQ(EINVAL, reap_errno(pidfd));

	/* The sibling stays in its exit, holding the mm. */
	kill_victim(_metadata, v);
	EXPECT_EQ(EPERM, as_nobody(probe_errno, pidfd, false));
	EXPECT_EQ(EPERM, as_nobody(reap_errno, pidfd, false));
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
	/* With CAP_KILL the same call may kill both, and reaps. */
	EXPECT_EQ(0, as_nobody(reap_errno, pidfd, true));
	EXPECT_LT(anon_bytes(v->stuck_tid), v->anon / 100);
	close(pidfd);
}

static int sibling_jammed_fn(void *arg)
{
	pid_t pid = -getpid();

	/* Negative: the stuck one.  It then holds the mm after SIGKILL. */
	if (write(*(int *)arg, &pid, sizeof(pid)) != sizeof(pid) ||
	    write(victim_jam_fd, "x", 1) < 0)
		syscall(SYS_exit, 1);
	for (;;)
		pause();
	return 0;
}

/*
 * A live sibling of nobody's, then a root one that will be stuck, then
 * the victim itself becomes nobody's: the process list holds the live
 * sibling first.
 */
static void two_siblings_then_nobody(void *arg, char *p)
{
	char *stack = mmap(NULL, 2 * 65536, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED ||
	    clone(sibling_nobody_fn, stack + 65536, CLONE_VM | SIGCHLD,
		  arg) < 0 ||
	    clone(sibling_jammed_fn, stack + 2 * 65536, CLONE_VM | SIGCHLD,
		  arg) < 0 ||
	    syscall(SYS_setresgid, UID_NOBODY, UID_NOBODY, UID_NOBODY) ||
	    syscall(SYS_setresuid, UID_NOBODY, UID_NOBODY, UID_NOBODY))
		_exit(1);
}

/*
 * Whichever sharer comes first in the process list, one the caller may
 * not kill makes the call EPERM: a live sharer it may kill does not turn
 * that into EINVAL.  Root, allowed both, gets EINVAL for the live one.
 */
TEST_F(reap, sharer_permission_before_liveness)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true,
				 .setup = two_siblings_then_nobody };
	pid_t live = 0, stuck = 0, pid;
	struct victim *v;
	int pids[2], pidfd, i;

	ASSERT_EQ(0, pipe(pids));
	s.arg = &pids[1];
	v = SPAWN(&s);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(sizeof(pid), read(pids[0], &pid, sizeof(pid)));
		ASSERT_NE(0, pid);
		if (pid > 0)
			live = pid;
		else
			stuck = -pid;
	}
	ASSERT_GT(live, 0);
	ASSERT_GT(stuck, 0);
	ADD_EXTRA(live);
	ADD_EXTRA(stuck);
	ASSERT_TRUE(wait_task_state(stuck, stuck, 'D', 20));
	v->anon = anon_bytes(v->pid);
	pidfd = sys_pidfd_open(stuck, 0);
	ASSERT_GE(pidfd, 0);

	kill_victim(_metadata, v);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	EXPECT_EQ(EPERM, as_nobody(reap_errno, v->pidfd, false));
	EXPECT_EQ(EINVAL, reap_errno(v->pidfd));
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
	EXPECT_TRUE(mem_has_pattern(live, v->region, 16 * SZ_1M, 1));
	close(pidfd);
	close(pids[0]);
	close(pids[1]);
}

/*
 * The same pair once no thread holds the mm (mem_rw() holds mm_users,
 * so exit_mmap() waits): nobody's memory is no process's any more, only
 * the teardown's, and the right to kill the target is enough.
 */
TEST_F(reap, clone_vm_sharer_of_other_uid_after_exit_mm)
{
	struct victim_spec s = { .anon = 16 * SZ_1M,
				 .setup = clone_vm_sibling_nobody };
	struct mem_reader m;
	struct victim *v;
	pid_t target;
	int pidfd, mib;

	v = SPAWN_REPORTING(&s, &target);
	pidfd = sys_pidfd_open(target, 0);
	ASSERT_GE(pidfd, 0);

	ASSERT_EQ(0, uffd_trap_init(&self->trap, page_size()));
	ASSERT_EQ(0, mem_reader_start(&m, v->pid, v->region,
				      self->trap.area));
	ASSERT_EQ(0, uffd_trap_wait(&self->trap));
	kill_victim(_metadata, v);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	ASSERT_TRUE(wait_task_state(v->pid, v->pid, 'Z', 20));
	ASSERT_TRUE(wait_task_state(target, target, 'Z', 20));

	mib = as_nobody(reap_mib, pidfd, false);
	EXPECT_NE(255, mib);
	EXPECT_GE(mib, 15);
	uffd_trap_release(&self->trap);
	mem_reader_join(&m);
	close(pidfd);
}

static void vfork_child(void *arg, char *p)
{
	int fd = *(int *)arg;
	pid_t pid = vfork();

	if (pid == 0) {
		/* Shares our mm until it dies: the parent waits meanwhile. */
		pid = getpid();
		if (write(fd, &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		for (;;)
			pause();
	}
}

/*
 * Start a victim whose setup starts the process the test is about, and
 * reports on @pipefd[1]; the victim's own ready message follows there.
 */
static int spawn_parent(FIXTURE_DATA(reap) *self, struct victim_spec *s,
			int pipefd[2])
{
	struct victim *v = &self->v[0];

	if (pipe(pipefd))
		return -1;
	s->arg = &pipefd[1];
	v->pid = fork();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0)
		victim_main(s, pipefd[1], -1);
	self->nr_victims = 1;
	snprintf(v->cgroup, sizeof(v->cgroup), CGROUP_ROOT "/reap-%d", v->pid);
	return 0;
}

TEST_F(reap, vfork_parent_refused)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .setup = vfork_child };
	struct victim *v = &self->v[0];
	struct ready_msg msg;
	int pids[2], pidfd;
	pid_t child;
	long ret;

	/* The target is the vfork child: spawn() returns once it is dead. */
	ASSERT_EQ(0, spawn_parent(self, &s, pids));
	ASSERT_EQ(sizeof(child), read(pids[0], &child, sizeof(child)));
	ADD_EXTRA(child);
	pidfd = sys_pidfd_open(child, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	/* Refused, or, once the child has dropped its parent's mm, nothing. */
	ret = sys_try_reap_dying_process(pidfd, 0, SIZE_MAX);
	EXPECT_TRUE(!ret || (ret == -1 && errno == EINVAL));
	/* Its parent's memory is never taken for its own. */
	ASSERT_TRUE(wait_task_state(child, child, 'Z', 20));
	EXPECT_EQ(0, sys_try_reap_dying_process(pidfd, 0, SIZE_MAX));

	/* The parent went on with its memory intact. */
	ASSERT_EQ(sizeof(msg), read(pids[0], &msg, sizeof(msg)));
	EXPECT_TRUE(mem_has_pattern(v->pid, msg.region, 16 * SZ_1M, 1));
	close(pidfd);
}

/*
 * The victim's child by clone3(CLONE_VFORK) without CLONE_VM: memory of
 * its own, which the victim, waiting for it, does not map.
 */
static void clone_vfork_child(void *arg, char *p)
{
	struct reap_clone_args args = {
		.flags = CLONE_VFORK, .exit_signal = SIGCHLD
	};
	int fd = *(int *)arg;
	struct ready_msg msg = { 0 };
	long pid = syscall(__NR_clone3, &args, sizeof(args));

	if (pid) {
		/* Failed: say why (the victim's own report follows). */
		msg.tid = pid < 0 ? -errno : 0;
		if (pid < 0 && write(fd, &msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
		return;
	}
	msg.region = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (msg.region == MAP_FAILED)
		_exit(1);
	madvise(msg.region, 16 * SZ_1M, MADV_NOHUGEPAGE);
	fill_pattern(msg.region, 16 * SZ_1M, 2);
	msg.tid = getpid();
	if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
		_exit(1);
	for (;;)
		pause();
}

TEST_F(reap, clone_vfork_child_reaped_after_exit_mm)
{
	struct victim_spec s = { .setup = clone_vfork_child };
	struct ready_msg msg;
	struct mem_reader m;
	int pids[2], pidfd;
	long freed;

	ASSERT_EQ(0, spawn_parent(self, &s, pids));
	/* The child's report, or -errno if clone3() failed. */
	ASSERT_EQ(sizeof(msg), read(pids[0], &msg, sizeof(msg)));
	if (msg.tid < 0)
		SKIP(return, "clone3(): %s", strerror(-msg.tid));
	ASSERT_GT(msg.tid, 0);
	ADD_EXTRA(msg.tid);
	pidfd = sys_pidfd_open(msg.tid, 0);
	ASSERT_GE(pidfd, 0);

	/* mem_rw() holds the child's mm_users: exit_mmap() waits for us. */
	ASSERT_EQ(0, uffd_trap_init(&self->trap, page_size()));
	ASSERT_EQ(0, mem_reader_start(&m, msg.tid, msg.region,
				      self->trap.area));
	ASSERT_EQ(0, uffd_trap_wait(&self->trap));
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));
	/* Past exit_mm(): a zombie, which its parent does not wait for. */
	ASSERT_TRUE(wait_task_state(msg.tid, msg.tid, 'Z', 20));

	/* Its mm is kept as any dying process's, not taken for the parent's. */
	freed = sys_try_reap_dying_process(pidfd, 0, SIZE_MAX);
	EXPECT_GE(freed, 16 * SZ_1M - 16 * SZ_1M / 100 - LRU_SLACK);
	/* And a few pages it wrote itself, its stack's. */
	EXPECT_LE(freed, 17 * SZ_1M);
	EXPECT_EQ(0, sys_try_reap_dying_process(pidfd, 0, SIZE_MAX));

	uffd_trap_release(&self->trap);
	mem_reader_join(&m);
	close(pidfd);
}

/* --- Concurrency and the stages of exit --- */

struct reaper {
	int pidfd;
	size_t step;
	long sum;
	int err;
};

static void *reaper_fn(void *arg)
{
	struct reaper *r = arg;
	long ret;

	do {
		ret = sys_try_reap_dying_process(r->pidfd, 0, r->step);
		/* Another gather (ours, the victim's) holds pages: wait. */
		if (ret < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (ret < 0) {
			r->err = errno;
			break;
		}
		r->sum += ret;
	} while (ret);
	return NULL;
}

TEST_F(reap, four_concurrent_reapers)
{
	struct victim_spec s = { .anon = 128 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	struct reaper r[4];
	pthread_t th[4];
	long sum = 0;
	int i;

	kill_victim(_metadata, v);
	for (i = 0; i < 4; i++) {
		r[i] = (struct reaper){ .pidfd = v->pidfd, .step = 4 * SZ_1M };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reaper_fn, &r[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, r[i].err);
		sum += r[i].sum;
	}
	EXPECT_FOOTPRINT(sum, v->anon);
}

TEST_F(reap, racing_the_victims_own_exit)
{
	struct victim_spec s = { .anon = 128 * SZ_1M };
	struct victim *v = SPAWN(&s);
	struct reaper r = { .pidfd = v->pidfd, .step = 2 * SZ_1M };
	long before = memcg_current(v);
	pthread_t th;

	kill_victim(_metadata, v);
	ASSERT_EQ(0, pthread_create(&th, NULL, reaper_fn, &r));
	waitpid(v->pid, NULL, 0);
	pthread_join(th, NULL);
	/*
	 * Whoever drops a page's last reference counts it: we never count
	 * more than there was, and we start long before the victim's own
	 * teardown gets through 128 MiB.  EAGAIN: its teardown held pages.
	 */
	EXPECT_TRUE(r.err == 0 || r.err == ESRCH || r.err == EAGAIN);
	EXPECT_GT(r.sum, 0);
	EXPECT_LE(r.sum, v->anon);
	EXPECT_LT(memcg_current(v), before / 10);
}

TEST_F(reap, late_reaper_after_exit_mm)
{
	struct victim_spec s = { .anon = 64 * SZ_1M };
	struct victim *v = SPAWN(&s);
	struct mem_reader m;
	long before, freed;

	ASSERT_EQ(0, uffd_trap_init(&self->trap, page_size()));
	/* mem_rw() holds mm_users while it copies into the trap. */
	ASSERT_EQ(0, mem_reader_start(&m, v->pid, v->region, self->trap.area));
	ASSERT_EQ(0, uffd_trap_wait(&self->trap));

	before = memcg_current(v);
	kill_victim(_metadata, v);
	/* Every thread has passed exit_mm(): the victim is a zombie. */
	ASSERT_EQ(0, waitid(P_PIDFD, v->pidfd, NULL, WEXITED | WNOWAIT));
	ASSERT_EQ('Z', task_state(v->pid, v->pid));
	/* The window this syscall closes. */
	EXPECT_EQ(-1, sys_process_mrelease(v->pidfd, 0));
	EXPECT_EQ(ESRCH, errno);

	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_FOOTPRINT(freed, v->anon);
	EXPECT_GE(before - memcg_current(v), freed - freed / 10);
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));

	uffd_trap_release(&self->trap);
	mem_reader_join(&m);
}

TEST_F(reap, unstable_address_space_faults)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	char buf[64];
	struct iovec local = { buf, sizeof(buf) };
	struct iovec remote = { v->region + SZ_1M, sizeof(buf) };

	kill_victim(_metadata, v);
	ASSERT_GT(sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX), 0);
	/* A kernel reader of the reaped memory faults, it reads no zeros. */
	EXPECT_EQ(-1, process_vm_readv(v->stuck_tid, &local, 1, &remote, 1, 0));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A FUSE file system whose READs are never answered: a /proc/PID/mem
 * reader that faults on a file mapped from it waits for the page with the
 * victim's mmap_lock held for read (GUP without FOLL_UNLOCKABLE cannot
 * drop it), for as long as we like.
 */
struct fuse_trap {
	int fd;
	char dir[64];
	int held[2];		/* the server writes a READ's unique here */
};

static void fuse_reply(int fd, uint64_t unique, int error, const void *arg,
		       size_t len)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (arg ? len : 0),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = { { &out, sizeof(out) }, { (void *)arg, len } };

	if (writev(fd, iov, arg ? 2 : 1) < 0)
		return;
}

static void fuse_attr_of(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = 1;
	a->size = ino == FUSE_ROOT_ID ? 0 : SZ_1M;
	a->blocks = a->size / 512;
	a->blksize = 4096;
}

static void *fuse_server(void *arg)
{
	struct fuse_trap *ft = arg;
	size_t size = SZ_1M + 4096;
	char *buf = malloc(size);

	while (buf) {
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *op = in + 1;
		ssize_t n = read(ft->fd, buf, size);

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			break;
		switch (in->opcode) {
		case FUSE_INIT: {
			/* No readahead: one READ, for the faulting page. */
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = FUSE_KERNEL_MINOR_VERSION,
				.max_write = 4096,
			};
			fuse_reply(ft->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e = { .nodeid = 2,
				.entry_valid = 3600, .attr_valid = 3600 };

			if (strcmp(op, "f")) {
				fuse_reply(ft->fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_attr_of(2, &e.attr);
			fuse_reply(ft->fd, in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out a = { .attr_valid = 3600 };

			fuse_attr_of(in->nodeid, &a.attr);
			fuse_reply(ft->fd, in->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(ft->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			/* Held: the test answers it when it is done. */
			if (write(ft->held[1], &in->unique, sizeof(in->unique)) < 0)
				return NULL;
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(ft->fd, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(ft->fd, in->unique, -EOPNOTSUPP, NULL, 0);
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Mount it; the server runs until this test's process exits. */
static int fuse_trap_mount(struct fuse_trap *ft)
{
	char opts[128];
	pthread_t th;

	if (pipe(ft->held))
		return -1;
	ft->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (ft->fd < 0)
		return -1;
	snprintf(ft->dir, sizeof(ft->dir), "/tmp/reap-fuse-%d", getpid());
	if (mkdir(ft->dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", ft->fd);
	if (mount("reap-fuse", ft->dir, "fuse", MS_NOSUID | MS_NODEV, opts))
		return -1;
	if (pthread_create(&th, NULL, fuse_server, ft))
		return -1;
	return pthread_detach(th);
}

struct fuse_victim_arg {
	struct fuse_trap *ft;
	char *addr;		/* shared with the test */
};

static void map_fuse_file(void *arg, char *unused)
{
	struct fuse_victim_arg *a = arg;
	char path[96];
	int fd;

	close(a->ft->fd);
	snprintf(path, sizeof(path), "%s/f", a->ft->dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		_exit(1);
	a->addr = mmap(NULL, SZ_1M, PROT_READ, MAP_PRIVATE, fd, 0);
	if (a->addr == MAP_FAILED)
		_exit(1);
}

static void *clear_refs_fn(void *arg)
{
	int fd = *(int *)arg;

	/* clear_refs takes mmap_lock for write: it queues behind the reader. */
	if (write(fd, "5", 1) < 0)
		return NULL;
	return NULL;
}

static pid_t writer_tid;

static void *tid_then_clear_refs(void *arg)
{
	__atomic_store_n(&writer_tid, gettid(), __ATOMIC_SEQ_CST);
	return clear_refs_fn(arg);
}

TEST_F(reap, eagain_nowait_contended_mmap_lock)
{
	struct victim_spec s = { .anon = 16 * SZ_1M, .stuck = true,
				 .setup = map_fuse_file };
	struct fuse_victim_arg *a;
	struct mem_reader m = { 0 };
	pthread_t writer;
	struct fuse_trap ft;
	char *buf;
	uint64_t unique;
	struct victim *v;
	char path[64];
	long freed;
	int refs;

	ASSERT_EQ(0, fuse_trap_mount(&ft)) {
		TH_LOG("FUSE: %s", strerror(errno));
	}
	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	a->ft = &ft;
	s.arg = a;
	v = SPAWN(&s);

	/* A reader holds mmap_lock for read, waiting on FUSE... */
	buf = malloc(page_size());
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, mem_reader_start(&m, v->pid, a->addr, buf));
	ASSERT_EQ(sizeof(unique), read(ft.held[0], &unique, sizeof(unique)));
	/* ... and a writer waits behind it, so no reader may join in. */
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", v->stuck_tid);
	refs = open(path, O_WRONLY);
	ASSERT_GE(refs, 0);
	ASSERT_EQ(0, pthread_create(&writer, NULL, tid_then_clear_refs, &refs));
	while (!__atomic_load_n(&writer_tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	ASSERT_TRUE(wait_task_state(getpid(), writer_tid, 'D', 20));

	kill_victim(_metadata, v);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, PROCESS_REAP_NOWAIT,
						 SIZE_MAX));
	EXPECT_EQ(EAGAIN, errno);
	/* A probe takes no lock. */
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, PROCESS_REAP_NOWAIT, 0));

	/* Fail the READ: the reader, then the writer, let go. */
	fuse_reply(ft.fd, unique, -EIO, NULL, 0);
	mem_reader_join(&m);
	pthread_join(writer, NULL);
	freed = sys_try_reap_dying_process(v->pidfd, PROCESS_REAP_NOWAIT,
					   SIZE_MAX);
	EXPECT_FOOTPRINT(freed, v->anon);
	close(refs);
	free(buf);
	umount2(ft.dir, MNT_DETACH);
	rmdir(ft.dir);
}

/* --- Robust futexes --- */

struct robust_shared {
	pthread_mutex_t mutex;
};

static void init_robust(pthread_mutex_t *m, bool pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/*
 * Lock the shared mutex, then a private one in the reaped region: the
 * list runs head -> private node -> shared node, so the walk must get
 * through private memory to reach the futex a waiter sleeps on.
 */
static void lock_robust(void *arg, char *p)
{
	struct robust_shared *sh = arg;
	pthread_mutex_t *priv = (pthread_mutex_t *)(p + 8 * SZ_1M);

	init_robust(priv, false);
	if (pthread_mutex_lock(&sh->mutex) || pthread_mutex_lock(priv))
		_exit(1);
}

struct waiter {
	pthread_mutex_t *mutex;
	int secs;
	int ret;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += w->secs;
	w->ret = pthread_mutex_timedlock(w->mutex, &ts);
	if (!w->ret || w->ret == EOWNERDEAD)
		pthread_mutex_consistent(w->mutex);
	return NULL;
}

static int robust_case(struct __test_metadata *_metadata,
		       FIXTURE_DATA(reap) *self, int secs)
{
	struct victim_spec s = { .anon = 32 * SZ_1M, .stuck = true,
				 .stuck_fn = lock_robust };
	struct robust_shared *sh;
	struct waiter w;
	struct victim *v;
	pthread_t th;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	init_robust(&sh->mutex, true);
	s.arg = sh;
	v = spawn(_metadata, self, &s);
	if (!v)
		return -1;
	w = (struct waiter){ .mutex = &sh->mutex, .secs = secs };
	if (pthread_create(&th, NULL, waiter_fn, &w))
		return -1;
	if (sys_pidfd_send_signal(v->pidfd, SIGKILL))
		return -1;
	if (sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX) <
	    v->anon - v->anon / 100 - LRU_SLACK)
		return -1;
	/* The stuck thread exits and walks its robust list now. */
	pipe_jam_release(&self->jam);
	pthread_join(th, NULL);
	munmap(sh, sizeof(*sh));
	return w.ret;
}

TEST_F_TIMEOUT(reap, robust_futex_waiter_gets_eownerdead, 60)
{
	EXPECT_EQ(EOWNERDEAD, robust_case(_metadata, self, 20));
}

/*
 * The private node's page is paged out and registered with userfaultfd:
 * for write-protection where the kernel has it for anonymous memory (not
 * 6.1 on arm64), else for missing pages.  Neither traps the read fault
 * that swaps the page back in, so the thread's own walk gets through it;
 * ours may not fault in an armed VMA, and must refuse the call rather
 * than stop short and zap the rest of the list.  The page is registered,
 * never write-protected: a dying thread's fault on a protected page gets
 * SIGBUS, and its own walk would stop there too.
 */
struct robust_uffd {
	struct robust_shared sh;	/* first: lock_robust() takes it */
	int mode;			/* UFFDIO_REGISTER_MODE_* */
	char why[64];			/* why the victim gave up */
};

#define PM_SWAP (1ULL << 62)

static bool page_swapped(pid_t pid, void *addr)
{
	uint64_t ent = 0;
	char path[64];
	off_t off;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	off = (uintptr_t)addr / page_size() * sizeof(ent);
	n = pread(fd, &ent, sizeof(ent), off);
	close(fd);
	return n == sizeof(ent) && (ent & PM_SWAP);
}

static void lock_robust_uffd(void *arg, char *p)
{
	struct robust_uffd *ru = arg;
	char *page = p + 8 * SZ_1M;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (unsigned long)page, page_size() },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	const char *why;
	int uffd, i;

	lock_robust(arg, p);
	/* Left open: the registration must outlive the other threads. */
	why = "userfaultfd";
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		goto fail;
	why = "UFFDIO_REGISTER";
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		if (errno != EINVAL)
			goto fail;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(uffd, UFFDIO_REGISTER, &reg))
			goto fail;
	}
	/* A folio still in another CPU's LRU batch is skipped: retry. */
	why = "MADV_PAGEOUT";
	for (i = 0; i < 10 && !page_swapped(getpid(), page); i++)
		if (madvise(page, page_size(), MADV_PAGEOUT))
			goto fail;
	why = "the page did not go to swap";
	if (!page_swapped(getpid(), page))
		goto fail;
	ru->mode = reg.mode;
	return;
fail:
	snprintf(ru->why, sizeof(ru->why), "%s: %s", why, strerror(errno));
	_exit(1);
}

TEST_F_TIMEOUT(reap, robust_node_in_uffd_range_refuses, 60)
{
	struct victim_spec s = { .anon = 32 * SZ_1M, .stuck = true,
				 .stuck_fn = lock_robust_uffd };
	struct robust_uffd *ru;
	struct victim *v;
	struct waiter w;
	char *node, path[64];
	pthread_t th;
	int fd;

	if (meminfo_kb("SwapTotal") <= 0)
		SKIP(return, "no swap (the guest puts it on zram)");
	ru = mmap(NULL, sizeof(*ru), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ru);
	init_robust(&ru->sh.mutex, true);
	s.arg = ru;
	v = spawn(_metadata, self, &s);
	ASSERT_NE(NULL, v) {
		TH_LOG("victim setup: %s", ru->why[0] ? ru->why : "failed");
	}
	node = v->region + 8 * SZ_1M;
	TH_LOG("the node's page is on swap, registered for %s",
	       ru->mode == UFFDIO_REGISTER_MODE_WP ? "write-protection" :
						      "missing pages");
	w = (struct waiter){ .mutex = &ru->sh.mutex, .secs = 20 };
	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_fn, &w));
	kill_victim(_metadata, v);

	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, sys_try_reap_dying_process(v->pidfd, 0, SZ_1M));
	EXPECT_EQ(EAGAIN, errno);
	/* Nothing was touched, the node's page included. */
	EXPECT_EQ(v->anon, anon_bytes(v->stuck_tid));
	EXPECT_TRUE(page_swapped(v->stuck_tid, node));

	/*
	 * Swap the page in as the thread's walk would (neither registration
	 * traps it): the same call now walks the list, and reaps.
	 */
	snprintf(path, sizeof(path), "/proc/%d/mem", v->stuck_tid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, pread(fd, &(char){ 0 }, 1, (off_t)(uintptr_t)node));
	close(fd);
	EXPECT_FOOTPRINT(sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX),
			 v->anon);

	/* The stuck thread exits and walks its list to the shared node. */
	pipe_jam_release(&self->jam);
	pthread_join(th, NULL);
	EXPECT_EQ(EOWNERDEAD, w.ret);
	munmap(ru, sizeof(*ru));
}

/* --- Living with process_mrelease() and the OOM reaper --- */

TEST_F(reap, process_mrelease_then_reap)
{
	struct victim_spec s = { .anon = 32 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);

	kill_victim(_metadata, v);
	ASSERT_EQ(0, sys_process_mrelease(v->pidfd, 0));
	/* Nothing left that process_mrelease() did not take. */
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
	EXPECT_EQ(0, sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX));
}

TEST_F(reap, reap_then_process_mrelease)
{
	struct victim_spec s = { .anon = 64 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	long first, rest;

	kill_victim(_metadata, v);
	first = sys_try_reap_dying_process(v->pidfd, 0, 16 * SZ_1M);
	EXPECT_GE(first, 16 * SZ_1M);
	EXPECT_EQ(0, sys_process_mrelease(v->pidfd, 0));
	/* process_mrelease() took the rest: nothing is left for us. */
	rest = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	EXPECT_EQ(0, rest);
	EXPECT_LT(anon_bytes(v->stuck_tid), v->anon / 100);
}

/* The path of reap32, next to us; false if there is none to run. */
static bool reap32_path(char *exe, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", exe, len - 16);
	char *slash;

	if (n < 0)
		return false;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	snprintf(slash ? slash + 1 : exe, 16, "reap32");
	return !access(exe, X_OK);
}

/* Run reap32 on @pidfd: its return value, or -errno. */
static long reap_as_32bit(int pidfd)
{
	char exe[256], out[64] = "";
	long ret = -ENOEXEC;
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (!reap32_path(exe, sizeof(exe)) || pipe(pipefd))
		return -ENOEXEC;
	pid = fork();
	if (pid == 0) {
		char fd[16];

		/* pidfds are O_CLOEXEC; a dup() is not. */
		snprintf(fd, sizeof(fd), "%d", dup(pidfd));
		dup2(pipefd[1], 1);
		execl(exe, exe, fd, NULL);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	if (n > 0 && sscanf(out, "%ld %d", &ret, &err) == 2 && ret < 0)
		ret = -err;
	return ret;
}

TEST_F_TIMEOUT(reap, compat_caller_capped_to_its_ssize_t, 300)
{
	struct victim_spec s = { .anon = 2200 * SZ_1M, .stuck = true };
	struct victim *v;
	char exe[256];
	long first, rest;

	/* The Makefile builds it where a 32-bit compiler works. */
	if (!reap32_path(exe, sizeof(exe)))
		SKIP(return, "no 32-bit caller (reap32) was built");
	v = SPAWN(&s);
	kill_victim(_metadata, v);
	first = reap_as_32bit(v->pidfd);
	if (first == -ENOEXEC)
		SKIP(return, "reap32 does not run here");
	ASSERT_GT(first, 0) {
		TH_LOG("32-bit caller: %s", strerror(-first));
	}
	/* Never more than its ssize_t holds, less a huge page's margin. */
	EXPECT_LE(first, INT32_MAX);
	EXPECT_GE(first, INT32_MAX - 2 * (long)pmd_size());
	rest = reap_loop(v->pidfd, 0, SIZE_MAX, NULL);
	EXPECT_FOOTPRINT(first + rest, v->anon);
}

/*
 * A 32-bit victim: its list is a compat one, with 32-bit pointers, which
 * the walk must read as such to keep the private node that links the
 * shared futex.  Had that page gone, the thread's own walk would stop
 * there, and the shared futex would never be marked FUTEX_OWNER_DIED.
 */
TEST_F_TIMEOUT(reap, compat_robust_list_walked_after_reap, 60)
{
	struct victim *v = &self->v[0];
	char exe[256], fds[3][16], len[24];
	int ready[2], memfd;
	uint32_t *word;
	siginfo_t info;
	pid_t tid;

	if (!reap32_path(exe, sizeof(exe)))
		SKIP(return, "no 32-bit helper (reap32) was built");
	jam_pipe(_metadata, self);
	memfd = memfd_create("robust32", 0);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(0, ftruncate(memfd, page_size()));
	word = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		    memfd, 0);
	ASSERT_NE(MAP_FAILED, word);
	ASSERT_EQ(0, pipe(ready));
	snprintf(fds[0], sizeof(fds[0]), "%d", ready[1]);
	snprintf(fds[1], sizeof(fds[1]), "%d", self->jam.fd[1]);
	snprintf(fds[2], sizeof(fds[2]), "%d", memfd);
	snprintf(len, sizeof(len), "%lu", 32 * SZ_1M);
	v->pid = fork();
	ASSERT_GE(v->pid, 0);
	if (v->pid == 0) {
		close(self->jam.trap.uffd);
		close(ready[0]);
		join_own_cgroup();
		execl(exe, exe, "victim", fds[0], fds[1], fds[2], len, NULL);
		_exit(127);
	}
	self->nr_victims = 1;
	snprintf(v->cgroup, sizeof(v->cgroup), CGROUP_ROOT "/reap-%d", v->pid);
	close(ready[1]);
	v->pidfd = sys_pidfd_open(v->pid, 0);
	ASSERT_GE(v->pidfd, 0);
	if (read(ready[0], &tid, sizeof(tid)) != sizeof(tid)) {
		int status = 0;

		ASSERT_EQ(v->pid, waitpid(v->pid, &status, 0));
		/* Built, but this kernel runs no 32-bit code. */
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			SKIP(return, "reap32 does not run here");
		ASSERT_TRUE(false) {
			TH_LOG("the 32-bit victim ended with status %#x", status);
		}
	}
	close(ready[0]);
	ASSERT_TRUE(wait_task_state(v->pid, tid, 'D', 20));
	/* The futex word comes first in i386's pthread_mutex_t too. */
	ASSERT_EQ((uint32_t)tid, *word & FUTEX_TID_MASK);
	v->anon = anon_bytes(v->pid);

	kill_victim(_metadata, v);
	EXPECT_FOOTPRINT(sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX),
			 v->anon);
	/* The stuck thread exits and walks its compat list now. */
	pipe_jam_release(&self->jam);
	ASSERT_EQ(0, waitid(P_PIDFD, v->pidfd, &info, WEXITED | WNOWAIT));
	EXPECT_TRUE(*word & FUTEX_OWNER_DIED) {
		TH_LOG("futex word %#x: the thread's walk stopped short", *word);
	}
	munmap(word, page_size());
	close(memfd);
}

/* --- Whose time it is --- */

static long long cpu_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST_F_TIMEOUT(reap, cpu_time_charged_to_caller, 120)
{
	struct victim_spec s = { .anon = 256 * SZ_1M, .stuck = true };
	struct victim *v = SPAWN(&s);
	long long victim0, victim1, reap_ns;
	struct rusage ru0, ru1;
	clockid_t vclk;
	long freed;

	ASSERT_EQ(0, clock_getcpuclockid(v->pid, &vclk));
	victim0 = cpu_ns(vclk);
	ASSERT_GE(victim0, 0);
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru0));
	reap_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	kill_victim(_metadata, v);
	freed = sys_try_reap_dying_process(v->pidfd, 0, SIZE_MAX);
	reap_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID) - reap_ns;
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru1));
	EXPECT_FOOTPRINT(freed, v->anon);

	pipe_jam_release(&self->jam);
	ASSERT_EQ(0, waitid(P_PIDFD, v->pidfd, NULL, WEXITED | WNOWAIT));
	victim1 = cpu_ns(vclk);
	TH_LOG("reap: %lld us of caller CPU for %ld MiB; victim's exit: %lld us",
	       reap_ns / 1000, freed >> 20, (victim1 - victim0) / 1000);
	EXPECT_GT(ru1.ru_stime.tv_sec * 1000000L + ru1.ru_stime.tv_usec,
		  ru0.ru_stime.tv_sec * 1000000L + ru0.ru_stime.tv_usec);
	EXPECT_LT(victim1 - victim0, reap_ns / 2);
}

TEST_HARNESS_MAIN
