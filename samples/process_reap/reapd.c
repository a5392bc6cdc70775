// SPDX-License-Identifier: GPL-2.0
/*
 * reapd: a small low-memory killer in the style of Android's lmkd, to show
 * how try_reap_dying_process() is meant to be used.
 *
 * It wakes on a PSI memory trigger or a timer, and when the memory
 * available falls below a threshold it SIGKILLs the process with the
 * highest oom_score_adj (then the largest RSS) through a pidfd and frees
 * the victim's memory itself, a step at a time, until enough is available
 * again.  The byte count each call returns says when the victim is drained,
 * so the next kill happens only if the memory freed was not enough: no
 * waiting and guessing, no killing one process too many.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "reap_sys.h"

#define OOM_SCORE_ADJ_MIN (-1000)
#define MAX_PENDING	64
#define MAX_SKIP	64

enum mode { MODE_AUTO = -1, MODE_REAP, MODE_MRELEASE, MODE_KILL };
static const char *const mode_name[] = { "reap", "mrelease", "kill-only" };

/* A threshold, in bytes or in percent of the memory there is. */
struct level {
	double val;
	bool pct;
};

static struct {
	int mode;
	const char *cgroup;
	struct level low, target;
	size_t step;
	const char *trigger;
	int interval_ms;
	int kill_timeout_ms;
	int kill_delay_ms;
	int rt_prio;
	unsigned int uid;
	bool dry_run;
} opt = {
	.uid = 65534,
	.mode = MODE_AUTO,
	.low = { 10, true },
	.target = { 15, true },
	.step = 64 << 20,
	.trigger = "some 150000 1000000",
	.interval_ms = 100,
	.kill_timeout_ms = 1000,
};

struct victim {
	pid_t pid;
	int pidfd;
	int adj;
	char comm[16];
	size_t rss;
	unsigned long long start;
	double t_kill;
	size_t bytes;		/* reaped so far */
	unsigned int calls;
	bool reaping;		/* still has memory we can free */
	bool busy;		/* its mmap_lock was taken this round */
	bool adopted;		/* killed by someone else */
};

static enum mode mode;
static double t_start;		/* now_ms() at start-up */
static long long mem_total;	/* MemTotal, read once at start-up */
static char psi_path[PATH_MAX], cg_rel[PATH_MAX];
static struct victim pending[MAX_PENDING];
static int npending;
/*
 * Processes never to choose again: victims we are done with (a drained one
 * may still be dying, with the few pages its robust futex lists need), and
 * those we failed to kill (an LSM said no, say).  The oldest entry goes.
 */
static unsigned int kills;
static size_t reaped_total;
static struct {
	pid_t pid;
	unsigned long long start;
} skip[MAX_SKIP];
static unsigned int nskip;

static void skip_add(const struct victim *v)
{
	skip[nskip % MAX_SKIP].pid = v->pid;
	skip[nskip % MAX_SKIP].start = v->start;
	nskip++;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("reapd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: reapd [OPTION]...\n"
		"Kill processes when memory runs low, and free their memory at once\n"
		"with try_reap_dying_process().\n"
		"\n"
		"  -m, --mode=MODE        reap, mrelease or kill-only (default: the best\n"
		"                         the kernel has: reap, else mrelease, else kill-only)\n"
		"  -c, --cgroup=DIR       watch the cgroup v2 DIR instead of the system: its\n"
		"                         memory.pressure, memory.max - memory.current, and\n"
		"                         only its processes are victims\n"
		"  -l, --low=SIZE         act when less than SIZE is available (default 10%%)\n"
		"  -t, --target=SIZE      free until SIZE is available again (default 15%%)\n"
		"  -s, --step=SIZE        bytes to free per call (default 64M)\n"
		"  -p, --psi=TRIGGER      PSI trigger (default \"some 150000 1000000\"): when\n"
		"                         it fires, act below the target already\n"
		"  -i, --interval=MS      check the memory available every MS (default 100)\n"
		"  -T, --kill-timeout=MS  time a victim has to free its memory before the next\n"
		"                         kill, when it cannot be reaped (default 1000)\n"
		"  -D, --kill-delay=MS    wait MS between choosing a victim and killing it\n"
		"                         (for tests: lets a victim exit on its own)\n"
		"  -r, --rt=PRIO          run SCHED_FIFO at PRIO (set before dropping privileges)\n"
		"  -u, --user=UID         run as UID when started as root (default 65534;\n"
		"                         0 stays root, still with CAP_KILL alone)\n"
		"  -n, --dry-run          say whom it would kill, kill nobody\n"
		"  -h, --help             show this help\n"
		"\n"
		"SIZE is bytes with a K, M or G suffix; --low and --target also take a\n"
		"percentage of the memory (MemTotal, or the cgroup's memory.max).\n"
		"reapd keeps only CAP_KILL and refuses to run with more.  SIGTERM or\n"
		"SIGINT stops it.\n");
}

