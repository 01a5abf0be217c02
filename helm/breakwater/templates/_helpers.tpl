{{/*
Names. fullname is the release name when it already contains the chart name, else
<release>-<chart>; each component's resources are <fullname>-<component>.
*/}}
{{- define "breakwater.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "breakwater.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The components, in start order, and their fixed ports. */}}
{{- define "breakwater.components" -}}
[auth, ratelimit, audit, relay]
{{- end }}

{{- define "breakwater.ports" -}}
auth: {grpc: 7410, ops: 9410, public: 8410}
ratelimit: {grpc: 7420, ops: 9420}
audit: {grpc: 7430, ops: 9430}
relay: {grpc: 7440, ops: 9440, ws: 8440}
{{- end }}

{{/* The enabled components, as a list. Call with the root context. */}}
{{- define "breakwater.enabledComponents" -}}
{{- $out := list }}
{{- range $name := include "breakwater.components" . | fromYamlArray }}
{{- if (index $.Values $name).enabled }}
{{- $out = append $out $name }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Components that talk to Redis: relay, ratelimit, and auth when its public API is on (it
publishes revocation epochs there). Call with (dict "root" $ "name" <component>).
*/}}
{{- define "breakwater.usesRedis" -}}
{{- or (has .name (list "relay" "ratelimit")) (and (eq .name "auth") (eq (include "breakwater.authPublicApi" .root) "true")) }}
{{- end }}

{{/*
auth's public HTTPS API (sign-up, login, devices, pairing). Call these with the root
context. authPublicApi is "true" when auth runs with it; authSqlite is "true" when its
database is SQLite on a pod volume rather than PostgreSQL named by a Secret.
*/}}
{{- define "breakwater.authPublicApi" -}}
{{- and .Values.auth.enabled .Values.auth.publicApi.enabled }}
{{- end }}

{{- define "breakwater.authSqlite" -}}
{{- not .Values.auth.publicApi.database.urlSecret.name }}
{{- end }}

{{- define "breakwater.authKekSecretName" -}}
{{- default (printf "%s-auth-kek" (include "breakwater.fullname" .)) .Values.auth.publicApi.kekSecret.name }}
{{- end }}

{{- define "breakwater.authDataClaimName" -}}
{{ include "breakwater.fullname" . }}-auth-data
{{- end }}

{{/*
The audit log (breakwater-audit). Call these with the root context. auditSqlite is "true"
when its database is SQLite on a pod volume rather than PostgreSQL named by a Secret.
*/}}
{{- define "breakwater.auditSqlite" -}}
{{- not .Values.audit.database.urlSecret.name }}
{{- end }}

{{- define "breakwater.auditKekSecretName" -}}
{{- default (printf "%s-audit-kek" (include "breakwater.fullname" .)) .Values.audit.kekSecret.name }}
{{- end }}

{{- define "breakwater.auditDataClaimName" -}}
{{ include "breakwater.fullname" . }}-audit-data
{{- end }}

{{/*
audit.readers: the names auth's certificate carries (its Service's names, which the
certificates of this chart name: <fullname>-auth, .<namespace>.svc, .svc.cluster.local),
then audit.operatorNames. As a YAML list.
*/}}
{{- define "breakwater.auditReaders" -}}
{{- $auth := include "breakwater.componentName" (dict "root" . "name" "auth") }}
{{- $ns := .Release.Namespace }}
{{- $names := list $auth (printf "%s.%s.svc" $auth $ns) (printf "%s.%s.svc.cluster.local" $auth $ns) }}
{{- toYaml (concat $names .Values.audit.operatorNames | uniq) }}
{{- end }}

{{/* Refuses combinations of values the audit log cannot run with. */}}
{{- define "breakwater.auditCheck" -}}
{{- if and .Values.audit.enabled (eq (include "breakwater.auditSqlite" .) "true") (gt (int .Values.audit.replicas) 1) }}
{{- fail (printf "audit.replicas is %v, but the audit log is SQLite on one volume, which only one pod may use: set audit.replicas=1, or use PostgreSQL (audit.database.urlSecret)" .Values.audit.replicas) }}
{{- end }}
{{- end }}

