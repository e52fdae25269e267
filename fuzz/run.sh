#!/usr/bin/env bash
# Runs libFuzzer targets one after another, each for FUZZ_SECONDS, over a scratch copy of its
# committed corpus (fuzz/corpus/<target>/ is only read), one process each (-jobs=1).
# Usage: fuzz/run.sh BUILD_DIR [TARGET...]   (default: every target)
# Environment: FUZZ_SECONDS (default 60), FUZZ_ARGS (extra libFuzzer flags).
# Exit status 1 if any target crashed, leaked, hit UB or timed out; the reproducer is kept in
# BUILD_DIR/fuzz-work/<target>/ (crash-*, leak-*, timeout-*, oom-*).
set -uo pipefail

build=$(cd "${1:?usage: fuzz/run.sh BUILD_DIR [TARGET...]}" && pwd) || exit 1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jwt_fuzz jwks_fuzz json_fuzz iam_fuzz form_fuzz cron_fuzz cli_files_fuzz wire_fuzz)
seconds=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  bin="$build/bin/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is missing (build it with FAASGATE_FUZZ=ON)" >&2; exit 1; }
  work="$build/fuzz-work/$t"
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  cp -r "$here/corpus/$t" "$work/corpus"
  echo "fuzz: $t for ${seconds}s (log: $work/log)"
  # From inside $work: with -jobs libFuzzer writes its worker's output to ./fuzz-0.log.
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  (cd "$work" && "$bin" corpus -max_total_time="$seconds" -jobs=1 -timeout=10 -print_final_stats=1 \
    -artifact_prefix=artifacts/ ${FUZZ_ARGS:-} >log 2>&1)
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
  if [ $status -ne 0 ] || ls "$work/artifacts" | grep -q .; then
    echo "fuzz: $t FAILED (exit $status) after ${runs:-?} runs; reproducer(s):" >&2
    ls -1 "$work/artifacts" | sed "s|^|  $work/artifacts/|" >&2
    grep -m1 -E 'ERROR|runtime error|Assertion|_fuzz: ' "$work/log" | sed 's/^/  /' >&2
    failed+=("$t")
  else
    echo "fuzz: $t ok, ${runs:-?} runs"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
