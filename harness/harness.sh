#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a small patched kernel and boot it under QEMU.
#
#   harness.sh deps        install what the build needs (apt-get)
#   harness.sh tree        unpack the kernel once, then apply our change
#   harness.sh refresh     turn edits made in build/linux-6.12 into our files
#   harness.sh kernel      configure and build bzImage and the uapi headers
#   harness.sh guest       build the selftests and the initramfs
#   harness.sh check       boot, run the kselftests, print "N passed, N failed"
#   harness.sh run         boot and show the syscall at work
#   harness.sh bench       boot, run the benchmark, write results/ and plot
#   harness.sh exec CMD    boot and run the shell command CMD in the guest
#   harness.sh lint        checkpatch, sparse, W=1, kernel-doc, shellcheck
#
# Environment: QEMU_ACCEL=kvm opts into KVM (nested KVM hangs on some
# hosts, so TCG is the default), VM_TIMEOUT (seconds), JOBS, BENCH_ARGS
# (reap_bench's options, for example "-r 1 starved"), FLAVOR (noreap: the
# syscall compiled out; debug: lockdep, KASAN, kmemleak...), STRESS_CYCLES
# (reap_stress cycles in the debug lane, default 3000: a cycle is about 15
# times slower there; 10000 elsewhere).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KVER=${KVER:-6.12}
ARCH=${ARCH:-x86_64}
B=${BUILD_DIR:-$ROOT/build}
SRC=$B/linux-$KVER
# FLAVOR=noreap builds with CONFIG_PROCESS_REAP=n, in directories of its own.
FLAVOR=${FLAVOR:-}
OBJ=$B/obj-$KVER-$ARCH${FLAVOR:+-$FLAVOR}
GUEST=$B/guest-$KVER-$ARCH${FLAVOR:+-$FLAVOR}
JOBS=${JOBS:-$(nproc)}
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
VM_MEM=${VM_MEM:-4G}
VM_CPUS=2
# Directories of this repository that mirror kernel paths.
KERNEL_DIRS="mm include tools Documentation samples"
PACKAGES="build-essential bc bison flex libelf-dev libssl-dev cpio
	busybox-static libcap-dev qemu-system-x86 ccache xz-utils git gcc-multilib
	python3 linux-source-$KVER"

# Relative paths in ccache's hashes: a fresh clone elsewhere still hits.
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2024-01-01"
export KBUILD_BUILD_USER=reap KBUILD_BUILD_HOST=harness

say() { printf '==> %s\n' "$*"; }
die() { printf 'harness: %s\n' "$*" >&2; exit 1; }

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

cmd_deps() {
	local missing="" p
	for p in $PACKAGES; do
		dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "need root to install:$missing"
	say "installing:$missing"
	logged "$B/apt.log" "apt-get update" apt-get update
	# shellcheck disable=SC2086
	logged "$B/apt.log" "apt-get install" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $missing
}

# The pristine tree is a git repository whose first commit is Debian's
# tarball, so "git -C build/linux-6.12 diff" shows exactly our change.
unpack_tree() {
	local tarball=/usr/src/linux-source-$KVER.tar.xz
	[ -d "$SRC/.git" ] && return 0
	[ -f "$tarball" ] || die "$tarball missing: run 'harness.sh deps'"
	say "unpacking $tarball"
	rm -rf "$SRC" "$B/linux-source-$KVER"
	logged "$B/unpack.log" "tar" tar -C "$B" -xf "$tarball"
	mv "$B/linux-source-$KVER" "$SRC"
	say "recording the pristine tree in git"
	git -C "$SRC" init -q
	git -C "$SRC" config user.email harness@localhost
	git -C "$SRC" config user.name harness
	# -f: Debian's top-level .gitignore ignores everything outside debian/.
	logged "$B/unpack.log" "git add" git -C "$SRC" add -f -A
	logged "$B/unpack.log" "git commit" git -C "$SRC" commit -q -m "Debian linux-source-$KVER"
	git -C "$SRC" tag base
}

# Files of this repository that live at kernel paths.
kernel_files() {
	local d
	for d in $KERNEL_DIRS; do
		[ -d "$ROOT/$d" ] && (cd "$ROOT" && find "$d" -type f)
	done
	return 0
}