static long long meminfo_bytes(const char *key)
{
	char buf[4096], *p;

	/* Failing here (no memory for the read?) must not end the daemon. */
	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	if (!p)
		die("/proc/meminfo has no %s", key);
	return strtoll(p + strlen(key) + 1, NULL, 10) * 1024;
}

static long long cg_value(const char *file)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), "%s/%s", opt.cgroup, file);
	if (read_file(path, buf, sizeof(buf)) < 0)
		die("cannot read %s: %m", path);
	if (!strncmp(buf, "max", 3))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* Bytes of inactive page cache in the cgroup: reclaim gets them back. */
static long long cg_inactive_file(void)
{
	char path[PATH_MAX], buf[4096], *p;

	snprintf(path, sizeof(path), "%s/memory.stat", opt.cgroup);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "\ninactive_file ");
	return p ? strtoll(p + 15, NULL, 10) : 0;
}

/*
 * Bytes available, and the total the percentages refer to; -1 if that
 * cannot be told now.  In a cgroup: memory.max - memory.current, plus the
 * inactive page cache that reclaim would free before anyone must die.
 */
static long long available(long long *total)
{
	long long max, cur;

	if (total)
		*total = mem_total;
	if (!opt.cgroup)
		return meminfo_bytes("MemAvailable:");
	max = cg_value("memory.max");
	cur = cg_value("memory.current") - cg_inactive_file();
	if (max < 0 || max > mem_total)
		max = mem_total;
	if (total)
		*total = max;
	return cur < max ? max - cur : 0;
}

static long long level_bytes(const struct level *l, long long total)
{
	return l->pct ? total * l->val / 100 : l->val;
}

static double psi_avg10(void)
{
	char buf[256], *p;

	if (read_file(psi_path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "some avg10=");
	return p ? strtod(p + 11, NULL) : -1;
}

static const char *size_str(double bytes, char *buf, size_t len)
{
	const char *unit = "KMGT";

	bytes /= 1024;
	while (bytes >= 1024 && unit[1]) {
		bytes /= 1024;
		unit++;
	}
	snprintf(buf, len, "%.1f%c", bytes, *unit);
	return buf;
}

static int parse_size(const char *s, struct level *l)
{
	size_t bytes;
	char *end;
	double v;

	l->pct = s[0] && s[strlen(s) - 1] == '%';
	if (!l->pct) {
		if (parse_bytes(s, &bytes))
			return -1;
		l->val = bytes;
		return 0;
	}
	v = strtod(s, &end);
	if (end == s || !(v >= 0 && v <= 100) || strcmp(end, "%"))
		return -1;
	l->val = v;
	return 0;
}

static int read_int(pid_t pid, const char *file, int *val)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	*val = atoi(buf);
	return 0;
}

static bool in_cgroup(pid_t pid)
{
	char path[64], buf[PATH_MAX + 8], *p;
	size_t n = strlen(cg_rel);

	if (!opt.cgroup)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return false;
	/* The cgroup v2 line: "0::/path", first or after a v1 line. */
	p = strncmp(buf, "0::", 3) ? strstr(buf, "\n0::") : buf - 1;
	if (!p)
		return false;
	p += 4;
	p[strcspn(p, "\n")] = '\0';
	return !strncmp(p, cg_rel, n) && (p[n] == '\0' || p[n] == '/' ||
					   !strcmp(cg_rel, "/"));
}

