/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_PROCESS_REAP_H
#define _UAPI_LINUX_PROCESS_REAP_H

/* Flags for try_reap_dying_process(2) */

/* Fail with EAGAIN instead of sleeping on the target's mmap_lock. */
#define PROCESS_REAP_NOWAIT	(1U << 0)

#endif /* _UAPI_LINUX_PROCESS_REAP_H */
