# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: our change as the upstream patch series, written with git
# format-patch, then applied with git am on the pristine tree, checked
# with checkpatch and built after each patch.

SERIES_OUT=${SERIES_OUT:-$ROOT/out/series}
STRIP_TRACE_FILES="mm/process_reap.c Documentation/userspace-api/process_reap.rst
	tools/testing/selftests/process_reap/Makefile
	tools/testing/selftests/process_reap/config
	tools/testing/selftests/process_reap/.gitignore"

# A file of ours as it reads before the trace events patch: the lines
# that patch adds are left out.
before_trace() {
	case "$1" in
	mm/process_reap.c)
		sed -e '/^#define CREATE_TRACE_POINTS$/d' \
			-e '/^#include <trace\/events\/process_reap.h>$/d' \
			-e '/trace_process_reap_/d' "$ROOT/$1" | cat -s ;;
	*.rst)
		sed '/^Trace events$/,$d' "$ROOT/$1" |
			awk '{ l[NR] = $0 } END {
				for (n = NR; n > 0 && l[n] == ""; n--) ;
				for (i = 1; i <= n; i++) print l[i] }' ;;
	*/Makefile) sed 's/ reap_trace$//' "$ROOT/$1" ;;
	*/config) sed '/^CONFIG_FTRACE=/d; /^CONFIG_ENABLE_DEFAULT_TRACERS=/d' "$ROOT/$1" ;;
	*/.gitignore) sed '/^reap_trace$/d' "$ROOT/$1" ;;
	esac
}

# series_add WT STAGE PATH...: copy files of ours into the work tree;
# STAGE "early" takes the version before the trace events patch, which
# must differ from the final one and no longer mention the events.
series_add() {
	local wt=$1 stage=$2 f
	shift 2
	for f in "$@"; do
		mkdir -p "$wt/$(dirname "$f")"
		if [ "$stage" = early ] && [[ " $STRIP_TRACE_FILES " == *[[:space:]]"$f"[[:space:]]* ]]; then
			before_trace "$f" > "$wt/$f"
			if cmp -s "$ROOT/$f" "$wt/$f" ||
			   grep -qiE 'reap_trace|trace_process_reap|trace events|FTRACE' "$wt/$f"; then
				die "before_trace: $f did not lose exactly its trace lines; update before_trace"
			fi
		else
			cp "$ROOT/$f" "$wt/$f"
		fi
		git -C "$wt" add -f "$f"
	done
}

# series_apply WT PATCH...: apply patches of patches/$KVER to the index.
series_apply() {
	local wt=$1 p
	shift
	for p in "$@"; do
		git -C "$wt" apply --index "$ROOT/patches/$KVER/$p"-*.patch ||
			die "patches/$KVER/$p-*.patch does not apply in the series"
	done
}

