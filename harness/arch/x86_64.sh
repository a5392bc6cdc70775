# shellcheck shell=bash disable=SC2034 # read by harness/lib/
# x86_64: the host's own architecture, booted with qemu-system-x86_64.
# The 32-bit caller of the selftests (reap32) needs only i386's libc and
# libgcc; not gcc-multilib, which conflicts with the cross compilers.
KARCH=x86
SRCARCH=x86
KIMAGE=bzImage
CROSS_PREFIX=
QEMU=(qemu-system-x86_64)
CONSOLE=ttyS0
ARCH_PACKAGES="qemu-system-x86 libc6-dev-i386 lib32gcc-12-dev"
ARCH_COMMANDS="qemu-system-x86_64:qemu-system-x86"
# The selftests' Makefile builds the 32-bit caller with -m32 itself.
COMPAT_KARCH=
COMPAT_CC=
