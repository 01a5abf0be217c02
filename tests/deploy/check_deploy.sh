#!/usr/bin/env bash
# Offline checks of the Helm chart (helm/breakwater) and the plain manifests (deploy/k8s).
# No Kubernetes API server and no network are needed.
#
#   tests/deploy/check_deploy.sh
#
# Tools: helm ($HELM, else on PATH; Helm 3 or 4) and kubectl ($KUBECTL, else on PATH; its
# built-in kustomize). The service binaries ($BREAKWATER_BIN_DIR, else the first of
# build/{release,debug,asan}/bin holding all four) validate each rendered config file with
# --check-config and tell which metrics exist, so that alerts and dashboard use no other
# (these checks also need openssl and curl).
#
# Exit status: 0 every check ran and passed; 1 a check failed (or $HELM, $KUBECTL or
# $BREAKWATER_BIN_DIR names something unusable); 77 skipped: helm, kubectl or the binaries
# are missing, so some or all checks did not run. 77 is a skip, NOT a pass (CTest: set
# SKIP_RETURN_CODE 77).
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart=$src/helm/breakwater
components=(auth ratelimit audit relay)

passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
die() { printf 'check_deploy: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------
tool() {  # NAME VALUE-OF-ENV: prints the path, "" when absent; dies when the env names junk
  local name=$1 given=$2
  if [ -n "$given" ]; then
    [ -x "$given" ] || command -v "$given" >/dev/null 2>&1 || die "\$${name^^}=$given is not executable"
    command -v "$given"
  else
    command -v "$name" 2>/dev/null || true
  fi
}
HELM=$(tool helm "${HELM:-}") || exit 1
KUBECTL=$(tool kubectl "${KUBECTL:-}") || exit 1
missing=()
[ -n "$HELM" ] || missing+=("helm (set HELM=/path/to/helm)")
[ -n "$KUBECTL" ] || missing+=("kubectl (set KUBECTL=/path/to/kubectl)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'skipped: %s not available; nothing was checked (exit 77: skipped, not passed)\n' "${missing[*]}"
  exit 77
fi

bin=""
have_bins() { local c; for c in "${components[@]}"; do [ -x "$1/breakwater-$c" ] || return 1; done; }
if [ -n "${BREAKWATER_BIN_DIR:-}" ]; then
  have_bins "$BREAKWATER_BIN_DIR" || die "\$BREAKWATER_BIN_DIR=$BREAKWATER_BIN_DIR lacks breakwater-{auth,ratelimit,audit,relay}"
  bin=$BREAKWATER_BIN_DIR
else
  for d in "$src"/build/{release,debug,asan}/bin; do have_bins "$d" && { bin=$d; break; }; done
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "helm: $HELM ($("$HELM" version --short 2>/dev/null || "$HELM" version 2>/dev/null | head -n1))"
echo "kubectl: $KUBECTL; binaries: ${bin:-none found}"

# --- YAML helpers (no yq: plain awk over the block-style YAML helm and kustomize print) ---
split_docs() {  # FILE DIR: one file per YAML document, DIR/NNN.yaml
  mkdir -p "$2"
  awk -v dir="$2" '
    /^---/ { if (n_lines) n++; n_lines = 0; next }
    /^[[:space:]]*$/ && !n_lines { next }
    { f = sprintf("%s/%03d.yaml", dir, n); print > f; n_lines++ }' "$1"
}
kind_of() { sed -n 's/^kind: //p' "$1" | head -n1; }
name_of() { sed -n 's/^  name: //p' "$1" | head -n1; }
docs_of_kind() {  # DIR KIND
  local f
  for f in "$1"/*.yaml; do [ "$(kind_of "$f")" = "$2" ] && echo "$f"; done
}
doc_named() {  # DIR KIND NAME
  local f
  for f in $(docs_of_kind "$1" "$2"); do [ "$(name_of "$f")" = "$3" ] && { echo "$f"; return 0; }; done
  return 1
}
# block KEY FILE: the first "KEY:" line and everything nested under it (list items written
# at the key's own indent, as kustomize prints them, included).
block() {
  awk -v key="$1" '
    /^[[:space:]]*#/ { next }
    !inb && $0 ~ "^ *(- )?" key ":" { inb = 1; match($0, /^ */); ind = RLENGTH; if ($0 ~ /^ *- /) ind += 2; print; next }
    inb {
      if ($0 ~ /^[[:space:]]*$/) next
      match($0, /^ */)
      if (RLENGTH < ind || (RLENGTH == ind && $0 !~ /^ *- /)) exit
      print
    }' "$2"
}
# volumes FILE: "name kind defaultMode" per pod volume, e.g. "tls secret 288".
volumes() {
  block volumes "$1" | awk '
    function emit() { if (name != "") print name, kind, (mode == "" ? "-" : mode) }
    NR == 1 { next }
    { match($0, /^ */); ind = RLENGTH }
    /^ *- / && (iind == "" || ind == iind) { if (iind == "") iind = ind; emit(); name = ""; kind = "other"; mode = "" }
    { line = $0; sub(/^ *(- )?/, "", line); lind = ($0 ~ /^ *- /) ? ind + 2 : ind }
    lind == iind + 2 && line ~ /^name: / { name = substr(line, 7) }
    lind == iind + 2 && line ~ /^secret:/ { kind = "secret" }
    lind == iind + 2 && line ~ /^configMap:/ { kind = "configMap" }
    lind == iind + 4 && line ~ /^defaultMode: / { mode = substr(line, 14) }
    END { emit() }'
}
# config_of DIR NAME: the breakwater.yaml held by ConfigMap NAME.
config_of() {
  local f
  f=$(doc_named "$1" ConfigMap "$2") || return 1
  awk '/^  breakwater.yaml: [|]/ { on = 1; next } on && /^    / { sub(/^    /, ""); print; next } on { exit }' "$f"
}

