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
    lind == iind + 2 && line ~ /^persistentVolumeClaim:/ { kind = "pvc" }
    lind == iind + 2 && line ~ /^emptyDir:/ { kind = "emptyDir" }
    lind == iind + 4 && line ~ /^defaultMode: / { mode = substr(line, 14) }
    END { emit() }'
}
# list_item KEY RE FILE: the item of the list under the first "KEY:" that has a line matching
# RE (whole item, nested lists included). Key order inside an item does not matter: helm
# prints the chart's order, kustomize sorts the keys.
list_item() {
  block "$1" "$3" | awk -v re="$2" '
    function flush() { if (hit) printf "%s", item; item = ""; hit = 0 }
    NR == 1 { next }
    { match($0, /^ */); ind = RLENGTH }
    /^ *- / && (iind == "" || ind == iind) { if (iind == "") iind = ind; flush() }
    { item = item $0 "\n"; if ($0 ~ re) hit = 1 }
    END { flush() }'
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

# auth's public HTTPS API (auth.publicApi): port 8410 served, in its Service and open to
# everyone; the KEK only from a Secret mounted 0440; the database either SQLite on the pod
# volume at /var/lib/breakwater (one replica, Recreate) or a PostgreSQL URL that only a
# Secret-backed environment variable carries.
has_all() {  # TEXT RE...: every RE matches a line of TEXT
  local text=$1 re; shift
  for re in "$@"; do grep -q -- "$re" <<<"$text" || return 1; done
}
open_to_all() { local r; r=$(list_item ingress "port: $1\$" "$2"); [ -n "$r" ] && ! grep -q 'from:' <<<"$r"; }
no_secret_in_configmaps() {  # DIR: no ConfigMap holds a KEK-like value or a database URL
  local f
  for f in $(docs_of_kind "$1" ConfigMap); do
    grep -qE '[0-9a-fA-F]{64}|database_url|postgres(ql)?://|^ *kek:' "$f" && return 1
  done
  return 0
}
check_auth_public_api() {  # DIR LABEL DATABASE: sqlite, sqlite-emptydir or postgres
  local dir=$1 label=$2 db=$3 dep svc pol cfg vols env l="$2 breakwater-auth"
  dep=$(doc_named "$dir" Deployment breakwater-auth) || dep=/dev/null
  svc=$(doc_named "$dir" Service breakwater-auth) || svc=/dev/null
  cfg=$(config_of "$dir" breakwater-auth)
  vols=$(volumes "$dep")
  check "$l: container port 8410 named https-public" has_all "$(list_item ports 'containerPort: 8410$' "$dep")" 'name: https-public$'
  check "$l: Service carries 8410 as https-public" has_all "$(list_item ports 'port: 8410$' "$svc")" 'name: https-public$' 'targetPort: https-public$'
  if pol=$(doc_named "$dir" NetworkPolicy breakwater-auth); then
    check "$l: NetworkPolicy opens 8410 to everyone, keeps gRPC 7410 and ops 9410 restricted" \
      eval 'open_to_all 8410 "$pol" && ! open_to_all 7410 "$pol" && ! open_to_all 9410 "$pol"'
  fi
  check "$l: config serves the public API (public_listen, issuer, kek_file, ratelimit over mutual TLS, Redis)" \
    has_all "$cfg" '^  public_listen: 0.0.0.0:8410$' '^  issuer: https://.' '^  kek_file: /etc/breakwater/kek/kek$' \
    '^  ratelimit_address: breakwater-ratelimit.breakwater.svc:7420$' '^  ratelimit_server_name: breakwater-ratelimit$' \
    '^redis:$' '^  address: '
  check "$l: KEK Secret volume mounted read-only at /etc/breakwater/kek with defaultMode 288 (0440)" \
    eval 'grep -qx "kek secret 288" <<<"$vols" && has_all "$(list_item volumeMounts "name: kek$" "$dep")" "mountPath: /etc/breakwater/kek$" "readOnly: true$"'
  check "$label: no ConfigMap holds a KEK or a database URL" no_secret_in_configmaps "$dir"
  env=$(list_item env 'name: BREAKWATER_AUTH_DATABASE_URL$' "$dep")
  case $db in
    postgres)
      check "$l: PostgreSQL URL only from Secret breakwater-auth-db (env BREAKWATER_AUTH_DATABASE_URL, secretKeyRef)" \
        eval 'has_all "$env" "secretKeyRef:" "name: breakwater-auth-db$" "key: url$" && ! grep -q "value:" <<<"$env"'
      check "$l: no SQLite path, volume or PersistentVolumeClaim with PostgreSQL" \
        eval '! grep -q "sqlite_path" <<<"$cfg" && ! grep -q "^data " <<<"$vols" && ! doc_named "$dir" PersistentVolumeClaim breakwater-auth-data >/dev/null'
      check "$l: PostgreSQL allows 2 replicas" grep -q '^  replicas: 2$' "$dep" ;;
    sqlite*)
      check "$l: SQLite: no database URL variable, sqlite_path on the /var/lib/breakwater volume" \
        eval '[ -z "$env" ] && has_all "$cfg" "^  sqlite_path: /var/lib/breakwater/auth.db$" && has_all "$(list_item volumeMounts "name: data$" "$dep")" "mountPath: /var/lib/breakwater$"'
      check "$l: SQLite: 1 replica, Recreate strategy" eval 'grep -q "^  replicas: 1$" "$dep" && next_line_has "$dep" "^  strategy:" "type: Recreate$"'
      if [ "$db" = sqlite ]; then
        check "$l: SQLite on PersistentVolumeClaim breakwater-auth-data (ReadWriteOnce)" \
          eval 'grep -qx "data pvc -" <<<"$vols" && has_all "$(cat "$(doc_named "$dir" PersistentVolumeClaim breakwater-auth-data || echo /dev/null)")" ReadWriteOnce "storage: 1Gi$"'
      else
        check "$l: SQLite without persistence on an emptyDir, no PersistentVolumeClaim" \
          eval 'grep -qx "data emptyDir -" <<<"$vols" && ! doc_named "$dir" PersistentVolumeClaim breakwater-auth-data >/dev/null'
      fi ;;
  esac
}

