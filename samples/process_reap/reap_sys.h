/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the process_reap samples share: wrappers for system calls that C
 * libraries do not wrap yet, and readers of /proc.
 */
#ifndef __SAMPLES_REAP_SYS_H
#define __SAMPLES_REAP_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>

/* The system call's wrapper, numbers and probe: the permissive header. */
#include "try_reap.h"

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
 * Whether the running kernel has process_mrelease(), whose number is
 * final: with a bad fd, it fails with EBADF; were it missing, or denied by
 * a seccomp filter, it would fail otherwise.  try_reap_probe() is the
 * check for try_reap_dying_process(), whose number is not final yet.
 */
static inline bool have_mrelease(void)
{
	return syscall(__NR_process_mrelease, -1, 0) < 0 && errno == EBADF;
}

#define PF_EXITING	0x00000004
#define PF_KTHREAD	0x00200000

static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Fields of /proc/PID/stat after the command name. */
struct stat_line {
	char comm[16];
	char state;
	unsigned long flags;
	unsigned long long start;
	long rss;
};

static inline int read_stat(pid_t pid, struct stat_line *s)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren)
		return -1;
	n = close_paren - open_paren - 1;
	if (n >= sizeof(s->comm))
		n = sizeof(s->comm) - 1;
	memcpy(s->comm, open_paren + 1, n);
	s->comm[n] = '\0';
	/* state ppid pgrp session tty tpgid flags ... starttime vsize rss */
	if (sscanf(close_paren + 2,
		   "%c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu %*u %ld",
		   &s->state, &s->flags, &s->start, &s->rss) != 4)
		return -1;
	return 0;
}

/* SIGKILL pending for the whole process: someone has killed it already. */
static inline bool kill_pending(pid_t pid)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return true;
	/* At a line start: the Name: line is the process's to choose. */
	p = strstr(buf, "\nShdPnd:");
	return p && strtoull(p + 8, NULL, 16) & (1ULL << (SIGKILL - 1));
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
