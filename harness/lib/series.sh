# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The upstream series, one per base: series/$KVER/, committed, with a
# quilt "series" file.  Its first patches are patches/$KVER/ as they are;
# then a commit per piece of ours (the syscall, its wiring, samples,
# selftests, docs, trace events), with messages from series/text/.
#
#   series_write DIR   write the series for $KVER into DIR
#   cmd_series         write series/$KVER, then verify it: git am on the
#                      pristine tree, checkpatch --strict and a build
#                      after each patch
#   series_fresh       fail if the committed series/$KVER is stale
#                      (harness.sh series-fresh)

SERIES_TEXT=$ROOT/series/text
STRIP_TRACE_FILES="mm/process_reap.c Documentation/userspace-api/process_reap.rst
	tools/testing/selftests/process_reap/Makefile
	tools/testing/selftests/process_reap/config
	tools/testing/selftests/process_reap/.gitignore"
# Every commit of a series is dated the same and has the patches' own
# author, so that the same repository writes the same series anywhere.
SERIES_DATE="Mon, 2 Dec 2024 00:00:00 +0000"

# A file of ours as it reads before the trace events patch: the lines
# that patch adds are left out.  From the tree, where the file is the
# one for this base.
before_trace() {
	local f=$SRC/$1
	case "$1" in
	mm/process_reap.c)
		sed -e '/^#define CREATE_TRACE_POINTS$/d' \
			-e '/^#include <trace\/events\/process_reap.h>$/d' \
			-e '/trace_process_reap_/d' "$f" | cat -s ;;
	*.rst)
		sed '/^Trace events$/,$d' "$f" |
			awk '{ l[NR] = $0 } END {
				for (n = NR; n > 0 && l[n] == ""; n--) ;
				for (i = 1; i <= n; i++) print l[i] }' ;;
	*/Makefile) sed 's/ reap_trace$//' "$f" ;;
	*/config) sed '/^CONFIG_FTRACE=/d; /^CONFIG_ENABLE_DEFAULT_TRACERS=/d' "$f" ;;
	*/.gitignore) sed '/^reap_trace$/d' "$f" ;;
	esac
}

# series_add WT STAGE PATH...: copy files of ours from the tree into the
# work tree; STAGE "early" takes the version before the trace events
# patch, which must differ from the final one and no longer mention the
# events.
series_add() {
	local wt=$1 stage=$2 f
	shift 2
	for f in "$@"; do
		mkdir -p "$wt/$(dirname "$f")"
		if [ "$stage" = early ] && [[ " $STRIP_TRACE_FILES " == *[[:space:]]"$f"[[:space:]]* ]]; then
			before_trace "$f" > "$wt/$f"
			if cmp -s "$SRC/$f" "$wt/$f" ||
			   grep -qiE 'reap_trace|trace_process_reap|trace events|FTRACE' "$wt/$f"; then
				die "before_trace: $f did not lose exactly its trace lines; update before_trace"
			fi
		else
			cp "$SRC/$f" "$wt/$f"
		fi
		git -C "$wt" add -f "$f"
	done
}

# The patch of patches/$KVER numbered N.
series_patch() {
	local p
	for p in "$ROOT/patches/$KVER/$1"-*.patch; do
		[ -f "$p" ] || die "no patches/$KVER/$1-*.patch"
		echo "$p"
	done
}

# The MAINTAINERS entry grows with the files: each patch that adds one
# lists it, so checkpatch finds MAINTAINERS updated where files are added.
series_maintainers() {
	local wt=$1 tmp
	tmp=$(mktemp -d)
	git -C "$wt" show base:MAINTAINERS > "$tmp/MAINTAINERS"
	(cd "$tmp" && git apply "$(series_patch 0008)") ||
		die "0008 does not apply to MAINTAINERS"
	# Until the first file exists, there is no entry at all.
	awk -v wt="$wt" '
		/^PROCESS REAP$/ { entry = 1; buf = ""; files = 0 }
		entry && /^$/ {
			entry = 0
			if (files)
				printf "%s\n", buf
			next
		}
		entry && /^F:\t/ && system("test -e \"" wt "/" substr($0, 4) "\"") {
			next
		}
		entry {
			files += /^F:\t/
			buf = buf $0 "\n"
			next
		}
		{ print }' "$tmp/MAINTAINERS" > "$wt/MAINTAINERS"
	rm -rf "$tmp"
	git -C "$wt" add MAINTAINERS
}

