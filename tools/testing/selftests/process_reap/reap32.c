// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit helpers for the compat tests:
 *
 *   reap32 PIDFD
 *	one try_reap_dying_process() call with max_bytes = SIZE_MAX,
 *	printing "<return value> <errno>";
 *   reap32 victim READY_FD JAM_FD MEMFD BYTES
 *	a victim whose robust futex list is a compat one: it fills BYTES of
 *	private memory, and a thread locks the robust mutex at the start of
 *	MEMFD, then a private one in that memory (its list runs head ->
 *	private node -> shared node), writes its tid to READY_FD and blocks
 *	writing to JAM_FD.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_try_reap_dying_process
#define __NR_try_reap_dying_process -1
#endif

static int ready_fd, jam_fd;
static pthread_mutex_t *shared, *priv;

static void init_robust(pthread_mutex_t *m, int pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, pshared);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void *stuck_thread(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	if (pthread_mutex_lock(shared) || pthread_mutex_lock(priv) ||
	    write(ready_fd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	/* Blocks in mutex_lock(&pipe->mutex); SIGKILL cannot end that. */
	if (write(jam_fd, "x", 1) < 0)
		_exit(1);
	for (;;)
		pause();
}

static int victim(char **argv)
{
	size_t len = strtoul(argv[5], NULL, 0);
	char *p;
	pthread_t th;

	ready_fd = atoi(argv[2]);
	jam_fd = atoi(argv[3]);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED, atoi(argv[4]), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || p == MAP_FAILED)
		return 1;
	/* A THP would keep 2 MiB whole for the one page the list needs. */
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 0x5a, len);
	priv = (pthread_mutex_t *)(p + len / 4);
	init_robust(shared, PTHREAD_PROCESS_SHARED);
	init_robust(priv, PTHREAD_PROCESS_PRIVATE);
	if (pthread_create(&th, NULL, stuck_thread, NULL))
		return 1;
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long ret;

	if (argc == 6 && !strcmp(argv[1], "victim"))
		return victim(argv);
	if (argc != 2) {
		fprintf(stderr, "usage: %s PIDFD\n"
			"       %s victim READY_FD JAM_FD MEMFD BYTES\n",
			argv[0], argv[0]);
		return 2;
	}
	ret = syscall(__NR_try_reap_dying_process, atoi(argv[1]), 0, SIZE_MAX);
	printf("%ld %d\n", ret, ret < 0 ? errno : 0);
	return 0;
}
