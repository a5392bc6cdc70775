#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0
#
# Build a small patched kernel and boot it under QEMU.
#
#   harness.sh deps        install what the build needs (apt-get)
#   harness.sh tree        unpack the kernel once, then apply our change
#   harness.sh refresh     turn edits made in build/linux-$KVER into our files
#   harness.sh kernel      configure and build the boot image and uapi headers
#   harness.sh guest       build the selftests and the initramfs
#   harness.sh check       boot, run the kselftests, print "N passed, N failed"
#   harness.sh run         boot and show the syscall at work
#   harness.sh bench       boot, run the benchmark, write results/ and plot
#   harness.sh profile     boot with profile=4, write results/profile.md:
#                          where each teardown's kernel time goes
#   harness.sh exec CMD    boot and run the shell command CMD in the guest
#   harness.sh lint        checkpatch, sparse, W=1, kernel-doc, shellcheck, docs
#   harness.sh docs        htmldocs (userspace-api), kernel-doc, mandoc -Tlint
#   harness.sh series [--no-verify]
#                          write series/$KVER, git am it on pristine sources,
#                          checkpatch and build the kernel after each patch
#   harness.sh series-fresh  fail if series/$KVER is stale
#   harness.sh cross       build-only kernels: i386 (CROSS_ARCHS), also for 6.1
#   harness.sh fresh       the README's commands in a minimal Debian 12 root
#   harness.sh upstream    the kernel's mm, futex, pidfd and clone3 selftests
#                          on the patched and the pristine kernel: any
#                          result that differs fails
#
# Environment: KVER (6.12, the default, or 6.1: Debian's linux-source-$KVER
# with patches/$KVER/), ARCH (x86_64, the default, or arm64: cross-built
# on an x86_64 host, booted with qemu-system-aarch64 -M virt; i386 for
# cross only; lint, docs and series are 6.12 on x86_64 only),
# QEMU_ACCEL=kvm opts into KVM (nested KVM hangs on some hosts, so TCG is
# the default), VM_TIMEOUT (seconds), JOBS, T (check: test programs to
# run, names or globs), BENCH_ARGS (reap_bench's options, for example
# "-r 1 starved"), KERNEL_ARGS (more kernel command line, for example
# profile=2 for /proc/profile where the kernel has CONFIG_PROFILING),
# FLAVOR (noreap: the syscall compiled out; debug: lockdep, KASAN,
# kmemleak...), STRESS_CYCLES (reap_stress cycles in the
# debug lane, default 3000: a cycle is about 15 times slower there; 10000
# elsewhere), CROSS_ARCHS (default
# "i386"; arm64 has a lane of its own, make check ARCH=arm64).
#
# One file per concern in harness/lib/, one per architecture in
# harness/arch/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/common.sh
. "$ROOT/harness/lib/common.sh"
# shellcheck source=lib/deps.sh
. "$ROOT/harness/lib/deps.sh"
# shellcheck source=lib/tree.sh
. "$ROOT/harness/lib/tree.sh"
# shellcheck source=lib/kernel.sh
. "$ROOT/harness/lib/kernel.sh"
# shellcheck source=lib/guest.sh
. "$ROOT/harness/lib/guest.sh"
# shellcheck source=lib/boot.sh
. "$ROOT/harness/lib/boot.sh"
# shellcheck source=lib/lint.sh
. "$ROOT/harness/lib/lint.sh"
# shellcheck source=lib/cross.sh
. "$ROOT/harness/lib/cross.sh"
# shellcheck source=lib/series.sh
. "$ROOT/harness/lib/series.sh"
# shellcheck source=lib/bench.sh
. "$ROOT/harness/lib/bench.sh"
# shellcheck source=lib/fresh.sh
. "$ROOT/harness/lib/fresh.sh"
# shellcheck source=lib/upstream.sh
. "$ROOT/harness/lib/upstream.sh"
[ -d "$ROOT/patches/$KVER" ] ||
	die "no patch layer patches/$KVER: KVER is 6.12 or 6.1"
arch_load "$ARCH"

case "${1:-}" in
deps | tree | refresh | config | kernel | guest | check | run | bench | profile | lint | exec | series | cross | docs | fresh | upstream)
	cmd=$1
	shift
	"cmd_$cmd" "$@"
	;;
series-fresh) series_fresh ;;
*) sed -n '4,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
