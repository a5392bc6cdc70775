/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM process_reap

#if !defined(_TRACE_PROCESS_REAP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PROCESS_REAP_H
#include <linux/tracepoint.h>

TRACE_EVENT(process_reap_start,

	TP_PROTO(struct task_struct *task, unsigned int flags,
		 size_t max_bytes),

	TP_ARGS(task, flags, max_bytes),

	TP_STRUCT__entry(
		__field(pid_t,		pid)
		__field(unsigned int,	flags)
		__field(size_t,		max_bytes)
	),

	TP_fast_assign(
		__entry->pid = task->tgid;
		__entry->flags = flags;
		__entry->max_bytes = max_bytes;
	),

	TP_printk("pid=%d flags=%#x max_bytes=%zu",
		  __entry->pid, __entry->flags, __entry->max_bytes)
);

TRACE_EVENT(process_reap_finish,

	TP_PROTO(struct task_struct *task, long ret, unsigned long swap),

	TP_ARGS(task, ret, swap),

	TP_STRUCT__entry(
		__field(pid_t,		pid)
		__field(size_t,		freed)
		__field(long,		ret)
		__field(unsigned long,	swap)
	),

	TP_fast_assign(
		__entry->pid = task->tgid;
		__entry->freed = ret > 0 ? ret : 0;
		__entry->ret = ret;
		__entry->swap = swap;
	),

	TP_printk("pid=%d freed=%zu ret=%ld swap_entries=%lu",
		  __entry->pid, __entry->freed, __entry->ret, __entry->swap)
);

#endif /* _TRACE_PROCESS_REAP_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
