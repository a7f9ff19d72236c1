#!/usr/bin/env bash
# Runs util-linux's own tests of lsns (and, once they pass, of unshare and nsenter) against
# linuxns, from a util-linux source checkout: the tests are GPL and stay in that tree.
#
#   cli/util-linux-tests.sh UTIL_LINUX_SRC [TEST...]      (as root; default TEST: lsns)
#
# It builds in UTIL_LINUX_SRC the helpers the tests need (test_mkfds, test_sysinfo) and the
# util-linux tools that drive them (lsfd; unshare for lsns/ioctl_ns), points TS_CMD_LSNS at a
# wrapper that execs `linuxns ls "$@"`, and prints the harness's OK/FAILED lines and summary.
# The system's mount and umount serve the nsfs test. CI cannot fetch util-linux: run by hand.
set -euo pipefail

src=${1:?usage: cli/util-linux-tests.sh UTIL_LINUX_SRC [TEST...]}
shift
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(lsns)
src=$(cd "$src" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)

# The jar the wrapper runs, built from this checkout.
(cd "$repo" && ./with-jdk mvn -B -q -pl cli -am package -DskipTests)

cd "$src"
if [[ ! -x configure ]]; then ./autogen.sh; fi
if [[ ! -f Makefile ]]; then
  ./configure --disable-all-programs --enable-libsmartcols --enable-libmount --enable-libblkid \
    --enable-lsns --enable-lsfd --enable-unshare --enable-nsenter
fi
make -j"$(nproc)" test_mkfds test_sysinfo lsfd unshare >/dev/null

wrappers=$(mktemp -d)
trap 'rm -rf "$wrappers"' EXIT
printf '#!/bin/sh\nexec %q ls "$@"\n' "$repo/linuxns" > "$wrappers/lsns"
chmod +x "$wrappers/lsns"

TS_CMD_LSNS=$wrappers/lsns TS_CMD_MOUNT=$(command -v mount) TS_CMD_UMOUNT=$(command -v umount) \
  ./tests/run.sh --srcdir="$src" --builddir="$src" "${tests[@]}"
