# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks: checkpatch, sparse, W=1, shellcheck (make lint), and the
# documentation: kernel-doc, htmldocs, mandoc (make docs).

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
LINT_OBJS="mm/process_reap.o mm/mmu_gather.o mm/swap.o mm/swap_state.o mm/memory.o mm/mmap.o kernel/exit.o kernel/signal.o kernel/fork.o kernel/futex/core.o"

# lint, docs and series check the 6.12 change as upstream would get it.
only_612() {
	[ "$KVER-$ARCH" = 6.12-x86_64 ] ||
		die "$1 is for KVER=6.12 ARCH=x86_64 (the upstream series); 6.1 and arm64 have make check"
}

# checkpatch --strict (0 errors, 0 warnings), sparse and W=1 on our lines,
# every script through shellcheck, the syscall probe on the host's kernel,
# the committed series of each base against its tree, then cmd_docs
# (kernel-doc -Werror on our files, htmldocs, mandoc).  CHECKs are listed but pass: "spaces
# preferred around that '*'" after FIXTURE_DATA(reap), a type checkpatch
# cannot see through the kselftest harness's macro; the trace header's
# macro layout; CamelCase for C11's _Noreturn in the selftests' fallback
# __noreturn (6.1's kselftest.h has none).
cmd_lint() {
	local bad=0 out p
	only_612 lint
	deps_add "sparse:sparse shellcheck:shellcheck" "python3-ply python3-git"
	cmd_deps
	cmd_kernel
	cd "$SRC" || exit
	# checkpatch's spdxcheck.py needs Debian's python3-ply, not another
	# python3 that may come first in PATH.
	export PATH=/usr/bin:$PATH
	say "checkpatch --strict: each patch (every version's), then the whole change against base"
	for p in "$ROOT"/patches/*/*.patch "$ROOT"/patches/*/backport/*.patch; do
		[ -f "$p" ] || continue
		out=$(scripts/checkpatch.pl --strict --no-summary --terse "$p" || true)
		printf '    %s: %s\n' "${p#"$ROOT"/patches/}" "${out:-clean}"
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

	say "shellcheck"
	cd "$ROOT" || exit
	out=$(shellcheck -x harness/*.sh harness/lib/*.sh harness/arch/*.sh \
		harness/guest/init harness/guest/timeout harness/guest/man-examples \
		.ci/run tools/testing/selftests/process_reap/*.sh \
		samples/process_reap/*.sh 2>&1) || bad=1
	printf '    %s\n' "${out:-clean}"

	# The host's kernel has no such call, or another one, at the number.
	say "try_reap_probe() on this host's kernel ($(uname -r)), against impostors"
	if gcc -O2 -Wall -isystem "$OBJ/usr/include" -o "$B/reap_detect-host" \
		"$SRC/tools/testing/selftests/process_reap/reap_detect.c" > "$B/detect.log" 2>&1 &&
	   "$B/reap_detect-host" >> "$B/detect.log" 2>&1; then
		echo "    $(grep -c '^ok ' "$B/detect.log") ok, none failed"
	else
		sed 's/^/    /' "$B/detect.log"
		bad=1
	fi

	# 6.1's series is checked where its tree is unpacked anyway (CI's
	# 6.1 lane): "KVER=6.1 harness/harness.sh series-fresh".
	say "the committed series: what the 6.12 tree writes"
	"$ROOT/harness/harness.sh" series-fresh || bad=1
	[ "$bad" = 0 ] || die "lint found problems"
	cmd_docs
	say "lint: clean"
}

# Sphinx over userspace-api (Debian's python3-sphinx): no warning may name
# our files, and the page must carry the syscall's kernel-doc.  mandoc
# -Tlint on the man pages.
cmd_docs() {
	local out=$B/obj-docs
	local log=$B/docs.log html bad=0 msg
	only_612 docs
	deps_add "sphinx-build:python3-sphinx mandoc:mandoc"
	cmd_deps
	cmd_tree --keep
	say "kernel-doc -Wall -Werror on our sources"
	msg=$(cd "$SRC" && scripts/kernel-doc -none -Wall -Werror mm/process_reap.c \
		include/uapi/linux/process_reap.h \
		include/trace/events/process_reap.h 2>&1) || bad=1
	printf '    %s\n' "${msg:-quiet}"

	say "make htmldocs SPHINXDIRS=userspace-api"
	rm -rf "$out/Documentation/output/userspace-api"
	mkdir -p "$out"
	# -E: a fresh environment, or an unchanged page's warnings go unseen.
	logged "$log" "htmldocs" make -C "$SRC" O="$out" SPHINXDIRS=userspace-api \
		"SPHINXOPTS=-q -E" htmldocs
	msg=$(grep -iE 'warning|error' "$log" | grep -E 'process_reap|try_reap' || true)
	html=$out/Documentation/output/userspace-api/process_reap.html
	if [ -n "$msg" ]; then
		printf '    %s\n' "$msg"
		bad=1
	elif ! grep -q 'sys_try_reap_dying_process' "$html" 2>/dev/null; then
		echo "    $html lacks the syscall's kernel-doc"
		bad=1
	else
		echo "    no warning for our files ($(grep -ciE 'warning' "$log" || true) elsewhere); kernel-doc pulled into ${html#"$B"/}"
	fi

	say "mandoc -Tlint"
	# man-pages 6 writes titles in lower case, which mandoc calls a style
	# issue; everything else it says counts.
	msg=$(mandoc -Tlint "$ROOT"/man/man2/*.2 2>&1 |
		grep -v 'STYLE: lower case character in document title') || true
	[ -z "$msg" ] || bad=1
	printf '    %s\n' "${msg:-clean}"
	# The header's fallback number, for kernel headers that lack it, is a
	# copy.
	if ! grep -qP "^#define __NR_try_reap_dying_process\t$SYSCALL_NR\$" \
		"$ROOT/samples/process_reap/try_reap.h"; then
		echo "    samples/process_reap/try_reap.h does not fall back to syscall number $SYSCALL_NR"
		bad=1
	fi
	[ "$bad" = 0 ] || die "docs: problems above"
}
