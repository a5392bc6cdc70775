# shellcheck shell=bash disable=SC2034 # read by harness/lib/
# i386: a build-only kernel of make cross, with the host's compiler.
KARCH=i386
SRCARCH=x86
KIMAGE=bzImage
CROSS_PREFIX=
QEMU=()
CONSOLE=
ARCH_PACKAGES=
ARCH_COMMANDS=
COMPAT_KARCH=
COMPAT_CC=
