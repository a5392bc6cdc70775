# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Dependencies: the Debian packages each step needs, installed with
# apt-get, then a check that every external command is there, so that a
# missing one stops the run at its start with the package to install,
# not deep inside a build.

# "command:package" for every command the harness, the kernel build, the
# selftests' Makefiles and the guest build run on the host.  coreutils,
# findutils, grep, sed, mawk, diffutils, tar, gzip and dpkg are part of
# every Debian system; the others are not in a minimal one.
BASE_COMMANDS="make:make gcc:gcc ld:binutils ccache:ccache git:git
	xz:xz-utils cpio:cpio bc:bc bison:bison flex:flex perl:perl
	python3:python3 rsync:rsync busybox:busybox-static
	timeout:coreutils sha256sum:coreutils base64:coreutils
	awk:mawk find:findutils xargs:findutils cmp:diffutils diff:diffutils
	tar:tar dpkg-deb:dpkg apt-get:apt"
# Libraries and sources, which no command stands for.
BASE_PACKAGES="build-essential libelf-dev libssl-dev libcap-dev linux-source-$KVER"

# Steps add what only they need: deps_add "command:package..." "package...".
deps_add() {
	EXTRA_COMMANDS="${EXTRA_COMMANDS:-} $1"
	EXTRA_PACKAGES="${EXTRA_PACKAGES:-} ${2:-}"
}

# shellcheck disable=SC2086 # the lists are words
deps_commands() {
	printf '%s\n' $BASE_COMMANDS $ARCH_COMMANDS ${EXTRA_COMMANDS:-}
}

# shellcheck disable=SC2086 # the lists are words
deps_packages() {
	{
		deps_commands | cut -d: -f2-
		printf '%s\n' $BASE_PACKAGES $ARCH_PACKAGES ${EXTRA_PACKAGES:-}
	} | sort -u
}

# The host the README's commands are written for: Debian 12 on x86_64.
# Elsewhere, say what they need instead of failing on the way.
deps_host() {
	local os=unknown
	[ ! -r /etc/os-release ] || os=$(. /etc/os-release && echo "${ID:-?} ${VERSION_ID:-?}")
	[ "$os $(uname -m)" = "debian 12 x86_64" ] && return 0
	[ -n "${HARNESS_ANY_HOST:-}" ] && return 0
	die "this host is $os on $(uname -m); the harness needs Debian 12 (bookworm)
on x86_64, as root, with these packages: $(deps_packages | tr '\n' ' ')
(Debian's linux-source-$KVER is the kernel tree).  HARNESS_ANY_HOST=1 tries anyway."
}

# An installed package; a plain name is the host architecture's (or an
# Architecture: all package), NAME:ARCH a foreign one.
deps_installed() {
	local p=$1 native
	native=$(dpkg --print-architecture)
	case "$p" in *:*) ;; *) p=$p:$native ;; esac
	dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null | grep -q '^ii' ||
		dpkg-query -W -f='${db:Status-Abbrev}\n' "${p%:"$native"}:all" 2>/dev/null |
		grep -q '^ii'
}

cmd_deps() {
	local missing="" p pair
	mkdir -p "$B"
	deps_host
	command -v dpkg-query > /dev/null || die "no dpkg-query: not a Debian system"
	for p in $(deps_packages); do
		deps_installed "$p" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		[ "$(id -u)" = 0 ] || die "need root to install:$missing"
		say "installing:$missing"
		case "$missing" in
		*:arm64*) dpkg --print-foreign-architectures | grep -qx arm64 ||
			dpkg --add-architecture arm64 ;;
		esac
		logged "$B/apt.log" "apt-get update" apt-get update
		# shellcheck disable=SC2086
		logged "$B/apt.log" "apt-get install" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $missing
	fi
	missing=
	for pair in $(deps_commands); do
		command -v "${pair%%:*}" > /dev/null ||
			missing="$missing ${pair%%:*} (package ${pair#*:})"
	done
	[ -z "$missing" ] || die "commands still missing:$missing"
}
