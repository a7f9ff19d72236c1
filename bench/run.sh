#!/usr/bin/env bash
# Quick benchmark profile: under ten minutes on 2 cores for the whole suite.
#
#   bench/run.sh                       # every benchmark
#   bench/run.sh 'Setns|Binding'       # a subset: JMH regexps, and any other JMH options
#   BENCH_NAME=before-fix bench/run.sh # names the JSON kept in bench/results/
#   BENCH_PROFILE='-f 1 -wi 5 -i 10' bench/run.sh   # replaces the quick profile's options
#
# Writes bench/results/<name>.json (JMH's own), and bench/results/latest.{json,md,svg}: the
# Markdown table with ratios against each baseline and an SVG bar chart. Needs root for the
# namespace benchmarks and util-linux unshare(1) for the baselines.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=bench/target/benchmarks.jar
if [[ ! -f $jar ]]; then
  echo "run.sh: building $jar" >&2
  ./with-jdk mvn -B -q -DskipTests package -pl bench -am
fi

name=${BENCH_NAME:-run-$(date +%Y%m%d-%H%M%S)}
mkdir -p bench/results
out=bench/results/$name.json

# -foe false: a failing benchmark (for example one whose feature is not there yet) is listed
# under "No result" in the report instead of ending the run.
# What else the machine was doing matters on a shared one: it goes into the report header.
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)

# JMH refuses an option given twice, so a different profile replaces this one wholesale.
read -r -a profile <<<"${BENCH_PROFILE:--f 1 -wi 2 -w 500ms -i 6 -r 500ms}"
./with-jdk java --enable-native-access=ALL-UNNAMED -jar "$jar" \
  "${profile[@]}" -foe false \
  -rf json -rff "$out" "$@"

cp "$out" bench/results/latest.json
./with-jdk java \
  -Dbench.nproc="$(nproc)" \
  -Dbench.loadavg="$loadavg" \
  -Dbench.kernel="$(uname -r)" \
  -Dbench.javaVersion="$(./with-jdk java -version 2>&1 | head -n 3)" \
  -cp "$jar" io.linuxns.bench.report.ResultsReport \
  bench/results/latest.json bench/results/latest.md bench/results/latest.svg
echo "run.sh: wrote bench/results/latest.md, latest.svg, latest.json ($out)" >&2
