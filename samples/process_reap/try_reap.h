/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * try_reap.h - try_reap_dying_process() for userspace low-memory killers
 *
 * Copy this file into your killer (lmkd, oomd, earlyoom, systemd-oomd...):
 * it needs only a C99 compiler, the C library and Linux's system calls,
 * no kernel headers.
 *
 *   sys_try_reap_dying_process()  the system call itself (named so as not
 *                             to clash with a C library's wrapper)
 *   try_reap_probe()          does the running kernel have it, at its
 *                             number, and not some other system call?
 *   try_reap_loop()           get a killed process's memory back: the
 *                             reference loop, every error handled
 *   try_reap_kill()           SIGKILL, then the best way the kernel has to
 *                             get the memory back: this call,
 *                             process_mrelease(), or the victim's own exit
 *
 * Functions that fail return a negative errno, or -1 with errno set, as
 * each says.
 *   try_reap_cgroup()         the same for a cgroup: cgroup.kill, then
 *                             every process it held
 *
 * None of them exits or prints: every outcome is a return value.
 */
#ifndef TRY_REAP_H
#define TRY_REAP_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/*
 * The number is provisional, the same in every table but alpha's, which
 * are offset by 110.  Do not trust it: see try_reap_probe().
 */
#ifndef __NR_try_reap_dying_process
#ifdef __alpha__
#define __NR_try_reap_dying_process	582
#else
#define __NR_try_reap_dying_process	472
#endif
#endif

#ifdef __alpha__
#define TRY_REAP_NR(nr)	((nr) + 110)
#else
#define TRY_REAP_NR(nr)	(nr)
#endif

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal	TRY_REAP_NR(424)
#endif
#ifndef __NR_clone3
#define __NR_clone3		TRY_REAP_NR(435)
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open		TRY_REAP_NR(434)
#endif
#ifndef __NR_process_mrelease
#define __NR_process_mrelease	TRY_REAP_NR(448)
#endif

/* Fail with EAGAIN instead of sleeping on the target's mmap_lock. */
#ifndef PROCESS_REAP_NOWAIT
#define PROCESS_REAP_NOWAIT	(1U << 0)
#endif

#ifndef P_PIDFD
#define P_PIDFD			3
#endif

/*
 * Frees up to about @max_bytes of the dying process @pidfd refers to,
 * and returns the bytes freed: 0 once nothing is left, or -1 with errno
 * set.  See try_reap_dying_process(2).
 */
static inline long sys_try_reap_dying_process(int pidfd, unsigned int flags,
					      size_t max_bytes)
{
	return syscall(__NR_try_reap_dying_process, pidfd, flags, max_bytes);
}

/*
 * Whether the running kernel has try_reap_dying_process(): 1 if it has,
 * 0 if not (no system call at the number, one that a seccomp filter
 * denies, or some other system call there).
 *
 * Until the system call is merged, its number may be taken by another one,
 * which a bad file descriptor alone would not tell apart: any call that
 * takes a file descriptor fails with EBADF on -1.  So this asks four
 * questions that only try_reap_dying_process() answers as expected:
 * EBADF for fd -1, EINVAL for an unknown flag and for a live process, and
 * 0 (nothing to free) for the same process as a zombie.  The process is a
 * child made for the purpose, which exits at once and is waited for; its
 * exit signal is none, so that a SIGCHLD handler or SIG_IGN does not see
 * it.  Call it once, at start-up, from any thread.
 */
static inline int try_reap_probe(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
		uint64_t stack, stack_size, tls;
	} args = { 0 };
	int pidfd = -1, present = 0, ready[2];
	siginfo_t info;
	long pid;

	if (sys_try_reap_dying_process(-1, 0, 0) != -1 || errno != EBADF)
		return 0;
	if (pipe(ready))
		return 0;
	args.flags = 0x1000;			/* CLONE_PIDFD */
	args.pidfd = (uintptr_t)&pidfd;
	pid = syscall(__NR_clone3, &args, sizeof(args));
	if (pid == 0) {
		char c;

		/* Only system calls here: the C library is not ours to use. */
		syscall(__NR_close, ready[1]);
		syscall(__NR_read, ready[0], &c, 1);
		syscall(__NR_exit_group, 0);
	}
	close(ready[0]);
	if (pid > 0) {
		present = sys_try_reap_dying_process(pidfd, 1U << 31, 0) == -1 &&
			  errno == EINVAL &&
			  sys_try_reap_dying_process(pidfd, 0, 0) == -1 &&
			  errno == EINVAL;
		close(ready[1]);
		/* A zombie: the child exited, and is not waited for yet. */
		memset(&info, 0, sizeof(info));
		if (waitid(P_PIDFD, pidfd, &info, WEXITED | WNOWAIT | __WALL))
			present = 0;
		present = present && sys_try_reap_dying_process(pidfd, 0, 0) == 0;
		waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL);
		close(pidfd);
	} else {
		close(ready[1]);
	}
	return present;
}

