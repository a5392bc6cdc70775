// SPDX-License-Identifier: GPL-2.0
/*
 * try_reap_dying_process(): free a dying process's private memory in the
 * caller's context, a budget at a time, and say how much was freed.
 *
 * A userspace low-memory killer that has sent SIGKILL waits for the victim
 * to run its own exit_mmap(), which a starved victim does slowly.  This
 * lets the killer do that work itself, as the OOM reaper does for the
 * kernel's OOM killer, and tells it how many bytes came back so that it
 * kills no more than it needs to.
 */

#include <linux/compat.h>
#include <linux/futex.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/secretmem.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/syscalls.h>
#include <linux/userfaultfd_k.h>
#include <linux/xarray.h>
#include <linux/process_reap.h>
#include <asm/tlb.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/process_reap.h>

/*
 * Zap at most this much between two looks at the budget and for a fatal
 * signal.  Each chunk ends with a flush of our mmu_gather, which frees the
 * chunk's pages so that they can be counted: small chunks cost throughput.
 * What is left of a smaller budget is zapped at most a PMD at a time.
 */
#define REAP_CHUNK	max_t(unsigned long, SZ_64M, PMD_SIZE)

/*
 * At most this many robust list words are read in one call, over all
 * threads: the lists are at addresses the victim chose, and each read may
 * grow the keep set.  Beyond it, the threads walk their own lists first.
 */
#define REAP_WALK_MAX	(16 * ROBUST_LIST_LIMIT)

/*
 * The cursor once a call swept everything with mm_users already at zero.
 * No private memory can be mapped again then, but for COW copies that
 * exit_mmap() frees: GUP, userfaultfd, ptrace and process_madvise() need
 * mmget_not_zero(), khugepaged and ksmd check mm_users under mmap_lock,
 * and an anonymous fault of a kernel user fails on MMF_UNSTABLE.  Later
 * calls skip the walk and only wait for a gather to give its pages back.
 * A cursor is otherwise a page address, never 1.
 */
#define REAP_SWEPT	1UL

struct reap_ctx {
	struct mm_struct *mm;
	size_t budget;		/* stop once this many bytes are freed */
	size_t freed;		/* bytes of pages whose last reference went */
	unsigned long swap;	/* swap entries dropped */
	unsigned long stop;	/* where a stop left off, or 0 */
	bool refused;		/* an MMU notifier would have blocked */
	bool pinned;		/* we hold mm_users, to fault pages in */
	unsigned int walk_left;	/* robust list words we may still read */
	struct robust_list_walk walk;
	struct xarray keep;	/* indexes of pages to leave mapped */
};

/* Where a thread keeps a robust futex list it has not walked yet. */
struct reap_robust_head {
	unsigned long uaddr;
	bool compat;
};

/*
 * 0 if @p is dying and not dumping core (a dumper may sleep for long and
 * still reads the whole mm), -EINVAL if not, -ESRCH if it has been
 * released.  zap_threads() sets both under siglock, so reading them under
 * it too leaves no window for a dump to start between the two.
 */
static int reap_group_dying(struct task_struct *p)
{
	unsigned long flags;
	bool dying;

	if (!lock_task_sighand(p, &flags))
		return -ESRCH;
	dying = (p->signal->flags & SIGNAL_GROUP_EXIT) && !p->signal->core_state;
	unlock_task_sighand(p, &flags);
	return dying ? 0 : -EINVAL;
}

/* Private memory only, as the OOM reaper; never device or hugetlb maps. */
static bool reap_vma_eligible(struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_HUGETLB |
				  VM_PFNMAP | VM_IO));
}

/* What a call may return: a 32-bit caller's ssize_t holds less. */
static size_t reap_limit(void)
{
	return in_compat_syscall() ? S32_MAX : LONG_MAX;
}

/*
 * Stop early enough that a call's usual overshoot, by the large folio it
 * was freeing, stays within what it may return.
 */
static size_t reap_budget(size_t max_bytes)
{
	return min(max_bytes, reap_limit() - PMD_SIZE);
}

/*
 * Reaping only hastens what SIGKILL does, so it needs the same right, as
 * kill(2) checks it; under rcu_read_lock() too, as kill(pid) checks it.
 */
static int reap_may_kill(struct task_struct *task)
{
	bool allowed;

	rcu_read_lock();
	allowed = kill_ok_by_cred(task);
	rcu_read_unlock();
	if (!allowed)
		return -EPERM;
	return security_task_kill(task, SEND_SIG_NOINFO, SIGKILL, NULL);
}