static bool is_pending(pid_t pid, unsigned long long start)
{
	int i;

	for (i = 0; i < npending; i++)
		if (pending[i].pid == pid && pending[i].start == start)
			return true;
	for (i = 0; i < MAX_SKIP && i < (int)nskip; i++)
		if (skip[i].pid == pid && skip[i].start == start)
			return true;
	return false;
}

static void set_victim(struct victim *v, pid_t pid, int adj,
		       const struct stat_line *s, long page)
{
	*v = (struct victim){ .pid = pid, .pidfd = -1, .adj = adj };
	v->rss = (size_t)s->rss * page;
	v->start = s->start;
	memcpy(v->comm, s->comm, sizeof(v->comm));
}

enum choice { NOBODY, KILL, ADOPT };

/*
 * The victim: highest oom_score_adj, then largest RSS.  Never init, never
 * ourselves, never a kernel thread, never oom_score_adj -1000.  A process
 * that is already exiting or killed (by the kernel's OOM killer, a user)
 * is not killed again; if it still holds memory, it is ADOPTed instead:
 * its memory is on its way back, and freeing it may be all that is needed.
 */
static enum choice choose_victim(struct victim *v)
{
	long page = sysconf(_SC_PAGESIZE);
	struct victim dying = { .pid = 0 };
	struct stat_line s;
	struct dirent *de;
	bool found = false;
	DIR *dir;
	pid_t pid;
	int adj;

