// SPDX-License-Identifier: GPL-2.0
/*
 * reap_wrap: run a command as another user, or with some system calls made
 * to fail, so reapd_test.sh can reach the samples' error paths.
 *
 *   reap_wrap [-u UID] [-f CALL:ERRNO]... [-F CALL:ERRNO]... CMD [ARG]...
 *
 * -f fails every CALL with ERRNO, -F only those whose first argument is not
 * negative and whose second, the flags, is PROCESS_REAP_NOWAIT alone: what
 * --nowait sends, and none of what try_reap_probe() asks, so that the probe
 * still sees the real kernel.  CALL is
 * try_reap_dying_process, process_mrelease or capset; ERRNO is NOSYS (what
 * an unknown call fails with), EAGAIN, EPERM or 0, which makes the call do
 * nothing and succeed.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../kselftest.h"
#include "reap.h"

#if defined(__x86_64__)
#define REAP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define REAP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define REAP_AUDIT_ARCH AUDIT_ARCH_I386
#else
#error "reap_wrap: unknown audit arch"
#endif

#define MAX_RULES 8

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{ "try_reap_dying_process", __NR_try_reap_dying_process },
	{ "process_mrelease", __NR_process_mrelease },
	{ "capset", __NR_capset },
};

static struct {
	const char *name;
	int err;
} errs[] = {
	{ "NOSYS", -1 }, { "EAGAIN", EAGAIN }, { "EPERM", EPERM }, { "0", 0 },
};

static void __noreturn print_usage(void)
{
	fprintf(stderr, "usage: reap_wrap [-u UID] [-f|-F CALL:ERRNO]... CMD [ARG]...\n");
	exit(2);
}

static int add_rule(struct sock_filter *f, int n, const char *spec, bool any_fd)
{
	const char *colon = strchr(spec, ':');
	long nr = -1;
	int err = -1;
	size_t i;

	if (!colon)
		print_usage();
	for (i = 0; i < ARRAY_SIZE(calls); i++)
		if (strlen(calls[i].name) == (size_t)(colon - spec) &&
		    !strncmp(spec, calls[i].name, colon - spec))
			nr = calls[i].nr;
	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (!strcmp(colon + 1, errs[i].name))
			err = errs[i].err;
	if (nr < 0 || err < 0)
		print_usage();
	/*
	 * A holds the call's number.  On a match, with -F, a negative first
	 * argument (its low word) or a second one other than NOWAIT skips
	 * the RET.
	 */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0,
		any_fd ? 1 : 5);
	if (!any_fd) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[0]));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
			0x80000000U, 3, 0);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[1]));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			PROCESS_REAP_NOWAIT, 0, 1);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA));
	/* Back to the number for the next rule. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	return n;
}

int main(int argc, char **argv)
{
	struct sock_filter f[4 + 7 * MAX_RULES + 1] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, REAP_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	};
	struct sock_fprog prog = { .filter = f };
	int n = 4, rules = 0, c;
	long uid = -1;

	syscall(-1);
	errs[0].err = errno;
	while ((c = getopt(argc, argv, "+u:f:F:")) != -1) {
		switch (c) {
		case 'u':
			uid = atol(optarg);
			break;
		case 'f':
		case 'F':
			if (++rules > MAX_RULES)
				print_usage();
			n = add_rule(f, n, optarg, c == 'f');
			break;
		default:
			print_usage();
		}
	}
	if (optind == argc)
		print_usage();
	if (uid >= 0 && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
		perror("reap_wrap: setuid");
		return 1;
	}
	if (rules) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		prog.len = n;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			perror("reap_wrap: seccomp");
			return 1;
		}
	}
	execvp(argv[optind], argv + optind);
	perror(argv[optind]);
	return 127;
}
