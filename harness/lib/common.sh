# shellcheck shell=bash disable=SC2034 # the variables are for the other parts
# SPDX-License-Identifier: GPL-2.0
#
# What every part of the harness shares: the build's places, the target
# architecture's description (harness/arch/), messages and long commands.

# SYSCALL_NR, the provisional number.
# shellcheck source=../syscall.conf disable=SC1091
. "$ROOT/harness/syscall.conf"

KVER=${KVER:-6.12}
# kbuild's name for x86_64 is accepted too.
ARCH=${ARCH:-x86_64}
[ "$ARCH" != x86 ] || ARCH=x86_64
B=${BUILD_DIR:-$ROOT/build}
SRC=$B/linux-$KVER
# FLAVOR: noreap (the syscall compiled out), debug (lockdep, KASAN...),
# upstream (what the kernel's own selftests look for: make check-upstream),
# cross (make cross's build-only configuration).
FLAVOR=${FLAVOR:-}
# One job more than CPUs keeps them busy while ccache and the compiler
# wait on files: -j3 built kernel/ cold in 80 s, -j2 in 93 s, on 2 cores.
JOBS=${JOBS:-$(($(nproc) + 1))}
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
VM_MEM=${VM_MEM:-4G}
VM_CPUS=2
# Directories of this repository that mirror kernel paths.
KERNEL_DIRS="mm include tools Documentation samples"

# Relative paths in ccache's hashes: a fresh clone elsewhere still hits.
# Depend mode hashes the compiler's own dependency list instead of running
# the preprocessor on every miss: measured on 2 cores, kernel/ built cold
# in 93 s with it, 118 s without (81 s without ccache at all), and warm in
# 9 s either way.
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1
export KBUILD_BUILD_TIMESTAMP="2024-01-01"
export KBUILD_BUILD_USER=reap KBUILD_BUILD_HOST=harness

say() { printf '==> %s\n' "$*"; }
die() { printf 'harness: %s\n' "$*" >&2; exit 1; }

# arch_load ARCH: KARCH, SRCARCH, KIMAGE, CROSS_PREFIX, QEMU, CONSOLE and
# the architecture's packages, from harness/arch/ARCH.sh; then the
# directories of this kernel version, architecture and flavour.
arch_load() {
	local f=$ROOT/harness/arch/$1.sh
	[ -f "$f" ] || die "ARCH is x86_64 (or x86) or arm64, not '$1'"
	ARCH=$1
	local objs=$FLAVOR
	# shellcheck source=../arch/x86_64.sh disable=SC1091
	. "$f"
	# The noreap kernel differs from the main one in one option, which
	# Kbuild tracks file by file: it shares the main kernel's objects,
	# and switching between the two rebuilds only the files that read
	# CONFIG_PROCESS_REAP.
	[ "$FLAVOR" != noreap ] || objs=
	OBJ=$B/obj-$KVER-$ARCH${objs:+-$objs}
	GUEST=$B/guest-$KVER-$ARCH${FLAVOR:+-$FLAVOR}
}

# A guest of another architecture than the host's: cross-built, slower.
foreign() { [ "$ARCH" != "$(uname -m)" ]; }

# Run a long command with its output in a log, printing a line every
# 20 seconds so a slow step never looks hung, and the log tail on failure.
logged() {
	local log=$1 what=$2 pid rc=0 t=0
	shift 2
	"$@" > "$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ $((t % 20)) = 0 ]; then
			printf '    %s: %ds, %s\n' "$what" "$t" \
				"$(tail -n 1 "$log" | cut -c1-60)"
		fi
	done
	wait "$pid" || rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 40 "$log" >&2
		die "$what failed (exit $rc); full log in $log"
	fi
}
