# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot and results: the one way the guest is booted (guest_boot), and
# what make check reads out of its console log.

# VM_TIMEOUT, or the seconds a guest gets: BASE for this host's
# architecture, more under KASAN and lockdep (debug) and for another
# architecture, whose TCG is slower.
vm_timeout() {
	local t=$1
	[ "$FLAVOR" != debug ] || t=$((t * 10 / 3))
	! foreign || t=$((t * 2))
	echo "${VM_TIMEOUT:-$t}"
}

# Pass the console through and write how long each kselftest program
# took, in host seconds, to $1: which ones make a lane slow.
test_times() {
	local out=$1 line name start=$EPOCHSECONDS
	: > "$out"
	while IFS= read -r line; do
		printf '%s\n' "$line"
		if [[ $line =~ ^#\ selftests:\ [a-z_]+:\ ([^ ]+)$ ]]; then
			name=${BASH_REMATCH[1]} start=$EPOCHSECONDS
		elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ selftests: ]]; then
			echo "$name $((EPOCHSECONDS - start))s" >> "$out"
		fi
	done
}

# boot MODE BASE_TIMEOUT LOG [ARGS]: boot the guest with harness.mode=MODE
# and harness.args=ARGS.  The status file says "fail" until the guest's
# closing line is seen, so a VM that dies or hangs reads as a failure.
# Files the guest sends back as "BENCH|" lines stay out of the terminal.
boot() {
	local mode=$1 timeout log=$3 args=${4:-} accel=() rc=0 env=
	timeout=$(vm_timeout "$2")
	# Unknown NAME=value parameters reach init as environment variables.
	# no5lvl: 6.12's identify_cpu() clears boot_cpu_data's feature bits
	# and reads them again, and with 5-level paging pgtable_l5_enabled()
	# reads X86_FEATURE_LA57 from there; an interrupt in that window makes
	# KASAN take a per-CPU address for a wild access (seen once in CI, at
	# boot).  The other lanes keep the 5-level paging -cpu max offers.
	[ "$FLAVOR" != debug ] || env=" REAP_STRESS_CYCLES=${STRESS_CYCLES:-3000}"
	# QUICK=1: fewer rounds of each race (CI's debug lane).
	[ -z "${QUICK:-}" ] || env+=" REAP_QUICK=1"
	[ "$FLAVOR" != debug ] || [ "$ARCH" != x86_64 ] || env+=" no5lvl"
	# KERNEL_ARGS: more, for an experiment (profile=2, say).
	env+=${KERNEL_ARGS:+ $KERNEL_ARGS}
	case "$QEMU_ACCEL" in
	tcg) accel=(-accel tcg -cpu max) ;;
	kvm) accel=(-accel kvm -cpu host) ;;
	*) die "QEMU_ACCEL must be tcg or kvm" ;;
	esac
	[ "$QEMU_ACCEL" = tcg ] || ! foreign ||
		die "QEMU_ACCEL=kvm runs only the host's architecture"
	[ "${#QEMU[@]}" -gt 0 ] || die "no guest for ARCH=$ARCH (x86_64 or arm64)"
	echo "fail: the VM did not finish" > "$log.status"
	say "booting $ARCH ($QEMU_ACCEL, $VM_CPUS vCPUs, $VM_MEM): $mode, log in $log"
	timeout --foreground "$timeout" "${QEMU[@]}" "${accel[@]}" \
		-smp "$VM_CPUS" -m "$VM_MEM" -no-reboot -display none \
		-monitor none -serial stdio \
		-kernel "$OBJ/arch/$SRCARCH/boot/$KIMAGE" \
		-initrd "$GUEST/initramfs.cpio" \
		-append "console=$CONSOLE loglevel=5 panic=-1 oops=panic harness.mode=$mode${args:+ harness.args=${args// /,}}$env" \
		< /dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" |
		test_times "$log.times" |
		grep --line-buffered -Ev '^(BENCH|KMEMLEAK)\| ' || rc=$?
	[ "$rc" = 0 ] || echo "fail: qemu exited $rc (124 is the ${timeout}s timeout)" > "$log.status"
	if grep -q '^HARNESS-EXIT: 0$' "$log"; then
		echo ok > "$log.status"
	elif grep -q '^HARNESS-EXIT:' "$log"; then
		echo "fail: $(grep '^HARNESS-EXIT:' "$log")" > "$log.status"
	fi
}

# guest_boot MODE BASE_TIMEOUT LOG [ARGS]: what every boot needs (the
# packages, the kernel, the guest), then the boot itself.  check, run,
# exec and bench all come through here.
guest_boot() {
	cmd_deps
	cmd_kernel
	cmd_guest
	boot "$@"
}

# Die with the guest's status unless it finished cleanly.
boot_ok() {
	[ "$(cat "$1.status")" = ok ] || die "$(cat "$1.status")"
}

# Kernel messages that mean something went wrong in the guest.
SPLATS='(BUG:|WARNING:|Oops|general protection fault|KASAN|kernel BUG|'
SPLATS+='possible circular locking|possible recursive locking|lockdep|'
SPLATS+='inconsistent lock state|rcu_sched self-detected stall|'
SPLATS+='rcu: INFO:|detected stall|blocked for more than|hung_task|'
SPLATS+='Kernel panic|Bad rss-counter|Bad page|UBSAN)'

# The splats in a guest's console log.  Frames of a stack dump (an OOM
# report's, say) are not splats; the header of a real one is.
log_splats() {
	grep -E "$SPLATS" "$1" | grep -v '^#' |
		grep -vE '^ +(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+' || true
}

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

# make check: the kselftests (T, names or globs of test programs, picks
# some), counted from the TAP in the console log.
cmd_check() {
	local log=$B/check-${GUEST##*/guest-}.log passed failed skipped crashed splats status
	guest_boot check 1200 "$log" "${T:-}"
	status=$(cat "$log.status")

	passed=$(grep -E '^# ok [0-9]+ ' "$log" | grep -vc '# SKIP' || true)
	skipped=$(grep -E '^# ok [0-9]+ .*# SKIP' -c "$log" || true)
	failed=$(grep -cE '^# not ok [0-9]+ ' "$log" || true)
	# A test binary that crashed or timed out may leave no subtest line.
	crashed=$(grep -cE '^not ok [0-9]+ selftests: ' "$log" || true)
	splats=$(log_splats "$log")

	echo
	say "summary"
	echo "    time per test: $(paste -sd, "$log.times" | sed 's/,/, /g')"
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

# For hacking: "harness.sh exec 'reap-demo -m 256 reap'".  The command
# line cannot carry spaces or commas; base64 has neither.
cmd_exec() {
	[ $# -gt 0 ] || die "usage: harness.sh exec COMMAND"
	guest_boot exec 900 "$B/exec.log" "$(printf '%s' "$*" | base64 -w0)"
	boot_ok "$B/exec.log"
}

cmd_run() {
	guest_boot run 900 "$B/run.log"
	boot_ok "$B/run.log"
}
