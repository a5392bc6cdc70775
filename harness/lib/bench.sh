# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot once, run every benchmark scenario, bring the result
# files back out of the console log, plot them and update docs/benchmark.md.

# Replace the text between the bench markers of docs/benchmark.md with
# bench.md.
docs_bench() {
	local md=$1 doc=$ROOT/docs/benchmark.md
	grep -q '^<!-- bench:start -->$' "$doc" || return 0
	awk -v md="$md" '
		/^<!-- bench:start -->$/ { print; skip = 1; next }
		/^<!-- bench:end -->$/ {
			while ((getline line < md) > 0)
				print line
			print ""
			print "![Memory still charged to the victim after SIGKILL](../results/bench.png)"
			print ""
			skip = 0
		}
		!skip { print }
	' "$doc" > "$doc.new"
	mv "$doc.new" "$doc"
}

cmd_bench() {
	local log=$B/bench.log out=$ROOT/results f stamp
	# results/ and docs/benchmark.md hold 6.12 on x86_64; other kernels and
	# architectures get a directory of their own.
	[ "$KVER-$ARCH" = 6.12-x86_64 ] || out=$ROOT/results/$KVER-$ARCH
	deps_add gnuplot:gnuplot-nox
	guest_boot bench 1500 "$log" "${BENCH_ARGS:-}"
	# What the figures were measured on, before they dirty the tree.
	stamp=$(printf 'Measured at commit %s on Linux %s (%s, QEMU %s, %s vCPUs), %s.' \
		"$(git -C "$ROOT" describe --always --dirty --abbrev=12)" \
		"$(kmake -s kernelrelease 2>/dev/null)" "$ARCH" \
		"$QEMU_ACCEL" "$VM_CPUS" "$(date -u +%F)")
	boot_ok "$log"
	mkdir -p "$out"
	rm -f "$out"/bench.csv "$out"/bench-curves.csv "$out"/bench.md
	awk -v dir="$out" '
		/^BENCH-FILE: / { f = dir "/" $2; next }
		/^BENCH\| / && f { sub(/^BENCH\| /, ""); print > f }
	' "$log"
	for f in bench.csv bench-curves.csv bench.md; do
		[ -s "$out/$f" ] || die "the guest sent no $f; see $log"
	done
	{ echo "$stamp"; cat "$out/bench.md"; } > "$out/bench.md.new"
	mv "$out/bench.md.new" "$out/bench.md"
	gnuplot -e "data='$out/bench-curves.csv'; out='$out/bench.png'" \
		"$ROOT/harness/bench.gp"
	if [ "$out" = "$ROOT/results" ]; then
		docs_bench "$out/bench.md"
		say "results: results/bench.csv, bench-curves.csv, bench.md, bench.png; docs/benchmark.md updated"
	else
		say "results: ${out#"$ROOT"/}/: bench.csv, bench-curves.csv, bench.md, bench.png"
	fi
}

# make profile: where the kernel spends a teardown's time, function by
# function.  One boot with profile=4; each of reap_bench's strategies in
# PROFILE_KEYS runs alone (PROFILE_ARGS, "-r 10" by default) and sends
# back the ticks from its kills on (-P); results/profile.md puts the
# strategies side by side.  The reaper and the victim's own exit run on
# different CPUs, and the profile counts both, so the table shows each
# strategy's whole teardown.
cmd_profile() {
	local log=$B/profile.log out=$ROOT/results/profile.md script="" k stamp
	local keys=${PROFILE_KEYS:-exit_thp_busy exit_thp_moved idle_reap_thp idle_mrelease_thp exit_4k_busy exit_4k_moved idle_reap idle_mrelease}
	for k in $keys; do
		script+="/ksft/process_reap/reap_bench ${PROFILE_ARGS:--r 10} -P /tmp/$k.prof $k || exit 1; sed 's/^/BENCH| $k /' /tmp/$k.prof; "
	done
	KERNEL_ARGS="profile=4${KERNEL_ARGS:+ $KERNEL_ARGS}" \
		guest_boot exec 1500 "$log" "$(printf '%s' "$script" | base64 -w0)"
	stamp=$(printf 'Profiled at commit %s on Linux %s (%s, QEMU %s, %s vCPUs), %s: ticks by function from each kill on, %s.' \
		"$(git -C "$ROOT" describe --always --dirty --abbrev=12)" \
		"$(kmake -s kernelrelease 2>/dev/null)" "$ARCH" \
		"$QEMU_ACCEL" "$VM_CPUS" "$(date -u +%F)" "${PROFILE_ARGS:--r 10}")
	boot_ok "$log"
	[ "$KVER-$ARCH" = 6.12-x86_64 ] || out=$ROOT/results/$KVER-$ARCH/profile.md
	mkdir -p "$(dirname "$out")"
	{ echo "$stamp"; echo; python3 "$ROOT/harness/profile.py" "$OBJ/System.map" "$log"; } > "$out.new"
	mv "$out.new" "$out"
	say "results: ${out#"$ROOT"/}"
}
