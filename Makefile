# SPDX-License-Identifier: GPL-2.0
#
# try_reap_dying_process(): a Linux 6.12 patch set, its tests and its harness.
#
#   make run     build the patched kernel, boot it, show the syscall at work
#   make check   build, boot, run the kselftests: "N passed, N failed"
#   make bench   boot once, run every benchmark scenario, write results/
#   make kernel  only build (build/obj-6.12-x86_64/arch/x86/boot/bzImage)
#   make check-noreap  the same with CONFIG_PROCESS_REAP=n: builds, ENOSYS
#   make check-debug   the same on a lockdep/KASAN/kmemleak kernel (3000
#                stress cycles, STRESS_CYCLES=...); a splat or a leak of ours fails
#   make lint    checkpatch --strict, sparse, W=1, kernel-doc, shellcheck,
#                then make docs
#   make docs    htmldocs for userspace-api, kernel-doc, mandoc -Tlint
#   make series  write out/series (git format-patch + cover letter), then
#                git am it on pristine 6.12, checkpatch and build each patch
#   make cross   build an i386 kernel with the syscall wired (CROSS_ARCHS,
#                KVER=6.1 too)
#   make clean   remove build output but keep the unpacked tree and ccache
#   make distclean  remove build/ entirely
#
# QEMU_ACCEL=kvm opts into KVM; the default is TCG.
# KVER=6.1 takes Debian's linux-source-6.1 and the 6.1 patch layer
# (patches/6.1/) instead of 6.12; ARCH=arm64 cross-builds the kernel and a
# static aarch64 guest and boots it with qemu-system-aarch64 -M virt.
# Both work with check, run, bench and kernel (and harness.sh exec), and
# together; lint, docs and series are for 6.12 on x86_64.

HARNESS := harness/harness.sh

.PHONY: all run check bench check-noreap check-debug lint docs series cross \
	kernel deps clean distclean

all: check

run check kernel deps bench lint docs series cross:
	@$(HARNESS) $@

check-noreap:
	@FLAVOR=noreap $(HARNESS) check

check-debug:
	@FLAVOR=debug $(HARNESS) check

clean:
	rm -rf build/obj-* build/guest-* build/*.log build/*.status out

distclean:
	rm -rf build
