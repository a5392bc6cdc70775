// SPDX-License-Identifier: GPL-2.0
/*
 * The process_reap trace events, read through a tracefs instance of our
 * own, must report the very values the calls returned.
 *
 * The victim must stay dying with its memory mapped while we call: a
 * thread of ours reads its /proc/PID/mem into a userfaultfd trap, which
 * holds its mm after SIGKILL until the trap is released.
 */
#include "reap.h"
#include "../kselftest_harness.h"

#include <sys/mount.h>

#define TRACEFS "/sys/kernel/tracing"
#define MAX_CALLS 64
#define VICTIM_BYTES (16 * SZ_1M)

struct call {
	unsigned int flags;
	size_t max_bytes;
	long ret;
};

struct event {
	bool start;
	pid_t pid;
	unsigned long flags;
	size_t max_bytes;
	size_t freed;
	long ret;
};

FIXTURE(trace) {
	char inst[64];
	pid_t victim;
	int pidfd;
	char *region;
	struct uffd_trap trap;
	struct mem_reader reader;
	bool reading;
	struct call calls[MAX_CALLS];
	int nr_calls;
};

static bool inst_write(FIXTURE_DATA(trace) *self, const char *file,
		       const char *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", self->inst, file);
	return write_file(path, s);
}

FIXTURE_SETUP(trace)
{
	char pid[16];
	bool ok;

	memset(self, 0, sizeof(*self));
	self->trap.uffd = -1;
	self->pidfd = -1;
	if (!have_try_reap())
		SKIP(return, "try_reap_dying_process() is not available");
	if (access(TRACEFS "/instances", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/process_reap", F_OK))
		SKIP(return, "no process_reap trace events in tracefs");
	snprintf(self->inst, sizeof(self->inst), TRACEFS "/instances/reap-%d",
		 getpid());
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, mkdir(self->inst, 0700)) {
		TH_LOG("mkdir %s: %s", self->inst, strerror(errno));
	}
	/*
	 * Only our calls, stamped by a clock that orders events across CPUs
	 * (the default one is per CPU, and we may migrate between calls).
	 */
	ok = inst_write(self, "set_event_pid", pid) &&
	     inst_write(self, "trace_clock", "global") &&
	     inst_write(self, "events/process_reap/enable", "1");
	if (!ok)
		rmdir(self->inst);
	ASSERT_TRUE(ok) {
		TH_LOG("setting up %s: %s", self->inst, strerror(errno));
	}
}

FIXTURE_TEARDOWN(trace)
{
	uffd_trap_release(&self->trap);
	if (self->reading)
		mem_reader_join(&self->reader);
	if (self->victim > 0) {
		kill(self->victim, SIGKILL);
		waitpid(self->victim, NULL, 0);
	}
	if (self->pidfd >= 0)
		close(self->pidfd);
	if (self->inst[0]) {
		inst_write(self, "events/process_reap/enable", "0");
		if (rmdir(self->inst))
			TH_LOG("rmdir %s: %s", self->inst, strerror(errno));
	}
}

/* A child with VICTIM_BYTES of anonymous memory, mapped at self->region. */
static void spawn(struct __test_metadata *_metadata, FIXTURE_DATA(trace) *self)
{
	int ready[2];
	char *p;

	ASSERT_EQ(0, pipe(ready));
	self->victim = fork();
	ASSERT_GE(self->victim, 0);
	if (!self->victim) {
		p = mmap(NULL, VICTIM_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, VICTIM_BYTES, MADV_NOHUGEPAGE);
		fill_pattern(p, VICTIM_BYTES, 1);
		if (write(ready[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(p), read(ready[0], &p, sizeof(p)));
	close(ready[0]);
	self->region = p;
	self->pidfd = sys_pidfd_open(self->victim, 0);
	ASSERT_GE(self->pidfd, 0);
}

/* Hold the victim's mm, then kill it: it stays dying with its memory. */
static void kill_held(struct __test_metadata *_metadata,
		      FIXTURE_DATA(trace) *self)
{
	ASSERT_EQ(0, uffd_trap_init(&self->trap, page_size())) {
		TH_LOG("userfaultfd: %s", strerror(errno));
	}
	/* It faults on the trap with the victim's mm held. */
	ASSERT_EQ(0, mem_reader_start(&self->reader, self->victim,
				      self->region, self->trap.area));
	self->reading = true;
	ASSERT_EQ(0, uffd_trap_wait(&self->trap));
	ASSERT_EQ(0, sys_pidfd_send_signal(self->pidfd, SIGKILL));
	ASSERT_TRUE(wait_task_state(self->victim, self->victim, 'Z', 20));
}

static long call(FIXTURE_DATA(trace) *self, unsigned int flags,
		 size_t max_bytes)
{
	struct call *c = &self->calls[self->nr_calls++];
	long ret = sys_try_reap_dying_process(self->pidfd, flags, max_bytes);

	c->flags = flags;
	c->max_bytes = max_bytes;
	c->ret = ret < 0 ? -errno : ret;
	return c->ret;
}

/*
 * "... process_reap_start: pid=1 flags=0x1 max_bytes=4096" or
 * "... process_reap_finish: pid=1 freed=4096 ret=4096".
 */
static bool parse_event(const char *line, struct event *e)
{
	const char *s;

	memset(e, 0, sizeof(*e));
	s = strstr(line, "process_reap_start: ");
	if (s) {
		e->start = true;
		return sscanf(s, "process_reap_start: pid=%d flags=%li max_bytes=%zu",
			      &e->pid, &e->flags, &e->max_bytes) == 3;
	}
	s = strstr(line, "process_reap_finish: ");
	return s && sscanf(s, "process_reap_finish: pid=%d freed=%zu ret=%ld",
			   &e->pid, &e->freed, &e->ret) == 3;
}

/* Every call that reached a target left a start and a finish, in order. */
static void check_events(struct __test_metadata *_metadata,
			 FIXTURE_DATA(trace) *self, int first_traced)
{
	char path[128], line[512];
	struct event e;
	int n = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", self->inst);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		ASSERT_TRUE(parse_event(line, &e)) {
			TH_LOG("unexpected trace line: %s", line);
		}
		i = first_traced + n / 2;
		ASSERT_LT(i, self->nr_calls) {
			TH_LOG("more events than calls: %s", line);
		}
		ASSERT_EQ(n % 2 == 0, e.start) {
			TH_LOG("out of order: %s", line);
		}
		EXPECT_EQ(self->victim, e.pid);
		if (e.start) {
			EXPECT_EQ(self->calls[i].flags, e.flags);
			EXPECT_EQ(self->calls[i].max_bytes, e.max_bytes);
		} else {
			EXPECT_EQ(self->calls[i].ret, e.ret);
			EXPECT_EQ(self->calls[i].ret > 0 ? self->calls[i].ret : 0,
				  (long)e.freed);
		}
		n++;
	}
	fclose(f);
	EXPECT_EQ(2 * (self->nr_calls - first_traced), n);
}

TEST_F(trace, events_match_what_the_calls_returned)
{
	long ret, sum = 0;

	spawn(_metadata, self);
	kill_held(_metadata, self);
	ret = call(self, 0, 4 * SZ_1M);
	ASSERT_GE(ret, (long)(4 * SZ_1M));
	sum += ret;
	/* Nobody holds the victim's mmap_lock: NOWAIT must not fail. */
	ret = call(self, PROCESS_REAP_NOWAIT, SZ_1M + 1);
	ASSERT_GE(ret, (long)SZ_1M);
	sum += ret;
	while (self->nr_calls < MAX_CALLS - 1 &&
	       (ret = call(self, 0, SIZE_MAX)) > 0)
		sum += ret;
	EXPECT_EQ(0, ret);
	EXPECT_LE(sum, (long)VICTIM_BYTES + 16 * (long)page_size());
	EXPECT_GE(sum, (long)VICTIM_BYTES / 2);
	check_events(_metadata, self, 0);
}

TEST_F(trace, errors_are_traced_once_the_target_is_known)
{
	char path[128];
	int fd;

	spawn(_metadata, self);
	/* Rejected before the target is looked up: no event. */
	EXPECT_EQ(-EINVAL, call(self, 0x80, SIZE_MAX));
	/* Alive, not dying: start and finish, with the error. */
	EXPECT_EQ(-EINVAL, call(self, 0, SIZE_MAX));
	EXPECT_EQ(-EINVAL, call(self, PROCESS_REAP_NOWAIT, 0));
	check_events(_metadata, self, 1);
	EXPECT_TRUE(inst_write(self, "events/process_reap/enable", "0"));
	snprintf(path, sizeof(path), "%s/trace", self->inst);
	fd = open(path, O_WRONLY | O_TRUNC);
	EXPECT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(-EINVAL, call(self, 0, SIZE_MAX));
	/* Disabled: nothing more in the buffer. */
	check_events(_metadata, self, self->nr_calls);
}

TEST_HARNESS_MAIN
