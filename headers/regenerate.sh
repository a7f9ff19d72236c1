#!/usr/bin/env bash
# Regenerates bindings/src/main/java/io/linuxns/bindings from linuxns.h with jextract.
# The output is committed; running this again must reproduce it byte for byte.
#
#   JEXTRACT=/path/to/jextract headers/regenerate.sh      (or jextract on PATH)
#   headers/regenerate.sh --check    generate into a temporary directory and compare with
#                                    the committed sources instead (exit 1 on any difference)
#
# See README.md in this directory for the jextract and libclang that produced the
# committed sources, and for the one mechanical post-processing step done below.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$root/bindings/src/main/java"
pkg=io.linuxns.bindings
pkgdir="$out/${pkg//.//}"

jextract=${JEXTRACT:-$(command -v jextract || true)}
if [[ -z $jextract || ! -x $jextract ]]; then
  echo "regenerate.sh: no jextract found. Install one (https://github.com/openjdk/jextract, built" >&2
  echo "outside this repository, see headers/README.md) and put it on PATH or set JEXTRACT." >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Arguments from jextract.args, comments and blank lines removed.
mapfile -t args < <(grep -v -e '^#' -e '^$' "$here/jextract.args")

"$jextract" -D _GNU_SOURCE --output "$tmp" --target-package "$pkg" "${args[@]}" "$here/linuxns.h"

# Post-processing (two steps, see README.md). 1: jextract 23 looks symbols up with
# SymbolLookup.findOrThrow, which JDK 22 lacks. Rewrite it to the JDK 22 equivalent so bindings/
# compiles with --release 22.
find "$tmp" -name '*.java' -exec sed -i -E \
  's/SYMBOL_LOOKUP\.findOrThrow\(("[^"]*")\)/SYMBOL_LOOKUP.find(\1).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + \1))/g' {} +
# 2: each function's holder class creates its downcall handle together with its address and
# descriptor, so core, which takes only those two (to add errno capture), would pay for a second
# handle per function it uses (a few ms each in a fresh JVM). Move the handle into a nested holder
# of its own, made on its first use; it stays a static final, which the JIT folds.
find "$tmp" -name '*.java' -exec sed -i -E \
  -e 's/^( *)public static final MethodHandle HANDLE = (Linker\.nativeLinker\(\)\.downcallHandle\(ADDR, DESC\);)$/\1private static final class Lazy { static final MethodHandle HANDLE = \2 }/' \
  -e 's/^( *)(var mh\$ = |return )([A-Za-z_][A-Za-z_0-9$]*)\.HANDLE;$/\1\2\3.Lazy.HANDLE;/' {} +
if grep -rqE 'public static final MethodHandle HANDLE|[^y]\.HANDLE;' "$tmp"; then
  echo "regenerate.sh: jextract's output changed shape: a function handle was not made lazy" >&2
  exit 1
fi

# jextract skips names it cannot find without a word: every name listed must be in the output.
missing=0
while read -r opt name; do
  case $opt in
    --include-function|--include-constant) pattern="\\b${name}(\\\$[a-z]+)?\\(" ;;
    --include-struct|--include-union|--include-typedef) pattern="\\b(class|static final [A-Za-z.]+) ${name}\\b" ;;
    *) continue ;;
  esac
  if ! grep -rqE "$pattern" "$tmp"; then
    echo "regenerate.sh: jextract generated nothing for $opt $name" >&2
    missing=1
  fi
done < <(paste -d' ' - - < <(grep -v -e '^#' -e '^$' "$here/jextract.args"))
((missing == 0)) || exit 1

if [[ ${1:-} == --check ]]; then
  if diff -r "$tmp/${pkg//.//}" "$pkgdir" >/dev/null; then
    echo "bindings/ is what jextract generates from headers/"
    exit 0
  fi
  diff -r "$tmp/${pkg//.//}" "$pkgdir" | head -20 >&2
  echo "regenerate.sh: bindings/ differs from jextract's output: run headers/regenerate.sh" >&2
  exit 1
fi

rm -rf "$pkgdir"
mkdir -p "$(dirname "$pkgdir")"
cp -r "$tmp/${pkg//.//}" "$pkgdir"
echo "regenerated $(find "$pkgdir" -name '*.java' | wc -l) files in ${pkgdir#"$root"/}"
