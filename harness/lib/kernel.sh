# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration and build: tinyconfig plus the fragments of
# harness/config/ and the selftests' config, rebuilt only when they
# change; the kernel image and the uapi headers, through ccache.

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

kmake() {
	make -C "$SRC" O="$OBJ" ARCH="$KARCH" CROSS_COMPILE="$CROSS_PREFIX" \
		-j"$JOBS" CC="ccache ${CROSS_PREFIX}gcc" HOSTCC="ccache gcc" "$@"
}

# The selftests' config names options of every architecture that runs
# them (IA32_EMULATION): one that only other arch/ directories define is
# not this kernel's to set.
other_arch_option() {
	local re="^[[:space:]]*(menu)?config ${1#CONFIG_}[[:space:]]*\$"
	! grep -rqE --include='Kconfig*' "$re" "$SRC/arch/$SRCARCH" "$SRC/arch/Kconfig" &&
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
	logged "$B/config.log" "merge_config" env ARCH="$KARCH" \
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
	logged "$B/kernel.log" "kernel build" kmake "$KIMAGE"
	logged "$B/headers.log" "headers" kmake headers
	say "kernel: $(kmake -s kernelrelease 2>/dev/null)"
}