/**
 * reap_find_mm() - Find the address space of a possibly exited process.
 * @task: the thread-group leader of the target, referenced by the caller
 *
 * Once its last thread has passed exit_mm(), a dying process no longer
 * points to its mm from any task, while exit_mmap() may still be tearing
 * it down.  signal_struct keeps it for us then, until the teardown is over.
 *
 * Context: Process context.  Takes and releases task_lock() of the threads,
 * and siglock.
 * Return: The mm with a reference (mmgrab()) that the caller must drop with
 * mmdrop(); NULL if none can be reached any more; or ERR_PTR(-ESRCH) if
 * the process has been released meanwhile.
 */
static struct mm_struct *reap_find_mm(struct task_struct *task)
{
	struct mm_struct *mm = NULL;
	struct task_struct *t;
	unsigned long flags;

	/* Any thread still holding the mm, as find_lock_task_mm() looks. */
	rcu_read_lock();
	for_each_thread(task, t) {
		task_lock(t);
		mm = t->mm;
		if (mm)
			mmgrab(mm);
		task_unlock(t);
		if (mm)
			break;
	}
	rcu_read_unlock();
	if (mm)
		return mm;

	/* siglock keeps the exiting thread from dropping reap_mm under us. */
	if (!lock_task_sighand(task, &flags))
		return ERR_PTR(-ESRCH);
	mm = task->signal->reap_mm;
	if (mm)
		mmgrab(mm);
	unlock_task_sighand(task, &flags);
	return mm;
}

/* The processes that use an mm: the target, and live or dying sharers. */
struct reap_users {
	struct task_struct *task;	/* the thread-group leader of the target */
	struct mm_struct *mm;
	bool others;			/* other processes use @mm too */
};

/*
 * A thread that uses the mm and may still be running user code on another
 * CPU: killed, but not yet past the interrupt that signal_wake_up() sent
 * it.  A thread that is not running cannot return to user mode without
 * handling its SIGKILL, nor can one that is already exiting.
 */
static void reap_note_cpu(struct task_struct *t, struct cpumask *running)
{
	if (running && task_curr(t) && !(READ_ONCE(t->flags) & PF_EXITING))
		cpumask_set_cpu(task_cpu(t), running);
}

/**
 * reap_check_users() - Check that the caller may reap every user of an mm.
 * @u: the target and its mm; ->others is set here
 * @running: where to note the CPUs of threads that may run user code, or
 *	NULL
 *
 * Every process with a user thread that still holds the mm loses its
 * memory with the target's, and that thread, still in the kernel, may be
 * using it.  So each must be dying: a live one, a CLONE_VM sibling or a
 * vfork parent, would find its memory gone.  And the caller must be
 * allowed to kill each, as it must the target: a CLONE_VM sibling or a
 * vfork child that switched to the caller's uid would otherwise hand it
 * another user's dying process.  The right to kill is checked first, as
 * it is for the target, so that whether the call fails for want of it
 * does not depend on the order of the process list.
 *
 * Every other process using the mm holds an mm_users reference, and none
 * can start to (a dying process cannot fork), so the walk over all
 * processes is needed only when mm_users exceeds the target's own users.
 *
 * A kthread_use_mm() user (vhost's worker in its kthread mode, a driver's
 * DMA helper) is left out, as the OOM killer and its reaper leave it out: it
 * works on the process's behalf, and a fault in the unstable mm fails its
 * copy, which it must cope with anyway.
 *
 * Context: Process context.  Takes and releases rcu_read_lock(), under
 * which the security module's check runs, and the siglock of processes
 * sharing the mm.
 * Return: 0; -EPERM or the security module's error if the caller may not
 * kill a process that shares the mm; or -EINVAL if one is not dying.
 */
static int reap_check_users(struct reap_users *u, struct cpumask *running)
{
	struct task_struct *p, *t;
	int users = 0, mm_users, ret = 0;
	bool live = false;

	/*
	 * mm_users first: a thread counted below may drop its reference at
	 * any time, and had it done so before mm_users was read, a live
	 * sharer's reference would pass for that thread's.
	 */
	mm_users = atomic_read(&u->mm->mm_users);
	/*
	 * Pairs with mmput()'s atomic_dec_and_test(), a full barrier after
	 * exit_mm() cleared ->mm: a thread seen holding the mm below is one
	 * that the mm_users we read counted.
	 */
	smp_rmb();
	rcu_read_lock();
	for_each_thread(u->task, t) {
		if (READ_ONCE(t->mm) == u->mm) {
			reap_note_cpu(t, running);
			users++;
		}
	}
	u->others = mm_users > users;
	if (!u->others)
		goto unlock;
	for_each_process(p) {
		if (same_thread_group(p, u->task) || (p->flags & PF_KTHREAD) ||
		    !process_shares_mm(p, u->mm))
			continue;
		ret = reap_may_kill(p);
		if (ret)
			break;
		if (reap_group_dying(p) == -EINVAL)
			live = true;
		for_each_thread(p, t) {
			if (READ_ONCE(t->mm) == u->mm)
				reap_note_cpu(t, running);
		}
	}
	if (!ret && live)
		ret = -EINVAL;
unlock:
	rcu_read_unlock();
	return ret;
}