# This base exactly: Debian's package version and the kernel's own.
series_base() {
	local pkg version
	pkg=$(dpkg-query -W -f='${Version}' "linux-source-$KVER" 2>/dev/null || echo unknown)
	version=$(awk '/^(VERSION|PATCHLEVEL|SUBLEVEL) =/ { v = v (v ? "." : "") $3 }
		END { print v }' "$SRC/Makefile")
	echo "$pkg $version"
}

# Fill in the placeholders of series/text/*.txt, from stdin.
series_text() {
	local pkg version
	read -r pkg version < <(series_base)
	sed -e "s/@NR@/$SYSCALL_NR/g" -e "s/@ALPHA_NR@/$((SYSCALL_NR + 110))/g" \
		-e "s/@KERNELVERSION@/$version/g" -e "s/@DEBIANVERSION@/$pkg/g" \
		-e "s/@KVER@/$KVER/g"
}

# series_commit WT MSG: commit what is staged; MSG is a series/text file,
# or a patch whose header (Subject, body, tags) becomes the message.
series_commit() {
	local wt=$1 msg=$2 text
	case "$msg" in
	*.patch) text=$(sed -n '/^Subject: /,/^---$/p' "$msg" |
			sed -e 's/^Subject: //' -e '/^---$/d' -e '/^Signed-off-by: /d') ;;
	*) text=$(series_text < "$msg") ;;
	esac
	series_maintainers "$wt"
	printf '%s\n' "$text" | git -C "$wt" commit -q -s -F - ||
		die "nothing to commit for $(basename "$msg")"
}

# Build the series commit by commit in a work tree at the pristine base.
series_build_commits() {
	local wt=$1 sel=tools/testing/selftests/process_reap n p early_sel
	early_sel=$(cd "$ROOT" && git ls-files "$sel" | grep -vx "$sel/reap_trace.c")
	# The preparations: mm, exit, signal and futex patches as they are.
	for n in 0001 0002 0003 0004 0005 0006; do
		p=$(series_patch "$n")
		git -C "$wt" apply --index "$p" || die "$(basename "$p") does not apply"
		series_commit "$wt" "$p"
	done
	git -C "$wt" apply --index "$(series_patch 0007)" ||
		die "0007 does not apply"
	series_add "$wt" early mm/process_reap.c include/uapi/linux/process_reap.h
	"$ROOT/harness/wireup.sh" edit "$wt" core
	git -C "$wt" add -u
	series_commit "$wt" "$SERIES_TEXT/syscall.txt"
	"$ROOT/harness/wireup.sh" edit "$wt" tables
	git -C "$wt" add -u
	series_commit "$wt" "$SERIES_TEXT/wireup.txt"
	# shellcheck disable=SC2046
	series_add "$wt" final $(cd "$ROOT" && git ls-files samples/process_reap)
	series_commit "$wt" "$SERIES_TEXT/samples.txt"
	git -C "$wt" apply --index "$(series_patch 0009)" || die "0009 does not apply"
	# shellcheck disable=SC2086
	series_add "$wt" early $early_sel
	series_commit "$wt" "$SERIES_TEXT/selftests.txt"
	git -C "$wt" apply --index "$(series_patch 0010)" || die "0010 does not apply"
	series_add "$wt" early Documentation/userspace-api/process_reap.rst
	series_commit "$wt" "$SERIES_TEXT/docs.txt"
	series_add "$wt" final include/trace/events/process_reap.h \
		mm/process_reap.c Documentation/userspace-api/process_reap.rst \
		"$sel"/reap_trace.c "$sel"/Makefile "$sel"/config "$sel"/.gitignore
	series_commit "$wt" "$SERIES_TEXT/trace.txt"
}

# A work tree of the pristine kernel, detached at base.
series_worktree() {
	local wt=$1
	if [ -e "$wt/.git" ]; then
		git -C "$wt" am --abort > /dev/null 2>&1 || true
		git -C "$wt" checkout -q -f --detach base
		git -C "$wt" clean -q -f -d -x
	else
		rm -rf "$wt"
		git -C "$SRC" worktree prune
		logged "$B/series.log" "git worktree" \
			git -C "$SRC" worktree add -q --detach "$wt" base
	fi
}

# Fill in format-patch's cover letter from series/text/cover.txt, with
# the benchmark's figures from results/bench.md.
series_cover() {
	local cover=$1 figures=$B/series.figures body=$B/series.cover
	awk '/^\| # \|/ { on = 1 } on && !/^\|/ { exit } on' \
		"$ROOT/results/bench.md" > "$figures"
	[ -s "$figures" ] || die "no figures table in results/bench.md"
	sed -e '1,2d' -e "/^@FIGURES@$/{r $figures" -e 'd}' "$SERIES_TEXT/cover.txt" |
		series_text > "$body"
	awk -v subj="$(head -n 1 "$SERIES_TEXT/cover.txt")" -v body="$body" '
		/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj) }
		/^\*\*\* BLURB HERE \*\*\*$/ {
			while ((getline line < body) > 0)
				print line
			next
		}
		{ print }' "$cover" > "$cover.new"
	mv "$cover.new" "$cover"
}

