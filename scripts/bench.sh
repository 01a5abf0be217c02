#!/usr/bin/env bash
# Builds the release preset and runs one benchmark; its figures go to stdout.
#
#   scripts/bench.sh ratelimit [FLAGS...]    e.g. scripts/bench.sh ratelimit --duration 5
#   scripts/bench.sh auth [FLAGS...]         logins, token verifications, refreshes
#   scripts/bench.sh relay [FLAGS...]        envelopes routed, round trips, idle memory
#   scripts/bench.sh audit [FLAGS...]        durable appends (SQLite, PostgreSQL), proofs at 1M entries
#   scripts/bench.sh approval [FLAGS...]     approval round trip through the hook, beside the bare relay
#
# FLAGS go to the benchmark (`scripts/bench.sh ratelimit --help` lists them). The build
# folder is build/release, or $BW_BENCH_BUILD_DIR. Benchmarks start the servers they need
# (redis-server, the service) on free loopback ports and stop them when they end.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  ratelimit) target=ratelimit_bench; shift ;;
  auth) target=auth_bench; shift ;;
  relay) target=relay_bench; shift ;;
  audit) target=audit_bench; shift ;;
  approval) target=approval_bench; shift ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "bench.sh: which benchmark? known: ratelimit, auth, relay, audit, approval (see --help)" >&2; exit 2 ;;
esac

bash scripts/bootstrap.sh
build=${BW_BENCH_BUILD_DIR:-build/release}
[ -f "$build/build.ninja" ] || cmake --preset release -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "$target" >&2
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD -- . 2>/dev/null || commit="$commit + uncommitted changes"
  echo "source: commit $commit"
fi
exec "$build/bin/$target" "$@"