static int reap_note_heads(struct task_struct *t, struct mm_struct *mm,
			   struct reap_robust_head *heads, int max, int nr)
{
#ifdef CONFIG_FUTEX
	unsigned long uaddr;

	if (READ_ONCE(t->mm) != mm)
		return nr;
	uaddr = (unsigned long)READ_ONCE(t->robust_list);
	if (uaddr) {
		if (nr < max)
			heads[nr] = (struct reap_robust_head){ uaddr, false };
		nr++;
	}
#ifdef CONFIG_COMPAT
	uaddr = (unsigned long)READ_ONCE(t->compat_robust_list);
	if (uaddr) {
		if (nr < max)
			heads[nr] = (struct reap_robust_head){ uaddr, true };
		nr++;
	}
#endif
#endif
	return nr;
}

/**
 * reap_find_heads() - Note the robust list heads of the mm's users.
 * @u: the target and its mm, as reap_check_users() left them
 * @heads: where to note them
 * @max: room in @heads
 *
 * A thread that still holds the mm may have yet to walk its robust futex
 * list: exit_mm_release() walks it just before the mm is dropped, and
 * clears ->robust_list once done, so a head still set is a walk to come
 * and is noted for reap_keep_robust_lists().  Called once the threads run
 * no more user code, so that none registers a new list behind us; a
 * thread that is inside set_robust_list() at this moment still could.
 *
 * Context: Process context.  Takes and releases rcu_read_lock().
 * Return: The number of heads found, which may exceed @max (call again
 * with more room).
 */
static int reap_find_heads(struct reap_users *u, struct reap_robust_head *heads,
			   int max)
{
	struct task_struct *p, *t;
	int nr = 0;

	rcu_read_lock();
	for_each_thread(u->task, t)
		nr = reap_note_heads(t, u->mm, heads, max, nr);
	if (u->others) {
		for_each_process(p) {
			if (same_thread_group(p, u->task) ||
			    (p->flags & PF_KTHREAD))
				continue;
			for_each_thread(p, t)
				nr = reap_note_heads(t, u->mm, heads, max, nr);
		}
	}
	rcu_read_unlock();
	return nr;
}

static void reap_ipi(void *unused)
{
}

/*
 * Make sure no thread that uses the mm runs user code any more: a killed
 * thread still running it on another CPU, until it takes the interrupt
 * that signal_wake_up() sent it, could link a robust futex that our walk
 * would miss.  Once it has taken an interrupt, it handles the SIGKILL
 * before it returns to user mode: interrupt the CPUs and wait.
 */
static int reap_stop_user_code(struct reap_users *u)
{
	cpumask_var_t running;
	int ret;

	if (!zalloc_cpumask_var(&running, GFP_KERNEL))
		return -ENOMEM;
	ret = reap_check_users(u, running);
	if (!ret && !cpumask_empty(running))
		on_each_cpu_mask(running, reap_ipi, NULL, true);
	free_cpumask_var(running);
	return ret;
}

/*
 * Copy from the target's memory, with mmap_lock held for read.  Normally
 * the pages are there and nothing is faulted in.  A missing page (swapped
 * out, say) the thread's own walk would fault in, and so may we, but only
 * while holding mm_users: that keeps exit_mmap() from starting, whose
 * unmap_vmas() would never see a page faulted in behind it.  If mm_users
 * is already zero, every thread has walked its list: -ESRCH.
 *
 * -EFAULT means that the thread's own read faults too, and its walk stops
 * there.  Where we cannot tell, the reap must not go on: -EAGAIN, for the
 * VMAs that get_user() reads and GUP refuses (VM_IO, VM_PFNMAP,
 * secretmem).
 */