	dir = opendir("/proc");
	if (!dir) {
		fprintf(stderr, "reapd: cannot open /proc: %m\n");
		return NOBODY;
	}
	while ((de = readdir(dir))) {
		if (!isdigit(de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == 1 || pid == getpid())
			continue;
		if (read_stat(pid, &s) || s.flags & PF_KTHREAD || s.state == 'Z' ||
		    s.state == 'X' || s.rss <= 0 || read_int(pid, "oom_score_adj", &adj) ||
		    !in_cgroup(pid) || is_pending(pid, s.start))
			continue;
		if (s.flags & PF_EXITING || kill_pending(pid)) {
			if ((size_t)s.rss * page > dying.rss)
				set_victim(&dying, pid, adj, &s, page);
			continue;
		}
		if (adj == OOM_SCORE_ADJ_MIN)
			continue;
		if (found && (adj < v->adj ||
			      (adj == v->adj && (size_t)s.rss * page <= v->rss)))
			continue;
		found = true;
		set_victim(v, pid, adj, &s, page);
	}
	closedir(dir);
	if (dying.pid) {
		*v = dying;
		return ADOPT;
	}
	return found ? KILL : NOBODY;
}

/* One line per kill, once its memory is back (or at exit, if it is not). */
static void log_kill(const struct victim *v, const char *how)
{
	char rss[16], reaped[48], freed[32];

	snprintf(freed, sizeof(freed), "%s%.1f ms",
		 strcmp(how, "still exiting") ? "" : ">", now_ms() - v->t_kill);
	if (mode == MODE_REAP)
		snprintf(reaped, sizeof(reaped), "%s in %u calls",
			 size_str(v->bytes, rss, sizeof(rss)), v->calls);
	else
		snprintf(reaped, sizeof(reaped), "-");
	printf("reapd: %s pid %d (%s) adj %d rss %s: ",
	       v->adopted ? "reap (killed by another)" : "kill", v->pid,
	       v->comm, v->adj, size_str(v->rss, rss, sizeof(rss)));
	/* Victims are logged as they finish: the kill time gives the order. */
	printf("reaped %s, freed in %s (%s), mode %s, psi some avg10 %.2f, killed at %.1f ms\n",
	       reaped, freed, how, mode_name[mode], psi_avg10(),
	       v->t_kill - t_start);
}

/* Still one to kill: not exiting, not made -1000, not moved out of scope. */
static bool still_eligible(const struct victim *v, const char **why)
{
	struct stat_line s;
	int adj;

	*why = "exited on its own";
	if (read_stat(v->pid, &s) || s.start != v->start || s.state == 'Z' ||
	    s.state == 'X' || s.flags & PF_EXITING)
		return false;
	*why = "is no longer a candidate";
	return !read_int(v->pid, "oom_score_adj", &adj) &&
	       adj != OOM_SCORE_ADJ_MIN && in_cgroup(v->pid);
}

/*
 * Open the pidfd first, check it is still the process we chose (its pid
 * may have been reused since the scan), and kill through the pidfd, which
 * cannot hit a newcomer.  A failure other than the victim being gone is
 * remembered, so that the next round chooses someone else.
 */
static bool kill_victim(struct victim *v)
{
	struct pollfd pfd = { .events = POLLIN };
	const char *why = "exited on its own";

	v->pidfd = sys_pidfd_open(v->pid, 0);
	if (v->pidfd < 0) {
		if (errno == ESRCH)
			printf("reapd: pid %d (%s) exited on its own before the kill\n",
			       v->pid, v->comm);
		else
			goto failed;
		return false;
	}
	if (opt.kill_delay_ms) {
		printf("reapd: chose pid %d (%s), killing it in %d ms\n",
		       v->pid, v->comm, opt.kill_delay_ms);
		usleep(opt.kill_delay_ms * 1000);
	}
	/* Readable once it has exited: a zombie has nothing left to free. */
	pfd.fd = v->pidfd;
	if (poll(&pfd, 1, 0) > 0 || !still_eligible(v, &why)) {
		printf("reapd: pid %d (%s) %s before the kill\n", v->pid, v->comm, why);
		goto close_pidfd;
	}
	if (sys_pidfd_send_signal(v->pidfd, SIGKILL)) {
		if (errno != ESRCH)
			goto failed;
		printf("reapd: pid %d (%s) exited on its own before the kill\n",
		       v->pid, v->comm);
		goto close_pidfd;
	}
	v->t_kill = now_ms();
	kills++;
	return true;

failed:
	fprintf(stderr, "reapd: cannot kill pid %d (%s): %m; skipping it\n",
		v->pid, v->comm);
	skip_add(v);
close_pidfd:
	if (v->pidfd >= 0)
		close(v->pidfd);
	return false;
}

/* Follow a process killed by someone else, through a pidfd of our own. */
static bool adopt_victim(struct victim *v)
{
	struct stat_line s;

	v->pidfd = sys_pidfd_open(v->pid, 0);
	if (v->pidfd < 0)
		return false;
	if (read_stat(v->pid, &s) || s.start != v->start) {
		close(v->pidfd);
		return false;
	}
	v->adopted = true;
	v->t_kill = now_ms();
	return true;
}

static void add_pending(const struct victim *v)
{
	if (npending == MAX_PENDING) {
		log_kill(v, "no room to follow it");
		close(v->pidfd);
		return;
	}
	pending[npending++] = *v;
}

static void finish_pending(int i, const char *how)
{
	skip_add(&pending[i]);
	reaped_total += pending[i].bytes;
	log_kill(&pending[i], how);
	close(pending[i].pidfd);
	pending[i] = pending[--npending];
}

/*
 * One step of reaping victim @i, without ever sleeping on its mmap_lock:
 * a starved victim that took it for writing in exit_mmap() would hold us
 * up for as long as it waits for a CPU, and the memory it has unmapped
 * comes back only when it runs, whoever waits.  Such a victim is "busy"
 * until the next round.  Return false once it is finished or busy: it had
 * nothing left (0 bytes: drained), it was waited for (ESRCH: all of its
 * memory is back), or it cannot be reaped and must free its memory itself.
 */
static bool reap_step(int i)
{
	struct victim *v = &pending[i];
	long ret;

	ret = sys_try_reap_dying_process(v->pidfd, PROCESS_REAP_NOWAIT, opt.step);
	v->calls++;
	if (ret > 0) {
		v->bytes += ret;
		return true;
	}
	if (!ret || errno == ESRCH) {
		finish_pending(i, ret ? "exited" : "drained");
		return false;
	}
	/* Its lock is taken, or no memory to note its robust futexes: again
	 * next round.
	 */
	if (errno == EAGAIN || errno == ENOMEM) {
		v->busy = true;
		return false;
	}
	/* A live process shares its memory: wait for it as a kill-only
	 * daemon would.
	 */
	fprintf(stderr, "reapd: reaping pid %d (%s): %m\n", v->pid, v->comm);
	v->reaping = false;
	return false;
}

/* The first victim that has memory to reap and is not busy this round. */
static int first_reapable(void)
{
	int i;

	for (i = 0; i < npending; i++)
		if (pending[i].reaping && !pending[i].busy)
			return i;
	return -1;
}

/*
 * Reap until @target is available again or no victim has anything left
 * that can be had now.  The byte count is what makes this work: 0 means
 * drained, so the caller knows at once whether another kill is needed,
 * without waiting to see.
 */
static void reap_until(long long target)
{
	int i;

	while ((i = first_reapable()) >= 0)
		while (reap_step(i))
			if (available(NULL) >= target)
				return;
}

/* Under no pressure: one step for each victim that still has memory. */
static void reap_background(void)
{
	int i;

	for (i = npending - 1; i >= 0; i--)
		if (pending[i].reaping && !pending[i].busy)
			reap_step(i);
}

/*
 * process_mrelease() has no way not to sleep on the victim's mmap_lock, and
 * says nothing of what it freed: the fallback, not the goal.
 */
static void release_victim(struct victim *v)
{
	/* ESRCH: it has dropped its mm and frees it at its own pace. */
	if (sys_process_mrelease(v->pidfd, 0)) {
		add_pending(v);
		return;
	}
	log_kill(v, "released");
	skip_add(v);
	close(v->pidfd);
}

/*
 * True while an earlier victim that cannot be reaped, or is busy, may still
 * free its memory itself.
 */
static bool kill_in_progress(void)
{
	int i;

	for (i = 0; i < npending; i++)
		if ((!pending[i].reaping || pending[i].busy) &&
		    now_ms() - pending[i].t_kill < opt.kill_timeout_ms)
			return true;
	return false;
}

static enum mode pick_mode(void)
{
	bool reap = try_reap_probe();
	bool mrelease = have_mrelease();

