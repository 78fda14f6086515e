#!/bin/bash
# Builds the libFuzzer harnesses (cmake --preset fuzz: clang-14, ASan+UBSan, build-fuzz/) and runs
# them. Usage:
#   tools/fuzz.sh [TARGET|all] [SECONDS]      one harness, or each in turn (default: all, 60 s)
#   FUZZ_JOBS=N tools/fuzz.sh all 600         run up to N harnesses at once (niced; default 1)
#   FUZZ_NO_BUILD=1 ...                       skip the build
# TARGET is a harness name without "fuzz_" (json, safetensors, config, tokenizer, npy, folderindex,
# prior, labels, session, and image/tar when built). New inputs go to build-fuzz/corpus/TARGET
# (seeded from tests/fuzz/corpus/TARGET, which is never written), crashes to
# build-fuzz/artifacts/TARGET/, logs to build-fuzz/logs/TARGET.log. At the end one line per
# harness: executions, coverage (cov/ft of libFuzzer's last status line), corpus size, findings.
# Memory per harness is capped by FUZZ_RSS_MB (default 1500); one input may take FUZZ_TIMEOUT seconds
# (default 10; raise it on a loaded machine, where ASan's allocator alone can stall that long).
# FUZZ_CORPUS_ROOT replaces build-fuzz/corpus (the CI smoke run starts from the seeds only, so its time stays fixed).
# Exit status 1 when any harness found something.
set -uo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-all}
SECONDS_EACH=${2:-60}
JOBS=${FUZZ_JOBS:-1}
RSS=${FUZZ_RSS_MB:-1500}
B=build-fuzz
CORPUS=${FUZZ_CORPUS_ROOT:-$B/corpus}

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz.sh: clang++-14 not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2
fi
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  { [ -f $B/build.ninja ] || cmake --preset fuzz >/dev/null; } && cmake --build --preset fuzz -j"${BUILD_JOBS:-2}" >/dev/null ||
    { echo "fuzz.sh: build failed (cmake --build --preset fuzz)" >&2; exit 2; }
fi

# Longest input per harness: large enough for real files of that kind, small enough to stay fast.
max_len() {
  case $1 in
    safetensors) echo 65536 ;;
    config|json|session|prior) echo 16384 ;;
    tokenizer|labels) echo 8192 ;;
    image|tar) echo 262144 ;;
    *) echo 4096 ;;
  esac
}

if [ "$TARGET" = all ]; then
  targets=$(cd $B/tests/fuzz && ls fuzz_* 2>/dev/null | grep -v '\.' | sed 's/^fuzz_//')
else
  targets=$TARGET
fi
mkdir -p $B/logs

run_one() {
  local t=$1 bin=$B/tests/fuzz/fuzz_$1
  [ -x "$bin" ] || { echo "fuzz.sh: no harness $bin" >&2; return 2; }
  mkdir -p "$CORPUS/$t" $B/artifacts/$t
  local seeds=tests/fuzz/corpus/$t
  [ -d "$seeds" ] || seeds=""
  nice -n 19 "$bin" "$CORPUS/$t" $seeds -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS" -max_len="$(max_len "$t")" \
    -timeout=${FUZZ_TIMEOUT:-10} -print_final_stats=1 -artifact_prefix=$B/artifacts/$t/ > $B/logs/$t.log 2>&1
}

summary() {
  local t=$1 log=$B/logs/$1.log
  local runs cov ft corpus found
  runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | sed 's/Done \([0-9]*\) runs in \([0-9]*\) second/\1 execs in \2 s/')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
  corpus=$(ls "$CORPUS/$t" | wc -l)
  found=$(ls $B/artifacts/$t | wc -l)
  printf '%-12s %-28s %-22s corpus %-5s findings %s\n' "$t" "${runs:-(no final line)}" "${cov:-}" "$corpus" "$found"
  [ "$found" -eq 0 ]
}

pids=()
for t in $targets; do
  if [ "$JOBS" -gt 1 ]; then
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
    run_one "$t" & pids+=($!)
  else
    run_one "$t"
  fi
done
for p in "${pids[@]}"; do wait "$p"; done

status=0
echo "harness      executions                   coverage               corpus       findings"
for t in $targets; do summary "$t" || status=1; done
[ $status -eq 0 ] || echo "fuzz.sh: findings in $B/artifacts/ (reproduce: $B/tests/fuzz/fuzz_TARGET FILE)"
exit $status
