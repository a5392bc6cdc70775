// SPDX-License-Identifier: GPL-2.0
/*
 * try_reap_dying_process() on victims in the states users' kernels put
 * them in: partly swapped out to zram, dumping core, in user and pid
 * namespaces, KSM-merged with a live process, backed by mTHPs of every
 * size.  A victim is held with its mm after SIGKILL by a jammed pipe
 * (struct pipe_jam), so that each test looks at a known stage of its exit.
 */
#include "reap.h"
#include "../kselftest_harness.h"

#include <dirent.h>
#include <sys/uio.h>

#define KSM_DIR		"/sys/kernel/mm/ksm"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define OUTSIDE_UID	12345

/* A victim: @size bytes of pattern at @mem, then @setup, then held. */
struct held {
	pid_t pid;
	int pidfd;
	char *mem;
	size_t size;
};

struct held_spec {
	size_t size;
	int madv;			/* MADV_HUGEPAGE or MADV_NOHUGEPAGE */
	void (*setup)(char *mem, size_t size, void *arg);
	void *arg;
};

static void __noreturn held_main(const struct held_spec *s, int ready,
				 int jam)
{
	char *mem = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mem == MAP_FAILED)
		_exit(1);
	madvise(mem, s->size, s->madv);
	fill_pattern(mem, s->size, 9);
	if (s->setup)
		s->setup(mem, s->size, s->arg);
	if (write(ready, &mem, sizeof(mem)) != sizeof(mem))
		_exit(1);
	/* Blocks in mutex_lock(&pipe->mutex); SIGKILL cannot end that. */
	if (write(jam, "x", 1) < 0)
		_exit(1);
	for (;;)
		pause();
}

/* Start a held victim; on return it blocks on @jam, not yet killed. */
static int held_start(struct held *h, const struct held_spec *s,
		      struct pipe_jam *jam)
{
	int ready[2];

	memset(h, 0, sizeof(*h));
	h->pidfd = -1;
	if ((!jam->on && pipe_jam_start(jam)) || pipe(ready))
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		close(jam->trap.uffd);
		close(ready[0]);
		held_main(s, ready[1], jam->fd[1]);
	}
	close(ready[1]);
	if (read(ready[0], &h->mem, sizeof(h->mem)) != sizeof(h->mem)) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	h->size = s->size;
	h->pidfd = sys_pidfd_open(h->pid, 0);
	if (h->pidfd < 0 || !wait_task_state(h->pid, h->pid, 'D', 20))
		return -1;
	return 0;
}

static void held_end(struct held *h, struct pipe_jam *jam)
{
	pipe_jam_release(jam);
	kill_wait(h->pid);
	if (h->pidfd >= 0)
		close(h->pidfd);
}

/* readlink() into @buf, terminated; "" if it fails. */
static void readlink_str(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
}

/* Reap until 0, as a killer does; the sum, or -errno. */
static long reap_all(int pidfd, size_t step, long *max_ret)
{
	long ret, sum = 0;

	for (;;) {
		ret = sys_try_reap_dying_process(pidfd, 0, step);
		if (ret > 0) {
			if (max_ret && ret > *max_ret)
				*max_ret = ret;
			sum += ret;
			continue;
		}
		if (!ret)
			return sum;
		if (errno != EAGAIN)
			return -errno;
		usleep(1000);
	}
}

FIXTURE(states) {
	struct pipe_jam jam;
	struct held v;
};

FIXTURE_SETUP(states)
{
	memset(self, 0, sizeof(*self));
	self->jam.trap.uffd = -1;
	self->v.pidfd = -1;
	if (!have_try_reap())
		SKIP(return, "try_reap_dying_process() is not available");
}

FIXTURE_TEARDOWN(states)
{
	held_end(&self->v, &self->jam);
}

/* --- Swap --- */

static void page_out_half(char *mem, size_t size, void *arg)
{
	if (madvise(mem, size / 2, MADV_PAGEOUT))
		_exit(1);
}

