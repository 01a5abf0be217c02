#!/usr/bin/env bash
# Command 2 of the README: installs what is missing, builds everything under ASan+UBSan,
# runs the whole test suite (unit, redis, postgres, e2e) and then every fuzz target briefly.
#
#   scripts/test.sh [--preset asan|debug|release] [--fuzz-seconds N] [--no-fuzz] [-L LABEL]
#
# Exit status is non-zero if anything fails. The last line is always the totals, summed over
# the test and fuzz runs: `tests: N passed, M failed` (a step that fails without a CTest
# count, such as a build, counts as one failure). Servers the tests need (redis-server,
# PostgreSQL) are started by the tests themselves on free loopback ports and stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=asan
fuzz_seconds=${BW_FUZZ_SECONDS:-15}
run_fuzz=1
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
    --no-fuzz) run_fuzz=0; shift ;;
    -L|-R|-E) ctest_args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

bash scripts/bootstrap.sh
# helm and kubectl for the deploy check (not Debian packages; see scripts/tools.sh).
if tools=$(bash scripts/tools.sh); then
  export HELM=${HELM:-$tools/helm} KUBECTL=${KUBECTL:-$tools/kubectl}
else
  echo "test.sh: could not fetch helm/kubectl; the deploy check will fail" >&2
fi
# The real Claude Code CLI for the e2e tests (pinned; bootstrap installed it): its path.
if [ -z "${BW_CLAUDE:-}" ]; then
  if claude=$(bash scripts/claude-code.sh); then
    export BW_CLAUDE=$claude
  else
    echo "test.sh: Claude Code is not installed; the tests that run it will fail" >&2
  fi
fi
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

# Free space where the build and the tests' temporary folders are: a full disk makes tests
# fail in ways that look like bugs (a SQLite write refused, a PostgreSQL server that stops),
# so it is printed after the build and again after a failing run.
disk_report() {
  local tmp=${TMPDIR:-/tmp} here tmp_free
  here=$(df -Pk . | awk 'NR == 2 {print int($4 / 1024)}')
  tmp_free=$(df -Pk "$tmp" | awk 'NR == 2 {print int($4 / 1024)}')
  echo "== disk: ${here} MiB free for build/, ${tmp_free} MiB free in $tmp"
  if [ "$here" -lt 2048 ] || [ "$tmp_free" -lt 2048 ]; then
    echo "== disk: WARNING: under 2 GiB free; tests that write files may fail for that reason alone" >&2
  fi
}

passed=0 failed=0 ctest_log=$(mktemp) ctest_started=$(mktemp)  # (its time tells which logs are this run's)
# shellcheck disable=SC2317  # (called by the EXIT trap)
summary() {  # on exit, whatever happened: the totals, alone on the last line
  local rc=$?
  rm -f "$ctest_log"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ "$failed" -ne 0 ]; then
    # Why each failing test failed, at the end where a truncated log still shows it.
    for log in build/"$preset"/Testing/Temporary/LastTest.log build/fuzz/Testing/Temporary/LastTest.log; do
      if [ -f "$log" ] && [ "$log" -nt "$ctest_started" ]; then awk -f scripts/ctest-why.awk "$log" || true; fi
    done
    disk_report || true
  fi
  rm -f "$ctest_started"
  echo "tests: $passed passed, $failed failed"
}
trap summary EXIT

# Runs ctest, adding its "X% tests passed, F tests failed out of T" line to the totals.
run_ctest() {
  local rc=0 line f t
  ctest "$@" | tee "$ctest_log" || rc=$?
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$ctest_log" | grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' | tail -n 1 || true)
  if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    f=${BASH_REMATCH[1]} t=${BASH_REMATCH[2]}
    passed=$((passed + t - f)) failed=$((failed + f))
  elif [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
  fi
  return "$rc"
}

start=$(date +%s)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
built=$(date +%s)
echo "== build ($preset) took $((built - start)) s, build/$preset is $(du -sm "build/$preset" | cut -f1) MiB"
disk_report

status=0
run_ctest --preset "$preset" "${ctest_args[@]}" || status=1
tested=$(date +%s)
echo "== tests took $((tested - built)) s"

if [ "$run_fuzz" = 1 ] && [ ${#ctest_args[@]} -eq 0 ]; then
  if cmake --preset fuzz >/dev/null && cmake --build --preset fuzz; then
    BW_FUZZ_SECONDS=$fuzz_seconds run_ctest --test-dir build/fuzz --output-on-failure -j2 || status=1
  else
    echo "== fuzz build failed"; failed=$((failed + 1)) status=1
  fi
  echo "== fuzzing took $(( $(date +%s) - tested )) s"
fi
exit $status
