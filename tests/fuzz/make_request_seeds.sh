#!/usr/bin/env bash
# Writes the seeds of fuzz_ratelimit_request: serialized Envoy RateLimitRequests made by
# `protoc --encode` from the text below, into corpus/fuzz_ratelimit_request/. The binary
# seeds are committed; run this again only to change them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
protos=$here/../../protos
out=$here/corpus/fuzz_ratelimit_request
mkdir -p "$out"

seed() {  # seed NAME TEXT
  printf '%s\n' "$2" | protoc -I"$protos" -I/usr/include \
    --encode=envoy.service.ratelimit.v3.RateLimitRequest envoy/service/ratelimit/v3/rls.proto >"$out/$1"
}

seed one_descriptor 'domain: "api" descriptors { entries { key: "tenant" value: "t1" } }'
seed nested 'domain: "api" hits_addend: 3
descriptors { entries { key: "tenant" value: "t1" } entries { key: "route" value: "upload" } }
descriptors { entries { key: "tenant" value: "t2" } entries { key: "route" value: "list" } hits_addend { value: 7 } }'
seed shadow_and_unknown 'domain: "api"
descriptors { entries { key: "probe" value: "x" } }
descriptors { entries { key: "remote_address" value: "10.0.0.1" } }
descriptors { entries { key: "nosuch" value: "y" } }'
seed security_domain 'domain: "login" descriptors { entries { key: "account" value: "alice" } limit { requests_per_unit: 5 unit: MINUTE } }'
seed invalid_empty_key 'domain: "api" descriptors { entries { key: "" value: "v" } } descriptors { }'
