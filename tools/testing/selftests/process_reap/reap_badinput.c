// SPDX-License-Identifier: GPL-2.0
/*
 * Random calls with bad and odd input: closed and invalid fds, files,
 * directories, sockets, epoll fds, pipes; pidfds of live, dying, zombie and
 * waited-for processes, of threads (PIDFD_THREAD), of init and of a kernel
 * thread; random flags and budgets; some calls as an unprivileged user.
 * Only the errnos the contract documents may come back, each only where
 * it applies, and live targets must come out untouched.
 *
 *   reap_badinput [-n calls] [-s seed]
 *
 * The default count comes from REAP_BADINPUT_CALLS (100000).  The seed is
 * printed so that a failure can be replayed.
 */
#include "reap.h"
#include "../kselftest.h"

#include <getopt.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define LIVE_SIZE	SZ_1M
#define VICTIM_SIZE	SZ_1M
#define ROTATE_EVERY	500

enum kind {
	K_NEGATIVE, K_HUGE, K_CLOSED, K_DEVNULL, K_FILE, K_DIR, K_SOCKET,
	K_EPOLL, K_PIPE, K_EVENTFD, K_SELF, K_LIVE, K_LIVE_THREAD_LEADER,
	K_LIVE_THREAD, K_INIT, K_KTHREAD, K_DYING, K_ZOMBIE, K_WAITED,
	NR_KINDS
};

static const char *const kind_name[NR_KINDS] = {
	"negative fd", "huge fd", "closed fd", "/dev/null", "regular file",
	"directory", "socket", "epoll fd", "pipe", "eventfd", "pidfd of self",
	"pidfd of a live process", "PIDFD_THREAD of a live leader",
	"PIDFD_THREAD of a live non-leader thread", "pidfd of init",
	"pidfd of kthreadd", "pidfd of a dying process", "pidfd of a zombie",
	"pidfd of a waited-for process",
};

static int fds[NR_KINDS];
/* Kinds this kernel cannot make (no PIDFD_THREAD before 6.9). */
static bool unavailable[NR_KINDS];
static long calls_by_kind[NR_KINDS];
static uint64_t rng;

static uint64_t next_rand(void)
{
	return reap_rand(&rng);
}

/* Reports its tid, so that the parent can open a PIDFD_THREAD on it. */
static void *sleeper(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	if (write(*(int *)arg, &tid, sizeof(tid)) != sizeof(tid))
		_exit(2);
	for (;;)
		pause();
	return NULL;
}

/*
 * A live child with a second thread and 1 MiB of pattern, which it checks
 * when told to exit: the calls must leave it alone.
 */
static pid_t start_live(int ready[2], pid_t *tid)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *p = mmap(NULL, LIVE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		sigset_t set;
		pthread_t t;
		int sig;

		/* Not to outlive a failed run, holding the runner's pipe. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (p == MAP_FAILED)
			_exit(2);
		fill_pattern(p, LIVE_SIZE, 7);
		/* Blocked in every thread, so that only sigwait() takes it. */
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (pthread_create(&t, NULL, sleeper, &ready[1]))
			_exit(2);
		sigwait(&set, &sig);
		_exit(check_pattern(p, LIVE_SIZE, 7) ? 0 : 1);
	}
	if (pid > 0 && read(ready[0], tid, sizeof(*tid)) != sizeof(*tid))
		return -1;
	return pid;
}

/* A dying child: killed just now, and with 1 MiB to tear down. */
static pid_t start_dying(int *pidfd)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *p = mmap(NULL, VICTIM_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 1, VICTIM_SIZE);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	if (pid < 0)
		return -1;
	*pidfd = sys_pidfd_open(pid, 0);
	sys_pidfd_send_signal(*pidfd, SIGKILL);
	return pid;
}

/*
 * Every ROTATE_EVERY calls the dying process becomes the zombie (waited
 * for with WNOWAIT, so its pid stays), the zombie the waited-for one, and
 * a new process is killed.
 */
static pid_t dying_pid, zombie_pid;

static void rotate(void)
{
	siginfo_t si;
	int pidfd;

	if (fds[K_WAITED] >= 0)
		close(fds[K_WAITED]);
	if (zombie_pid > 0)
		waitpid(zombie_pid, NULL, 0);
	fds[K_WAITED] = fds[K_ZOMBIE];
	if (dying_pid > 0)
		waitid(P_PID, dying_pid, &si, WEXITED | WNOWAIT);
	fds[K_ZOMBIE] = fds[K_DYING];
	zombie_pid = dying_pid;
	dying_pid = start_dying(&pidfd);
	fds[K_DYING] = dying_pid > 0 ? pidfd : -1;
}

