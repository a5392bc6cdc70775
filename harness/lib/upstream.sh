# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-upstream: the kernel's own selftests for what our patches
# touch (mm, futex, pidfd, clone3), on the patched kernel and on the same
# configuration built from the pristine tree.  Patch 0001 changes what
# folio_remove_rmap_ptes() and zap_huge_pmd() return for every caller,
# 0002 when an exit's mmu_gather flushes, 0005 exit_mm(), 0006 the robust
# futex walk: a test whose result differs
# between the two kernels is a behaviour we changed.

UPSTREAM_TARGETS="mm futex pidfd clone3"
UPSTREAM_ROUNDS=${UPSTREAM_ROUNDS:-10}

# Build the upstream selftests (static, against the patched uapi headers,
# which only add to the pristine ones) into DEST/TARGET/, as the guest
# runs them.  A program that does not link statically (exec's static-pie
# variants) is left out; every other build error fails.
upstream_selftests() {
	local dest=$1 out=$B/upstream-build-$KVER-$ARCH t extra
	rm -rf "$dest"
	for t in $UPSTREAM_TARGETS; do
		extra=
		# khugepaged.c uses KSFT_SKIP without including kselftest.h.
		[ "$t" != mm ] || extra="-include $SRC/tools/testing/selftests/kselftest.h -D_GNU_SOURCE"
		logged "$B/upstream-selftests.log" "$t selftests" \
			make -C "$SRC/tools/testing/selftests" TARGETS="$t" \
			O="$out" ARCH="$KARCH" CROSS_COMPILE="$CROSS_PREFIX" \
			KHDR_INCLUDES="-isystem $OBJ/usr/include" EXTRA_CFLAGS="$extra" \
			LDFLAGS=-static CC="ccache ${CROSS_PREFIX}gcc"
		mkdir -p "$dest/$t"
		find "$out/kselftest/$t" -type f -perm -u+x ! -name '*.sh' \
			-exec cp {} "$dest/$t/" \;
	done
}

# The pristine kernel: a work tree of Debian's unpatched sources, built
# with the patched kernel's .config (olddefconfig drops PROCESS_REAP).
upstream_pristine_kernel() {
	local wt=$B/pristine-$KVER obj=$B/obj-$KVER-$ARCH-pristine
	if [ ! -e "$wt/.git" ]; then
		rm -rf "$wt"
		git -C "$SRC" worktree prune
		logged "$B/upstream-kernel.log" "git worktree" \
			git -C "$SRC" worktree add -q --detach "$wt" base
	fi
	mkdir -p "$obj"
	cmp -s "$OBJ/.config" "$obj/.config.main" ||
		{ cp "$OBJ/.config" "$obj/.config"; cp "$OBJ/.config" "$obj/.config.main"; }
	say "building the pristine kernel (${obj#"$B"/})"
	# shellcheck disable=SC2034 # kmake reads them
	(SRC=$wt OBJ=$obj
	 logged "$B/upstream-kernel.log" "pristine olddefconfig" kmake olddefconfig
	 logged "$B/upstream-kernel.log" "pristine kernel build" kmake "$KIMAGE")
	! grep -q '^CONFIG_PROCESS_REAP=' "$obj/.config" ||
		die "the pristine kernel has CONFIG_PROCESS_REAP"
}

# The results of a boot's log, one "program: subtest<TAB>result" per line:
# ok, fail or skip, for each TAP line a program printed and for the
# program itself (its exit status).  A name seen twice gets a count, from
# 1 again in each round of a rerun.
upstream_results() {
	awk '
		/^UPSTREAM-ROUND / { split("", seen); next }
		/^UPSTREAM-BEGIN / { prog = $2; next }
		/^UPSTREAM-END / {
			r = $3 == 0 ? "ok" : $3 == 4 ? "skip" : "fail (exit " $3 ")"
			emit(prog, r); prog = ""; next
		}
		prog != "" && /^# (not )?ok [0-9]+ / {
			line = substr($0, 3)
			r = line ~ /^not ok/ ? "fail" : line ~ /# [Ss][Kk][Ii][Pp]/ ? "skip" : "ok"
			sub(/^(not )?ok [0-9]+ /, "", line)
			sub(/ *# .*$/, "", line)
			# Counts in a name ("Extra pages 32") vary from run to run.
			gsub(/[0-9]+/, "N", line)
			emit(prog ": " line, r)
		}
		function emit(k, r) {
			if (seen[k]++)
				k = k " #" seen[k]
			print k "\t" r
		}
	' "$1" | LC_ALL=C sort
}

upstream_counts() {
	awk -F'\t' '{ n[$2 ~ /^fail/ ? "fail" : $2]++ }
		END { printf "%d ok, %d failed, %d skipped", n["ok"], n["fail"], n["skip"] }' "$1"
}

