# shellcheck shell=bash disable=SC2034 # read by harness/lib/
# arm64: cross-built on the x86_64 host, booted with qemu-system-aarch64 on
# its "virt" board.  libcap comes from Debian's arm64 archive (multiarch),
# busybox from its arm64 .deb (guest_busybox); the 32-bit caller is arm
# code, built with the armhf cross compiler.
KARCH=arm64
SRCARCH=arm64
KIMAGE=Image
CROSS_PREFIX=aarch64-linux-gnu-
QEMU=(qemu-system-aarch64 -M virt)
CONSOLE=ttyAMA0
ARCH_PACKAGES="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	libcap-dev:arm64 gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
ARCH_COMMANDS="qemu-system-aarch64:qemu-system-arm
	aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
	arm-linux-gnueabihf-gcc:gcc-arm-linux-gnueabihf"
# The 32-bit caller is built against arm's own uapi headers: they carry
# the number from arm's syscall table.
COMPAT_KARCH=arm
COMPAT_CC=arm-linux-gnueabihf-gcc
