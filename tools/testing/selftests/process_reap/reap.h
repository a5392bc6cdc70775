/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Syscall wrappers and victim helpers for the try_reap_dying_process()
 * selftests.
 */
#ifndef __SELFTESTS_REAP_H
#define __SELFTESTS_REAP_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/process_reap.h>

/* The wrapper and the probe that daemons copy, tested as they get them. */
#include "../../../../samples/process_reap/try_reap.h"

/* Older kselftest.h (6.1's) lacks it. */
#ifndef __noreturn
#define __noreturn _Noreturn
#endif

/* Unknown numbers make the wrappers fail with ENOSYS, and the tests skip. */
#ifndef __NR_process_mrelease
#define __NR_process_mrelease -1
#endif

#ifndef __NR_pidfd_open
#define __NR_pidfd_open -1
#endif

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal -1
#endif

#ifndef __NR_userfaultfd
#define __NR_userfaultfd -1
#endif

#ifndef PROCESS_REAP_NOWAIT
#define PROCESS_REAP_NOWAIT 0x1U
#endif

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define UID_NOBODY 65534
#define SZ_1M (1024UL * 1024)
#define SZ_2M (2 * SZ_1M)
#define CGROUP_ROOT "/sys/fs/cgroup"

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
 * splitmix64: the randomized tests' generator, so that a printed seed
 * replays the same sequence.
 */
static inline uint64_t reap_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * True when the running kernel has the syscall at its number, and no
 * other system call is there: try_reap_probe() tells them apart.
 */
static inline bool have_try_reap(void)
{
	return try_reap_probe();
}

/*
 * How many times to repeat a race: @normal, or @quick when REAP_QUICK is
 * set (a debug kernel under TCG runs them ten times slower).
 */
static inline int race_rounds(int normal, int quick)
{
	return getenv("REAP_QUICK") ? quick : normal;
}

/* A victim's extra thread: it waits for the kill. */
static inline void *pause_forever(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* Tests must not assume 4 KiB pages: arm64 runs 16K and 64K kernels. */
static inline size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Run the calling thread on @cpu only: 0, or -1 with errno set. */
static inline int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Starve the calling thread: SCHED_IDLE on @cpu, where start_hog() runs a
 * normal-priority hog, it barely runs, and a SIGKILL takes it long to act
 * on.  0, or -1 with errno set.
 */
static inline int starve_self(int cpu)
{
	struct sched_param sp = { 0 };

	return pin_to_cpu(cpu) ?: sched_setscheduler(0, SCHED_IDLE, &sp);
}

/* A process spinning on @cpu, SCHED_FIFO if @fifo: its pid, or -1. */
static inline pid_t start_hog(int cpu, bool fifo)
{
	struct sched_param sp = { .sched_priority = 1 };
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (pin_to_cpu(cpu) ||
		    (fifo && sched_setscheduler(0, SCHED_FIFO, &sp)))
			_exit(1);
		if (write(ready[1], "h", 1) != 1)
			_exit(1);
		for (;;)
			;
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/* Kill and wait for a child: a hog, or a victim that must not linger. */
static inline void kill_wait(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* "Key: N kB" of /proc/meminfo: N, or -1. */
static inline long meminfo_kb(const char *key)
{
	char line[128];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Read "Key: N kB" from a /proc file; returns bytes or -1. */
static inline long proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10) * 1024;
			break;
		}
	}
	fclose(f);
	return val;
}

/* Exact anonymous footprint: smaps_rollup walks the page tables. */
static inline long anon_bytes(pid_t pid)
{
	return proc_kb(pid, "smaps_rollup", "Anonymous");
}

/* The state letter of /proc/PID/task/TID/stat, or 0 if it is gone. */
static inline char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Wait (up to @secs) until thread @tid of @pid is in state @state. */
static inline bool wait_task_state(pid_t pid, pid_t tid, char state, int secs)
{
	for (int i = 0; i < secs * 1000; i++) {
		if (task_state(pid, tid) == state)
			return true;
		usleep(1000);
	}
	return false;
}

static inline long read_long_file(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* A PMD-sized THP: 2 MiB with 4K pages, 32 MiB with 16K, 512 MiB with 64K. */
static inline size_t pmd_size(void)
{
	long n = read_long_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");

	return n > 0 ? (size_t)n : SZ_2M;
}

static inline bool write_file(const char *path, const char *s)
{
	ssize_t len = strlen(s);
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, len) == len;
	close(fd);
	return ok;
}