static int pick_fd(enum kind k)
{
	switch (k) {
	case K_NEGATIVE:
		return -1 - (int)(next_rand() % 1000);
	case K_HUGE:
		return INT32_MAX - (int)(next_rand() % 1000);
	default:
		return fds[k];
	}
}

static unsigned int pick_flags(void)
{
	switch (next_rand() % 4) {
	case 0:
	case 1:
		return 0;
	case 2:
		return PROCESS_REAP_NOWAIT;
	default:
		return (unsigned int)next_rand();
	}
}

static size_t pick_budget(void)
{
	static const size_t odd[] = {
		0, 1, 4095, 4096, SIZE_MAX, SIZE_MAX - 4095, LONG_MAX,
		(size_t)LONG_MAX + 1,
	};

	if (next_rand() % 2)
		return odd[next_rand() % ARRAY_SIZE(odd)];
	return next_rand() >> (next_rand() % 64);
}

/*
 * Is this result the one the contract gives for @k?  The checks come in
 * this order: flags, the fd, the task, kernel thread, permission, then
 * whether the target is dying.  @nobody: the caller is not root, and
 * every target but the kernel thread belongs to root.
 */
static bool check(enum kind k, unsigned int flags, size_t budget, long ret,
		  int err, bool nobody, char *why, size_t len)
{
	bool ok;

	if (flags & ~PROCESS_REAP_NOWAIT)
		ok = ret < 0 && err == EINVAL;
	else if (k < K_SELF)
		ok = ret < 0 && err == EBADF;
	else if (k == K_WAITED || k == K_LIVE_THREAD)
		ok = ret < 0 && err == ESRCH;
	else if (k == K_KTHREAD)
		ok = ret < 0 && err == EINVAL;
	else if (nobody)
		ok = ret < 0 && err == EPERM;
	else if (k == K_ZOMBIE)
		ok = ret == 0;
	else if (k == K_DYING)
		/*
		 * A call frees max_bytes rounded up to a page.  EAGAIN: its
		 * lock was busy and NOWAIT was given, or its own teardown
		 * holds pages it has unmapped and not yet freed.
		 */
		ok = ret >= 0 ? (size_t)ret <= budget ||
				(size_t)ret - budget < page_size() :
		     err == EAGAIN;
	else
		ok = ret < 0 && err == EINVAL;
	if (!ok)
		snprintf(why, len, "%s, flags %#x, max_bytes %#zx: returned %ld (%s)",
			 kind_name[k], flags, budget, ret,
			 ret < 0 ? strerror(err) : "-");
	return ok;
}

static enum kind pick_kind(void)
{
	enum kind k;

	do
		k = next_rand() % NR_KINDS;
	while (unavailable[k]);
	return k;
}

static long run(long calls, bool nobody, char *first, size_t len)
{
	long failures = 0;
	char why[256];

	for (long i = 0; i < calls; i++) {
		enum kind k = pick_kind();
		unsigned int flags = pick_flags();
		size_t budget = pick_budget();
		long ret;
		int err;

		if (!nobody && i % ROTATE_EVERY == 0)
			rotate();
		calls_by_kind[k]++;
		errno = 0;
		ret = sys_try_reap_dying_process(pick_fd(k), flags, budget);
		err = errno;
		if (!check(k, flags, budget, ret, err, nobody, why,
			   sizeof(why))) {
			if (!failures++)
				snprintf(first, len, "call %ld: %s", i, why);
			if (failures <= 5)
				ksft_print_msg("call %ld: %s\n", i, why);
		}
	}
	return failures;
}