/*
 * Half of the victim is on zram.  The call drops those swap entries, and
 * their slots come back, but it counts RAM only: what it returns is the
 * resident half, not the swapped one.
 */
TEST_F(states, swapped_out_victim)
{
	struct held_spec s = { .size = 32 * SZ_1M, .madv = MADV_NOHUGEPAGE,
			       .setup = page_out_half };
	long swap_before, swap_after, vmswap, anon, freed;

	if (meminfo_kb("SwapTotal") <= 0)
		SKIP(return, "no swap (the guest puts it on zram)");
	ASSERT_EQ(0, held_start(&self->v, &s, &self->jam));
	vmswap = proc_kb(self->v.pid, "status", "VmSwap");
	anon = anon_bytes(self->v.pid);
	swap_before = meminfo_kb("SwapFree");
	ASSERT_GT(vmswap, (long)(s.size / 4));

	ASSERT_EQ(0, sys_pidfd_send_signal(self->v.pidfd, SIGKILL));
	freed = reap_all(self->v.pidfd, SIZE_MAX, NULL);
	swap_after = meminfo_kb("SwapFree");
	TH_LOG("%ld KiB swapped out, %ld KiB resident", vmswap >> 10, anon >> 10);
	TH_LOG("freed %ld KiB, SwapFree %+ld KiB", freed >> 10,
	       swap_after - swap_before);
	/* RAM only: the resident half, never the swapped one. */
	EXPECT_LE(freed, anon);
	EXPECT_GE(freed, anon - anon / 100 - (long)(64 * page_size()));
	/*
	 * Every slot the victim had is free again, but for those a CPU's
	 * swap slots cache still holds: up to SWAP_BATCH (64) per CPU, which
	 * SwapFree leaves out until the cache gives them back.
	 */
	EXPECT_GE((swap_after - swap_before) * 1024,
		  vmswap - 64 * sysconf(_SC_NPROCESSORS_CONF) * (long)page_size());
}

/* --- Core dumps --- */

/*
 * The helper core_pattern pipes a dump to: it copies the core into
 * CORE_FILE-PID, slowly, telling the test once it has begun and waiting
 * for its go before it reads the rest.
 */
#define CORE_FILE	"/tmp/reap-core"

static int core_helper(const char *pid)
{
	char path[64], buf[65536];
	bool started = false;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CORE_FILE "-%s", pid);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, n) != n)
			return 1;
		if (!started) {
			char mark[80];

			started = true;
			snprintf(mark, sizeof(mark), "%s.started", path);
			close(open(mark, O_WRONLY | O_CREAT, 0600));
			snprintf(mark, sizeof(mark), "%s.go", path);
			while (access(mark, F_OK))
				usleep(10000);
		}
	}
	close(fd);
	snprintf(path, sizeof(path), CORE_FILE "-%s.done", pid);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	return 0;
}

static void __noreturn core_victim(int ready)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char *mem = mmap(NULL, 8 * SZ_1M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED || setrlimit(RLIMIT_CORE, &unlimited))
		_exit(1);
	fill_pattern(mem, 8 * SZ_1M, 17);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* A core of a victim killed by SIGQUIT; with @reap, calls made mid-dump. */