/* Fill @len bytes with a pattern derived from @seed, or check it. */
static inline void fill_pattern(void *p, size_t len, unsigned long seed)
{
	for (size_t off = 0; off < len; off += sizeof(long))
		*(unsigned long *)((char *)p + off) = off * 2654435761UL + seed;
}

static inline bool check_pattern(const void *p, size_t len, unsigned long seed)
{
	for (size_t off = 0; off < len; off += sizeof(long))
		if (*(const unsigned long *)((const char *)p + off) !=
		    off * 2654435761UL + seed)
			return false;
	return true;
}

/*
 * A userfaultfd trap: a thread that makes a syscall whose user buffer is
 * never populated blocks in the kernel, with whatever locks or references
 * that syscall took, until the trap is closed.  Reading the uffd event
 * tells us, without any sleep, that the thread has got there.
 */
struct uffd_trap {
	int uffd;
	void *area;
	size_t len;
};

static inline int uffd_trap_init(struct uffd_trap *t, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	t->len = len;
	t->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (t->uffd < 0)
		return -1;
	if (ioctl(t->uffd, UFFDIO_API, &api))
		return -1;
	t->area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->area == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)t->area;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	return ioctl(t->uffd, UFFDIO_REGISTER, &reg);
}

/* Block until some thread faults in the trap. */
static inline int uffd_trap_wait(struct uffd_trap *t)
{
	struct uffd_msg msg;

	if (read(t->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -1;
}

/* Closing the uffd fails the trapped access with EFAULT, releasing it. */
static inline void uffd_trap_release(struct uffd_trap *t)
{
	if (t->uffd >= 0)
		close(t->uffd);
	t->uffd = -1;
}

/*
 * A thread reading a page of another process through /proc/PID/mem into
 * @buf: mem_rw() holds the target's mm_users, and while it faults the
 * target's page in its mmap_lock for read, for as long as the read blocks
 * (in a userfaultfd trap, or on a FUSE page never served).
 */
struct mem_reader {
	int fd;
	void *buf;
	off_t addr;
	pthread_t th;
};

static inline void *mem_reader_fn(void *arg)
{
	struct mem_reader *m = arg;

	if (pread(m->fd, m->buf, page_size(), m->addr) < 0)
		return NULL;
	return NULL;
}

/* Start reading @addr of @pid into @buf: 0, or -1 with errno set. */
static inline int mem_reader_start(struct mem_reader *m, pid_t pid,
				   const void *addr, void *buf)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	m->fd = open(path, O_RDONLY);
	if (m->fd < 0)
		return -1;
	m->buf = buf;
	m->addr = (off_t)(uintptr_t)addr;
	errno = pthread_create(&m->th, NULL, mem_reader_fn, m);
	if (errno) {
		close(m->fd);
		return -1;
	}
	return 0;
}

/* Wait for the read to end (released trap or failed page) and clean up. */
static inline void mem_reader_join(struct mem_reader *m)
{
	pthread_join(m->th, NULL);
	close(m->fd);
}

/*
 * A jammed pipe: our jammer thread writes to it from a userfaultfd trap,
 * so it faults with the pipe's mutex held.  A victim thread that writes
 * to the same pipe then waits in mutex_lock(), which SIGKILL does not
 * end, and keeps the victim's mm, and its own robust list unwalked,
 * until the jam is released.
 */
struct pipe_jam {
	struct uffd_trap trap;
	int fd[2];
	pthread_t jammer;
	bool on;
};

static inline void *pipe_jammer(void *arg)
{
	struct pipe_jam *j = arg;

	if (write(j->fd[1], j->trap.area, page_size()) < 0)
		return NULL;
	return NULL;
}

/* Jam @j: 0 once the jammer holds the pipe's mutex, or -1. */
static inline int pipe_jam_start(struct pipe_jam *j)
{
	j->trap.uffd = -1;
	if (pipe(j->fd) || uffd_trap_init(&j->trap, page_size()) ||
	    pthread_create(&j->jammer, NULL, pipe_jammer, j))
		return -1;
	j->on = true;
	return uffd_trap_wait(&j->trap);
}

/* Let the jammer, and then whoever waits on the pipe, go. */
static inline void pipe_jam_release(struct pipe_jam *j)
{
	uffd_trap_release(&j->trap);
	if (!j->on)
		return;
	pthread_join(j->jammer, NULL);
	close(j->fd[0]);
	close(j->fd[1]);
	munmap(j->trap.area, j->trap.len);
	j->on = false;
}

#endif /* __SELFTESTS_REAP_H */
