#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a small patched kernel and boot it under QEMU.
#
#   harness.sh deps        install what the build needs (apt-get)
#   harness.sh tree        unpack the kernel once, then apply our change
#   harness.sh refresh     turn edits made in build/linux-$KVER into our files
#   harness.sh kernel      configure and build the boot image and uapi headers
#   harness.sh guest       build the selftests and the initramfs
#   harness.sh check       boot, run the kselftests, print "N passed, N failed"
#   harness.sh run         boot and show the syscall at work
#   harness.sh bench       boot, run the benchmark, write results/ and plot
#   harness.sh exec CMD    boot and run the shell command CMD in the guest
#   harness.sh lint        checkpatch, sparse, W=1, kernel-doc, shellcheck, docs
#   harness.sh docs        htmldocs (userspace-api), kernel-doc, mandoc -Tlint
#   harness.sh series [--no-verify]
#                          write out/series, git am it on pristine sources,
#                          checkpatch and build the kernel after each patch
#   harness.sh cross       build-only kernels: i386 (CROSS_ARCHS), also for 6.1
#
# Environment: KVER (6.12, the default, or 6.1: Debian's linux-source-$KVER
# with patches/$KVER/), ARCH (x86_64, the default, or arm64: cross-built
# on an x86_64 host, booted with qemu-system-aarch64 -M virt; i386 for
# cross only; lint, docs and series are 6.12 on x86_64 only),
# QEMU_ACCEL=kvm opts into KVM (nested KVM hangs on some hosts, so TCG is
# the default), VM_TIMEOUT (seconds), JOBS, BENCH_ARGS
# (reap_bench's options, for example "-r 1 starved"), FLAVOR (noreap: the
# syscall compiled out; debug: lockdep, KASAN, kmemleak...), STRESS_CYCLES
# (reap_stress cycles in the debug lane, default 3000: a cycle is about 15
# times slower there; 10000 elsewhere), SERIES_OUT (default out/series),
# CROSS_ARCHS (default "i386"; arm64 has a lane of its own, make check
# ARCH=arm64).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# SYSCALL_NR, the provisional number.
# shellcheck source=syscall.conf disable=SC1091
. "$ROOT/harness/syscall.conf"
KVER=${KVER:-6.12}
ARCH=${ARCH:-x86_64}
[ -d "$ROOT/patches/$KVER" ] ||
	{ echo "harness: no patch layer patches/$KVER: KVER is 6.12 or 6.1" >&2; exit 1; }
# Guests: x86_64 and arm64 (cross-built, so the host is x86_64); i386
# only as a build-only kernel of make cross.
case "$ARCH" in
x86_64 | arm64 | i386) ;;
*) echo "harness: ARCH is x86_64 or arm64, not '$ARCH'" >&2; exit 1 ;;
esac
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
	busybox-static libcap-dev ccache xz-utils git python3
	linux-source-$KVER"
# The guest's compilers, libraries and QEMU.  Not gcc-multilib: it
# conflicts with the cross compilers; reap32 needs only the 32-bit libc
# and libgcc.  arm64's libcap comes from Debian's arm64 archive
# (multiarch); its busybox is unpacked from the .deb (guest_busybox).
case "$ARCH" in
x86_64) PACKAGES+=" qemu-system-x86 libc6-dev-i386 lib32gcc-12-dev" ;;
arm64) PACKAGES+=" qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	libcap-dev:arm64 gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
esac

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
	local missing="" p native
	native=$(dpkg --print-architecture)
	mkdir -p "$B"
	for p in $PACKAGES; do
		# "libcap-dev" is the native one even where libcap-dev:arm64
		# is installed too.
		case "$p" in *:*) ;; *) p=$p:$native ;; esac
		dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null | grep -q '^ii' ||
			dpkg-query -W -f='${db:Status-Abbrev}\n' "${p%:"$native"}:all" 2>/dev/null |
			grep -q '^ii' || missing="$missing ${p%:"$native"}"
	done
	[ -z "$missing" ] && return 0
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
	local p f files edited tmp
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
		backport_patches | xargs -r grep -qxF "+++ b/$f" && continue
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
	if [ "$FLAVOR" = cross ]; then
		echo "$ROOT/harness/config/cross.config"
		[ ! -f "$ROOT/harness/config/cross-$ARCH.config" ] ||
			echo "$ROOT/harness/config/cross-$ARCH.config"
		return 0
	fi
	echo "$ROOT/harness/config/base.config"
	echo "$ROOT/harness/config/base-$ARCH.config"
	echo "$ROOT/tools/testing/selftests/process_reap/config"
	if [ -n "$FLAVOR" ]; then
		echo "$ROOT/harness/config/$FLAVOR.config"
	fi
}