static long dump_one(struct __test_metadata *_metadata, bool reap, int *err)
{
	char core[64], mark[80], c;
	int ready[2], pidfd, status;
	struct stat st;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		core_victim(ready[1]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	pidfd = sys_pidfd_open(pid, 0);
	ASSERT_GE(pidfd, 0);
	snprintf(core, sizeof(core), CORE_FILE "-%d", pid);
	snprintf(mark, sizeof(mark), "%s.started", core);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGQUIT));
	for (int i = 0; i < 2000 && access(mark, F_OK); i++)
		usleep(10000);
	ASSERT_EQ(0, access(mark, F_OK));
	*err = 0;
	if (reap) {
		/* Mid-dump: the dumper still reads the whole mm. */
		if (sys_try_reap_dying_process(pidfd, 0, SIZE_MAX) >= 0 ||
		    errno != EINVAL)
			*err = errno ? errno : -1;
		if (sys_try_reap_dying_process(pidfd, PROCESS_REAP_NOWAIT,
					       SZ_1M) >= 0 || errno != EINVAL)
			*err = errno ? errno : -1;
	}
	snprintf(mark, sizeof(mark), "%s.go", core);
	close(open(mark, O_WRONLY | O_CREAT, 0600));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WCOREDUMP(status));
	close(pidfd);
	/* The helper may still be writing after the victim is gone. */
	snprintf(mark, sizeof(mark), "%s.done", core);
	for (int i = 0; i < 3000 && access(mark, F_OK); i++)
		usleep(10000);
	ASSERT_EQ(0, access(mark, F_OK));
	ASSERT_EQ(0, stat(core, &st));
	for (const char *m = ".started\0.go\0.done\0"; *m; m += strlen(m) + 1) {
		snprintf(mark, sizeof(mark), "%s%s", core, m);
		unlink(mark);
	}
	unlink(core);
	return st.st_size;
}

TEST_F_TIMEOUT(states, core_dump_in_progress, 120)
{
	char pattern[256], exe[200], old[256] = "";
	long with_calls, without;
	ssize_t n;
	int err;
	FILE *f;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(n, 0);
	exe[n] = 0;
	f = fopen(CORE_PATTERN, "r");
	if (!f || !fgets(old, sizeof(old), f))
		SKIP(return, "no core dumps (CONFIG_COREDUMP)");
	fclose(f);
	snprintf(pattern, sizeof(pattern), "|%s --core-helper %%p", exe);
	ASSERT_TRUE(write_file(CORE_PATTERN, pattern));

	without = dump_one(_metadata, false, &err);
	with_calls = dump_one(_metadata, true, &err);
	old[strcspn(old, "\n")] = 0;
	write_file(CORE_PATTERN, old);

	EXPECT_EQ(0, err) {
		TH_LOG("a call mid-dump did not fail with EINVAL: %s",
		       strerror(err));
	}
	/* Complete: the same size as a dump nobody reaped during. */
	TH_LOG("core: %ld bytes with calls mid-dump, %ld without", with_calls,
	       without);
	EXPECT_GT(without, 8 * (long)SZ_1M);
	EXPECT_EQ(without, with_calls);
}

/* --- Namespaces --- */

/* Write "0 @outside 1" to /proc/@pid/{uid,gid}_map (after "deny"). */
static bool map_root_to(pid_t pid, uid_t outside)
{
	char path[64], map[32];

	snprintf(map, sizeof(map), "0 %u 1", outside);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	write_file(path, "deny");
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	if (!write_file(path, map))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, map);
}

/*
 * A child in a user namespace of its own, mapped to OUTSIDE_UID, root with
 * every capability inside it.  It runs @fn(@arg) there and exits with what
 * it returns.
 */