# Rerun the programs of the results that differ, UPSTREAM_ROUNDS times on
# each kernel, and print how many differences that does not explain.
upstream_rerun() {
	local differ=$1 progs
	progs=$(printf '%s\n' "$differ" | cut -f1 | sed 's/: .*//' | sort -u | tr '\n' ' ')
	say "rerunning ${progs}$UPSTREAM_ROUNDS times on each kernel" >&2
	boot upstream 5400 "$B/upstream-patched-rerun.log" "$UPSTREAM_ROUNDS $progs" >&2
	# shellcheck disable=SC2034 # boot reads it
	(OBJ=$B/obj-$KVER-$ARCH-pristine
	 boot upstream 5400 "$B/upstream-pristine-rerun.log" "$UPSTREAM_ROUNDS $progs" >&2)
	upstream_classify "$differ"
}

# Every result a kernel gave for KEY, in its first run (RESULT) and in the
# reruns (RESULTS, upstream_results of their log): "N x result, ...".
upstream_tally() {
	{ printf '%s\n' "$3"
	  printf '%s\n' "$2" | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; } |
		sort | uniq -c | awk '{ $1 = $1 " x"; print }' | paste -sd, - | sed 's/,/, /g'
}

# A difference is the test's own flakiness when every result the patched
# kernel gave, the pristine one gave too: the patches made the test do
# nothing it does not do without them.  Print how many are not.
upstream_classify() {
	local line key p u rp ru n=0 resp resu
	resp=$(upstream_results "$B/upstream-patched-rerun.log")
	resu=$(upstream_results "$B/upstream-pristine-rerun.log")
	while IFS=$'\t' read -r key p u; do
		rp=$(upstream_tally "$key" "$resp" "$p")
		ru=$(upstream_tally "$key" "$resu" "$u")
		line="$key: patched $rp; pristine $ru"
		if awk -v p="$rp" -v u="$ru" 'BEGIN {
			n = split(p, r, ", ")
			for (i = 1; i <= n; i++) {
				sub(/^[0-9]+ x /, "", r[i])
				if (!index(", " u ",", " x " r[i] ","))
					exit 1
			}
		}'; then
			echo "      flaky, the pristine kernel does it too: $line" >&2
		else
			echo "      differs: $line" >&2
			n=$((n + 1))
		fi
	done <<< "$1"
	echo "$n"
}

cmd_upstream() {
	local splat same differ failed=0 log
	local logp=$B/upstream-patched.log logu=$B/upstream-pristine.log
	rm -f "$B"/upstream-*-rerun.log*
	[ "$ARCH" = x86_64 ] || die "check-upstream: ARCH is x86_64"
	[ "$FLAVOR" = upstream ] || die "check-upstream: FLAVOR=upstream (harness/config/upstream.config)"
	# migration and ksm_tests link libnuma.
	deps_add "" "libnuma-dev"
	cmd_deps
	cmd_kernel
	upstream_pristine_kernel
	cmd_guest
	say "building the upstream selftests: $UPSTREAM_TARGETS"
	upstream_selftests "$GUEST/root/upstream"
	cp "$ROOT/harness/guest/upstream-tests" "$GUEST/root/usr/bin/upstream-tests"
	guest_pack

	boot upstream 5400 "$logp"
	# shellcheck disable=SC2034 # boot reads it
	(OBJ=$B/obj-$KVER-$ARCH-pristine; boot upstream 5400 "$logu")
	upstream_results "$logp" > "$logp.results"
	upstream_results "$logu" > "$logu.results"

	echo
	say "summary"
	echo "    patched:  $(upstream_counts "$logp.results"), $(cat "$logp.status")"
	echo "    pristine: $(upstream_counts "$logu.results"), $(cat "$logu.status")"
	same=$(LC_ALL=C comm -12 "$logp.results" "$logu.results" | wc -l)
	differ=$(LC_ALL=C join -t "$(printf '\t')" -a1 -a2 -e missing -o 0,1.2,2.2 \
		"$logp.results" "$logu.results" | awk -F'\t' '$2 != $3')
	if [ -n "$differ" ]; then
		echo "    results that differ (test, patched, pristine):"
		printf '%s\n' "$differ" | sed 's/^/      /'
		failed=$(upstream_rerun "$differ")
	fi
	for log in "$logp" "$logu" "$B"/upstream-*-rerun.log; do
		[ -e "$log" ] || continue
		if [ "$(cat "$log.status")" != ok ]; then
			echo "    ${log##*/}: $(cat "$log.status")"
			failed=$((failed + 1))
		fi
		splat=$(log_splats "$log")
		if [ -n "$splat" ]; then
			echo "    kernel splat in ${log##*/}:"
			printf '%s\n' "$splat" | head -n 10 | sed 's/^/      /'
			failed=$((failed + 1))
		fi
	done
	[ "$same" -gt 0 ] || { echo "    no result at all"; failed=$((failed + 1)); }
	echo "$same passed, $failed failed"
	[ "$failed" = 0 ]
}