	switch (opt.mode) {
	case MODE_REAP:
		if (!reap)
			die("--mode=reap: try_reap_dying_process() is not available");
		return MODE_REAP;
	case MODE_MRELEASE:
		if (!mrelease)
			die("--mode=mrelease: sys_process_mrelease() is not available");
		return MODE_MRELEASE;
	case MODE_KILL:
		return MODE_KILL;
	}
	if (reap)
		return MODE_REAP;
	printf("reapd: try_reap_dying_process() is not available, falling back to %s\n",
	       mrelease ? "process_mrelease()" : "kill only");
	return mrelease ? MODE_MRELEASE : MODE_KILL;
}

/* Where a cgroup v2 directory sits in its hierarchy: "/a/b". */
static void find_cgroup(void)
{
	char real[PATH_MAX], line[PATH_MAX * 2], mnt[PATH_MAX], type[32];
	size_t best = 0, n;
	FILE *f;

	if (!realpath(opt.cgroup, real))
		die("--cgroup %s: %m", opt.cgroup);
	f = fopen("/proc/self/mounts", "r");
	if (!f)
		die("cannot read /proc/self/mounts: %m");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %4095s %31s", mnt, type) != 2 ||
		    strcmp(type, "cgroup2"))
			continue;
		n = strlen(mnt);
		if (n > best && !strncmp(real, mnt, n) &&
		    (real[n] == '/' || real[n] == '\0')) {
			best = n;
			snprintf(cg_rel, sizeof(cg_rel), "%s", real[n] ? real + n : "/");
		}
	}
	fclose(f);
	if (!best)
		die("--cgroup %s is not in a cgroup v2 hierarchy", opt.cgroup);
}

/*
 * A trigger with a window under 2 s needs CAP_SYS_RESOURCE when the file
 * is opened, so this runs before the privileges are dropped.
 */