static pid_t in_userns(int (*fn)(void *), void *arg)
{
	int go[2], status;
	pid_t pid;
	char c;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (unshare(CLONE_NEWUSER) || read(go[0], &c, 1) != 1 ||
		    setresuid(0, 0, 0) || setresgid(0, 0, 0))
			_exit(100);
		_exit(fn(arg));
	}
	close(go[0]);
	/* Mapped from outside, once it has its namespace. */
	for (int i = 0; i < 1000; i++) {
		char path[64], self_ns[64], its_ns[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
		readlink_str(path, its_ns, sizeof(its_ns));
		readlink_str("/proc/self/ns/user", self_ns, sizeof(self_ns));
		if (strcmp(its_ns, self_ns))
			break;
		usleep(1000);
	}
	if (!map_root_to(pid, OUTSIDE_UID) || write(go[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		pid = -1;
	}
	close(go[1]);
	return pid;
}

static int wait_code(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Inside: fork a victim with 16 MiB, held by the jam @arg, kill it, reap
 * it.  0 if the call freed its memory, else an errno or a code above 100.
 * The victim stays held, an orphan, until the test releases the jam.
 */
static int reap_own_victim(void *arg)
{
	struct pipe_jam *jam = arg;
	int ready[2], pidfd;
	long freed;
	pid_t pid;
	char c;

	close(jam->trap.uffd);
	if (pipe(ready))
		return 101;
	pid = fork();
	if (pid == 0) {
		char *p = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		fill_pattern(p, 16 * SZ_1M, 3);
		if (write(ready[1], "r", 1) != 1 || write(jam->fd[1], "x", 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	if (pid < 0 || read(ready[0], &c, 1) != 1 ||
	    !wait_task_state(pid, pid, 'D', 20))
		return 102;
	pidfd = sys_pidfd_open(pid, 0);
	if (pidfd < 0 || sys_pidfd_send_signal(pidfd, SIGKILL))
		return 103;
	freed = reap_all(pidfd, SIZE_MAX, NULL);
	if (freed < 0)
		return -freed;
	return freed >= 15 * (long)SZ_1M ? 0 : 104;
}

TEST_F(states, userns_root_reaps_its_own_namespace)
{
	ASSERT_EQ(0, pipe_jam_start(&self->jam));
	EXPECT_EQ(0, wait_code(in_userns(reap_own_victim, &self->jam)));
}

/* Inside: reap the held root victim outside: the errno it got. */
static int reap_outsider(void *arg)
{
	int pidfd = *(int *)arg;

	if (sys_try_reap_dying_process(pidfd, 0, SIZE_MAX) >= 0)
		return 0;
	return errno;
}

TEST_F(states, userns_root_cannot_reap_outside)
{
	struct held_spec s = { .size = 16 * SZ_1M, .madv = MADV_NOHUGEPAGE };
	long before;

	ASSERT_EQ(0, held_start(&self->v, &s, &self->jam));
	ASSERT_EQ(0, sys_pidfd_send_signal(self->v.pidfd, SIGKILL));
	before = anon_bytes(self->v.pid);
	EXPECT_EQ(EPERM, wait_code(in_userns(reap_outsider, &self->v.pidfd)));
	/* Untouched: the memory is all still there. */
	EXPECT_EQ(before, anon_bytes(self->v.pid));
}

/*
 * The same uid on both sides of a user namespace: the right to reap is
 * kill(2)'s, both ways.  The victim runs as OUTSIDE_UID in a namespace of
 * its own; the caller as OUTSIDE_UID outside (allowed: same kuid) and as
 * nobody (refused), each compared with kill(pid, 0).
 */
static int sleep_forever(void *arg)
{
	int ready = *(int *)arg;

	if (write(ready, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
	return 0;
}

static int as_uid_try(uid_t uid, int pidfd, pid_t pid, int *kill_err)
{
	int res[2] = { 0, 0 }, fds[2], status;
	pid_t child;

	if (pipe(fds))
		return -1;
	child = fork();
	if (child == 0) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(1);
		res[0] = kill(pid, 0) ? errno : 0;
		res[1] = sys_try_reap_dying_process(pidfd, 0, 0) >= 0 ? 0 : errno;
		if (write(fds[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(res)) != sizeof(res)) {
		res[0] = -1;
		res[1] = -1;
	}
	close(fds[0]);
	waitpid(child, &status, 0);
	*kill_err = res[0];
	return res[1];
}

TEST_F(states, same_uid_across_namespaces_follows_kill)
{
	int ready[2], pidfd, kill_err, reap_err;
	pid_t victim;
	char c;

	ASSERT_EQ(0, pipe(ready));
	victim = in_userns(sleep_forever, &ready[1]);
	ASSERT_GT(victim, 0);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	pidfd = sys_pidfd_open(victim, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL));

	reap_err = as_uid_try(OUTSIDE_UID, pidfd, victim, &kill_err);
	EXPECT_EQ(0, kill_err);
	EXPECT_EQ(kill_err, reap_err);
	reap_err = as_uid_try(UID_NOBODY, pidfd, victim, &kill_err);
	EXPECT_EQ(EPERM, kill_err);
	EXPECT_EQ(kill_err, reap_err);
	waitpid(victim, NULL, 0);
	close(pidfd);
}

/*
 * A pidfd refers to a process, not to a number: one opened in our pid
 * namespace works from a child namespace, where the victim has no pid at
 * all, and one opened there, for the child namespace's own init, works
 * from ours (taken over with pidfd_getfd()).
 */
TEST_F(states, pidfd_works_across_pid_namespaces)
{
	struct held_spec s = { .size = 16 * SZ_1M, .madv = MADV_NOHUGEPAGE };
	int report[2], child_pidfd, fd;
	struct { long freed; int fd; } r = { -1, -1 };
	pid_t child;

	ASSERT_EQ(0, held_start(&self->v, &s, &self->jam));
	ASSERT_EQ(0, sys_pidfd_send_signal(self->v.pidfd, SIGKILL));
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		char *mem = mmap(NULL, 16 * SZ_1M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		close(self->jam.trap.uffd);
		/* We are pid 1 here; the victim has no pid in our namespace. */
		r.freed = sys_try_reap_dying_process(self->v.pidfd, 0,
						     8 * SZ_1M);
		r.fd = sys_pidfd_open(getpid(), 0);
		if (mem == MAP_FAILED)
			_exit(1);
		fill_pattern(mem, 16 * SZ_1M, 4);
		if (write(report[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/* Held with our mm, as our victim is. */
		if (write(self->jam.fd[1], "x", 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(r), read(report[0], &r, sizeof(r)));
	EXPECT_GE(r.freed, 8 * (long)SZ_1M);
	ASSERT_GE(r.fd, 0);
	ASSERT_TRUE(wait_task_state(child, child, 'D', 20));
	child_pidfd = sys_pidfd_open(child, 0);
	ASSERT_GE(child_pidfd, 0);
	fd = syscall(__NR_pidfd_getfd, child_pidfd, r.fd, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sys_pidfd_send_signal(fd, SIGKILL));
	EXPECT_GE(reap_all(fd, SIZE_MAX, NULL), 15 * (long)SZ_1M);
	close(fd);
	close(child_pidfd);
	pipe_jam_release(&self->jam);
	waitpid(child, NULL, 0);
}

/* --- KSM --- */

static long ksm_read(const char *file)
{
	char path[96];

	snprintf(path, sizeof(path), KSM_DIR "/%s", file);
	return read_long_file(path);
}

static void merge_with_twin(char *mem, size_t size, void *arg)
{
	if (madvise(mem, size, MADV_MERGEABLE))
		_exit(1);
}

/*
 * Pages KSM merged with a live process are still that process's: the call
 * unmaps them from the victim but frees, and counts, none of them, and
 * the live twin's data stays intact.
 */
TEST_F_TIMEOUT(states, ksm_pages_of_a_live_twin, 180)
{
	struct held_spec s = { .size = 8 * SZ_1M, .madv = MADV_NOHUGEPAGE,
			       .setup = merge_with_twin };
	long merged = 0, freed;
	char *twin;

	if (ksm_read("run") < 0)
		SKIP(return, "no KSM (CONFIG_KSM)");
	/* The victim first: the twin must not be a mapping it inherits. */
	ASSERT_EQ(0, held_start(&self->v, &s, &self->jam));
	twin = mmap(NULL, s.size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, twin);
	madvise(twin, s.size, MADV_NOHUGEPAGE);
	fill_pattern(twin, s.size, 9);
	ASSERT_EQ(0, madvise(twin, s.size, MADV_MERGEABLE));
	write_file(KSM_DIR "/pages_to_scan", "10000");
	write_file(KSM_DIR "/sleep_millisecs", "0");
	ASSERT_TRUE(write_file(KSM_DIR "/run", "1"));
	/* Until most of the victim's pages are merged with ours. */
	for (int i = 0; i < 1200; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages",
			 self->v.pid);
		merged = read_long_file(path);
		if (merged > (long)(s.size / page_size()) * 3 / 4)
			break;
		usleep(100000);
	}
	write_file(KSM_DIR "/run", "0");
	ASSERT_GT(merged, (long)(s.size / page_size()) * 3 / 4) {
		TH_LOG("KSM merged only %ld pages", merged);
	}

	ASSERT_EQ(0, sys_pidfd_send_signal(self->v.pidfd, SIGKILL));
	freed = reap_all(self->v.pidfd, SIZE_MAX, NULL);
	TH_LOG("%ld of %zu pages merged; the call freed %ld KiB", merged,
	       s.size / page_size(), freed >> 10);
	/* At most the pages KSM left unmerged, and the victim's own few. */
	EXPECT_LE(freed, (long)s.size - merged * (long)page_size() +
			 2 * (long)SZ_1M);
	EXPECT_TRUE(check_pattern(twin, s.size, 9));
	munmap(twin, s.size);
}

/* --- mTHP --- */

/* Every hugepages-<size>kB directory: the sizes, in bytes, in @sizes. */
static int thp_sizes(size_t *sizes, int max)
{
	struct dirent *d;
	DIR *dir = opendir(THP_DIR);
	int n = 0;

	while (dir && (d = readdir(dir)) && n < max) {
		unsigned long kb;

		if (sscanf(d->d_name, "hugepages-%lukB", &kb) == 1)
			sizes[n++] = kb * 1024;
	}
	if (dir)
		closedir(dir);
	return n;
}

static void thp_set(size_t size, const char *mode)
{
	char path[128];

	snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled",
		 size / 1024);
	write_file(path, mode);
}

/*
 * For every folio size the kernel can back anonymous memory with, alone:
 * calls with the smallest budget overshoot it by less than one folio, and
 * the loop's total never exceeds the footprint.  Before 6.8, the PMD's is
 * the only size, under the global switch.
 */
TEST_F_TIMEOUT(states, mthp_overshoot_is_under_one_folio, 300)
{
	size_t sizes[16];
	int n = thp_sizes(sizes, 16), i, j;
	bool per_size = n > 0;

	if (!per_size) {
		sizes[0] = pmd_size();
		n = 1;
	}
	for (i = 0; i < n; i++) {
		struct held_spec s = { .size = 16 * SZ_1M,
				       .madv = MADV_HUGEPAGE };
		long max_ret = 0, sum, anon;

		for (j = 0; per_size && j < n; j++)
			thp_set(sizes[j], j == i ? "always" : "never");
		ASSERT_EQ(0, held_start(&self->v, &s, &self->jam));
		anon = anon_bytes(self->v.pid);
		ASSERT_EQ(0, sys_pidfd_send_signal(self->v.pidfd, SIGKILL));
		sum = reap_all(self->v.pidfd, page_size(), &max_ret);
		TH_LOG("%zu KiB folios: largest call %ld KiB (budget %zu KiB)",
		       sizes[i] / 1024, max_ret / 1024, page_size() / 1024);
		TH_LOG("%zu KiB folios: %ld of %ld KiB in all", sizes[i] / 1024,
		       sum / 1024, anon / 1024);
		EXPECT_LT(max_ret, (long)(page_size() + sizes[i]));
		EXPECT_LE(sum, anon);
		EXPECT_GT(sum, anon / 2);
		held_end(&self->v, &self->jam);
		self->v.pid = 0;
	}
	for (j = 0; per_size && j < n; j++)
		thp_set(sizes[j], "inherit");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--core-helper"))
		return core_helper(argv[2]);
	return test_harness_run(argc, argv);
}