{{/*
iss of access tokens: auth.publicApi.issuer, else https://<auth.publicApi.host>, else the
in-cluster URL of the API (https://<fullname>-auth.<namespace>.svc:8410).
*/}}
{{- define "breakwater.authIssuer" -}}
{{- $api := .Values.auth.publicApi }}
{{- if $api.issuer }}
{{- $api.issuer }}
{{- else if $api.host }}
{{- printf "https://%s" $api.host }}
{{- else }}
{{- printf "https://%s-auth.%s.svc:8410" (include "breakwater.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{/* Refuses combinations of values the public API cannot run with. */}}
{{- define "breakwater.authPublicApiCheck" -}}
{{- if eq (include "breakwater.authPublicApi" .) "true" }}
{{- if not .Values.ratelimit.enabled }}
{{- fail "auth.publicApi needs ratelimit.enabled=true: breakwater-auth locks out password guessing through breakwater-ratelimit" }}
{{- end }}
{{- if and (eq (include "breakwater.authSqlite" .) "true") (gt (int .Values.auth.replicas) 1) }}
{{- fail (printf "auth.replicas is %v, but auth's database is SQLite on one volume, which only one pod may use: set auth.replicas=1, or use PostgreSQL (auth.publicApi.database.urlSecret)" .Values.auth.replicas) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels. Call the component variants with (dict "root" $ "name" <component>). */}}
{{- define "breakwater.selectorLabels" -}}
app.kubernetes.io/name: {{ include "breakwater.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "breakwater.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "breakwater.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: breakwater
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "breakwater.componentSelectorLabels" -}}
{{ include "breakwater.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "breakwater.componentLabels" -}}
{{ include "breakwater.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "breakwater.componentName" -}}
{{ include "breakwater.fullname" .root }}-{{ .name }}
{{- end }}

{{- define "breakwater.tlsSecretName" -}}
{{- $c := index .root.Values .name }}
{{- default (printf "%s-tls" (include "breakwater.componentName" .)) $c.tlsSecretName }}
{{- end }}

{{- define "breakwater.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* server.drain_delay and server.drain_timeout, as "<n>s"; the pod's grace period exceeds their sum. */}}
{{- define "breakwater.seconds" -}}
{{- $d := int (index .Values .key) }}
{{- if or (lt $d 0) (gt $d 60) }}
{{- fail (printf "%s must be between 0 and 60 (the services' limit)" .key) }}
{{- end }}
{{- $d }}
{{- end }}

{{- define "breakwater.terminationGracePeriodSeconds" -}}
{{- add (include "breakwater.seconds" (dict "Values" .Values "key" "drainDelaySeconds")) (include "breakwater.seconds" (dict "Values" .Values "key" "drainTimeoutSeconds")) 5 }}
{{- end }}

{{/*
Config keys the chart sets, refused in <component>.config. auth.database_url is refused
even with the public API off: a database URL is a secret and belongs in a Secret
(auth.publicApi.database.urlSecret), never in a ConfigMap.
*/}}
{{- define "breakwater.chartOwnedKeys" -}}
- relay.auth_address
- relay.auth_server_name
- relay.auth_issuer
- relay.ratelimit_address
- relay.ratelimit_server_name
- relay.ws_listen
- server.grpc_listen
- server.drain_delay
- server.drain_timeout
- ops.listen
- ops.plaintext
- tls.cert_file
- tls.key_file
- redis.address
- redis.password
- redis.password_file
- auth.public_listen
- auth.issuer
- auth.cors_origin
- auth.kek_file
- auth.ratelimit_address
- auth.ratelimit_server_name
- auth.database_url
- auth.sqlite_path
- audit.kek_file
- audit.database_url
- audit.sqlite_path
- audit.readers
- audit.checkpoint_every
- audit.checkpoint_interval
{{- end }}

{{/*
The producer keys of auth, relay and ratelimit pointing them at this release's audit
service: the chart's only while audit is enabled (disabled, they are free in
<component>.config, e.g. for an audit service elsewhere).
*/}}
{{- define "breakwater.auditProducerKeys" -}}
- audit.endpoint
- audit.server_name
- audit.plaintext
{{- end }}

{{/*
The YAML configuration file of one component: what the chart owns (listen addresses,
drain timeout, certificate and password paths) merged with <component>.config. Keys the
chart owns are refused in <component>.config, so the file says one thing.
*/}}
{{- define "breakwater.config" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $c := index $root.Values $name }}
{{- $ports := index (include "breakwater.ports" $root | fromYaml) $name }}
{{- $user := deepCopy ($c.config | default dict) }}
{{- $owned := include "breakwater.chartOwnedKeys" $root | fromYamlArray }}
{{- if $root.Values.audit.enabled }}
{{- $owned = concat $owned (include "breakwater.auditProducerKeys" $root | fromYamlArray) }}
{{- end }}
{{- range $key := $owned }}
{{- $section := index $user (first (splitList "." $key)) }}
{{- if and (kindIs "map" $section) (hasKey $section (last (splitList "." $key))) }}
{{- if eq $key "auth.database_url" }}
{{- fail (printf "%s.config: auth.database_url is a secret and never goes in the ConfigMap: put the URL in a Secret and name it in auth.publicApi.database.urlSecret" $name) }}
{{- end }}
{{- if eq $key "audit.database_url" }}
{{- fail (printf "%s.config: audit.database_url is a secret and never goes in the ConfigMap: put the URL in a Secret and name it in audit.database.urlSecret" $name) }}
{{- end }}
{{- fail (printf "%s.config: %s is set by the chart and cannot be overridden" $name $key) }}
{{- end }}
{{- end }}
{{- /* Every component verifies the cluster CA: the relay too, as a client of auth and ratelimit. */}}
{{- $tls := dict "cert_file" "/etc/breakwater/tls/tls.crt" "key_file" "/etc/breakwater/tls/tls.key" "ca_file" "/etc/breakwater/tls/ca.crt" }}
{{- $base := dict
  "server" (dict
    "grpc_listen" (printf "0.0.0.0:%v" $ports.grpc)
    "drain_delay" (printf "%ss" (include "breakwater.seconds" (dict "Values" $root.Values "key" "drainDelaySeconds")))
    "drain_timeout" (printf "%ss" (include "breakwater.seconds" (dict "Values" $root.Values "key" "drainTimeoutSeconds"))))
  "tls" $tls
  "ops" (dict "listen" (printf "0.0.0.0:%v" $ports.ops)) }}
{{- if eq (include "breakwater.usesRedis" .) "true" }}
{{- $redis := dict "address" $root.Values.redis.address }}
{{- if $root.Values.redis.passwordSecret.name }}
{{- $_ := set $redis "password_file" "/etc/breakwater/redis/password" }}
{{- end }}
{{- $_ := set $base "redis" $redis }}
{{- end }}
{{- if and (eq $name "auth") (eq (include "breakwater.authPublicApi" $root) "true") }}
{{- $ratelimit := include "breakwater.componentName" (dict "root" $root "name" "ratelimit") }}
{{- $auth := dict
  "public_listen" (printf "0.0.0.0:%v" $ports.public)
  "issuer" (include "breakwater.authIssuer" $root)
  "kek_file" "/etc/breakwater/kek/kek"
  "ratelimit_address" (printf "%s.%s.svc:%v" $ratelimit $root.Release.Namespace (index (include "breakwater.ports" $root | fromYaml) "ratelimit").grpc)
  "ratelimit_server_name" $ratelimit }}
{{- with $root.Values.auth.publicApi.corsOrigin }}
{{- $_ := set $auth "cors_origin" . }}
{{- end }}
{{- if eq (include "breakwater.authSqlite" $root) "true" }}
{{- $_ := set $auth "sqlite_path" "/var/lib/breakwater/auth.db" }}
{{- end }}
{{- $_ := set $base "auth" $auth }}
{{- end }}
{{- if and (has $name (list "auth" "relay" "ratelimit")) $root.Values.audit.enabled }}
{{- /* auth, relay and ratelimit ship their audit events to this release's audit service over mutual TLS. */}}
{{- $audit := include "breakwater.componentName" (dict "root" $root "name" "audit") }}
{{- $_ := set $base "audit" (dict
  "endpoint" (printf "%s.%s.svc:%v" $audit $root.Release.Namespace (index (include "breakwater.ports" $root | fromYaml) "audit").grpc)
  "server_name" $audit
  "plaintext" false) }}
{{- end }}
{{- if eq $name "audit" }}
{{- $a := $root.Values.audit }}
{{- $audit := dict
  "kek_file" "/etc/breakwater/kek/kek"
  "readers" (include "breakwater.auditReaders" $root | fromYamlArray)
  "checkpoint_every" (int $a.checkpoint.every)
  "checkpoint_interval" $a.checkpoint.interval }}
{{- if eq (include "breakwater.auditSqlite" $root) "true" }}
{{- $_ := set $audit "sqlite_path" "/var/lib/breakwater/audit.db" }}
{{- end }}
{{- $_ := set $base "audit" $audit }}
{{- end }}
{{- if eq $name "relay" }}
{{- $authName := include "breakwater.componentName" (dict "root" $root "name" "auth") }}
{{- $rlName := include "breakwater.componentName" (dict "root" $root "name" "ratelimit") }}
{{- $all := include "breakwater.ports" $root | fromYaml }}
{{- $ws := $root.Values.relay.websocket }}
{{- $svc := include "breakwater.componentName" . }}
{{- $hosts := $ws.hosts | default (list $svc (printf "%s.%s.svc" $svc $root.Release.Namespace)) }}
{{- $relay := dict
  "auth_address" (printf "%s.%s.svc:%v" $authName $root.Release.Namespace $all.auth.grpc)
  "auth_server_name" $authName
  "auth_issuer" (ternary (include "breakwater.authIssuer" $root) (printf "https://%s.%s.svc" $authName $root.Release.Namespace) (eq (include "breakwater.authPublicApi" $root) "true"))
  "ratelimit_address" (printf "%s.%s.svc:%v" $rlName $root.Release.Namespace $all.ratelimit.grpc)
  "ratelimit_server_name" $rlName
  "ws_listen" (printf "0.0.0.0:%v" $ports.ws)
  "ws_allowed_hosts" $hosts
  "ws_allowed_origins" ($ws.allowedOrigins | default list) }}
{{- $_ := set $base "relay" $relay }}
{{- end }}
{{- toYaml (mustMergeOverwrite $base $user) }}
{{- end }}
