#!/usr/bin/env bash
# Runs util-linux's own tests of lsns, unshare and nsenter (and getino and lsfd/mkfds-cdev-tun, which drive them) against
# linuxns, from a util-linux source checkout: the tests are GPL and stay in that tree.
#
#   cli/util-linux-tests.sh UTIL_LINUX_SRC [TEST...]      (as root; default TEST: unshare nsenter lsns getino lsfd/mkfds-cdev-tun)
#
# It builds in UTIL_LINUX_SRC the helpers the tests need (test_mkfds, test_sysinfo) and the
# util-linux tools that drive them (lsfd), points TS_CMD_LSNS, TS_CMD_UNSHARE and TS_CMD_NSENTER
# at wrappers that exec `linuxns ls|unshare|nsenter "$@"`, and prints the harness's OK/FAILED lines and summary.
# The system's mount, umount and runuser serve the nsfs and getino tests (runuser needs PAM to
# build). Extra Maven options (a local repository, say) go in MAVEN_ARGS. CI cannot fetch
# util-linux: run by hand.
set -euo pipefail

src=${1:?usage: cli/util-linux-tests.sh UTIL_LINUX_SRC [TEST...]}
shift
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(unshare nsenter lsns getino lsfd/mkfds-cdev-tun)
src=$(cd "$src" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)

# The jar the wrapper runs, built from this checkout.
(cd "$repo" && ./with-jdk mvn -B -q ${MAVEN_ARGS:-} -pl cli -am package -DskipTests)

cd "$src"
if [[ ! -x configure ]]; then ./autogen.sh; fi
# Configured again when an older configuration lacks a program the tests need (getino came later).
if [[ ! -f Makefile ]] || ! grep -q '^BUILD_GETINO_TRUE = *$' Makefile; then
  ./configure --disable-all-programs --enable-libsmartcols --enable-libmount --enable-libblkid \
    --enable-lsns --enable-lsfd --enable-unshare --enable-nsenter --enable-getino >/dev/null
fi
make -j"$(nproc)" test_mkfds test_sysinfo test_sigreceive test_strerror lsfd unshare nsenter getino >/dev/null

wrappers=$(mktemp -d)
trap 'rm -rf "$wrappers"' EXIT
printf '#!/bin/sh\nexec %q ls "$@"\n' "$repo/linuxns" > "$wrappers/lsns"
printf '#!/bin/sh\nexec %q unshare "$@"\n' "$repo/linuxns" > "$wrappers/unshare"
printf '#!/bin/sh\nexec %q nsenter "$@"\n' "$repo/linuxns" > "$wrappers/nsenter"
chmod +x "$wrappers/lsns" "$wrappers/unshare" "$wrappers/nsenter"

# Every tool under test is linuxns's: the lsns tests that start processes use linuxns unshare too.
TS_CMD_LSNS=$wrappers/lsns TS_CMD_UNSHARE=$wrappers/unshare TS_CMD_NSENTER=$wrappers/nsenter TS_CMD_MOUNT=$(command -v mount) TS_CMD_UMOUNT=$(command -v umount) \
  TS_CMD_RUNUSER=$(command -v runuser) \
  ./tests/run.sh --srcdir="$src" --builddir="$src" "${tests[@]}"