series_write() {
	local out=$1 wt=$B/series-tree-$KVER ident name email p
	ident=$(sed -n '1s/^From: //p' "$(series_patch 0001)")
	name=${ident% <*} email=${ident##*<}
	email=${email%>}
	export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
	export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
	export GIT_AUTHOR_DATE=$SERIES_DATE GIT_COMMITTER_DATE=$SERIES_DATE

	say "writing the $KVER series in ${out#"$ROOT"/}"
	series_worktree "$wt"
	series_build_commits "$wt"
	# The series must end where make check's tree is.
	(cd "$SRC" && xargs git diff base -- < .git/harness-synced) > "$B/series.want"
	git -C "$wt" diff base HEAD > "$B/series.have"
	cmp -s "$B/series.want" "$B/series.have" ||
		die "the series does not end at our change: diff $B/series.want $B/series.have"

	rm -rf "$out"
	mkdir -p "$out"
	# RFC: the number is provisional.  New syscalls go to linux-api too.
	# No threading: its Message-Ids carry the time; send-email threads.
	git -C "$wt" format-patch -q --cover-letter --no-thread \
		--no-signature --subject-prefix="RFC PATCH" \
		--to=linux-mm@kvack.org --cc=linux-api@vger.kernel.org \
		--cc=linux-kernel@vger.kernel.org -o "$out" base..HEAD
	series_cover "$(echo "$out"/0000-*.patch)"
	# quilt's list: the patches, not the cover letter.
	for p in "$out"/[0-9]*.patch; do
		case ${p##*/} in
		0000-*) ;;
		*) echo "${p##*/}" ;;
		esac
	done > "$out/series"
}

# Fail if series/$KVER is not what the tree writes now: the committed
# series is what a distribution takes home.  Each patch's first line
# names a commit, which depends on where the base was unpacked.
series_fresh() {
	local tmp=$B/series-fresh-$KVER
	cmd_deps
	cmd_tree --keep
	series_write "$tmp"
	if ! diff -r -I '^From [0-9a-f]\{40\} ' "$ROOT/series/$KVER" "$tmp" > "$B/series-fresh.log" 2>&1; then
		sed 's/^/    /' "$B/series-fresh.log" | head -n 30
		die "series/$KVER is stale: 'make series KVER=$KVER' writes it anew"
	fi
	say "series/$KVER is what the tree writes"
}

series_config() {
	# shellcheck disable=SC2034 # cmd_config reads them
	local FLAVOR=cross OBJ=$1
	cmd_config
}

series_kmake() {
	# shellcheck disable=SC2034 # kmake reads them
	local SRC=$1 OBJ=$2 what=$3
	shift 3
	logged "$B/series-build.log" "$what" kmake "$@"
}

# git am the committed series onto the pristine tree, checkpatch --strict
# each patch (0 errors, 0 warnings) and build the kernel after each one,
# so that the series bisects.
series_verify() {
	local dir=$ROOT/series/$KVER wt=$B/series-check-$KVER obj=$B/obj-$KVER-$ARCH-series
	local p out c n=0 passed=0 failed=0 patches=()
	mapfile -t patches < <(sed "s|^|$dir/|" "$dir/series")
	series_worktree "$wt"
	say "git am onto pristine $KVER ($(series_base))"
	if git -C "$wt" am -q "${patches[@]}" > "$B/series.log" 2>&1; then
		echo "    ok: ${#patches[@]} patches applied"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$B/series.log"
		echo "    not ok: git am"
		echo "$passed passed, $((failed + 1)) failed"
		return 1
	fi

	say "checkpatch --strict on each patch ($KVER's own)"
	export PATH=/usr/bin:$PATH
	for p in "${patches[@]}"; do
		out=$(cd "$wt" || exit
			scripts/checkpatch.pl --strict --no-summary --terse "$p" || true)
		if grep -qE ': (ERROR|WARNING):' <<< "$out"; then
			failed=$((failed + 1))
			printf '    not ok: %s\n' "${p##*/}"
			printf '%s\n' "$out" | sed 's/^/      /'
		else
			passed=$((passed + 1))
			printf '    ok: %s%s\n' "${p##*/}" "${out:+ (CHECKs: $(wc -l <<< "$out"))}"
		fi
	done

	say "building the kernel after each patch (${obj#"$B"/})"
	# make cross's small configuration, on x86_64: it compiles all our
	# code.  Options a patch has yet to add drop out of .config until it
	# does.
	rm -f "$obj/.harness-config"
	(series_config "$obj")
	for c in $(git -C "$wt" rev-list --reverse base..HEAD); do
		n=$((n + 1))
		git -C "$wt" checkout -q "$c"
		if (series_kmake "$wt" "$obj" "build after patch $n" olddefconfig "$KIMAGE") &&
		   ! grep -E ' warning: ' "$B/series-build.log"; then
			passed=$((passed + 1))
			echo "    ok: builds after $(git -C "$wt" log -1 --format=%s "$c")"
		else
			failed=$((failed + 1))
			echo "    not ok: build after $(git -C "$wt" log -1 --format=%s "$c")"
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

cmd_series() {
	[ "$ARCH" = x86_64 ] || die "series: ARCH is x86_64 (the series is the same for every architecture)"
	deps_add "" "python3-ply python3-git"
	cmd_deps
	cmd_tree --keep
	series_write "$ROOT/series/$KVER"
	say "series/$KVER: $(wc -l < "$ROOT/series/$KVER/series") patches and a cover letter"
	[ "${1:-}" = --no-verify ] || series_verify
}
