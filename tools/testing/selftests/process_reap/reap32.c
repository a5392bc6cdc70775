// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit caller for the compat test: one try_reap_dying_process() call
 * with max_bytes = SIZE_MAX, printing "<return value> <errno>".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_try_reap_dying_process
#define __NR_try_reap_dying_process -1
#endif

int main(int argc, char **argv)
{
	long ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PIDFD\n", argv[0]);
		return 2;
	}
	ret = syscall(__NR_try_reap_dying_process, atoi(argv[1]), 0, SIZE_MAX);
	printf("%ld %d\n", ret, ret < 0 ? errno : 0);
	return 0;
}