static int open_psi(void)
{
	int fd;

	if (opt.cgroup)
		snprintf(psi_path, sizeof(psi_path), "%s/memory.pressure", opt.cgroup);
	else
		snprintf(psi_path, sizeof(psi_path), "/proc/pressure/memory");
	fd = open(psi_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %m (is CONFIG_PSI on?)", psi_path);
	if (write(fd, opt.trigger, strlen(opt.trigger) + 1) < 0)
		die("PSI trigger \"%s\" refused by %s: %m", opt.trigger, psi_path);
	return fd;
}

/*
 * Keep CAP_KILL, for pidfd_send_signal() and try_reap_dying_process() on
 * other users' processes, and nothing else, as --user rather than root (a
 * root without capabilities still owns root's files); no way back through
 * execve().  Whatever cannot be dropped is a reason not to run.
 */
static void drop_privileges(void)
{
	struct rlimit lock = { 64 << 20, 64 << 20 };
	cap_value_t keep = CAP_KILL;
	int c, last = cap_max_bits() - 1;
	cap_flag_value_t set;
	cap_t caps;

	if (opt.rt_prio) {
		struct sched_param sp = { .sched_priority = opt.rt_prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			die("--rt %d: %m", opt.rt_prio);
	}
	/*
	 * Paging in our own code under memory pressure would stall us.  Once
	 * CAP_IPC_LOCK is gone, every later mapping counts against the limit.
	 */
	setrlimit(RLIMIT_MEMLOCK, &lock);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		fprintf(stderr, "reapd: mlockall: %m (going on unlocked)\n");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("PR_SET_NO_NEW_PRIVS: %m");
	/* Needs CAP_SETPCAP: a caller without it is no root to lock out. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED) && errno != EPERM)
		die("PR_SET_SECUREBITS: %m");
	for (c = 0; c <= last; c++)
		if (c != CAP_KILL && cap_drop_bound(c) && errno != EPERM &&
		    errno != EINVAL)
			die("cannot drop %s from the bounding set: %m", cap_to_name(c));
	if (cap_reset_ambient() && errno != EPERM && errno != EINVAL)
		die("cannot clear the ambient set: %m");
	/* With SECBIT_NO_SETUID_FIXUP, the capabilities survive setuid(). */
	if (!getuid() && opt.uid &&
	    (setgroups(0, NULL) || setgid(opt.uid) || setuid(opt.uid)))
		die("--user %u: %m", opt.uid);

	caps = cap_init();
	if (!caps)
		die("cap_init: %m");
	if (!opt.dry_run &&
	    (cap_set_flag(caps, CAP_PERMITTED, 1, &keep, CAP_SET) ||
	     cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep, CAP_SET)))
		die("cap_set_flag: %m");
	if (cap_set_proc(caps))
		die(opt.dry_run ? "cannot drop capabilities: %m" :
		    "needs CAP_KILL: %m");
	cap_free(caps);

	caps = cap_get_proc();
	if (!caps)
		die("cap_get_proc: %m");
	for (c = 0; c <= last; c++) {
		cap_flag_t flag;

		for (flag = CAP_EFFECTIVE; flag <= CAP_INHERITABLE; flag++)
			if (!cap_get_flag(caps, c, flag, &set) && set &&
			    (c != CAP_KILL || flag == CAP_INHERITABLE))
				die("still holds %s, refusing to run", cap_to_name(c));
	}
	cap_free(caps);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "low", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "step", required_argument, NULL, 's' },
		{ "psi", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "kill-timeout", required_argument, NULL, 'T' },
		{ "kill-delay", required_argument, NULL, 'D' },
		{ "rt", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char *end;
	long ms;
	int c;

	while ((c = getopt_long(argc, argv, "m:c:l:t:s:p:i:T:D:r:u:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (opt.mode = MODE_KILL; opt.mode >= 0; opt.mode--)
				if (!strcmp(optarg, mode_name[opt.mode]))
					break;
			if (opt.mode < 0)
				die("--mode must be reap, mrelease or kill-only");
			break;
		case 'c':
			opt.cgroup = optarg;
			break;
		case 'l':
		case 't':
			if (parse_size(optarg, c == 'l' ? &opt.low : &opt.target))
				die("bad size '%s'", optarg);
			break;
		case 's':
			if (parse_bytes(optarg, &opt.step) || !opt.step)
				die("bad --step '%s'", optarg);
			break;
		case 'p':
			opt.trigger = optarg;
			break;
		case 'i':
		case 'T':
		case 'D':
		case 'r':
			ms = strtol(optarg, &end, 10);
			if (*end || end == optarg || ms < 0 || ms > INT_MAX / 1000 ||
			    (c == 'i' && !ms) || (c == 'r' && (ms < 1 || ms > 99)))
				die("bad number '%s'", optarg);
			*(c == 'i' ? &opt.interval_ms : c == 'T' ? &opt.kill_timeout_ms :
			  c == 'D' ? &opt.kill_delay_ms : &opt.rt_prio) = ms;
			break;
		case 'u':
			ms = strtol(optarg, &end, 10);
			if (*end || end == optarg || ms < 0 || ms > INT_MAX)
				die("bad --user '%s'", optarg);
			opt.uid = ms;
			break;
		case 'n':
			opt.dry_run = true;
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			print_usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2 + MAX_PENDING];
	char low_s[16], target_s[16], step_s[16];
	long long avail, total, low, target;
	bool relieving = false, idle_said = false;
	struct victim v, last_dry = { 0 };
	enum choice choice;
	int sfd, psi_fd, i, timeout = 0;
	sigset_t mask;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t_start = now_ms();
	parse_args(argc, argv);
	if (opt.cgroup)
		find_cgroup();
	mode = pick_mode();
	psi_fd = open_psi();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd: %m");
	drop_privileges();

	mem_total = meminfo_bytes("MemTotal:");
	if (mem_total < 0 || available(&total) < 0)
		die("cannot read the memory available: %m");
	if (level_bytes(&opt.low, total) > level_bytes(&opt.target, total))
		die("--low is above --target");
	printf("reapd: mode %s%s, watching %s: ", mode_name[mode],
	       opt.dry_run ? " (dry run)" : "", opt.cgroup ?: "the system");
	printf("act below %s available, free up to %s, %s per call, PSI trigger \"%s\"\n",
	       size_str(level_bytes(&opt.low, total), low_s, sizeof(low_s)),
	       size_str(level_bytes(&opt.target, total), target_s, sizeof(target_s)),
	       size_str(opt.step, step_s, sizeof(step_s)), opt.trigger);

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = psi_fd, .events = POLLPRI };
		for (i = 0; i < npending; i++)
			pfd[2 + i] = (struct pollfd){ .fd = pending[i].pidfd, .events = POLLIN };
		if (first_reapable() >= 0)
			timeout = 0;
		if (poll(pfd, 2 + npending, timeout) < 0 && errno != EINTR)
			die("poll: %m");
		timeout = opt.interval_ms;
		for (i = 0; i < npending; i++)
			pending[i].busy = false;
		for (i = npending - 1; i >= 0; i--)
			if (pfd[2 + i].revents & POLLIN)
				finish_pending(i, "exited");
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLERR)
			die("%s went away", psi_path);

		avail = available(&total);
		if (avail < 0)
			continue;
		low = level_bytes(&opt.low, total);
		target = level_bytes(&opt.target, total);
		if (avail < low || (pfd[1].revents & POLLPRI && avail < target))
			relieving = true;
		if (avail >= target)
			relieving = false;
		if (!relieving) {
			reap_background();
			continue;
		}
		reap_until(target);
		if (available(NULL) >= target || kill_in_progress())
			continue;

		choice = choose_victim(&v);
		if (choice == NOBODY) {
			if (!idle_said)
				printf("reapd: memory is low, but there is nobody left to kill\n");
			idle_said = true;
			continue;
		}
		idle_said = false;
		if (opt.dry_run) {
			if (v.pid != last_dry.pid || v.start != last_dry.start)
				printf("reapd: would %s pid %d (%s) adj %d rss %s (dry run)\n",
				       choice == KILL ? "kill" : "reap", v.pid, v.comm,
				       v.adj, size_str(v.rss, step_s, sizeof(step_s)));
			last_dry = v;
			continue;
		}
		if (!(choice == KILL ? kill_victim(&v) : adopt_victim(&v))) {
			timeout = 0;
			continue;
		}
		switch (mode) {
		case MODE_REAP:
			v.reaping = true;
			add_pending(&v);
			reap_until(target);
			break;
		case MODE_MRELEASE:
			release_victim(&v);
			break;
		default:
			add_pending(&v);
			break;
		}
	}

	for (i = 0; i < npending; i++)
		pending[i].busy = false;
	reap_until(LLONG_MAX);
	for (i = npending - 1; i >= 0; i--) {
		struct pollfd p = { .fd = pending[i].pidfd, .events = POLLIN };

		finish_pending(i, poll(&p, 1, 0) > 0 ? "exited" : "still exiting");
	}
	printf("reapd: stopping: %u kills, %s reaped\n", kills,
	       size_str(reaped_total, step_s, sizeof(step_s)));
	return 0;
}