# The kernel's name for $ARCH, its directory under arch/, its boot image,
# and the cross compiler's prefix.
karch() { echo "${ARCH/x86_64/x86}"; }
srcarch() { case "$ARCH" in x86_64 | i386) echo x86 ;; *) echo "$ARCH" ;; esac; }
kimage() { case "$ARCH" in arm64) echo Image ;; *) echo bzImage ;; esac; }
# A guest of another architecture than the host's: cross-built, slower.
foreign() { [ "$ARCH" != "$(uname -m)" ]; }
cross_prefix() {
	case "$ARCH" in
	arm64) echo aarch64-linux-gnu- ;;
	esac
}

kmake() {
	local cross
	cross=$(cross_prefix)
	make -C "$SRC" O="$OBJ" ARCH="$(karch)" CROSS_COMPILE="$cross" \
		-j"$JOBS" CC="ccache ${cross}gcc" HOSTCC="ccache gcc" "$@"
}

# The selftests' config names options of every architecture that runs
# them (IA32_EMULATION): one that only other arch/ directories define is
# not this kernel's to set.
other_arch_option() {
	local re="^[[:space:]]*(menu)?config ${1#CONFIG_}[[:space:]]*\$"
	! grep -rqE --include='Kconfig*' "$re" "$SRC/arch/$(srcarch)" "$SRC/arch/Kconfig" &&
		! grep -rqE --include='Kconfig*' --exclude-dir=arch "$re" "$SRC" &&
		grep -rqE --include='Kconfig*' "$re" "$SRC/arch"
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
	logged "$B/config.log" "merge_config" env ARCH="$(karch)" \
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
	for line in $missing; do
		other_arch_option "${line%%=*}" && missing=${missing/ $line/}
	done
	[ -z "$missing" ] || die "options not set by Kconfig:$missing"
	echo "$want" > "$stamp"
}

cmd_kernel() {
	cmd_tree --keep
	cmd_config
	say "building the kernel ($JOBS jobs, with ccache)"
	logged "$B/kernel.log" "kernel build" kmake "$(kimage)"
	logged "$B/kernel.log" "headers" kmake headers
	say "kernel: $(kmake -s kernelrelease 2>/dev/null)"
}

# The program between a man page's "SRC BEGIN" and "SRC END" comments, as
# the man-pages project extracts its examples: roff escapes undone.
man_example() {
	sed -n '/^\.\\" SRC BEGIN/,/^\.\\" SRC END/p' "$1" |
		sed -e '1d;$d' -e '/^\.E[XE]$/d' -e 's/^\\&$//' \
			-e 's/\\-/-/g' -e 's/\\e/\\/g'
}

# Copy the guest's busybox to DEST: the host's, or for another
# architecture the one in Debian's busybox-static package for it,
# downloaded once into build/busybox-$ARCH.
guest_busybox() {
	local dest=$1 dir=$B/busybox-$ARCH deb
	foreign || { cp /bin/busybox "$dest"; return 0; }
	[ ! -x "$dir/bin/busybox" ] || { cp "$dir/bin/busybox" "$dest"; return 0; }
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! (cd "$dir" && apt-get download "busybox-static:$ARCH") > "$B/busybox.log" 2>&1; then
		# Lists without the foreign architecture yet (packages were
		# all installed, so cmd_deps did not update them).
		apt-get update > "$B/busybox.log" 2>&1 || true
		(cd "$dir" && apt-get download "busybox-static:$ARCH") >> "$B/busybox.log" 2>&1 ||
			{ tail -n 20 "$B/busybox.log" >&2; die "apt-get download busybox-static:$ARCH failed"; }
	fi
	deb=$(find "$dir" -maxdepth 1 -name 'busybox-static_*.deb' | head -n 1)
	dpkg-deb -x "$deb" "$dir"
	[ -x "$dir/bin/busybox" ] || die "no bin/busybox in $deb"
	cp "$dir/bin/busybox" "$dest"
}