static int reap_read(struct reap_ctx *rc, unsigned long uaddr, void *buf,
		     size_t len)
{
	/* Robust list pointers may carry tags (arm64 MTE, HWASan). */
	uaddr = untagged_addr_remote(rc->mm, uaddr);
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(uaddr));
		struct vm_area_struct *vma = vma_lookup(rc->mm, uaddr);
		struct page *page;
		long ret;

		/*
		 * Where the architecture lets get_user() read a mapping
		 * without VM_READ, so must we (FOLL_FORCE): keeping more
		 * than the thread's walk reads is safe.
		 */
		if (!vma || !(vma->vm_flags & VM_ACCESS_FLAGS))
			return -EFAULT;
		/* get_user() reads what GUP refuses to touch. */
		if ((vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    vma_is_secretmem(vma))
			return -EAGAIN;
		ret = get_user_pages_remote(rc->mm, uaddr, 1,
					    FOLL_FORCE | FOLL_NOFAULT, &page,
					    NULL);
		if (ret != 1) {
			/*
			 * Whether the thread's fault in a userfaultfd-armed
			 * VMA succeeds depends on the registration and the
			 * page; ours, which may not drop mmap_lock, could not
			 * wait for a handler anyway.
			 */
			if (userfaultfd_armed(vma))
				return -EAGAIN;
			if (!rc->pinned && !mmget_not_zero(rc->mm))
				return -ESRCH;
			rc->pinned = true;
			ret = get_user_pages_remote(rc->mm, uaddr, 1,
						    FOLL_FORCE, &page, NULL);
		}
		if (ret != 1) {
			/*
			 * The thread's read faults too: a poisoned page, or
			 * no page to be had (SIGBUS, say, in an mm already
			 * reaped and unstable).
			 */
			if (!ret || ret == -EFAULT || ret == -EHWPOISON)
				return -EFAULT;
			return ret == -EINTR || ret == -ENOMEM ? ret : -EAGAIN;
		}
		memcpy_from_page(buf, page, offset_in_page(uaddr), n);
		put_page(page);
		buf += n;
		uaddr += n;
		len -= n;
	}
	return 0;
}

static int reap_keep(struct reap_ctx *rc, unsigned long uaddr, size_t len)
{
	unsigned long index, last;
	int err;

	/* The zap works on untagged addresses; so must the keep set. */
	uaddr = untagged_addr_remote(rc->mm, uaddr);
	index = uaddr >> PAGE_SHIFT;
	last = (uaddr + len - 1) >> PAGE_SHIFT;

	for (; index <= last; index++) {
		err = xa_err(xa_store(&rc->keep, index, xa_mk_value(0),
				      GFP_KERNEL_ACCOUNT));
		if (err)
			return err;
	}
	return 0;
}

/* A word the exit walk reads: keep its page, and read it as that walk. */
static int reap_walk_read(struct robust_list_walk *walk, unsigned long uaddr,
			  unsigned long *val)
{
	struct reap_ctx *rc = container_of(walk, struct reap_ctx, walk);
	u32 val32 = 0;
	int err;

	if (!rc->walk_left)
		return -EAGAIN;
	rc->walk_left--;
	if (!walk->compat)
		return reap_keep(rc, uaddr, sizeof(*val)) ?:
		       reap_read(rc, uaddr, val, sizeof(*val));
	err = reap_keep(rc, uaddr, sizeof(val32)) ?:
	      reap_read(rc, uaddr, &val32, sizeof(val32));
	*val = val32;
	return err;
}

/*
 * A futex word the exit walk reads and may write: keep its page, and in
 * private memory fault it in now.  Once the mm is unstable, the thread's
 * own fault there on a page not yet present gets SIGBUS, and a futex it
 * cannot handle ends its walk, as one whose read faults anyway does (1).
 */
static int reap_walk_futex(struct robust_list_walk *walk, unsigned long uaddr,
			   unsigned int pi, bool pending)
{
	struct reap_ctx *rc = container_of(walk, struct reap_ctx, walk);
	struct vm_area_struct *vma;
	u32 uval;
	int err;

	/* handle_futex_death() ends the walk on a misaligned futex. */
	if (uaddr % sizeof(u32))
		return 1;
	err = reap_keep(rc, uaddr, sizeof(u32));
	vma = vma_lookup(rc->mm, untagged_addr_remote(rc->mm, uaddr));
	if (err || (vma && !reap_vma_eligible(vma)))
		return err;
	err = reap_read(rc, uaddr, &uval, sizeof(uval));
	return err == -EFAULT ? 1 : err;
}