# The audit log (audit.*): its KEK only from Secret breakwater-audit-kek mounted 0440; the
# database SQLite on a PersistentVolumeClaim (one replica, Recreate) or a PostgreSQL URL
# from a Secret; readers = the names of auth's certificate and the operators'; auth ships
# its events to the audit Service, whose gRPC port only this release's pods reach.
check_audit() {  # DIR LABEL DATABASE: sqlite or postgres
  local dir=$1 label=$2 db=$3 dep pol cfg authcfg vols env l="$2 breakwater-audit"
  dep=$(doc_named "$dir" Deployment breakwater-audit) || dep=/dev/null
  cfg=$(config_of "$dir" breakwater-audit)
  authcfg=$(config_of "$dir" breakwater-auth)
  vols=$(volumes "$dep")
  check "$l: config has the KEK file, readers (auth's certificate names, the operator) and checkpoint settings" \
    has_all "$cfg" '^  kek_file: /etc/breakwater/kek/kek$' '^  readers:$' '^  - breakwater-auth$' \
    '^  - breakwater-auth.breakwater.svc$' '^  - breakwater-auth.breakwater.svc.cluster.local$' '^  - breakwater-operator$' \
    '^  checkpoint_every: 1000$' '^  checkpoint_interval: 10s$'
  check "$l: KEK from Secret breakwater-audit-kek, mounted read-only at /etc/breakwater/kek with defaultMode 288 (0440)" \
    eval 'grep -qx "kek secret 288" <<<"$vols" && has_all "$(list_item volumes "name: kek$" "$dep")" "secretName: breakwater-audit-kek$" "path: kek$" &&
      has_all "$(list_item volumeMounts "name: kek$" "$dep")" "mountPath: /etc/breakwater/kek$" "readOnly: true$"'
  for producer in auth relay ratelimit; do
    check "$label breakwater-$producer: ships audit events to breakwater-audit.breakwater.svc:7430 over TLS (server name breakwater-audit)" \
      has_all "$(config_of "$dir" "breakwater-$producer")" '^audit:$' '^  endpoint: breakwater-audit.breakwater.svc:7430$' \
      '^  server_name: breakwater-audit$' '^  plaintext: false$'
  done
  if pol=$(doc_named "$dir" NetworkPolicy breakwater-audit); then
    check "$l: NetworkPolicy lets this release's pods (auth) reach gRPC 7430, not everyone" \
      eval '! open_to_all 7430 "$pol" && has_all "$(list_item ingress "port: 7430$" "$pol")" "app.kubernetes.io/instance: breakwater$"'
  fi
  env=$(list_item env 'name: BREAKWATER_AUDIT_DATABASE_URL$' "$dep")
  case $db in
    postgres)
      check "$l: PostgreSQL URL only from Secret breakwater-audit-db (env BREAKWATER_AUDIT_DATABASE_URL, secretKeyRef)" \
        eval 'has_all "$env" "secretKeyRef:" "name: breakwater-audit-db$" "key: url$" && ! grep -q "value:" <<<"$env"'
      check "$l: no SQLite path, volume or PersistentVolumeClaim with PostgreSQL; 2 replicas" \
        eval '! grep -q "sqlite_path" <<<"$cfg" && ! grep -q "^data " <<<"$vols" && ! doc_named "$dir" PersistentVolumeClaim breakwater-audit-data >/dev/null &&
          grep -q "^  replicas: 2$" "$dep"' ;;
    sqlite)
      check "$l: SQLite: no database URL variable, sqlite_path on the /var/lib/breakwater volume" \
        eval '[ -z "$env" ] && has_all "$cfg" "^  sqlite_path: /var/lib/breakwater/audit.db$" && has_all "$(list_item volumeMounts "name: data$" "$dep")" "mountPath: /var/lib/breakwater$"'
      check "$l: SQLite: 1 replica, Recreate strategy" eval 'grep -q "^  replicas: 1$" "$dep" && next_line_has "$dep" "^  strategy:" "type: Recreate$"'
      check "$l: SQLite on PersistentVolumeClaim breakwater-audit-data (ReadWriteOnce, 5Gi, kept on uninstall)" \
        eval 'grep -qx "data pvc -" <<<"$vols" && has_all "$(list_item volumes "name: data$" "$dep")" "claimName: breakwater-audit-data$" &&
          has_all "$(cat "$(doc_named "$dir" PersistentVolumeClaim breakwater-audit-data || echo /dev/null)")" ReadWriteOnce "storage: 5Gi$" "helm.sh/resource-policy: keep$"' ;;
  esac
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
  openssl rand -hex 32 | tr -d '\n' > "$d/kek" || return 1
  make_secret_volume "$tmp/etc/tls" tls.crt="$d/cert.pem" tls.key="$d/key.pem" ca.crt="$d/cert.pem" &&
    make_secret_volume "$tmp/etc/redis" password="$d/password" &&
    make_secret_volume "$tmp/etc/kek" kek="$d/kek"
}
check_configs() {  # DIR LABEL: each rendered config file passes --check-config
  local dir=$1 label=$2 f name comp out
  for f in $(docs_of_kind "$dir" ConfigMap); do
    name=$(name_of "$f"); comp=${name##*-}
    [[ " ${components[*]} " == *" $comp "* ]] || continue
    config_of "$dir" "$name" | sed "s#/etc/breakwater/\(tls\|redis\|kek\)/#$tmp/etc/\1/#" > "$tmp/$label-$comp.yaml"
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
  replicas: 2
  config: {log: {level: debug}}
  publicApi:
    host: auth.example.com
    corsOrigin: https://app.example.com
    publicService: {enabled: true, type: LoadBalancer, annotations: {example.com/scheme: internet-facing}}
    database: {urlSecret: {name: breakwater-auth-db, key: url}}
audit:
  replicas: 2
  database: {urlSecret: {name: breakwater-audit-db, key: url}}
  config: {audit: {workers: 4}}
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
auth: {publicApi: {persistence: {enabled: false}}}
relay: {replicas: 1}
redis: {passwordSecret: {name: ""}}
metrics: {podAnnotations: false}
networkPolicy: {enabled: false}
YAML

# (The redirect inside lint: on the check line it would also swallow the ok/FAIL line.)
lint() { "$HELM" lint --strict "$chart" "$@" >/dev/null; }
check "helm lint --strict (defaults)" lint
check "helm lint --strict (every flag on)" lint -f "$tmp/all-on.yaml"
render_to() { local out=$1; shift; "$HELM" template breakwater "$chart" --namespace breakwater "$@" > "$out"; }
refused() { ! "$HELM" template x "$chart" "$@" >/dev/null 2>&1; }
refused_saying() { local re=$1 out; shift; ! out=$("$HELM" template x "$chart" "$@" 2>&1) && grep -q -- "$re" <<<"$out"; }
check "helm template (defaults)" render_to "$tmp/default.yaml"
check "helm template (every flag on)" render_to "$tmp/all-on-rendered.yaml" -f "$tmp/all-on.yaml"
check "helm template (minimal: no audit, no Redis password, no policies)" render_to "$tmp/minimal-rendered.yaml" -f "$tmp/minimal.yaml"
"$HELM" template prod "$chart" --namespace bw-prod > "$tmp/prod.yaml" 2>&1
check "helm template (release prod: resources prod-breakwater-*)" grep -q '^  name: prod-breakwater-relay$' "$tmp/prod.yaml"
check "refused: a chart-owned key in <component>.config" refused --set relay.config.server.grpc_listen=0.0.0.0:1
check "refused: an unknown value (schema)" refused --set relay.replica=3
check "refused: drainTimeoutSeconds above the services' 60 s" refused --set drainTimeoutSeconds=61
check "helm template (auth without its public API)" render_to "$tmp/no-public-api-rendered.yaml" --set auth.publicApi.enabled=false
check "refused: 2 auth replicas on SQLite (the message names PostgreSQL)" refused_saying 'auth.replicas is 2.*SQLite.*PostgreSQL' --set auth.replicas=2
check "refused: 2 auth replicas on SQLite without persistence" refused --set auth.replicas=2 --set auth.publicApi.persistence.enabled=false
check "accepted: 3 auth replicas on PostgreSQL" eval '"$HELM" template x "$chart" --set auth.replicas=3 --set auth.publicApi.database.urlSecret.name=db >/dev/null'
check "refused: auth.database_url in auth.config (a secret in a ConfigMap; the message names urlSecret)" refused_saying 'database.urlSecret' --set auth.config.auth.database_url=postgresql://u:p@db/bw
check "refused: auth.database_url in auth.config even with the public API off" \
  refused --set auth.publicApi.enabled=false --set auth.config.auth.database_url=postgresql://u:p@db/bw
check "refused: a chart-owned auth key in auth.config (auth.kek_file)" refused --set auth.config.auth.kek_file=/tmp/kek
check "refused: the public API without ratelimit (login lockout)" refused_saying 'ratelimit.enabled=true' --set ratelimit.enabled=false
check "refused: an issuer that is not an https URL (schema)" refused --set auth.publicApi.issuer=auth.example.com
check "refused: 2 audit replicas on SQLite (the message names PostgreSQL)" refused_saying 'audit.replicas is 2.*SQLite.*PostgreSQL' --set audit.replicas=2
check "accepted: 3 audit replicas on PostgreSQL" eval '"$HELM" template x "$chart" --set audit.replicas=3 --set audit.database.urlSecret.name=db >/dev/null'
check "refused: audit.database_url in audit.config (the message names audit.database.urlSecret)" \
  refused_saying 'audit.database.urlSecret' --set audit.config.audit.database_url=postgresql://u:p@db/bw
check "refused: chart-owned audit keys in audit.config (kek_file, readers, checkpoint_every)" eval \
  'refused --set audit.config.audit.kek_file=/tmp/kek && refused --set audit.config.audit.readers=x && refused --set audit.config.audit.checkpoint_every=5'
check "refused: auth.config audit.endpoint while audit is enabled; accepted with audit disabled" eval \
  'refused --set auth.config.audit.endpoint=a:1 && ! refused --set audit.enabled=false --set auth.config.audit.endpoint=audit.example:7430'
check "refused: audit checkpoint interval that is not a duration (schema)" refused --set audit.checkpoint.interval=10

# --- 2. what the rendered manifests say --------------------------------------------------------
check_manifests "$tmp/default.yaml" default 4
check_manifests "$tmp/all-on-rendered.yaml" all-on 4
check_manifests "$tmp/minimal-rendered.yaml" minimal 3
check_manifests "$tmp/no-public-api-rendered.yaml" no-public-api 4
check_auth_public_api "$tmp/docs-default" default sqlite
check_auth_public_api "$tmp/docs-all-on" all-on postgres
check_auth_public_api "$tmp/docs-minimal" minimal sqlite-emptydir
check_audit "$tmp/docs-default" default sqlite
check_audit "$tmp/docs-all-on" all-on postgres
check_audit "$tmp/docs-no-public-api" no-public-api sqlite
check "minimal: audit disabled: no audit Deployment, PersistentVolumeClaim or KEK, auth ships no events" \
  eval '! grep -q "breakwater-audit" "$tmp/minimal-rendered.yaml" && ! config_of "$tmp/docs-minimal" breakwater-auth | grep -q "^audit:"'
audit_alerts() {
  local a
  for a in BreakwaterAuditCommitsFailing BreakwaterAuditCheckpointsFailing BreakwaterAuditCorruption; do
    grep -q "^ *- alert: $a\$" "$tmp/all-on-rendered.yaml" || return 1
  done
}
check "all-on: PrometheusRule has the audit alerts (commits failing, checkpoints failing, corruption)" audit_alerts
no_public_api() {
  local dir=$tmp/docs-no-public-api f
  f=$(doc_named "$dir" Deployment breakwater-auth) || return 1
  ! cat "$f" "$(doc_named "$dir" ConfigMap breakwater-auth)" "$(doc_named "$dir" Service breakwater-auth)" | grep -q '8410\|kek\|/var/lib/breakwater' &&
    ! doc_named "$dir" PersistentVolumeClaim breakwater-auth-data >/dev/null && ! config_of "$dir" breakwater-auth | grep -q '^redis:\|^auth:' &&
    ! volumes "$f" | grep -q '^redis-password '
}
check "no-public-api: no port 8410, KEK, database volume, PersistentVolumeClaim or Redis for auth" no_public_api
count() { grep -c "^kind: $2\$" "$1"; }
check "all-on: 4 ServiceMonitors, 1 PrometheusRule, dashboard ConfigMap, public relay and auth Services" \
  test "$(count "$tmp/all-on-rendered.yaml" ServiceMonitor)" -eq 4 -a "$(count "$tmp/all-on-rendered.yaml" PrometheusRule)" -eq 1 \
  -a "$(grep -c '^  name: breakwater-grafana-dashboard$' "$tmp/all-on-rendered.yaml")" -eq 1 \
  -a "$(grep -c '^  name: breakwater-relay-public$' "$tmp/all-on-rendered.yaml")" -eq 1 \
  -a "$(grep -c '^  name: breakwater-auth-public$' "$tmp/all-on-rendered.yaml")" -eq 1
check "minimal: no Redis password volume, no NetworkPolicy, no scrape annotations" \
  test "$(grep -c 'redis-password\|^kind: NetworkPolicy\|prometheus.io/scrape' "$tmp/minimal-rendered.yaml")" -eq 0

# --- 3. plain manifests: kustomize builds and they are the chart's defaults -------------------
kustomize_to() { "$KUBECTL" kustomize "$1" > "$2"; }
for d in deploy/k8s deploy/k8s/monitoring deploy/k8s/cert-manager; do
  check "kubectl kustomize $d" kustomize_to "$src/$d" "$tmp/kustomize-${d//\//-}.yaml"
done
check_manifests "$tmp/kustomize-deploy-k8s.yaml" kustomize 4
check_auth_public_api "$tmp/docs-kustomize" kustomize sqlite
check_audit "$tmp/docs-kustomize" kustomize sqlite
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
  for label in default all-on minimal kustomize no-public-api; do check_configs "$tmp/docs-$label" "$label"; done
  # The KEK as the pod sees it (0440, group fsGroup) passes auth's private-file check; one
  # that others can read does not, so the check above really read the mounted file.
  check "default breakwater-auth: --check-config ran with the public API on" grep -q '^  public_listen: 0.0.0.0:8410$' "$tmp/default-auth.yaml"
  # A KEK that others can read (0444) is refused by SERVICE's --check-config, naming KEY.
  kek_exposed_refused() {
    local service=$1 key=$2 kek=$tmp/etc/kek/..data/kek out
    chmod 0444 "$kek"
    out=$(env -i PATH=/usr/bin:/bin "$bin/breakwater-$service" --config "$tmp/default-$service.yaml" --check-config 2>&1)
    chmod 0440 "$kek"
    grep -q "$key: .* is accessible by other users" <<<"$out"
  }
  check "a KEK readable by others (0444) is refused by --check-config, naming auth.kek_file" kek_exposed_refused auth auth.kek_file
  check "default breakwater-audit: --check-config ran with the audit log on (KEK, readers)" grep -q '^  kek_file: '"$tmp"'/etc/kek/kek$' "$tmp/default-audit.yaml"
  check "an audit KEK readable by others (0444) is refused by --check-config, naming audit.kek_file" kek_exposed_refused audit audit.kek_file
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
  printf '\0\0\0\0\2\n\0' > "$tmp/append-request"  # an AppendRequest with one empty (invalid) event
  : > "$tmp/metrics-exported"
  for c in "${components[@]}"; do
    extra=()  # the relay needs to know where auth is (unreachable here) and its WebSocket's hosts
    [ "$c" = relay ] && extra=(BREAKWATER_RELAY_AUTH_ADDRESS=127.0.0.1:1 BREAKWATER_RELAY_AUTH_ISSUER=https://auth.test
      BREAKWATER_RELAY_AUTH_PLAINTEXT=true BREAKWATER_RELAY_WS_LISTEN=127.0.0.1:0 BREAKWATER_RELAY_WS_PLAINTEXT=true
      BREAKWATER_RELAY_WS_ALLOWED_HOSTS=localhost)
    # audit registers its commit and checkpoint metrics with the log on: a KEK and SQLite here
    [ "$c" = audit ] && extra=(BREAKWATER_AUDIT_KEK_FILE="$tmp/etc/kek/kek" BREAKWATER_AUDIT_SQLITE_PATH="$tmp/audit.db")
    env -i PATH=/usr/bin:/bin BREAKWATER_SERVER_GRPC_LISTEN=127.0.0.1:0 BREAKWATER_OPS_LISTEN=127.0.0.1:0 \
      BREAKWATER_OPS_PLAINTEXT=true BREAKWATER_TLS_PLAINTEXT=true BREAKWATER_TLS_CLIENT_AUTH=none "${extra[@]}" \
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
      # an Append (refused: the event is empty) gives the request and event counters a sample
      [ "$c" = audit ] && curl -s -o /dev/null --http2-prior-knowledge -X POST -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary @"$tmp/append-request" "http://127.0.0.1:$grpc_port/breakwater.audit.v1.Audit/Append"
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