cmd_guest() {
	local ksft=$GUEST/root/ksft page name cc compat=()
	cc="ccache $(cross_prefix)gcc"
	rm -rf "$GUEST"
	mkdir -p "$GUEST/root"
	if [ "$ARCH" = arm64 ]; then
		# The 32-bit caller is arm code, built against arm's own uapi
		# headers: they carry the number from arm's syscall table.
		logged "$B/selftests.log" "arm uapi headers" \
			make -C "$SRC" O="$OBJ-armhdr" ARCH=arm headers
		compat=(REAP32_CC="ccache arm-linux-gnueabihf-gcc"
			REAP32_KHDR_INCLUDES="-isystem $OBJ-armhdr/usr/include")
	fi
	say "building the selftests (static, $ARCH)"
	logged "$B/selftests.log" "selftests" make -C "$SRC/tools/testing/selftests" \
		TARGETS=process_reap O="$GUEST/ksft-build" ARCH="$(karch)" \
		CROSS_COMPILE="$(cross_prefix)" "${compat[@]}" \
		KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="$cc" install INSTALL_PATH="$ksft"
	say "building the samples (static)"
	mkdir -p "$GUEST/root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	logged "$B/samples.log" "samples" make -C "$SRC/samples/process_reap" \
		O="$GUEST/root/usr/bin" KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="$cc"
	cp "$SRC/samples/process_reap/demo.sh" "$GUEST/root/usr/bin/reap-demo"
	say "building the man pages' examples (static)"
	mkdir -p "$GUEST/root/usr/lib/man-examples"
	for page in "$ROOT"/man/man2/*.2; do
		name=$(basename "$page" .2)
		man_example "$page" > "$GUEST/$name.c"
		[ -s "$GUEST/$name.c" ] || continue
		logged "$B/man-examples.log" "$name.c" ccache "$(cross_prefix)gcc" -Wall -Werror -O2 \
			-isystem "$OBJ/usr/include" -static \
			-o "$GUEST/root/usr/lib/man-examples/$name" "$GUEST/$name.c"
	done
	cp "$ROOT/harness/guest/man-examples" "$GUEST/root/usr/bin/man-examples"
	say "packing the initramfs"
	guest_busybox "$GUEST/root/bin/busybox"
	cp "$ROOT/harness/guest/init" "$GUEST/root/init"
	# kselftest's runner calls /usr/bin/timeout --foreground, which
	# busybox lacks; this shim drops the flag.
	cp "$ROOT/harness/guest/timeout" "$GUEST/root/usr/bin/timeout"
	chmod +x "$GUEST/root/init" "$GUEST/root/usr/bin/timeout"
	(cd "$GUEST/root" && find . | cpio -o -H newc --quiet) > "$GUEST/initramfs.cpio"
}

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

# boot MODE TIMEOUT LOG [ARGS]: boot the guest with harness.mode=MODE and
# harness.args=ARGS.  The status file says "fail" until the guest's
# closing line is seen, so a VM that dies or hangs reads as a failure.
# Files the guest sends back as "BENCH|" lines stay out of the terminal.
boot() {
	local mode=$1 timeout=$2 log=$3 args=${4:-} accel=() rc=0 env=
	local qemu console
	# Unknown NAME=value parameters reach init as environment variables.
	# no5lvl: 6.12's identify_cpu() clears boot_cpu_data's feature bits
	# and reads them again, and with 5-level paging pgtable_l5_enabled()
	# reads X86_FEATURE_LA57 from there; an interrupt in that window makes
	# KASAN take a per-CPU address for a wild access (seen once in CI, at
	# boot).  The other lanes keep the 5-level paging -cpu max offers.
	[ "$FLAVOR" != debug ] || env=" REAP_STRESS_CYCLES=${STRESS_CYCLES:-3000}"
	[ "$FLAVOR" != debug ] || [ "$ARCH" != x86_64 ] || env+=" no5lvl"
	case "$QEMU_ACCEL" in
	tcg) accel=(-accel tcg -cpu max) ;;
	kvm) accel=(-accel kvm -cpu host) ;;
	*) die "QEMU_ACCEL must be tcg or kvm" ;;
	esac
	[ "$QEMU_ACCEL" = tcg ] || ! foreign ||
		die "QEMU_ACCEL=kvm runs only the host's architecture"
	case "$ARCH" in
	x86_64) qemu=(qemu-system-x86_64) console=ttyS0 ;;
	arm64) qemu=(qemu-system-aarch64 -M virt) console=ttyAMA0 ;;
	*) die "no guest for ARCH=$ARCH (x86_64 or arm64)" ;;
	esac
	echo "fail: the VM did not finish" > "$log.status"
	say "booting $ARCH ($QEMU_ACCEL, $VM_CPUS vCPUs, $VM_MEM): $mode, log in $log"
	timeout --foreground "$timeout" "${qemu[@]}" "${accel[@]}" \
		-smp "$VM_CPUS" -m "$VM_MEM" -no-reboot -display none \
		-monitor none -serial stdio \
		-kernel "$OBJ/arch/$(srcarch)/boot/$(kimage)" \
		-initrd "$GUEST/initramfs.cpio" \
		-append "console=$console loglevel=5 panic=-1 oops=panic harness.mode=$mode${args:+ harness.args=${args// /,}}$env" \
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
	local log=$B/check-${OBJ##*/obj-}.log passed failed skipped crashed splats status
	cmd_deps
	cmd_kernel
	cmd_guest
	boot check "$(vm_timeout 900)" "$log"
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

