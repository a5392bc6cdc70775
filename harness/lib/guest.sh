# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest: an initramfs of busybox, the selftests (installed as
# kselftest installs them), the samples and the man pages' examples, all
# static, and harness/guest/init as PID 1.

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

# Debian's own earlyoom, unmodified, with the shared libraries it links
# (from this host, which is the same Debian): a real killer that does not
# reap, for make run's comparison.  Downloaded once into build/earlyoom.
# Another architecture's guest goes without.
guest_earlyoom() {
	local dest=$1 dir=$B/earlyoom lib deb
	if foreign; then
		echo "    no earlyoom in a guest of another architecture"
		return 0
	fi
	if [ ! -x "$dir/usr/bin/earlyoom" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		(cd "$dir" && apt-get download earlyoom) > "$B/earlyoom.log" 2>&1 ||
			{ tail -n 20 "$B/earlyoom.log" >&2; die "apt-get download earlyoom failed"; }
		deb=$(find "$dir" -maxdepth 1 -name 'earlyoom_*.deb' | head -n 1)
		dpkg-deb -x "$deb" "$dir"
	fi
	cp "$dir/usr/bin/earlyoom" "$dest/usr/bin/earlyoom"
	for lib in $(ldd "$dir/usr/bin/earlyoom" | grep -oE '/[^ ]+'); do
		mkdir -p "$dest$(dirname "$lib")"
		cp -L "$lib" "$dest$lib"
	done
}

# Pack $GUEST/root into the initramfs the guest boots.
guest_pack() {
	(cd "$GUEST/root" && find . | cpio -o -H newc --quiet) > "$GUEST/initramfs.cpio"
}

cmd_guest() {
	local ksft=$GUEST/root/ksft page name cc compat=()
	cc="ccache ${CROSS_PREFIX}gcc"
	rm -rf "$GUEST"
	mkdir -p "$GUEST/root"
	if [ -n "$COMPAT_KARCH" ]; then
		logged "$B/selftests.log" "$COMPAT_KARCH uapi headers" \
			make -C "$SRC" O="$OBJ-${COMPAT_KARCH}hdr" ARCH="$COMPAT_KARCH" headers
		compat=(REAP32_CC="ccache $COMPAT_CC"
			REAP32_KHDR_INCLUDES="-isystem $OBJ-${COMPAT_KARCH}hdr/usr/include")
	fi
	say "building the selftests (static, $ARCH)"
	logged "$B/selftests.log" "selftests" make -C "$SRC/tools/testing/selftests" \
		TARGETS=process_reap O="$GUEST/ksft-build" ARCH="$KARCH" \
		CROSS_COMPILE="$CROSS_PREFIX" "${compat[@]}" \
		KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="$cc" install INSTALL_PATH="$ksft"
	say "building the samples (static)"
	mkdir -p "$GUEST/root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	logged "$B/samples.log" "samples" make -C "$SRC/samples/process_reap" \
		O="$GUEST/root/usr/bin" KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		LDFLAGS=-static CC="$cc"
	cp "$SRC/samples/process_reap/demo.sh" "$GUEST/root/usr/bin/reap-demo"
	guest_earlyoom "$GUEST/root"
	say "building the man pages' examples (static)"
	mkdir -p "$GUEST/root/usr/lib/man-examples"
	for page in "$ROOT"/man/man2/*.2; do
		name=$(basename "$page" .2)
		man_example "$page" > "$GUEST/$name.c"
		[ -s "$GUEST/$name.c" ] || continue
		logged "$B/man-examples.log" "$name.c" ccache "${CROSS_PREFIX}gcc" -Wall -Werror -O2 \
			-isystem "$OBJ/usr/include" -I "$SRC/samples/process_reap" -static \
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
	guest_pack
}
