# SPDX-License-Identifier: GPL-2.0
#
# try_reap_dying_process(): a Linux 6.12 patch set, its tests and its harness.
# "make" alone, or "make help", lists the targets.

HARNESS := harness/harness.sh

.DEFAULT_GOAL := help

.PHONY: help run check bench profile kernel deps lint docs series cross fresh \
	check-noreap check-debug check-16k check-upstream ci ci-full clean distclean

help:
	@echo 'On Debian 12 (x86_64), as root; every target installs what it needs.'
	@echo
	@echo '  make run           build the patched 6.12 kernel, boot it under QEMU,'
	@echo '                     show the syscall at work (a reaping daemon against'
	@echo '                     killing only and the kernel OOM killer)'
	@echo '  make check         build, boot, run every kselftest: "N passed, N failed"'
	@echo '  make check T=NAME  only the test programs NAME (names or globs)'
	@echo '  make check-debug   the same on a lockdep/KASAN/kmemleak kernel'
	@echo '                     (STRESS_CYCLES=N reap_stress cycles, default 3000)'
	@echo '  make check-noreap  CONFIG_PROCESS_REAP=n: it builds, every test skips'
	@echo '  make check-16k     the tests on an arm64 kernel with 16K pages'
	@echo '  make check-upstream  the kernel'"'"'s own mm, futex, pidfd and clone3'
	@echo '                     selftests, patched against pristine: any change fails'
	@echo '  make bench         boot once, run every benchmark, write results/'
	@echo '  make profile       boot with profile=4: where each teardown'"'"'s kernel'
	@echo '                     time goes, by function (results/profile.md)'
	@echo '  make lint          checkpatch --strict, sparse, W=1, kernel-doc,'
	@echo '                     shellcheck, the committed series, then make docs'
	@echo '  make docs          htmldocs for userspace-api, kernel-doc, mandoc -Tlint'
	@echo '  make series        the upstream series: git am on pristine 6.12,'
	@echo '                     checkpatch and a build after each patch'
	@echo '  make cross         an i386 build with the syscall wired (CROSS_ARCHS=)'
	@echo '  make fresh         the README'"'"'s commands in a minimal Debian 12 root'
	@echo '  make ci            the CI lanes (.ci/run), cold in under an hour'
	@echo '  make ci-full       every lane, make fresh included; a lane that passed'
	@echo '                     on the same sources is not run again (AGAIN=1 runs all)'
	@echo '  make kernel        only build the kernel'
	@echo '  make clean         remove build output, keep the unpacked trees'
	@echo '  make distclean     remove build/ entirely'
	@echo
	@echo 'Variables: KVER=6.1 (the backport), ARCH=arm64 (cross-built, booted'
	@echo 'with qemu-system-aarch64), QEMU_ACCEL=kvm (the default is TCG),'
	@echo 'VM_TIMEOUT=seconds, JOBS=N.  Details: docs/testing.md.'

run check kernel deps bench profile lint docs series cross fresh:
	@$(HARNESS) $@

check-noreap:
	@FLAVOR=noreap $(HARNESS) check

check-debug:
	@FLAVOR=debug $(HARNESS) check

check-16k:
	@FLAVOR=16k ARCH=arm64 $(HARNESS) check

check-upstream:
	@FLAVOR=upstream $(HARNESS) upstream

ci:
	@.ci/run

ci-full:
	@.ci/run --full $(if $(AGAIN),--again)

clean:
	rm -rf build/obj-* build/guest-* build/*.log build/*.status out

distclean:
	rm -rf build