static inline double try_reap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Get the memory of a process that has been sent SIGKILL back: the loop
 * a killer runs.  Calls try_reap_dying_process() with a budget of @step
 * bytes (0: all at once), without sleeping on the victim's locks, so that
 * the killer can look at memory between calls, until it says that nothing
 * is left.  *@freed gets the bytes it freed.
 *
 * Every error is handled: EAGAIN (the victim's lock is busy, or its own
 * exit holds pages it has not freed yet) and ENOMEM back off and retry;
 * EINTR retries.  Returns
 *
 * - 0 once the memory is back: a call returned 0, or the victim was waited
 *   for (ESRCH) after the loop freed something;
 * - -ETIMEDOUT after @timeout_ms (its own exit finishes the job);
 * - minus the errno of a call that cannot succeed: EPERM or EACCES (not
 *   allowed), EINVAL (not dying, dumping core, or sharing its memory with
 *   a live process: leave it to its own exit), ESRCH (gone before the
 *   first call), EBADF, or that of a kernel without the call.
 */
static inline int try_reap_loop(int pidfd, size_t step, unsigned int timeout_ms,
				size_t *freed)
{
	double deadline = try_reap_now_ms() + timeout_ms;
	unsigned int backoff_us = 100;
	long ret;

	*freed = 0;
	for (;;) {
		ret = sys_try_reap_dying_process(pidfd, PROCESS_REAP_NOWAIT,
						 step ? step : SIZE_MAX);
		if (ret > 0) {
			*freed += ret;
			backoff_us = 100;
			continue;
		}
		if (ret == 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
		case ENOMEM:
			break;
		case ESRCH:
			return *freed ? 0 : -ESRCH;
		default:
			return -errno;
		}
		if (try_reap_now_ms() > deadline)
			return -ETIMEDOUT;
		usleep(backoff_us);
		if (backoff_us < 10000)
			backoff_us *= 2;
	}
}

enum try_reap_how {
	TRY_REAP_REAPED,	/* try_reap_dying_process() got it all back */
	TRY_REAP_MRELEASED,	/* process_mrelease() did, as far as it can */
	TRY_REAP_KILLED,	/* killed only: its own exit frees the memory */
	TRY_REAP_FAILED,	/* not even killed: errno says why */
};

/*
 * SIGKILL the process @pidfd refers to, then get its memory back in the
 * best way the kernel has: try_reap_dying_process() if try_reap_probe()
 * found it (@have), else process_mrelease() (Linux 5.15), else the
 * victim's own exit.  *@freed gets what try_reap_dying_process() freed, 0
 * otherwise (process_mrelease() does not say).
 */
static inline enum try_reap_how try_reap_kill(int pidfd, int have, size_t step,
					      unsigned int timeout_ms,
					      size_t *freed)
{
	*freed = 0;
	if (syscall(__NR_pidfd_send_signal, pidfd, SIGKILL, NULL, 0))
		return TRY_REAP_FAILED;
	if (have)
		return try_reap_loop(pidfd, step, timeout_ms, freed) ?
		       TRY_REAP_KILLED : TRY_REAP_REAPED;
	if (!syscall(__NR_process_mrelease, pidfd, 0))
		return TRY_REAP_MRELEASED;
	return TRY_REAP_KILLED;
}

/*
 * Kill every process of the cgroup @dir (a cgroup v2 directory, such as
 * /sys/fs/cgroup/app.slice/app), with cgroup.kill (Linux 5.14), then get
 * their memory back: each process cgroup.procs still lists is reaped
 * through a pidfd of its own.  Returns the number of processes reaped,
 * or -1 with errno set if the cgroup could not be killed; *@freed gets
 * the bytes freed.
 */
static inline int try_reap_cgroup(const char *dir, int have, size_t step,
				  unsigned int timeout_ms, size_t *freed)
{
	char path[4096];
	size_t one;
	int fd, n = 0;
	FILE *procs;
	long pid;

	*freed = 0;
	if (snprintf(path, sizeof(path), "%s/cgroup.kill", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "1", 1) != 1) {
		close(fd);
		return -1;
	}
	close(fd);
	if (!have)
		return 0;
	/* Every process listed now is dying: cgroup.kill has signalled them. */
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = fopen(path, "re");
	if (!procs)
		return 0;
	while (fscanf(procs, "%ld", &pid) == 1) {
		fd = syscall(__NR_pidfd_open, (pid_t)pid, 0);
		if (fd < 0)
			continue;
		if (!try_reap_loop(fd, step, timeout_ms, &one)) {
			*freed += one;
			n++;
		}
		close(fd);
	}
	fclose(procs);
	return n;
}

#endif /* TRY_REAP_H */
