#!/usr/bin/env bash
# The whole benchmark run, in one command (8-12 minutes on a shared 2-core machine with
# BENCH_JMH_ARGS='-p type=UTS,NETWORK', about 5 more with all five types):
#
#   bench/run.sh                       # everything: JMH suite, first 100 spawns, CLI start
#   bench/run.sh 'Setns|Binding'       # a JMH subset only: JMH regexps, and any other JMH options
#   BENCH_NAME=before-fix bench/run.sh # names the JSON files kept in bench/results/
#   BENCH_PROFILE='-f 3 -wi 5 -i 10' bench/run.sh   # replaces the main profile's options
#   BENCH_SPAWN_PROFILE='-f 3 -wi 3 -i 6' bench/run.sh   # ... the spawn benchmarks' options
#   BENCH_JMH_ARGS='-p type=UTS,NETWORK' bench/run.sh    # added to every JMH part (here: fewer types)
#   BENCH_MVN_ARGS='-o' bench/run.sh   # extra Maven options for the build (offline, a local repository)
#
# A full run has four parts, every figure from this one run:
#   1. JMH, the entering, creating and binding benchmarks, with the main profile (one fork);
#   2. JMH, SpawnBench and ThroughputBench, with the spawn profile (two forks: every spawn ratio
#      comes with its spread across two JVMs);
#   3. FirstSpawnsBench in fresh JVMs: -f 5 forks, no warm-up, one batch of 100 spawns each;
#   4. CliStart: a plain loop of wall times (median of BENCH_CLI_RUNS, default 11) of
#      ./linuxns unshare -u true, util-linux unshare -u true, a JVM hello world, the command's two
#      floors on the FFM API (bench/README.md) and /bin/true.
# Then writes bench/results/latest.{json,md,svg} (merged results, tables with ratios, the chart)
# and prints the README's table. Needs root for the namespace benchmarks, util-linux unshare(1)
# for the baselines and gcc (or $CC) for the C limits.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=bench/target/benchmarks.jar
cli_jar=cli/target/linuxns-cli.jar
read -r -a mvn_args <<<"${BENCH_MVN_ARGS:-}"
if [[ ! -f $jar || ! -f $cli_jar || -n ${BENCH_REBUILD:-} ]]; then
  echo "run.sh: building $jar and $cli_jar" >&2
  ./with-jdk mvn -B -q "${mvn_args[@]}" -DskipTests package -pl bench,cli -am
fi

name=${BENCH_NAME:-run-$(date +%Y%m%d-%H%M%S)}
mkdir -p bench/results
out=bench/results/$name.json

# What else the machine was doing matters on a shared one: it goes into the report header.
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
java=(./with-jdk java --enable-native-access=ALL-UNNAMED)

# -foe false: a failing benchmark (for example one whose feature is not there yet) is listed
# under "No result" in the report instead of ending the run.
# JMH refuses an option given twice, so a different profile replaces this one wholesale.
read -r -a profile <<<"${BENCH_PROFILE:--f 1 -wi 2 -w 500ms -i 6 -r 500ms}"
read -r -a spawn_profile <<<"${BENCH_SPAWN_PROFILE:--f 2 -wi 2 -w 500ms -i 4 -r 500ms}"
read -r -a extra <<<"${BENCH_JMH_ARGS:-}"
jmh() { "${java[@]}" -jar "$jar" -foe false "${extra[@]}" "$@"; }
inputs=("$out")
if [[ $# -gt 0 ]]; then
  jmh "${profile[@]}" -rf json -rff "$out" "$@"
else
  jmh "${profile[@]}" -rf json -rff "$out" -e 'SpawnBench|ThroughputBench|FirstSpawnsBench'
  jmh "${spawn_profile[@]}" -rf json -rff "bench/results/$name-spawn.json" '\.SpawnBench\.|ThroughputBench'
  # Fresh JVMs, nothing before the measured batch: the main profile's options would warm them.
  jmh -f "${BENCH_FIRST_FORKS:-5}" -wi 0 -i 1 -bs 100 -rf json -rff "bench/results/$name-first.json" FirstSpawnsBench
  "${java[@]}" -cp "$jar" io.linuxns.bench.CliStart ./linuxns "${BENCH_CLI_RUNS:-11}" "bench/results/$name-cli.json"
  inputs+=("bench/results/$name-spawn.json" "bench/results/$name-first.json" "bench/results/$name-cli.json")
fi

"${java[@]}" \
  -Dbench.nproc="$(nproc)" \
  -Dbench.loadavg="$loadavg" \
  -Dbench.loadavgAfter="$(cut -d' ' -f1-3 /proc/loadavg)" \
  -Dbench.kernel="$(uname -r)" \
  -Dbench.javaVersion="$(./with-jdk java -version 2>&1 | head -n 3)" \
  -cp "$jar" io.linuxns.bench.report.ResultsReport \
  bench/results/latest.json bench/results/latest.md bench/results/latest.svg "${inputs[@]}"
echo "run.sh: wrote bench/results/latest.md, latest.svg, latest.json (${inputs[*]})" >&2
