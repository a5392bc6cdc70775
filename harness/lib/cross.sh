# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# make cross: build-only kernels of other architectures, each checked for
# warnings on our lines and for the syscall in every one of its tables.

# The generated headers of each architecture that must carry the syscall,
# as "file:pattern" pairs; @NR@ stands for its number.
cross_headers() {
	local g
	g=$OBJ/arch/$SRCARCH/include/generated
	case "$KVER-$ARCH" in
	6.1-arm64)
		# No generated tables: the generic one and the compat one
		# are headers of the source tree.
		echo "$SRC/include/uapi/asm-generic/unistd.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$SRC/arch/arm64/include/asm/unistd32.h:^#define __NR_try_reap_dying_process @NR@\$"
		;;
	*-i386)
		echo "$g/uapi/asm/unistd_32.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscalls_32.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		;;
	6.12-arm64)
		echo "$g/uapi/asm/unistd_64.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscall_table_64.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		echo "$g/asm/unistd_compat_32.h:^#define __NR_compat32_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscall_table_32.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		;;
	esac
}

# Build one architecture's kernel with our change, then check that the
# objects we touch compiled without a warning on our lines (rebuilt each
# time: make would skip an object that warned before), and that every
# table of that architecture has the syscall at its number.  The build
# also runs scripts/checksyscalls.sh, which warns about a syscall that
# i386 has and this architecture lacks.
cross_one() {
	local log=$B/cross-$KVER-$ARCH.log image=$KIMAGE line file pat bad=0 o msg
	cmd_config
	for o in $LINT_OBJS; do
		rm -f "$OBJ/$o"
	done
	say "building $ARCH ($image)"
	logged "$log" "$ARCH build" kmake "$image"
	msg=$(ours_only < "$log")
	if [ -n "$msg" ] || grep -E 'warning: .*(try_reap|process_reap)' "$log"; then
		printf '      %s\n' "$msg"
		echo "    not ok: $ARCH: warnings on our lines (above)"
		return 1
	fi
	if [ ! -f "$OBJ/mm/process_reap.o" ]; then
		echo "    not ok: $ARCH: mm/process_reap.o was not built"
		return 1
	fi
	while read -r line; do
		file=${line%%:*}
		pat=${line#*:}
		if ! grep -qE "${pat//@NR@/$SYSCALL_NR}" "$file" 2>/dev/null; then
			echo "    not ok: $ARCH: ${file#"$OBJ"/} lacks ${pat//@NR@/$SYSCALL_NR}"
			bad=1
		fi
	done < <(cross_headers)
	[ "$bad" = 0 ] || return 1
	echo "    ok: $KVER $ARCH: builds, no warning on our lines, checksyscalls.sh silent, $SYSCALL_NR in all $(cross_headers | wc -l) tables"
}

# In a subshell: the architecture's description replaces the guest's.
cross_arch() {
	# shellcheck disable=SC2034 # arch_load reads it
	FLAVOR=cross
	arch_load "$1"
	cross_one
}

cmd_cross() {
	local a passed=0 failed=0
	case "${CROSS_ARCHS:-i386}" in
	*arm64*) deps_add aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu ;;
	esac
	cmd_deps
	cmd_tree --keep
	for a in ${CROSS_ARCHS:-i386}; do
		if (cross_arch "$a"); then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}
