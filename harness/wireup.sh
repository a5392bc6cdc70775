#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Wire try_reap_dying_process into every syscall table of a kernel tree.
#
#   wireup.sh files DIR  list the files it edits in the kernel tree DIR
#   wireup.sh edit DIR [core|tables]
#                        edit those files below DIR (copies of pristine
#                        ones): the declarations (core), the syscall
#                        tables, or both
#
# Each entry goes right after the table's last one (mseal on 6.12,
# set_mempolicy_home_node on 6.1), in that table's own columns.  The
# number comes from syscall.conf, so moving it is one edit there; 6.1
# keeps it too, as a backport would, leaving a gap that every table fills
# with sys_ni_syscall.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=syscall.conf disable=SC1091
. "$here/syscall.conf"
name=try_reap_dying_process
nr=$SYSCALL_NR

# file|abi|number offset|number of entry-point columns
common_tables="
arch/x86/entry/syscalls/syscall_64.tbl|common|0|1
arch/x86/entry/syscalls/syscall_32.tbl|i386|0|1
arch/arm/tools/syscall.tbl|common|0|1
arch/alpha/kernel/syscalls/syscall.tbl|common|110|1
arch/m68k/kernel/syscalls/syscall.tbl|common|0|1
arch/microblaze/kernel/syscalls/syscall.tbl|common|0|1
arch/parisc/kernel/syscalls/syscall.tbl|common|0|1
arch/powerpc/kernel/syscalls/syscall.tbl|common|0|1
arch/sh/kernel/syscalls/syscall.tbl|common|0|1
arch/sparc/kernel/syscalls/syscall.tbl|common|0|1
arch/xtensa/kernel/syscalls/syscall.tbl|common|0|1
arch/s390/kernel/syscalls/syscall.tbl|common|0|2
arch/mips/kernel/syscalls/syscall_n32.tbl|n32|0|1
arch/mips/kernel/syscalls/syscall_n64.tbl|n64|0|1
arch/mips/kernel/syscalls/syscall_o32.tbl|o32|0|1
"

# 6.12 generates the generic arches' tables from scripts/syscall.tbl, and
# arm64's compat table from a .tbl; 6.1 has neither, but has ia64, and
# arm64's compat entries are in asm/unistd32.h.
generation() {
	local dir=$1
	if [ -f "$dir/scripts/syscall.tbl" ]; then
		last=mseal
		tables="$common_tables
scripts/syscall.tbl|common|0|1
arch/arm64/tools/syscall_32.tbl|common|0|1"
		compat_h='' compat_nr=''
	elif [ -f "$dir/arch/ia64/kernel/syscalls/syscall.tbl" ]; then
		last=set_mempolicy_home_node
		tables="$common_tables
arch/ia64/kernel/syscalls/syscall.tbl|common|0|1"
		compat_h=arch/arm64/include/asm/unistd32.h
		compat_nr=arch/arm64/include/asm/unistd.h
	else
		echo "wireup: $dir is neither a 6.12 nor a 6.1 tree" >&2
		exit 1
	fi
}

list_files() {
	local line
	generation "$1"
	[ -z "$compat_h" ] || printf '%s\n' "$compat_h" "$compat_nr"
	for line in $tables; do
		echo "${line%%|*}"
	done
	echo include/uapi/asm-generic/unistd.h
	echo include/linux/syscalls.h
	echo kernel/sys_ni.c
}

# Insert $2 after the first line of $1 that starts with $3 (a plain
# string), or, for a table, whose third column is $3; fail if none does.
insert_after() {
	local file=$1 text=$2 match=$3 how=${4:-prefix}
	if grep -q "$name" "$file"; then
		echo "wireup: $file already has $name" >&2
		exit 1
	fi
	awk -v m="$match" -v how="$how" -v text="$text" '
		{ print }
		!done && ((how == "prefix" && index($0, m) == 1) ||
			  (how == "column" && $3 == m)) {
			print text
			done = 1
		}' "$file" > "$file.tmp"
	mv "$file.tmp" "$file"
	if ! grep -q "$name" "$file"; then
		echo "wireup: found no '$match' in $file" >&2
		exit 1
	fi
}

edit_tables() {
	local dir=$1 line file abi off cols entry
	generation "$dir"
	for line in $tables; do
		IFS='|' read -r file abi off cols <<< "$line"
		entry="$((nr + off))	$abi	$name		sys_$name"
		[ "$cols" = 2 ] && entry="$entry		sys_$name"
		insert_after "$dir/$file" "$entry" "$last" column
	done

	# The generic table, and on 6.1 arm64's compat one: same lines.
	for file in include/uapi/asm-generic/unistd.h $compat_h; do
		insert_after "$dir/$file" "#define __NR_$name $nr
__SYSCALL(__NR_$name, sys_$name)" "__SYSCALL(__NR_$last, sys_$last)"
	done
	file=$dir/include/uapi/asm-generic/unistd.h
	sed -i "s/^#define __NR_syscalls [0-9]*$/#define __NR_syscalls $((nr + 1))/" "$file"

	[ -n "$compat_h" ] || return 0
	sed -i "s/^\(#define __NR_compat_syscalls\t*\)[0-9]*$/\1$((nr + 1))/" "$dir/$compat_nr"
	grep -q "__NR_compat_syscalls.*$((nr + 1))$" "$dir/$compat_nr" ||
		{ echo "wireup: __NR_compat_syscalls not set in $compat_nr" >&2; exit 1; }
}

edit_core() {
	local dir=$1

	insert_after "$dir/include/linux/syscalls.h" \
		"asmlinkage long sys_$name(int pidfd, unsigned int flags, size_t max_bytes);" \
		"asmlinkage long sys_process_mrelease"
	insert_after "$dir/kernel/sys_ni.c" "COND_SYSCALL($name);" \
		"COND_SYSCALL(process_mrelease);"
}

case "${1:-}" in
files) list_files "${2:?usage: wireup.sh files DIR}" ;;
edit)
	dir=${2:?usage: wireup.sh edit DIR [core|tables]}
	case "${3:-all}" in
	core) edit_core "$dir" ;;
	tables) edit_tables "$dir" ;;
	all) edit_core "$dir"; edit_tables "$dir" ;;
	*) echo "wireup.sh: core, tables or nothing, not '$3'" >&2; exit 2 ;;
	esac
	;;
*) echo "usage: wireup.sh files DIR | edit DIR [core|tables]" >&2; exit 2 ;;
esac
