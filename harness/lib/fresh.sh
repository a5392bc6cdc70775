# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# make fresh: a new user's machine, as near as this one can make it.  A
# minimal Debian 12 root (debootstrap --variant=minbase, from the mirror
# of this machine's own apt sources), a clean clone of the committed
# repository in it, and the README's commands run inside it as root,
# exactly as the README gives them.  Only ccache's directory is shared
# with the host, so no package can come from the host.

FRESH_DIR=${FRESH_DIR:-$B/fresh}

# The commands of the README's fenced block that follows the marker line:
# what make fresh runs, so the README cannot drift from what is tested.
fresh_commands() {
	awk '/^<!-- make fresh runs this block -->$/ { on = 1; next }
		on && /^```/ { if (fence++) exit; next }
		on && fence && NF && !/^#/' "$ROOT/README.md"
}

# This machine's Debian apt sources (not third-party ones), and the
# mirror debootstrap takes the base system from.
fresh_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && grep -qE '^[^#]*(deb\.debian\.org|/debian)' "$f" && echo "$f"
	done
	return 0
}

fresh_mirror() {
	fresh_sources | xargs -r cat |
		sed -nE 's/^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)([^[:space:]]+).*/\3/p' |
		grep -v security | head -n 1
}

fresh_umount() {
	local m
	# Deepest first.
	awk -v r="$FRESH_DIR/root" 'index($2, r) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

cmd_fresh() {
	local dir=$FRESH_DIR/root log=$B/fresh.log mirror cmds ccache_dir start=$SECONDS f rc=0
	[ "$(id -u)" = 0 ] || die "make fresh needs root (debootstrap, chroot)"
	cmds=$(fresh_commands)
	[ -n "$cmds" ] || die "README.md has no block after '<!-- make fresh runs this block -->'"
	mirror=$(fresh_mirror)
	[ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources"
	mkdir -p "$B"
	command -v debootstrap > /dev/null || {
		say "installing debootstrap"
		logged "$B/apt.log" "apt-get update" apt-get update
		logged "$B/apt.log" "apt-get install" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends debootstrap
	}
	ccache_dir=${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")}
	mkdir -p "$ccache_dir"

	fresh_umount
	rm -rf "$FRESH_DIR"
	mkdir -p "$dir"
	trap fresh_umount EXIT
	say "debootstrap --variant=minbase bookworm from $mirror"
	logged "$log" "debootstrap" debootstrap --variant=minbase bookworm "$dir" "$mirror"
	rm -f "$dir"/etc/apt/sources.list
	for f in $(fresh_sources); do
		mkdir -p "$dir/$(dirname "$f")"
		cp "$f" "$dir/$f"
	done
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	# No service starts inside the root.
	printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
	chmod +x "$dir/usr/sbin/policy-rc.d"
	say "a clean clone of $(git -C "$ROOT" rev-parse --short HEAD) in /root/try-reap"
	git clone -q "$ROOT" "$dir/root/try-reap"
	mount -t proc proc "$dir/proc"
	mount -t sysfs sysfs "$dir/sys"
	mount --rbind /dev "$dir/dev"
	mkdir -p "$dir/root/.cache/ccache"
	mount --bind "$ccache_dir" "$dir/root/.cache/ccache"

	say "in the root, as root, the README's commands:"
	printf '    %s\n' "$cmds"
	chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -e -x -c "cd /root/try-reap; $cmds" 2>&1 | tee -a "$log" || rc=$?
	[ "$rc" = 0 ] ||
		die "make fresh: a README command failed (exit $rc) after $(((SECONDS - start) / 60)) min; log in $log"
	fresh_umount
	trap - EXIT
	say "make fresh: the README's commands passed in a minimal Debian 12 root in $(((SECONDS - start + 30) / 60)) min"
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1
}