# The MAINTAINERS entry grows with the files: each patch that adds one
# lists it, so checkpatch finds MAINTAINERS updated where files are added.
series_maintainers() {
	local wt=$1 tmp
	tmp=$(mktemp -d)
	git -C "$wt" show base:MAINTAINERS > "$tmp/MAINTAINERS"
	(cd "$tmp" && git apply "$ROOT/patches/$KVER/"0004-*.patch) ||
		die "0004 does not apply to MAINTAINERS"
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

# Fill in the placeholders of series/*.txt, from stdin.
series_text() {
	local version
	version=$(awk '/^(VERSION|PATCHLEVEL|SUBLEVEL) =/ { v = v (v ? "." : "") $3 }
		END { print v }' "$SRC/Makefile")
	sed -e "s/@NR@/$SYSCALL_NR/g" -e "s/@ALPHA_NR@/$((SYSCALL_NR + 110))/g" \
		-e "s/@KERNELVERSION@/$version/g"
}

# series_commit WT MSG: commit what is staged; MSG is a series/*.txt
# file or a patch whose header (Subject, body) becomes the message.
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
	local wt=$1 sel=tools/testing/selftests/process_reap
	local early_sel
	early_sel=$(cd "$ROOT" && git ls-files "$sel" | grep -vx "$sel/reap_trace.c")
	series_apply "$wt" 0001
	series_commit "$wt" "$ROOT/patches/$KVER/"0001-*.patch
	# 0002's exit code is built under 0003's CONFIG_PROCESS_REAP: one patch.
	series_apply "$wt" 0002 0003
	series_add "$wt" early mm/process_reap.c include/uapi/linux/process_reap.h
	"$ROOT/harness/wireup.sh" edit "$wt" core
	git -C "$wt" add -u
	series_commit "$wt" "$ROOT/series/core.txt"
	"$ROOT/harness/wireup.sh" edit "$wt" tables
	git -C "$wt" add -u
	series_commit "$wt" "$ROOT/series/wireup.txt"
	# shellcheck disable=SC2046
	series_add "$wt" final $(cd "$ROOT" && git ls-files samples/process_reap)
	series_commit "$wt" "$ROOT/series/samples.txt"
	series_apply "$wt" 0005
	# shellcheck disable=SC2086
	series_add "$wt" early $early_sel
	series_commit "$wt" "$ROOT/series/selftests.txt"
	series_apply "$wt" 0006
	series_add "$wt" early Documentation/userspace-api/process_reap.rst
	series_commit "$wt" "$ROOT/series/docs.txt"
	series_add "$wt" final include/trace/events/process_reap.h \
		mm/process_reap.c Documentation/userspace-api/process_reap.rst \
		"$sel"/reap_trace.c "$sel"/Makefile "$sel"/config "$sel"/.gitignore
	series_commit "$wt" "$ROOT/series/trace.txt"
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

series_write() {
	local wt=$B/series-tree name email date cover
	# The repository's git identity, else its last commit's author.
	name=$(git -C "$ROOT" config user.name || git -C "$ROOT" log -1 --format=%an)
	email=$(git -C "$ROOT" config user.email || git -C "$ROOT" log -1 --format=%ae)
	if [ -z "$name" ] || [ -z "$email" ]; then
		die "no git identity for Signed-off-by: set user.name and user.email"
	fi
	[ -z "$(git -C "$ROOT" status --porcelain -- . ':!out')" ] ||
		say "warning: uncommitted changes go into the series, dated as the last commit"
	# The last commit's date, so the same repository writes the same series.
	date=$(git -C "$ROOT" log -1 --format=%cD)
	export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
	export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
	export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date

	say "writing the series in $wt"
	series_worktree "$wt"
	series_build_commits "$wt"
	# The series must end where make check's tree is.
	(cd "$SRC" && xargs git diff base -- < .git/harness-synced) > "$B/series.want"
	git -C "$wt" diff base HEAD > "$B/series.have"
	cmp -s "$B/series.want" "$B/series.have" ||
		die "the series does not end at our change: diff $B/series.want $B/series.have"

	rm -rf "$SERIES_OUT"
	# RFC: the number is provisional.  New syscalls go to linux-api too.
	git -C "$wt" format-patch -q --cover-letter --thread=shallow \
		--subject-prefix="RFC PATCH" --to=linux-mm@kvack.org \
		--cc=linux-api@vger.kernel.org --cc=linux-kernel@vger.kernel.org \
		-o "$SERIES_OUT" base..HEAD
	cover=$(echo "$SERIES_OUT"/0000-*.patch)
	series_cover "$cover"
	say "series: $(find "$SERIES_OUT" -name '*.patch' | wc -l) files in ${SERIES_OUT#"$ROOT"/}"
	(cd "$SERIES_OUT" && ls -1) | sed 's/^/    /'
}

# shellcheck disable=SC2034 # cmd_config reads them
series_config() {
	local FLAVOR=cross OBJ=$1
	cmd_config
}

# shellcheck disable=SC2034 # kmake reads them
series_kmake() {
	local SRC=$1 OBJ=$2 what=$3
	shift 3
	logged "$B/series-build.log" "$what" kmake "$@"
}

# git am the series onto the pristine tree, checkpatch --strict each patch
# (0 errors, 0 warnings) and build the kernel after each one, so that the
# series bisects.
series_verify() {
	local wt=$B/series-check obj=$B/obj-$KVER-$ARCH-series p out c n=0
	local passed=0 failed=0 patches=()
	mapfile -t patches < <(find "$SERIES_OUT" -name '[0-9]*.patch' ! -name '0000-*' | sort)
	series_worktree "$wt"
	say "git am onto pristine $KVER"
	if git -C "$wt" am -q "${patches[@]}" > "$B/series.log" 2>&1; then
		echo "    ok: ${#patches[@]} patches applied"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$B/series.log"
		echo "    not ok: git am"
		echo "$passed passed, $((failed + 1)) failed"
		return 1
	fi

	say "checkpatch --strict on each patch"
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
		if (series_kmake "$wt" "$obj" "build after patch $n" olddefconfig bzImage) &&
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
	only_612 series
	deps_add "" "python3-ply python3-git"
	cmd_deps
	cmd_tree --keep
	series_write
	[ "${1:-}" = --no-verify ] || series_verify
}

# Fill in format-patch's cover letter from series/cover.txt, with the
# benchmark's figures from results/bench.md.
series_cover() {
	local cover=$1 figures=$B/series.figures body=$B/series.cover
	awk '/^\| # \|/ { on = 1 } on && !/^\|/ { exit } on' \
		"$ROOT/results/bench.md" > "$figures"
	[ -s "$figures" ] || die "no figures table in results/bench.md"
	sed -e '1,2d' -e "/^@FIGURES@$/{r $figures" -e 'd}' "$ROOT/series/cover.txt" |
		series_text > "$body"
	awk -v subj="$(head -n 1 "$ROOT/series/cover.txt")" -v body="$body" '
		/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj) }
		/^\*\*\* BLURB HERE \*\*\*$/ {
			while ((getline line < body) > 0)
				print line
			next
		}
		{ print }' "$cover" > "$cover.new"
	mv "$cover.new" "$cover"
}