/**
 * reap_keep_robust_lists() - Keep what the robust futex list walks will read.
 * @rc: the reap in progress
 * @heads: the list heads of the threads that still hold the mm
 * @nr: how many
 *
 * exit_robust_list() wakes the waiters of the futexes a dying thread held.
 * It reads the head, each entry and each futex word, possibly in private
 * memory; were those zapped, its reads would fault, the walk would stop
 * and the waiters would stay blocked forever.  Walk each list the same
 * way, with walk_robust_list(), and note every page the walk touches.
 * Where a read faults, the thread's own walk stops too.  Any other failure
 * (a fatal signal, no memory, a list too long to walk now, a page whose
 * fault we cannot predict) leaves the rest of a list unknown, so the reap
 * must not go on.
 *
 * The threads run no more user code (reap_stop_user_code()), so the lists
 * cannot change under us.
 *
 * Context: Process context, mmap_lock held for read.
 * Return: 0, or a negative errno if the reap must not go on.
 */
static int reap_keep_robust_lists(struct reap_ctx *rc,
				  const struct reap_robust_head *heads, int nr)
{
	int i, ret;

	rc->walk_left = REAP_WALK_MAX;
	for (i = 0; i < nr; i++) {
		rc->walk.compat = heads[i].compat;
		ret = walk_robust_list(&rc->walk, heads[i].uaddr);
		if (ret == -ESRCH)
			return 0;
		/* Where the thread's walk ends, nothing further is read. */
		if (ret > 0 || ret == -EFAULT)
			continue;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Find the chunk to zap next in [@start, *@end), from the top down: *@end
 * is lowered past what is empty (skipping empty upper levels keeps the cost
 * proportional to what is mapped, not to the size of the address space),
 * and the chunk's start is returned: up to REAP_CHUNK below *@end if @left
 * covers it, else one PMD: small pages trimmed to @left, or a whole huge
 * PMD so that a THP is freed in one go rather than split.  A zap counts
 * the whole of a large folio whose last mapped page it unmaps, wherever
 * the rest lies, so the folios at either end of the span, or any whose
 * other pages were unmapped already, can take a call past its budget.
 * *@end == @start once nothing is left.
 *
 * The entries are read without locks: mmap_lock held for read keeps the
 * tables above the PTE level, and zapping rechecks all it relies on.
 */
static unsigned long reap_prev_chunk(struct mm_struct *mm, unsigned long start,
				     unsigned long *end, size_t left)
{
	while (*end > start) {
		unsigned long addr = *end - 1, lo;
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudval;
		pmd_t pmdval;

		if (pgd_none(pgdp_get(pgd))) {
			*end = max(start, addr & PGDIR_MASK);
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(p4dp_get(p4d))) {
			*end = max(start, addr & P4D_MASK);
			continue;
		}
		pud = pud_offset(p4d, addr);
		pudval = pudp_get(pud);
		if (pud_none(pudval)) {
			*end = max(start, addr & PUD_MASK);
			continue;
		}
		if (pud_leaf(pudval))
			return max(start, addr & PUD_MASK);
		pmdval = pmdp_get_lockless(pmd_offset(pud, addr));
		if (pmd_none(pmdval)) {
			*end = max(start, addr & PMD_MASK);
			continue;
		}
		lo = max(start, ALIGN_DOWN(addr, REAP_CHUNK));
		if (*end - lo <= left)
			return lo;
		lo = max(start, addr & PMD_MASK);
		if (pmd_present(pmdval) && !pmd_leaf(pmdval) && left < *end - lo)
			lo = *end - PAGE_ALIGN(left);
		return lo;
	}
	return start;
}

/* Zap [@addr, @end), leaving the pages in rc->keep mapped. */
static void reap_zap(struct reap_ctx *rc, struct mmu_gather *tlb,
		     struct vm_area_struct *vma, unsigned long addr,
		     unsigned long end, struct zap_details *details)
{
	unsigned long index, stop;

	while (addr < end) {
		index = addr >> PAGE_SHIFT;
		stop = end;
		if (xa_find(&rc->keep, &index, (end - 1) >> PAGE_SHIFT,
			    XA_PRESENT))
			stop = index << PAGE_SHIFT;
		if (stop > addr)
			unmap_page_range(tlb, vma, addr, stop, details);
		addr = stop + PAGE_SIZE;
	}
}

/*
 * Zap [@start, @end) of @vma, from the top down.  Return false if the
 * budget ran out or the caller got a fatal signal, with rc->stop set to
 * where to go on from, downwards.
 */
static bool reap_vma(struct reap_ctx *rc, struct vm_area_struct *vma,
		     unsigned long start, unsigned long end)
{
	struct zap_details details = { .even_cows = true };
	struct mmu_notifier_range range;
	size_t freed = rc->freed;
	struct mmu_gather tlb;
	unsigned long addr;
	bool done = true;

	addr = reap_prev_chunk(rc->mm, start, &end, rc->budget - rc->freed);
	if (end <= start)
		return true;

	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, rc->mm, start, end);
	tlb_gather_mmu(&tlb, rc->mm);
	/* As the OOM reaper: a notifier may wait on the dying task itself. */
	if (mmu_notifier_invalidate_range_start_nonblock(&range)) {
		tlb_finish_mmu(&tlb);
		rc->refused = true;
		return true;
	}
	while (end > start) {
		reap_zap(rc, &tlb, vma, addr, end, &details);
		/*
		 * Free the chunk's pages now, to count them: a page is ours
		 * to count only if our reference was its last.
		 */
		tlb_flush_mmu(&tlb);
		rc->freed = freed + (tlb.nr_freed << PAGE_SHIFT);
		if (rc->freed >= rc->budget || fatal_signal_pending(current)) {
			rc->stop = addr;
			done = false;
			break;
		}
		end = addr;
		addr = reap_prev_chunk(rc->mm, start, &end,
				       rc->budget - rc->freed);
	}
	mmu_notifier_invalidate_range_end(&range);
	tlb_finish_mmu(&tlb);
	rc->freed = freed + (tlb.nr_freed << PAGE_SHIFT);
	rc->swap += details.nr_swap_entries;
	return done;
}

/*
 * Zap the eligible VMAs in [@start, @end), from the top down: the target's
 * own exit_mmap() goes up, so that when both run, they meet instead of
 * contending for the same page table locks all the way, as the OOM reaper
 * does.  False as for reap_vma().
 */
static bool reap_range(struct reap_ctx *rc, unsigned long start,
		       unsigned long end)
{
	struct vm_area_struct *vma, *prev;

	while (end > start) {
		vma = find_vma_prev(rc->mm, end - 1, &prev);
		if (!vma || vma->vm_start >= end)
			vma = prev;
		if (!vma || vma->vm_end <= start)
			break;
		if (reap_vma_eligible(vma) &&
		    !reap_vma(rc, vma, max(start, vma->vm_start),
			      min(end, vma->vm_end)))
			return false;
		end = vma->vm_start;
	}
	return true;
}

/*
 * Whether a gather open on the mm may hold pages unmapped but not yet
 * freed: the target's own teardown, or another reaper's.  The walk read
 * PMDs such a gather cleared without their lock; the barrier pairs with
 * the one in inc_tlb_flush_pending(), so that a gather whose clear the
 * walk saw is seen pending (PTEs are read under their PTL, which orders
 * them already).  mmap_lock, held for read on both sides, keeps out only
 * the gather of exit_mmap()'s free_pgtables(), which holds page tables,
 * not pages.  MMF_OOM_SKIP cannot tell: the OOM reaper sets it whether or
 * not it could reap.
 */
static bool reap_gather_holds_pages(struct mm_struct *mm)
{
	/* Pairs with inc_tlb_flush_pending(): the entries, then the count. */
	smp_rmb();
	/*
	 * Acquire, pairing with dec_tlb_flush_pending(): a gather seen done
	 * is seen to have freed its pages.
	 */
	return atomic_read_acquire(&mm->tlb_flush_pending) > 0;
}

/**
 * reap_mm() - Reap the address space of a dying process.
 * @task: the thread-group leader of the target, referenced by the caller
 * @mm: its address space, referenced (mmgrab()) by the caller
 * @flags: %PROCESS_REAP_NOWAIT or 0
 * @max_bytes: the caller's budget
 * @swap: where to add the swap entries the call dropped
 *
 * Each call goes on where the last one stopped (signal_struct keeps a
 * cursor), going down, so that a caller looping with a small budget does
 * not walk the page tables already emptied again and again; a call that
 * reaches the bottom wraps around once to finish what lies above the
 * cursor.  A killer polls while the target's own teardown holds pages in
 * its gather; once a sweep has found the address space empty of what we
 * reap, with no user left to map more, those polls walk nothing.
 *
 * The walk needs no sign that the teardown is over: exit_mmap() frees the
 * page tables and VMAs only under mmap_lock held for write, so under our
 * read lock they are all there, or all gone.
 *
 * Context: Process context.  Takes and releases mmap_lock for read.
 * Return: The bytes freed, or a negative errno (see the syscall).
 */
static long reap_mm(struct task_struct *task, struct mm_struct *mm,
		    unsigned int flags, size_t max_bytes, unsigned long *swap)
{
	struct reap_robust_head stack_heads[8], *heads = stack_heads;
	struct reap_ctx rc = { .mm = mm, .budget = reap_budget(max_bytes) };
	int max = ARRAY_SIZE(stack_heads), nr_heads = 0;
	struct reap_users users = { .task = task, .mm = mm };
	struct signal_struct *sig = task->signal;
	bool has_users = atomic_read(&mm->mm_users);
	/*
	 * The cursor is the process's, its mm may not be: a kill that lands
	 * during exec_mmap() lets a call find the old mm, which the switch
	 * leaves with no user, while the new one is still to be kept.  A
	 * sweep of the old must not mark the new done: only the mm kept at
	 * the group exit is settled.
	 */
	bool settled = !has_users && mm == READ_ONCE(sig->reap_mm);
	unsigned long cursor;
	long ret;

	/*
	 * mm_users never rises from zero: no thread can use @mm again, and
	 * every thread has walked its robust list.  No process is left then
	 * whose memory it is, only exit_mmap()'s teardown, and the target's
	 * own checks suffice (as they do when only a /proc reader or the
	 * like holds mm_users: reap_check_users() finds no sharer).  A
	 * probe (a budget of 0) checks the users, but interrupts nobody.
	 */
	if (has_users) {
		ret = max_bytes ? reap_stop_user_code(&users) :
				  reap_check_users(&users, NULL);
		if (ret || !max_bytes)
			return ret;
		while ((ret = reap_find_heads(&users, heads, max)) > max) {
			if (heads != stack_heads)
				kvfree(heads);
			max = ret;
			heads = kvmalloc_array(max, sizeof(*heads),
					       GFP_KERNEL_ACCOUNT);
			if (!heads)
				return -ENOMEM;
		}
		nr_heads = ret;
	}
	ret = 0;
	if (!max_bytes)
		goto free_heads;

	if (flags & PROCESS_REAP_NOWAIT) {
		if (!mmap_read_trylock(mm)) {
			ret = -EAGAIN;
			goto free_heads;
		}
	} else if (mmap_read_lock_killable(mm)) {
		ret = -EINTR;
		goto free_heads;
	}

	rc.walk.read = reap_walk_read;
	rc.walk.futex = reap_walk_futex;
	xa_init(&rc.keep);
	ret = reap_keep_robust_lists(&rc, heads, nr_heads);
	if (ret)
		goto destroy_keep;

	/*
	 * Kernel users of the address space (get_user() on behalf of aio,
	 * io_uring, futexes) now fault instead of reading zeros.
	 */
	set_bit(MMF_UNSTABLE, &mm->flags);
	/* Pairs with the release below, an earlier call's. */
	cursor = smp_load_acquire(&sig->reap_cursor);
	if (cursor == REAP_SWEPT && !settled)
		cursor = 0;
	if (cursor == REAP_SWEPT)
		rc.stop = REAP_SWEPT;
	else if (reap_range(&rc, 0, cursor ?: ULONG_MAX) &&
		 (!cursor || reap_range(&rc, cursor, ULONG_MAX)))
		rc.stop = settled && !rc.refused ? REAP_SWEPT : 0;
	/*
	 * Unlocked: racing calls may leave either's cursor.  Any cursor is a
	 * place to go on from, and REAP_SWEPT is written only once a whole
	 * sweep left nothing.  Release, so that a call that reads it without
	 * walking sees the gathers this one saw pending.
	 */
	smp_store_release(&sig->reap_cursor, rc.stop);
	*swap += rc.swap;
	/* Past the limit only where folios were mostly unmapped already. */
	ret = min(rc.freed, reap_limit());
	if (!rc.freed && rc.refused)
		ret = -EAGAIN;
	else if (!rc.freed && fatal_signal_pending(current))
		ret = -EINTR;
	/* "Nothing left" must mean that the memory is back. */
	else if (!rc.freed && reap_gather_holds_pages(mm))
		ret = -EAGAIN;

destroy_keep:
	xa_destroy(&rc.keep);
	mmap_read_unlock(mm);
	/* Were we the last user, the teardown is not for us to wait on. */
	if (rc.pinned)
		mmput_async(mm);
free_heads:
	if (heads != stack_heads)
		kvfree(heads);
	return ret;
}

static long do_try_reap_dying_process(int pidfd, unsigned int flags,
				      size_t max_bytes)
{
	unsigned long swap = 0;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int f_flags;
	long ret;

	if (flags & ~PROCESS_REAP_NOWAIT)
		return -EINVAL;

	task = pidfd_get_task(pidfd, &f_flags);
	if (IS_ERR(task))
		return PTR_ERR(task);

	trace_process_reap_start(task, flags, max_bytes);
	ret = -EINVAL;
	if (task->flags & PF_KTHREAD)
		goto put_task;

	ret = reap_may_kill(task);
	if (ret)
		goto put_task;

	ret = reap_group_dying(task);
	if (ret)
		goto put_task;

	/* No mm left to reach: the process's own teardown is over. */
	mm = reap_find_mm(task);
	if (IS_ERR_OR_NULL(mm)) {
		ret = PTR_ERR_OR_ZERO(mm);
		goto put_task;
	}

	ret = reap_mm(task, mm, flags, max_bytes, &swap);
	mmdrop(mm);
put_task:
	trace_process_reap_finish(task, ret, swap);
	put_task_struct(task);
	return ret;
}

/**
 * sys_try_reap_dying_process - Free a dying process's memory, within a budget.
 * @pidfd: pidfd of the target process
 * @flags: 0 or %PROCESS_REAP_NOWAIT
 * @max_bytes: stop once this call has freed this many bytes; 0 frees
 *	nothing and only checks that the call would be allowed, SIZE_MAX
 *	frees all it can
 *
 * The target must be dying: every process using its address space must be
 * exiting because of a fatal signal or exit_group(2), and none may be
 * dumping core.  The caller must be allowed to send SIGKILL to it and to
 * every other process that still holds its address space.
 *
 * The call unmaps the target's private memory (anonymous and private file
 * mappings, never shared, hugetlb or PFN mappings) in the caller's context,
 * so the CPU time is the caller's.  It leaves mapped the pages that the
 * target's threads still need to walk their robust futex lists, so waiters
 * on futexes the target held still get EOWNERDEAD.  The address space is
 * marked unstable first: kernel users of it then fault instead of reading
 * zeros.
 *
 * It works at every stage of the target's exit: while its threads still
 * hold the mm, and after they have dropped it while exit_mmap() runs.
 *
 * The call stops once it has freed @max_bytes, rounded up to a whole page.
 * A large folio is freed, and counted, whole when the call unmaps its last
 * mapped page, which can take the call further: usually by less than one
 * folio, by more where the target had already unmapped most of several.
 * A 32-bit caller is never returned more than its ssize_t holds.  Callers
 * loop until the call returns 0.
 *
 * Return: the number of bytes this call returned to the page allocator:
 * those of the pages whose last reference it dropped.  A page that
 * something else still holds (another process that maps it, as after
 * fork() or KSM merging, a pipe it was vmsplice()d to, a pin, a swap cache
 * entry that was busy) is unmapped but not counted, and concurrent calls
 * and the target's own exit never count a page twice.  Swap space freed is
 * not counted either.  0 means that nothing is left to free: the call found
 * nothing more to unmap, and neither the target's own teardown nor another
 * reaper holds a page it has unmapped without freeing.  The page tables
 * and VMAs are left to the target's own teardown, and so are the pages
 * kept for robust lists, with the large folio one is part of (its other
 * pages unmapped, freed when the folio is split or the mm torn down).
 * On error, a negative errno:
 *
 * * %EACCES - a security module denied the caller sending SIGKILL to the
 *   target or to another process that still holds its memory (some
 *   return %EPERM instead).
 * * %EAGAIN - %PROCESS_REAP_NOWAIT was given and the mmap_lock of the
 *   target is contended; or an MMU notifier could not run without
 *   blocking before anything was freed; or the target's own teardown, or
 *   another reaper, holds pages it has unmapped but not yet freed; or a
 *   thread of the target has yet to walk a robust futex list that cannot
 *   be read now (in a userfaultfd-registered range or an I/O or secret
 *   memory mapping, or too long).  Calling again later may succeed.
 * * %EBADF - @pidfd is not a pidfd.
 * * %EINTR - a fatal signal arrived before anything was freed.
 * * %EINVAL - @flags has an unknown bit, or the target is not dying, is
 *   dumping core, is a kernel thread, or shares its memory with a process
 *   that is not dying.
 * * %ENOMEM - out of memory while noting robust futex lists.
 * * %EPERM - the caller may not send SIGKILL to the target, or to another
 *   process that still holds its memory.
 * * %ESRCH - the target has been waited for, or @pidfd refers to a thread
 *   that is not a thread-group leader.
 */
SYSCALL_DEFINE3(try_reap_dying_process, int, pidfd, unsigned int, flags,
		size_t, max_bytes)
{
	return do_try_reap_dying_process(pidfd, flags, max_bytes);
}
