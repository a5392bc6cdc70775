# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel tree: Debian's linux-source-$KVER unpacked once into
# build/linux-$KVER, recorded in git (tag "base"), then brought to our
# change: patches/$KVER/, the syscall tables (wireup.sh), our files at
# their kernel paths and, for an older kernel, patches/$KVER/backport/.

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

# An older kernel's changes to our own files (mm/process_reap.c written
# against 6.12), applied on top of them: patches/$KVER/backport/.
backport_patches() {
	local p
	for p in "$ROOT"/patches/"$KVER"/backport/*.patch; do
		[ -f "$p" ] && echo "$p"
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
		"$ROOT/harness/wireup.sh" files "$SRC"
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
	while read -r p; do
		(cd "$stage" && git apply "$p") || die "backport/$(basename "$p") does not apply"
	done < <(backport_patches)
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
	local p f files edited tmp bps
	[ -s "$SRC/.git/harness-sums" ] || die "no synced tree: run 'harness.sh tree'"
	edited=$(cd "$SRC" || exit
		sha256sum -c .git/harness-sums 2>/dev/null | sed -n 's/: FAILED$//p'
		exit 0)
	[ -n "$edited" ] || { say "nothing was edited in $SRC"; return 0; }
	# A backport patch touching an edited file is written anew from our
	# file and the tree's; other files of ours are copied back.
	while read -r p; do
		files=$(sed -n 's|^+++ b/||p' "$p" | sort -u)
		# shellcheck disable=SC2086
		printf '%s\n' $edited | grep -qxF "$files" || continue
		tmp=$(mktemp)
		sed -n '1,/^---$/p' "$p" > "$tmp"
		for f in $files; do
			diff -up --label "a/$f" --label "b/$f" "$ROOT/$f" "$SRC/$f" >> "$tmp" ||
				[ $? = 1 ] || die "diff $f failed"
		done
		mv "$tmp" "$p"
		echo "    backport/$(basename "$p")"
	done < <(backport_patches)
	for f in $edited; do
		mapfile -t bps < <(backport_patches)
		grep -qxF "+++ b/$f" /dev/null "${bps[@]}" && continue
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