static void open_fds(void)
{
	int p[2], sv[2], fd;

	fd = open("/dev/null", O_RDONLY);
	fds[K_CLOSED] = fd;
	close(fd);
	fds[K_DEVNULL] = open("/dev/null", O_RDWR);
	fds[K_FILE] = open("/proc/self/exe", O_RDONLY);
	fds[K_DIR] = open("/", O_RDONLY | O_DIRECTORY);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fds[K_SOCKET] = sv[0];
	fds[K_EPOLL] = epoll_create1(0);
	if (pipe(p) == 0)
		fds[K_PIPE] = p[0];
	fds[K_EVENTFD] = eventfd(0, 0);
	fds[K_SELF] = sys_pidfd_open(getpid(), 0);
	fds[K_INIT] = sys_pidfd_open(1, 0);
	fds[K_KTHREAD] = sys_pidfd_open(2, 0);
	fds[K_DYING] = -1;
	fds[K_ZOMBIE] = -1;
	fds[K_WAITED] = -1;
}

int main(int argc, char **argv)
{
	long calls = getenv("REAP_BADINPUT_CALLS") ?
		     atol(getenv("REAP_BADINPUT_CALLS")) : 100000;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	char first[320] = "", nfirst[320] = "";
	long failures, nobody_failures = -1;
	int ready[2], status, opt;
	pid_t live, tid, child;
	double start;
	struct timespec ts;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			calls = atol(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n calls] [-s seed]\n", argv[0]);
			return 2;
		}
	}
	ksft_print_header();
	ksft_set_plan(3);
	if (!have_try_reap()) {
		for (int i = 0; i < 3; i++)
			ksft_test_result_skip("try_reap_dying_process() is not available\n");
		ksft_finished();
	}
	rng = seed;
	ksft_print_msg("seed %#llx, %ld calls (replay: %s -s %#llx -n %ld)\n",
		       (unsigned long long)seed, calls, argv[0],
		       (unsigned long long)seed, calls);

	open_fds();
	if (pipe(ready))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	live = start_live(ready, &tid);
	if (live < 0)
		ksft_exit_fail_msg("live child: %s\n", strerror(errno));
	fds[K_LIVE] = sys_pidfd_open(live, 0);
	fds[K_LIVE_THREAD_LEADER] = sys_pidfd_open(live, PIDFD_THREAD);
	if (fds[K_LIVE_THREAD_LEADER] < 0 && errno == EINVAL) {
		ksft_print_msg("no PIDFD_THREAD here: no thread pidfds drawn\n");
		unavailable[K_LIVE_THREAD_LEADER] = true;
		unavailable[K_LIVE_THREAD] = true;
		fds[K_LIVE_THREAD] = -1;
	} else {
		fds[K_LIVE_THREAD] = sys_pidfd_open(tid, PIDFD_THREAD);
	}
	for (int k = K_DEVNULL; k < NR_KINDS; k++)
		if (k < K_DYING && fds[k] < 0 && !unavailable[k])
			ksft_exit_fail_msg("%s: %s\n", kind_name[k],
					   strerror(errno));

	/* Fill the dying, zombie and waited-for slots. */
	rotate();
	rotate();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = ts.tv_sec + ts.tv_nsec / 1e9;
	failures = run(calls, false, first, sizeof(first));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ksft_print_msg("%ld calls in %.1f s\n", calls,
		       ts.tv_sec + ts.tv_nsec / 1e9 - start);
	for (int k = 0; k < NR_KINDS; k++)
		ksft_print_msg("  %6ld  %s\n", calls_by_kind[k], kind_name[k]);
	ksft_test_result(!failures,
			 "%ld calls as root: only documented errnos, each where it applies%s%s\n",
			 calls, failures ? "; first: " : "", first);

	/* A tenth as many from a child that has dropped to nobody. */
	rotate();
	child = fork();
	if (child == 0) {
		long n;

		if (setresgid(UID_NOBODY, UID_NOBODY, UID_NOBODY) ||
		    setresuid(UID_NOBODY, UID_NOBODY, UID_NOBODY))
			_exit(255);
		n = run(calls / 10, true, nfirst, sizeof(nfirst));
		if (n)
			ksft_print_msg("as nobody: %s\n", nfirst);
		_exit(n ? 1 : 0);
	}
	if (child > 0 && waitpid(child, &status, 0) == child &&
	    WIFEXITED(status) && WEXITSTATUS(status) != 255)
		nobody_failures = WEXITSTATUS(status);
	ksft_test_result(nobody_failures == 0, "%ld calls as nobody: EPERM for root's processes\n",
			 calls / 10);

	kill(live, SIGUSR1);
	waitpid(live, &status, 0);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "the live target and its memory came out untouched\n");
	rotate();
	rotate();
	rotate();
	ksft_finished();
}