# --- checks on one rendered set of manifests ------------------------------------------------
next_line_has() { grep -A1 -- "$2" "$1" | grep -q -- "$3"; }             # FILE KEY-RE RE
all_secrets_0440() { ! grep ' secret ' <<<"$1" | grep -qv ' 288$'; }     # VOLUMES
https_probe() { grep -q "path: $2\$" <<<"$1" && grep -q 'scheme: HTTPS$' <<<"$1" && grep -q 'port: ops$' <<<"$1"; }
check_deployment() {  # DIR FILE LABEL
  local dir=$1 f=$2 label=$3 name comp grace delay drain probe vols
  name=$(name_of "$f"); comp=${name##*-}
  check "$label $name: runAsNonRoot: true" grep -q '^ *runAsNonRoot: true$' "$f"
  check "$label $name: readOnlyRootFilesystem: true" grep -q '^ *readOnlyRootFilesystem: true$' "$f"
  check "$label $name: allowPrivilegeEscalation: false" grep -q '^ *allowPrivilegeEscalation: false$' "$f"
  check "$label $name: capabilities drop ALL" next_line_has "$f" '^ *drop:' 'ALL'
  check "$label $name: seccompProfile RuntimeDefault" next_line_has "$f" '^ *seccompProfile:' 'type: RuntimeDefault$'
  check "$label $name: enableServiceLinks: false" grep -q '^ *enableServiceLinks: false$' "$f"
  check "$label $name: automountServiceAccountToken: false" grep -q '^ *automountServiceAccountToken: false$' "$f"
  check "$label $name: fsGroup set" grep -q '^ *fsGroup: [1-9][0-9]*$' "$f"
  vols=$(volumes "$f")
  check "$label $name: TLS secret volume has defaultMode 288 (0440)" grep -qx 'tls secret 288' <<<"$vols"
  check "$label $name: every secret volume has defaultMode 288" all_secrets_0440 "$vols"
  check "$label $name: runs breakwater-$comp" grep -q "breakwater-$comp\$\|breakwater-$comp," <<<"$(block command "$f")"
  for probe in livenessProbe:/healthz readinessProbe:/readyz; do
    check "$label $name: ${probe%%:*} GET ${probe#*:} over HTTPS on the ops port" \
      https_probe "$(block "${probe%%:*}" "$f")" "${probe#*:}"
  done
  grace=$(sed -n 's/^ *terminationGracePeriodSeconds: //p' "$f")
  delay=$(config_of "$dir" "$name" | sed -n 's/^  drain_delay: \([0-9]*\)s$/\1/p')
  drain=$(config_of "$dir" "$name" | sed -n 's/^  drain_timeout: \([0-9]*\)s$/\1/p')
  check "$label $name: terminationGracePeriodSeconds ($grace) > server.drain_delay + drain_timeout (${delay}s + ${drain}s)" \
    test -n "$grace" -a -n "$delay" -a -n "$drain" -a "${grace:-0}" -gt "$((${delay:-999} + ${drain:-999}))"
}

check_manifests() {  # FILE LABEL EXPECTED-DEPLOYMENTS
  local file=$1 label=$2 want=$3 dir f name n
  dir=$tmp/docs-$label
  split_docs "$file" "$dir"
  n=$(docs_of_kind "$dir" Deployment | wc -l)
  check "$label: $want Deployments (found $n)" test "$n" -eq "$want"
  for f in $(docs_of_kind "$dir" Deployment); do check_deployment "$dir" "$f" "$label"; done
  for f in $(docs_of_kind "$dir" NetworkPolicy); do
    name=$(name_of "$f")
    if [ "${name##*-}" = relay ]; then
      check "$label $name: gRPC open to all, ops restricted (1 from: clause)" test "$(grep -c '^ *- from:\|^ *from:' "$f")" -eq 1
    else
      check "$label $name: gRPC and ops restricted (2 from: clauses)" test "$(grep -c '^ *- from:\|^ *from:' "$f")" -eq 2
    fi
  done
  if f=$(doc_named "$dir" Deployment breakwater-relay); then
    [ "$label" = minimal ] || check "$label breakwater-relay: 2 replicas" grep -q '^  replicas: 2$' "$f"
    f=$(doc_named "$dir" PodDisruptionBudget breakwater-relay) || f=/dev/null
    check "$label: PodDisruptionBudget breakwater-relay with maxUnavailable: 1" grep -q '^  maxUnavailable: 1$' "$f"
  fi
}

# A stand-in for the pod's /etc/breakwater: the Secret files as the kubelet lays them out
# (symlinks into a ..data folder, mode 0440), a real certificate and key, a password.
make_secret_volume() {  # DIR NAME=SOURCE...
  local dir=$1 data=..2026_01_01_00_00_00.000000000 spec; shift
  mkdir -p "$dir/$data"
  for spec in "$@"; do
    cp "${spec#*=}" "$dir/$data/${spec%%=*}" && chmod 0440 "$dir/$data/${spec%%=*}"
    ln -s "..data/${spec%%=*}" "$dir/${spec%%=*}"
  done
  ln -s "$data" "$dir/..data"
}
make_pod_files() {
  local d=$tmp/pki
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=breakwater-test \
    -keyout "$d/key.pem" -out "$d/cert.pem" >/dev/null 2>&1 || return 1
  printf 'not-a-real-password' > "$d/password"
  make_secret_volume "$tmp/etc/tls" tls.crt="$d/cert.pem" tls.key="$d/key.pem" ca.crt="$d/cert.pem" &&
    make_secret_volume "$tmp/etc/redis" password="$d/password"
}
check_configs() {  # DIR LABEL: each rendered config file passes --check-config
  local dir=$1 label=$2 f name comp out
  for f in $(docs_of_kind "$dir" ConfigMap); do
    name=$(name_of "$f"); comp=${name##*-}
    [[ " ${components[*]} " == *" $comp "* ]] || continue
    config_of "$dir" "$name" | sed "s#/etc/breakwater/\(tls\|redis\)/#$tmp/etc/\1/#" > "$tmp/$label-$comp.yaml"
    out=$(env -i PATH=/usr/bin:/bin "$bin/breakwater-$comp" --config "$tmp/$label-$comp.yaml" --check-config 2>&1)
    check "$label $name: breakwater-$comp --check-config accepts the rendered config ($out)" test "$out" = "configuration is valid"
  done
}

# --- 1. lint and render the chart ------------------------------------------------------------
cat > "$tmp/all-on.yaml" <<'YAML'
relay:
  publicService: {enabled: true, type: LoadBalancer, annotations: {example.com/scheme: internet-facing}}
  config: {relay: {actor_threads: 4}}
auth:
  config: {log: {level: debug}}
metrics:
  serviceMonitor: {enabled: true, labels: {release: prometheus}}
  prometheusRule: {enabled: true, labels: {release: prometheus}}
  grafanaDashboard: {enabled: true}
networkPolicy:
  metricsFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
YAML
cat > "$tmp/minimal.yaml" <<'YAML'
audit: {enabled: false}
relay: {replicas: 1}
redis: {passwordSecret: {name: ""}}
metrics: {podAnnotations: false}
networkPolicy: {enabled: false}
YAML

check "helm lint --strict (defaults)" "$HELM" lint --strict "$chart" >/dev/null
check "helm lint --strict (every flag on)" "$HELM" lint --strict "$chart" -f "$tmp/all-on.yaml" >/dev/null
render_to() { local out=$1; shift; "$HELM" template breakwater "$chart" --namespace breakwater "$@" > "$out"; }
refused() { ! "$HELM" template x "$chart" "$@" >/dev/null 2>&1; }
check "helm template (defaults)" render_to "$tmp/default.yaml"
check "helm template (every flag on)" render_to "$tmp/all-on-rendered.yaml" -f "$tmp/all-on.yaml"
check "helm template (minimal: no audit, no Redis password, no policies)" render_to "$tmp/minimal-rendered.yaml" -f "$tmp/minimal.yaml"
"$HELM" template prod "$chart" --namespace bw-prod > "$tmp/prod.yaml" 2>&1
check "helm template (release prod: resources prod-breakwater-*)" grep -q '^  name: prod-breakwater-relay$' "$tmp/prod.yaml"
check "refused: a chart-owned key in <component>.config" refused --set relay.config.server.grpc_listen=0.0.0.0:1
check "refused: an unknown value (schema)" refused --set relay.replica=3
check "refused: drainTimeoutSeconds above the services' 60 s" refused --set drainTimeoutSeconds=61

# --- 2. what the rendered manifests say --------------------------------------------------------
check_manifests "$tmp/default.yaml" default 4
check_manifests "$tmp/all-on-rendered.yaml" all-on 4
check_manifests "$tmp/minimal-rendered.yaml" minimal 3
count() { grep -c "^kind: $2\$" "$1"; }
check "all-on: 4 ServiceMonitors, 1 PrometheusRule, dashboard ConfigMap, public relay Service" \
  test "$(count "$tmp/all-on-rendered.yaml" ServiceMonitor)" -eq 4 -a "$(count "$tmp/all-on-rendered.yaml" PrometheusRule)" -eq 1 \
  -a "$(grep -c '^  name: breakwater-grafana-dashboard$' "$tmp/all-on-rendered.yaml")" -eq 1 \
  -a "$(grep -c '^  name: breakwater-relay-public$' "$tmp/all-on-rendered.yaml")" -eq 1
check "minimal: no Redis password volume, no NetworkPolicy, no scrape annotations" \
  test "$(grep -c 'redis-password\|^kind: NetworkPolicy\|prometheus.io/scrape' "$tmp/minimal-rendered.yaml")" -eq 0

# --- 3. plain manifests: kustomize builds and they are the chart's defaults -------------------
kustomize_to() { "$KUBECTL" kustomize "$1" > "$2"; }
for d in deploy/k8s deploy/k8s/monitoring deploy/k8s/cert-manager; do
  check "kubectl kustomize $d" kustomize_to "$src/$d" "$tmp/kustomize-${d//\//-}.yaml"
done
check_manifests "$tmp/kustomize-deploy-k8s.yaml" kustomize 4
objects() {  # FILE: "Kind name" of every object
  awk '/^---/ { if (k) print k, n; k = n = ""; next } /^kind: / { k = $2 } /^  name: / && !n { n = $2 }
       END { if (k) print k, n }' "$1"
}
{ echo "Namespace breakwater"; objects "$tmp/default.yaml"; } | sort > "$tmp/objects-chart"
objects "$tmp/kustomize-deploy-k8s.yaml" | sort > "$tmp/objects-kustomize"
check "kustomize deploy/k8s holds the chart's default objects plus the Namespace" diff "$tmp/objects-chart" "$tmp/objects-kustomize"
regenerate_and_compare() {
  HELM=$HELM bash "$src/deploy/generate.sh" "$tmp/generated" &&
    diff -r -x kustomization.yaml -x namespace.yaml -x README.md -x cert-manager "$tmp/generated" "$src/deploy/k8s"
}
check "deploy/k8s is what deploy/generate.sh makes from the chart (else run deploy/generate.sh)" regenerate_and_compare

# --- 4. against the binaries: configs valid, alerts and dashboard on metrics that exist ------
# Needs openssl (a certificate for --check-config) and curl (HTTP/2 for a gRPC call).
if [ -n "$bin" ] && ! { command -v openssl && command -v curl; } >/dev/null; then
  echo "no openssl or curl: the checks against the binaries cannot run"
  bin=""
fi
if [ -n "$bin" ]; then
  check "pod files: certificate, key and password laid out like a Secret volume (0440, ..data symlinks)" make_pod_files
  for label in default all-on minimal kustomize; do check_configs "$tmp/docs-$label" "$label"; done
  # Kubernetes service-link variables (a Service named breakwater-relay gives
  # BREAKWATER_RELAY_PORT...) are ignored by the loader; a real typo in the section is not.
  # enableServiceLinks: false (checked above) keeps them out of the pods anyway.
  service_link_ignored() { env -i BREAKWATER_RELAY_PORT=tcp://10.0.0.1:7440 BREAKWATER_RELAY_PORT_7440_TCP_ADDR=10.0.0.1 \
    BREAKWATER_RELAY_SERVICE_HOST=10.0.0.1 "$bin/breakwater-relay" --config "$tmp/default-relay.yaml" --check-config >/dev/null 2>&1; }
  typo_refused() { ! env -i BREAKWATER_RELAY_ACTOR_THREDS=2 "$bin/breakwater-relay" --config "$tmp/default-relay.yaml" --check-config >/dev/null 2>&1; }
  check "service link variables (BREAKWATER_RELAY_PORT...) do not stop the relay" service_link_ignored
  check "a typo in a BREAKWATER_RELAY_* variable still does" typo_refused

  # Start each service on loopback (ephemeral ports, plaintext, Redis unreachable), make one
  # gRPC health call and one ops request so every metric family has a sample, read /metrics.
  printf '\0\0\0\0\0' > "$tmp/health-request"  # a gRPC frame holding an empty HealthCheckRequest
  : > "$tmp/metrics-exported"
  for c in "${components[@]}"; do
    env -i PATH=/usr/bin:/bin BREAKWATER_SERVER_GRPC_LISTEN=127.0.0.1:0 BREAKWATER_OPS_LISTEN=127.0.0.1:0 \
      BREAKWATER_OPS_PLAINTEXT=true BREAKWATER_TLS_PLAINTEXT=true BREAKWATER_TLS_CLIENT_AUTH=none \
      "$bin/breakwater-$c" > "$tmp/$c.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    ops_port="" grpc_port=""
    for _ in $(seq 100); do
      ops_port=$(sed -n 's/.*"event":"started".*"ops_port":\([0-9]*\).*/\1/p' "$tmp/$c.log")
      grpc_port=$(sed -n 's/.*"event":"started".*"grpc_port":\([0-9]*\).*/\1/p' "$tmp/$c.log")
      [ -n "$ops_port" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -n "$ops_port" ]; then
      curl -s -o /dev/null --http2-prior-knowledge -X POST -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary @"$tmp/health-request" "http://127.0.0.1:$grpc_port/grpc.health.v1.Health/Check"
      curl -s -o /dev/null "http://127.0.0.1:$ops_port/healthz"
      curl -s "http://127.0.0.1:$ops_port/metrics" | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' >> "$tmp/metrics-exported"
    fi
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    check "breakwater-$c started, served /metrics and exited 0 on SIGTERM (rc $rc)" test -n "$ops_port" -a "$rc" -eq 0
  done
  # Every breakwater_* name in an alert expression or a dashboard query, with the service
  # alternatives the dashboard uses expanded, and histogram series mapped to their family.
  {
    grep '^ *expr: ' "$tmp/all-on-rendered.yaml"
    grep '"expr"\|"query"\|"definition"' "$chart/files/grafana-dashboard.json"
  } | grep -oE 'breakwater_(\([a-z|+]+\)|\(\[a-z\]\+\)|[a-z]+)_[a-z_]+' | sort -u > "$tmp/metrics-used-raw"
  while read -r m; do
    case $m in
      *'('*) for c in "${components[@]}"; do sed -E "s/\([^)]*\)/$c/" <<<"$m"; done ;;
      *) echo "$m" ;;
    esac
  done < "$tmp/metrics-used-raw" | sed -E 's/_(bucket|sum|count)$//' | sort -u > "$tmp/metrics-used"
  all_exported() { test -s "$tmp/metrics-used" && ! grep -vxF -f "$tmp/metrics-exported" "$tmp/metrics-used" >/dev/null; }
  check "alerts and dashboard use $(wc -l < "$tmp/metrics-used") breakwater_* metrics, all exported by the binaries" all_exported
  grep -vxF -f "$tmp/metrics-exported" "$tmp/metrics-used" | sed 's/^/     not exported: /'
fi

echo "check_deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
if [ -z "$bin" ]; then
  echo "skipped: no breakwater binaries (build them or set BREAKWATER_BIN_DIR), or no openssl/curl: rendered configs and metric names were not checked (exit 77: skipped, not passed)"
  exit 77
fi
exit 0
