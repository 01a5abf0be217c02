#!/usr/bin/env bash
# Checks scripts/cluster.sh for real: brings a cluster up in a temporary state folder on ports
# of its own, checks that every process is SERVING, that a second `up` leaves it alone, and
# that `stop` leaves nothing behind. Exit status is non-zero on any failure; the cluster and
# its folder are removed whatever happens.
#
#   tests/scripts/cluster_test.sh      (CLUSTER_TEST_PORT_BASE=N to choose the ports)
#
# Needs the release build: `cluster.sh up` builds what is missing; once built, the test takes
# about 15 s.
set -euo pipefail
cluster=$(cd "$(dirname "$0")/../.." && pwd)/scripts/cluster.sh
bin=$(dirname "$cluster")/../build/${BREAKWATER_DEV_PRESET:-release}/bin
NAMES=(redis auth ratelimit audit relay-1 relay-2)

export BREAKWATER_DEV_STATE BREAKWATER_DEV_PORT_BASE
BREAKWATER_DEV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/bw-cluster-test.XXXXXX")
state=$BREAKWATER_DEV_STATE
pids=()

fail() { printf 'cluster_test: FAIL: %s\n' "$*" >&2; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports() { local o; for o in -921 10 20 30 40 41 1010 1040 1041 2010 2020 2030 2040 2041; do echo $(($1 + o)); done; }
# pid: a live (not zombie) process that belongs to this test's cluster?
ours() { [[ $(ps -o stat= -p "$1" 2>/dev/null) =~ ^[^Z] ]] && grep -qF -- "$state" "/proc/$1/cmdline" 2>/dev/null; }

cleanup() {
  local rc=$? p
  "$cluster" stop >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do if ours "$p"; then kill -KILL "$p" 2>/dev/null || true; fi; done
  rm -rf "$state"
  [ "$rc" -eq 0 ] && echo "cluster_test: PASS" || echo "cluster_test: FAIL (exit $rc)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports 3000+ away from the default cluster's (base 7400) and from other runs: the first
# candidate base, from a random start, whose ports are all free.
if [ -n "${CLUSTER_TEST_PORT_BASE:-}" ]; then
  BREAKWATER_DEV_PORT_BASE=$CLUSTER_TEST_PORT_BASE
else
  BREAKWATER_DEV_PORT_BASE=""
  start=$((RANDOM % 7))
  for i in 0 1 2 3 4 5 6; do
    base=$((10400 + 3000 * ((start + i) % 7))) free=1
    for p in $(ports "$base"); do if port_busy "$p"; then free=0; break; fi; done
    if [ "$free" = 1 ]; then BREAKWATER_DEV_PORT_BASE=$base; break; fi
  done
  [ -n "$BREAKWATER_DEV_PORT_BASE" ] || fail "no free port base found"
fi
echo "cluster_test: state $state, port base $BREAKWATER_DEV_PORT_BASE"

echo "== up"
out=$("$cluster" up 2>&1) || fail "up failed:"$'\n'"$out"
grep -v '^\[[0-9]*/[0-9]*\] ' <<<"$out"

echo "== status"
out=$("$cluster" status 2>&1) || fail "status failed:"$'\n'"$out"
echo "$out"
for n in "${NAMES[@]}"; do
  grep -Eq "^$n +pid [0-9]+ .* SERVING( |$)" <<<"$out" || fail "$n is not SERVING"
  [ -f "$state/run/$n.pid" ] || fail "no pid file for $n"
  pids+=("$(cat "$state/run/$n.pid")")
done

echo "== auth public API: sign-up and login over TLS under the dev CA"
api=https://localhost:$((BREAKWATER_DEV_PORT_BASE + 1010))
api_call() { curl -sS --cacert "$state/pki/ca.pem" -H 'Content-Type: application/json' -X POST "$api$1" -d "$2"; }
out=$(api_call /v1/signup '{"tenant":"cluster-test","login":"ops","email":"ops@example.com","password":"a long enough dev passphrase 1"}') \
  || fail "sign-up failed: $out"
grep -q '"tenant_id"' <<<"$out" || fail "sign-up did not create a tenant: $out"
tenant=$(sed -n 's/.*"tenant_id":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
out=$(api_call /v1/login '{"tenant":"cluster-test","login":"ops","password":"a long enough dev passphrase 1"}') \
  || fail "login failed: $out"
grep -q '"access_token"' <<<"$out" || fail "login gave no access token: $out"
[ "$(stat -c %a "$state/auth/kek")" = 600 ] || fail "the key-encryption key is not 0600"

echo "== audit: auth's events (sign-up, login) arrive in the tenant's log, which verifies offline"
[ "$(stat -c %a "$state/audit/kek")" = 600 ] || fail "the audit key-encryption key is not 0600"
audit_cli() {
  "$bin/breakwater" audit "$1" "127.0.0.1:$((BREAKWATER_DEV_PORT_BASE + 30))" --tenant "$tenant" \
    --ca "$state/pki/ca.pem" --cert "$state/pki/operator.pem" --key "$state/pki/operator-key.pem" \
    --server-name localhost "${@:2}"
}
[ ${#tenant} = 32 ] || fail "no tenant id in the login answer"
for _ in $(seq 100); do
  events=$(audit_cli export 2>&1) || true
  grep -q '"action":"auth.tenant.created"' <<<"$events" && grep -q '"action":"auth.login"' <<<"$events" && break
  sleep 0.2
done
grep -q '"action":"auth.tenant.created"' <<<"$events" || fail "the sign-up never reached the audit log: $events"
grep -q '"action":"auth.login"' <<<"$events" || fail "the login never reached the audit log: $events"
for _ in $(seq 100); do
  out=$(audit_cli verify --full 2>&1) && grep -q "checkpoint: $(grep -c . <<<"$events") events" <<<"$out" && break
  sleep 0.2
done
grep -q "^verified" <<<"$out" || fail "the tenant's audit log does not verify: $out"

echo "== relays: clients' WebSocket listening over TLS (a plain request is told to upgrade)"
for ws in $((BREAKWATER_DEV_PORT_BASE + 1040)) $((BREAKWATER_DEV_PORT_BASE + 1041)); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.pem" "https://localhost:$ws/v1/connect") \
    || fail "relay WebSocket on $ws did not answer"
  [ "$code" = 426 ] || fail "relay WebSocket on $ws answered $code to a plain request, not 426"
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/pki/ca.pem" "https://localhost:$ws/v1/connect?token=x")
  [ "$code" = 400 ] || fail "relay WebSocket on $ws accepted a query string ($code)"
done

echo "== up again"
out=$("$cluster" up 2>&1) || fail "second up failed:"$'\n'"$out"
grep -v '^\[[0-9]*/[0-9]*\] ' <<<"$out"
for n in "${NAMES[@]}"; do
  grep -Eq "^$n +already running" <<<"$out" || fail "second up did not say $n is already running"
done
for i in "${!NAMES[@]}"; do
  [ "$(cat "$state/run/${NAMES[$i]}.pid")" = "${pids[$i]}" ] || fail "second up replaced ${NAMES[$i]}"
done

echo "== stop"
out=$("$cluster" stop 2>&1) || fail "stop failed:"$'\n'"$out"
echo "$out"
for p in "${pids[@]}"; do ! ours "$p" || fail "pid $p is still running after stop"; done
left=$(pgrep -af -- "$state" || true)
[ -z "$left" ] || fail "still running after stop:"$'\n'"$left"
for p in $(ports "$BREAKWATER_DEV_PORT_BASE"); do ! port_busy "$p" || fail "port $p still answers after stop"; done
pidfiles=$(ls "$state/run")
[ -z "$pidfiles" ] || fail "pid files left after stop: $pidfiles"