# For hacking: "harness.sh exec 'reap-demo -m 256 reap'".
cmd_exec() {
	[ $# -gt 0 ] || die "usage: harness.sh exec COMMAND"
	cmd_deps
	cmd_kernel
	cmd_guest
	# The command line cannot carry spaces or commas; base64 has neither.
	boot exec "$(vm_timeout 900)" "$B/exec.log" "$(printf '%s' "$*" | base64 -w0)"
	[ "$(cat "$B/exec.log.status")" = ok ] || die "$(cat "$B/exec.log.status")"
}

cmd_run() {
	local log=$B/run.log
	cmd_deps
	cmd_kernel
	cmd_guest
	boot run "$(vm_timeout 900)" "$log"
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

# lint, docs and series check the 6.12 change as upstream would get it.
only_612() {
	[ "$KVER-$ARCH" = 6.12-x86_64 ] ||
		die "$1 is for KVER=6.12 ARCH=x86_64 (the upstream series); 6.1 and arm64 have make check"
}

# checkpatch --strict (0 errors, 0 warnings), sparse and W=1 on our lines,
# every script through shellcheck, then cmd_docs (kernel-doc -Werror on
# our files, htmldocs, mandoc).  CHECKs are listed but pass: "spaces
# preferred around that '*'" after FIXTURE_DATA(reap), a type checkpatch
# cannot see through the kselftest harness's macro; the trace header's
# macro layout; CamelCase for C11's _Noreturn in the selftests' fallback
# __noreturn (6.1's kselftest.h has none).
cmd_lint() {
	local PACKAGES="$PACKAGES sparse shellcheck python3-ply python3-git"
	local bad=0 out p
	only_612 lint
	cmd_deps
	cmd_kernel
	cd "$SRC"
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
	cd "$ROOT"
	out=$(shellcheck harness/*.sh harness/guest/init harness/guest/timeout \
		harness/guest/man-examples \
		.ci/run tools/testing/selftests/process_reap/*.sh \
		samples/process_reap/*.sh 2>&1) || bad=1
	printf '    %s\n' "${out:-clean}"
	[ "$bad" = 0 ] || die "lint found problems"
	cmd_docs
	say "lint: clean"
}

# --- make docs: the userspace-api page and the man page ---

# Sphinx over userspace-api (Debian's python3-sphinx): no warning may name
# our files, and the page must carry the syscall's kernel-doc.  mandoc
# -Tlint on the man pages.
cmd_docs() {
	local PACKAGES="$PACKAGES python3-sphinx mandoc" out=$B/obj-docs
	local log=$B/docs.log html bad=0 msg
	only_612 docs
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
	msg=$(mandoc -Tlint "$ROOT"/man/man2/*.2 2>&1) || bad=1
	printf '    %s\n' "${msg:-clean}"
	# The example's fallback number, for libcs that lack it, is a copy.
	if ! grep -q "^#define SYS_try_reap_dying_process $SYSCALL_NR\$" \
		"$ROOT/man/man2/try_reap_dying_process.2"; then
		echo "    the man page's example does not use syscall number $SYSCALL_NR"
		bad=1
	fi
	[ "$bad" = 0 ] || die "docs: problems above"
}

# --- make cross: build for other architectures ---

# The generated headers of each architecture that must carry the syscall,
# as "file:pattern" pairs; @NR@ stands for its number.
cross_headers() {
	local g
	g=$OBJ/arch/$(srcarch)/include/generated
	case "$KVER-$ARCH" in
	6.1-arm64)
		# No generated tables: the generic one and the compat one
		# are headers of the source tree.
		echo "$SRC/include/uapi/asm-generic/unistd.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$SRC/arch/arm64/include/asm/unistd32.h:^#define __NR_try_reap_dying_process @NR@\$"
		;;
	*-i386)
		echo "$g/uapi/asm/unistd_32.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscalls_32.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		;;
	6.12-arm64)
		echo "$g/uapi/asm/unistd_64.h:^#define __NR_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscall_table_64.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		echo "$g/asm/unistd_compat_32.h:^#define __NR_compat32_try_reap_dying_process @NR@\$"
		echo "$g/asm/syscall_table_32.h:^__SYSCALL\\(@NR@, sys_try_reap_dying_process\\)"
		;;
	esac
}

# Build one architecture's kernel with our change, then check that the
# objects we touch compiled without a warning on our lines (rebuilt each
# time: make would skip an object that warned before), and that every
# table of that architecture has the syscall at its number.  The build
# also runs scripts/checksyscalls.sh, which warns about a syscall that
# i386 has and this architecture lacks.
cross_one() {
	local log=$B/cross-$KVER-$ARCH.log image line file pat bad=0 o msg
	image=$(kimage)
	cmd_config
	for o in $LINT_OBJS; do
		rm -f "$OBJ/$o"
	done
	say "building $ARCH ($image)"
	logged "$log" "$ARCH build" kmake "$image"
	msg=$(ours_only < "$log")
	if [ -n "$msg" ] || grep -E 'warning: .*(try_reap|process_reap)' "$log"; then
		printf '      %s\n' "$msg"
		echo "    not ok: $ARCH: warnings on our lines (above)"
		return 1
	fi
	if [ ! -f "$OBJ/mm/process_reap.o" ]; then
		echo "    not ok: $ARCH: mm/process_reap.o was not built"
		return 1
	fi
	while read -r line; do
		file=${line%%:*}
		pat=${line#*:}
		if ! grep -qE "${pat//@NR@/$SYSCALL_NR}" "$file" 2>/dev/null; then
			echo "    not ok: $ARCH: ${file#"$OBJ"/} lacks ${pat//@NR@/$SYSCALL_NR}"
			bad=1
		fi
	done < <(cross_headers)
	[ "$bad" = 0 ] || return 1
	echo "    ok: $KVER $ARCH: builds, no warning on our lines, checksyscalls.sh silent, $SYSCALL_NR in all $(cross_headers | wc -l) tables"
}

cross_arch() {
	local ARCH=$1 FLAVOR=cross OBJ=$B/obj-$KVER-$1-cross
	cross_one
}

cmd_cross() {
	local a passed=0 failed=0
	case "${CROSS_ARCHS:-i386}" in
	*arm64*) local PACKAGES="$PACKAGES gcc-aarch64-linux-gnu" ;;
	esac
	cmd_deps
	cmd_tree --keep
	for a in ${CROSS_ARCHS:-i386}; do
		if (cross_arch "$a"); then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# --- make series: our change as a git format-patch series ---

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
	local kver
	kver=$(awk '/^(VERSION|PATCHLEVEL|SUBLEVEL) =/ { v = v (v ? "." : "") $3 }
		END { print v }' "$SRC/Makefile")
	sed -e "s/@NR@/$SYSCALL_NR/g" -e "s/@ALPHA_NR@/$((SYSCALL_NR + 110))/g" \
		-e "s/@KERNELVERSION@/$kver/g"
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

series_config() {
	local FLAVOR=cross OBJ=$1
	cmd_config
}

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
	local PACKAGES="$PACKAGES python3-ply python3-git"
	only_612 series
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
	# results/ and the README hold 6.12 on x86_64; other kernels and
	# architectures get a directory of their own.
	[ "$KVER-$ARCH" = 6.12-x86_64 ] || out=$ROOT/results/$KVER-$ARCH
	cmd_deps
	cmd_kernel
	cmd_guest
	boot bench "$(vm_timeout 1500)" "$log" "${BENCH_ARGS:-}"
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
	if [ "$out" = "$ROOT/results" ]; then
		readme_bench "$out/bench.md"
		say "results: results/bench.csv, bench-curves.csv, bench.md, bench.png; README updated"
	else
		say "results: ${out#"$ROOT"/}/: bench.csv, bench-curves.csv, bench.md, bench.png"
	fi
}

case "${1:-}" in
deps | tree | refresh | config | kernel | guest | check | run | bench | lint | exec | series | cross | docs) cmd=$1; shift; "cmd_$cmd" "$@" ;;
*) sed -n '4,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
