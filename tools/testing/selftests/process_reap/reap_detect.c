// SPDX-License-Identifier: GPL-2.0
/*
 * try_reap_probe(), from the header daemons copy (samples/process_reap/
 * try_reap.h): it must find the system call where it is, and nowhere
 * else.  Until the number is final, another system call may sit at it;
 * seccomp filters stand in for such impostors here, each answering the
 * probe's questions as a plausible system call would, so the test means
 * the same on any kernel, the host's included.
 */
#include "reap.h"
#include "../kselftest_harness.h"
#include "../../../../samples/process_reap/try_reap.h"

#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_RET_DATA
#define SECCOMP_RET_DATA	0x0000ffffU
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#else
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define NR		__NR_try_reap_dying_process
#define LOAD(off)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v)		BPF_STMT(BPF_RET | BPF_K, (v))
#define ERRNO(e)	RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/*
 * Run try_reap_probe(), in a child, with the system call at our number
 * replaced by @rules, a seccomp filter's program for it alone: the probe's
 * answer, or -1.
 */
static int probe_under(const struct sock_filter *rules, unsigned short nr)
{
	struct sock_filter f[32] = {
		LOAD(offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR, 1, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 3 + nr, .filter = f };
	int status;
	pid_t pid;

	if (nr > 32 - 3)
		return -1;
	memcpy(f + 3, rules, nr * sizeof(*rules));
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			_exit(2);
		_exit(try_reap_probe());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) > 1)
		return -1;
	return WEXITSTATUS(status);
}

#define PROBE_UNDER(f)	probe_under(f, sizeof(f) / sizeof((f)[0]))

/* What the kernel answers a number it has no system call for. */
static int no_such_call(void)
{
	syscall(-1);
	return errno;
}

TEST(finds_the_call_where_it_is)
{
	if (!have_try_reap())
		SKIP(return, "try_reap_dying_process() is not available");
	EXPECT_EQ(1, try_reap_probe());
}

TEST(says_no_where_nothing_is)
{
	struct sock_filter none[] = { ERRNO(no_such_call()) };

	EXPECT_EQ(0, PROBE_UNDER(none));
}

/* Any system call that takes a file descriptor gives EBADF for -1. */
TEST(refuses_a_call_that_only_says_ebadf)
{
	struct sock_filter ebadf[] = { ERRNO(EBADF) };

	EXPECT_EQ(0, PROBE_UNDER(ebadf));
}

/* EBADF for -1, EINVAL for any other fd: one that takes no pidfd. */
TEST(refuses_a_call_that_takes_no_pidfd)
{
	struct sock_filter fd_call[] = {
		LOAD(ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 0, 1),
		ERRNO(EBADF),
		ERRNO(EINVAL),
	};

	EXPECT_EQ(0, PROBE_UNDER(fd_call));
}

/* EBADF for -1, EINVAL for an unknown flag, else success. */
TEST(refuses_a_call_that_succeeds_on_the_living)
{
	struct sock_filter lenient[] = {
		LOAD(ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 0, 1),
		ERRNO(EBADF),
		LOAD(ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x80000000U, 0, 1),
		ERRNO(EINVAL),
		ERRNO(0),
	};

	EXPECT_EQ(0, PROBE_UNDER(lenient));
}

/* Once probed, no child of ours is left, waited for or not. */
TEST(leaves_no_child)
{
	siginfo_t info = { 0 };

	try_reap_probe();
	EXPECT_EQ(-1, waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);
}

TEST_HARNESS_MAIN