# Build the wanted versions of every file we change in a staging
# directory, then copy over only those that differ, so make rebuilds
# only what really changed.
cmd_tree() {
	local stage f p
	mkdir -p "$B"
	unpack_tree
	if [ "${1:-}" = --discard ]; then
		: > "$SRC/.git/harness-sums"
	fi
	stage=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$stage'" RETURN
	{
		"$ROOT/harness/wireup.sh" files
		for p in "$ROOT"/patches/"$KVER"/*.patch; do
			sed -n 's|^+++ b/||p' "$p"
		done
	} | sort -u > "$stage.list"
	while read -r f; do
		mkdir -p "$stage/$(dirname "$f")"
		git -C "$SRC" show "base:$f" > "$stage/$f"
	done < "$stage.list"
	for p in "$ROOT"/patches/"$KVER"/*.patch; do
		(cd "$stage" && git apply "$p") || die "$(basename "$p") does not apply"
	done
	"$ROOT/harness/wireup.sh" edit "$stage"
	kernel_files | while read -r f; do
		mkdir -p "$stage/$(dirname "$f")"
		cp "$ROOT/$f" "$stage/$f"
	done
	rm -f "$stage.list"

	# Never overwrite an edit made in the tree since the last sync.
	touch "$SRC/.git/harness-synced" "$SRC/.git/harness-sums"
	if [ -s "$SRC/.git/harness-sums" ] &&
	   ! (cd "$SRC" && sha256sum --quiet -c .git/harness-sums > /dev/null 2>&1); then
		(cd "$SRC" && sha256sum -c .git/harness-sums 2>/dev/null |
			sed -n 's/: FAILED$//p' | sed 's/^/    /') || true
		die "files above were edited in $SRC: 'harness.sh refresh' turns the edits into patches, 'harness.sh tree --discard' drops them"
	fi
	(cd "$stage" && find . -type f | sed 's|^\./||') | while read -r f; do
		if ! cmp -s "$stage/$f" "$SRC/$f"; then
			mkdir -p "$SRC/$(dirname "$f")"
			cp "$stage/$f" "$SRC/$f"
			echo "    updated $f"
		fi
	done
	# Undo what an earlier sync changed but the current one no longer does.
	(cd "$stage" && find . -type f | sed 's|^\./||' | sort) > "$stage.now"
	comm -23 "$SRC/.git/harness-synced" "$stage.now" | while read -r f; do
		if git -C "$SRC" cat-file -e "base:$f" 2>/dev/null; then
			git -C "$SRC" checkout -q base -- "$f"
		else
			rm -f "$SRC/$f"
		fi
		echo "    reverted $f"
	done
	mv "$stage.now" "$SRC/.git/harness-synced"
	(cd "$SRC" && xargs sha256sum < .git/harness-synced > .git/harness-sums)
	# Show new files in "git diff" too.
	(cd "$SRC" && xargs git add -f -N < .git/harness-synced)
}

# Turn edits made in the tree since the last sync into our files: a new
# file is copied back, and a patch touching an edited file is regenerated
# from the tree's diff, keeping its description.
cmd_refresh() {
	local p f files edited tmp
	[ -s "$SRC/.git/harness-sums" ] || die "no synced tree: run 'harness.sh tree'"
	edited=$(cd "$SRC" || exit
		sha256sum -c .git/harness-sums 2>/dev/null | sed -n 's/: FAILED$//p'
		exit 0)
	[ -n "$edited" ] || { say "nothing was edited in $SRC"; return 0; }
	for f in $edited; do
		if [ -f "$ROOT/$f" ]; then
			cp "$SRC/$f" "$ROOT/$f"
			echo "    $f"
		fi
	done
	for p in "$ROOT"/patches/"$KVER"/*.patch; do
		files=$(sed -n 's|^+++ b/||p' "$p" | sort -u)
		# shellcheck disable=SC2086
		printf '%s\n' $edited | grep -qxF "$files" || continue
		tmp=$(mktemp)
		sed -n '1,/^---$/p' "$p" > "$tmp"
		# shellcheck disable=SC2086
		git -C "$SRC" diff base -- $files >> "$tmp"
		mv "$tmp" "$p"
		echo "    $(basename "$p")"
	done
	(cd "$SRC" && xargs sha256sum < .git/harness-synced > .git/harness-sums)
}

config_fragments() {
	echo "$ROOT/harness/config/base.config"
	echo "$ROOT/tools/testing/selftests/process_reap/config"
	if [ -n "$FLAVOR" ]; then
		echo "$ROOT/harness/config/$FLAVOR.config"
	fi
}

kmake() {
	make -C "$SRC" O="$OBJ" ARCH="${ARCH/x86_64/x86}" -j"$JOBS" \
		CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

cmd_config() {
	local stamp want missing="" line sym
	mkdir -p "$OBJ"
	want=$(config_fragments | xargs cat | sha256sum | cut -d' ' -f1)
	stamp=$OBJ/.harness-config
	if [ -f "$OBJ/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	say "configuring: tinyconfig + $(config_fragments | xargs -n1 basename | tr '\n' ' ')"
	logged "$B/config.log" "tinyconfig" kmake tinyconfig
	# shellcheck disable=SC2046
	logged "$B/config.log" "merge_config" env ARCH=x86 \
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" \
		"$OBJ/.config" $(config_fragments)
	logged "$B/config.log" "olddefconfig" kmake olddefconfig
	# A requested option that did not stick is a broken fragment; a later
	# fragment overrides an earlier one.
	declare -A want_val=()
	while read -r line; do
		case "$line" in CONFIG_*=*) want_val[${line%%=*}]=${line#*=} ;; esac
	done < <(config_fragments | xargs cat)
	for sym in "${!want_val[@]}"; do
		line=$sym=${want_val[$sym]}
		case "$line" in
		*=n) grep -q "^$sym=" "$OBJ/.config" && missing="$missing $line" ;;
		*) grep -qx "$line" "$OBJ/.config" || missing="$missing $line" ;;
		esac
	done
	[ -z "$missing" ] || die "options not set by Kconfig:$missing"
	echo "$want" > "$stamp"
}

cmd_kernel() {
	cmd_tree --keep
	cmd_config
	say "building the kernel ($JOBS jobs, with ccache)"
	logged "$B/kernel.log" "kernel build" kmake bzImage
	logged "$B/kernel.log" "headers" kmake headers
	say "kernel: $(kmake -s kernelrelease 2>/dev/null)"
}

cmd_guest() {
	local ksft=$GUEST/root/ksft
	say "building the selftests (static)"
	rm -rf "$GUEST"
	mkdir -p "$GUEST/root"
	logged "$B/selftests.log" "selftests" make -C "$SRC/tools/testing/selftests" \
		TARGETS=process_reap O="$GUEST/ksft-build" \
		KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="ccache gcc" install INSTALL_PATH="$ksft"
	say "building the samples (static)"
	mkdir -p "$GUEST/root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	logged "$B/samples.log" "samples" make -C "$SRC/samples/process_reap" \
		O="$GUEST/root/usr/bin" KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="ccache gcc"
	cp "$SRC/samples/process_reap/demo.sh" "$GUEST/root/usr/bin/reap-demo"
	say "packing the initramfs"
	cp /bin/busybox "$GUEST/root/bin/busybox"
	cp "$ROOT/harness/guest/init" "$GUEST/root/init"
	# kselftest's runner calls /usr/bin/timeout --foreground, which
	# busybox lacks; this shim drops the flag.
	cp "$ROOT/harness/guest/timeout" "$GUEST/root/usr/bin/timeout"
	chmod +x "$GUEST/root/init" "$GUEST/root/usr/bin/timeout"
	(cd "$GUEST/root" && find . | cpio -o -H newc --quiet) > "$GUEST/initramfs.cpio"
}

# boot MODE TIMEOUT LOG [ARGS]: boot the guest with harness.mode=MODE and
# harness.args=ARGS.  The status file says "fail" until the guest's
# closing line is seen, so a VM that dies or hangs reads as a failure.
# Files the guest sends back as "BENCH|" lines stay out of the terminal.
boot() {
	local mode=$1 timeout=$2 log=$3 args=${4:-} accel=() rc=0 env=
	# Unknown NAME=value parameters reach init as environment variables.
	# no5lvl: 6.12's identify_cpu() clears boot_cpu_data's feature bits
	# and reads them again, and with 5-level paging pgtable_l5_enabled()
	# reads X86_FEATURE_LA57 from there; an interrupt in that window makes
	# KASAN take a per-CPU address for a wild access (seen once in CI, at
	# boot).  The other lanes keep the 5-level paging -cpu max offers.
	[ "$FLAVOR" != debug ] || env=" REAP_STRESS_CYCLES=${STRESS_CYCLES:-3000} no5lvl"
	case "$QEMU_ACCEL" in
	tcg) accel=(-accel tcg -cpu max) ;;
	kvm) accel=(-accel kvm -cpu host) ;;
	*) die "QEMU_ACCEL must be tcg or kvm" ;;
	esac
	echo "fail: the VM did not finish" > "$log.status"
	say "booting ($QEMU_ACCEL, $VM_CPUS vCPUs, $VM_MEM): $mode, log in $log"
	timeout --foreground "$timeout" qemu-system-x86_64 "${accel[@]}" \
		-smp "$VM_CPUS" -m "$VM_MEM" -no-reboot -display none \
		-monitor none -serial stdio \
		-kernel "$OBJ/arch/x86/boot/bzImage" \
		-initrd "$GUEST/initramfs.cpio" \
		-append "console=ttyS0 loglevel=5 panic=-1 oops=panic harness.mode=$mode${args:+ harness.args=${args// /,}}$env" \
		< /dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" |
		grep --line-buffered -Ev '^(BENCH|KMEMLEAK)\| ' || rc=$?
	[ "$rc" = 0 ] || echo "fail: qemu exited $rc (124 is the ${timeout}s timeout)" > "$log.status"
	if grep -q '^HARNESS-EXIT: 0$' "$log"; then
		echo ok > "$log.status"
	elif grep -q '^HARNESS-EXIT:' "$log"; then
		echo "fail: $(grep '^HARNESS-EXIT:' "$log")" > "$log.status"
	fi
}

# Kernel messages that mean something went wrong in the guest.
SPLATS='(BUG:|WARNING:|Oops|general protection fault|KASAN|kernel BUG|'
SPLATS+='possible circular locking|possible recursive locking|lockdep|'
SPLATS+='inconsistent lock state|rcu_sched self-detected stall|'
SPLATS+='rcu: INFO:|detected stall|blocked for more than|hung_task|'
SPLATS+='Kernel panic|Bad rss-counter|Bad page|UBSAN)'

# kmemleak's report from the debug lane: a leak whose allocation passed
# through our code fails it; the others (boot-time, elsewhere) are counted.
leaks_check() {
	local log=$1 report total ours
	if ! grep -q '^KMEMLEAK-END$' "$log"; then
		echo "    kmemleak gave no report"
		return 1
	fi
	report=$(sed -n 's/^KMEMLEAK| //p' "$log")
	total=$(printf '%s\n' "$report" | grep -c '^unreferenced object' || true)
	ours=$(printf '%s\n' "$report" | awk '
		/^unreferenced object/ { n += hit; hit = 0 }
		/process_reap|try_reap|reap_[a-z_]+\+|exit_reap_mm/ { hit = 1 }
		END { print n + hit }')
	echo "    kmemleak: $total suspected leaks, $ours through our code"
	[ "$ours" = 0 ]
}

cmd_check() {
	local log=$B/check${FLAVOR:+-$FLAVOR}.log passed failed skipped crashed splats status
	local timeout=900
	cmd_deps
	cmd_kernel
	cmd_guest
	# KASAN and lockdep under TCG: the same tests take several times longer.
	[ "$FLAVOR" != debug ] || timeout=3000
	boot check "${VM_TIMEOUT:-$timeout}" "$log"
	status=$(cat "$log.status")

	passed=$(grep -E '^# ok [0-9]+ ' "$log" | grep -vc '# SKIP' || true)
	skipped=$(grep -E '^# ok [0-9]+ .*# SKIP' -c "$log" || true)
	failed=$(grep -cE '^# not ok [0-9]+ ' "$log" || true)
	# A test binary that crashed or timed out may leave no subtest line.
	crashed=$(grep -cE '^not ok [0-9]+ selftests: ' "$log" || true)
	# Frames of a stack dump (an OOM report's, say) are not splats; the
	# header of a real one is.
	splats=$(grep -E "$SPLATS" "$log" | grep -v '^#' |
		grep -vE '^ +(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+' || true)

	echo
	say "summary"
	if [ "$crashed" -gt "$failed" ]; then
		echo "    $((crashed - failed)) test program(s) failed outside a subtest"
		failed=$crashed
	fi
	if [ -n "$splats" ]; then
		echo "    kernel splat in the guest log:"
		printf '%s\n' "$splats" | head -n 20 | sed 's/^/      /'
		failed=$((failed + 1))
	fi
	if [ "$status" != ok ]; then
		echo "    $status"
		failed=$((failed + 1))
	fi
	if [ "$FLAVOR" = debug ] && ! leaks_check "$log"; then
		failed=$((failed + 1))
	fi
	if [ "$passed" = 0 ] && [ "$FLAVOR" != noreap ]; then
		echo "    no test ran"
		failed=$((failed + 1))
	fi
	if [ "$FLAVOR" = noreap ]; then
		# Compiled out, every test must skip for want of the syscall.
		passed=$(grep -cE '^# ok [0-9]+ .*# SKIP try_reap_dying_process\(\) is not available' "$log" || true)
		failed=$((failed + (passed == 0) + (passed != skipped)))
		echo "    CONFIG_PROCESS_REAP=n: $passed tests skipped on ENOSYS"
		skipped=0
	fi
	[ "$skipped" = 0 ] || echo "    $skipped skipped: a guest run should skip nothing"
	failed=$((failed + skipped))
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# For hacking: "harness.sh exec 'reap-demo -m 256 reap'".
cmd_exec() {
	[ $# -gt 0 ] || die "usage: harness.sh exec COMMAND"
	cmd_deps
	cmd_kernel
	cmd_guest
	# The command line cannot carry spaces or commas; base64 has neither.
	boot exec "${VM_TIMEOUT:-900}" "$B/exec.log" "$(printf '%s' "$*" | base64 -w0)"
	[ "$(cat "$B/exec.log.status")" = ok ] || die "$(cat "$B/exec.log.status")"
}

cmd_run() {
	local log=$B/run.log
	cmd_deps
	cmd_kernel
	cmd_guest
	boot run "${VM_TIMEOUT:-900}" "$log"
	[ "$(cat "$log.status")" = ok ] || die "$(cat "$log.status")"
}

# Our change's diagnostics only: keep the "file:line:" lines of compiler or
# sparse output that point at a line the change adds (every line of a new
# file), so that what 6.12 itself warns about does not count.
ours_only() {
	local added=$B/lint-added-lines
	git -C "$SRC" diff -U0 base | awk '
		/^\+\+\+ b\// { f = substr($0, 7); next }
		/^@@ / {
			split(substr($3, 2), a, ",")
			n = a[2] == "" ? 1 : a[2]
			for (i = 0; i < n; i++)
				print f ":" a[1] + i
		}' > "$added"
	awk '
		NR == FNR { ours[$0] = 1; next }
		{
			line = $0
			sub(/^.*linux-[0-9.]+\//, "", line)
			split(line, p, ":")
			if ((p[1] ":" p[2]) in ours)
				print line
		}' "$added" -
}

# The objects our change touches, for sparse and W=1.
LINT_OBJS="mm/process_reap.o mm/rmap.o mm/memory.o mm/huge_memory.o kernel/exit.o kernel/signal.o kernel/fork.o"

# checkpatch --strict (0 errors, 0 warnings), sparse and W=1 on our lines,
# kernel-doc -Werror on our files, shellcheck on every script.  CHECKs are
# listed but pass; the only ones left are "spaces preferred around that
# '*'" after FIXTURE_DATA(reap), a type checkpatch cannot see through the
# kselftest harness's macro.
cmd_lint() {
	local PACKAGES="$PACKAGES sparse shellcheck python3-ply python3-git"
	local bad=0 out p
	cmd_deps
	cmd_kernel
	cd "$SRC"
	# checkpatch's spdxcheck.py needs Debian's python3-ply, not another
	# python3 that may come first in PATH.
	export PATH=/usr/bin:$PATH
	say "checkpatch --strict: each patch, then the whole change against base"
	for p in "$ROOT"/patches/"$KVER"/*.patch; do
		out=$(scripts/checkpatch.pl --strict --no-summary --terse "$p" || true)
		printf '    %s: %s\n' "${p##*/}" "${out:-clean}"
		! grep -qE ': (ERROR|WARNING):' <<< "$out" || bad=1
	done
	out=$({ printf 'Subject: the whole change\n\nAgainst pristine %s.\n---\n' "$KVER"
		git diff --patch-with-stat base; } |
		scripts/checkpatch.pl --strict --no-signoff --no-summary --terse - || true)
	printf '    whole change: %s\n' "${out:-clean}"
	! grep -qE ': (ERROR|WARNING):' <<< "$out" || bad=1

	say "sparse (C=2) and W=1 on $LINT_OBJS"
	# shellcheck disable=SC2086
	out=$(kmake C=2 $LINT_OBJS 2>&1 | ours_only)
	printf '    sparse: %s\n' "${out:-nothing on our lines}"
	[ -z "$out" ] || bad=1
	# shellcheck disable=SC2086
	out=$(kmake W=1 $LINT_OBJS 2>&1 | ours_only)
	printf '    W=1: %s\n' "${out:-nothing on our lines}"
	[ -z "$out" ] || bad=1
	# Rebuild them with the usual flags, so the next boot is not W=1's.
	# shellcheck disable=SC2086
	kmake $LINT_OBJS > /dev/null 2>&1

	say "kernel-doc -Wall -Werror"
	out=$(scripts/kernel-doc -none -Wall -Werror mm/process_reap.c \
		include/uapi/linux/process_reap.h 2>&1) || bad=1
	printf '    %s\n' "${out:-quiet}"

	say "shellcheck"
	cd "$ROOT"
	out=$(shellcheck harness/*.sh harness/guest/init harness/guest/timeout \
		.ci/run tools/testing/selftests/process_reap/*.sh \
		samples/process_reap/*.sh 2>&1) || bad=1
	printf '    %s\n' "${out:-clean}"
	[ "$bad" = 0 ] || die "lint found problems"
	say "lint: clean"
}

# Replace the README's text between the bench markers with bench.md.
readme_bench() {
	local md=$1 readme=$ROOT/README.md
	grep -q '^<!-- bench:start -->$' "$readme" || return 0
	awk -v md="$md" '
		/^<!-- bench:end -->$/ {
			while ((getline line < md) > 0)
				print line
			print ""
			print "![Memory still charged to the victim after SIGKILL](results/bench.png)"
			print ""
			skip = 0
		}
		!skip { print }
		/^<!-- bench:start -->$/ { skip = 1 }
	' "$readme" > "$readme.new"
	mv "$readme.new" "$readme"
}

cmd_bench() {
	local log=$B/bench.log out=$ROOT/results f
	local PACKAGES="$PACKAGES gnuplot-nox"
	cmd_deps
	cmd_kernel
	cmd_guest
	boot bench "${VM_TIMEOUT:-1500}" "$log" "${BENCH_ARGS:-}"
	[ "$(cat "$log.status")" = ok ] || die "$(cat "$log.status")"
	mkdir -p "$out"
	rm -f "$out"/bench.csv "$out"/bench-curves.csv "$out"/bench.md
	awk -v dir="$out" '
		/^BENCH-FILE: / { f = dir "/" $2; next }
		/^BENCH\| / && f { sub(/^BENCH\| /, ""); print > f }
	' "$log"
	for f in bench.csv bench-curves.csv bench.md; do
		[ -s "$out/$f" ] || die "the guest sent no $f; see $log"
	done
	gnuplot -e "data='$out/bench-curves.csv'; out='$out/bench.png'" \
		"$ROOT/harness/bench.gp"
	readme_bench "$out/bench.md"
	say "results: results/bench.csv, bench-curves.csv, bench.md, bench.png; README updated"
}

case "${1:-}" in
deps | tree | refresh | config | kernel | guest | check | run | bench | lint | exec) cmd=$1; shift; "cmd_$cmd" "$@" ;;
*) sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
