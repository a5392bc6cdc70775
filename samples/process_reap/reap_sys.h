/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System call wrappers shared by the process_reap samples.  C libraries do
 * not wrap these calls yet.
 */
#ifndef __SAMPLES_REAP_SYS_H
#define __SAMPLES_REAP_SYS_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/process_reap.h>

/* The provisional number, the same in every table but alpha's. */
#ifndef __NR_try_reap_dying_process
#define __NR_try_reap_dying_process 472
#endif

#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

static inline long sys_try_reap_dying_process(int pidfd, unsigned int flags,
					      size_t max_bytes)
{
	return syscall(__NR_try_reap_dying_process, pidfd, flags, max_bytes);
}

static inline int sys_process_mrelease(int pidfd, unsigned int flags)
{
	return syscall(__NR_process_mrelease, pidfd, flags);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/*
 * Whether the running kernel has a call: with a bad fd, a call that exists
 * fails with EBADF; one that does not fails otherwise, as does one that a
 * seccomp filter denies, which is the same to us.
 */
static inline bool reap_have(long nr)
{
	return syscall(nr, -1, 0, 0) < 0 && errno == EBADF;
}

/* "64M", "1G", "4096": decimal bytes, with an optional K, M or G suffix. */
static inline int parse_bytes(const char *s, size_t *out)
{
	static const char units[] = "KMG";
	unsigned long long v;
	const char *u = NULL;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		u = strchr(units, *end & ~0x20);
		if (!(*end & ~0x20) || !u || end[1])
			return -1;
		shift = 10 * (u - units + 1);
	}
	if (v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif /* __SAMPLES_REAP_SYS_H */
