#!/usr/bin/env bash
# Makes a development PKI: a cluster CA and one certificate per service, for the local
# cluster and the tests. NOT for production (use cert-manager or your own CA; see
# docs/operations.md).
#
#   scripts/dev-pki.sh DIR [NAME ...]
#
# Writes DIR/ca.pem (+ ca-key.pem) and DIR/NAME.pem + DIR/NAME-key.pem for each NAME
# (default: auth relay ratelimit audit operator). Each leaf is valid for serverAuth and
# clientAuth (mutual TLS between services), with SANs localhost, 127.0.0.1, ::1 and
# breakwater-NAME. Keys are ECDSA P-256, mode 0600; DIR is mode 0700. Existing files are
# kept, so running it twice is safe; a leaf is re-issued (new key) when it no longer
# verifies against ca.pem (e.g. the CA was replaced) or expires within 30 days.
set -euo pipefail
dir=${1:?usage: dev-pki.sh DIR [NAME ...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(auth relay ratelimit audit operator)

# Runs openssl quietly, but shows what it said if it fails.
ossl() {
  local out
  if ! out=$(openssl "$@" 2>&1); then
    printf 'dev-pki: openssl %s failed:\n%s\n' "$1" "$out" >&2
    exit 1
  fi
}

umask 077
name=""
trap 'rm -f "$name-key.pem.new" "$name.pem.new" "$name.csr" "$name.ext"' EXIT
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

if [ ! -f ca.pem ]; then
  ossl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
  ossl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/O=Breakwater dev/CN=Breakwater dev cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
  chmod 644 ca.pem
fi

for name in "${names[@]}"; do
  if [ -f "$name.pem" ] && [ -f "$name-key.pem" ]; then
    if ! why=$(openssl verify -CAfile ca.pem "$name.pem" 2>&1); then
      echo "dev-pki: re-issuing $name.pem: it does not verify against ca.pem: ${why//$'\n'/ }" >&2
    elif ! openssl x509 -in "$name.pem" -noout -checkend $((30 * 86400)) >/dev/null 2>&1; then
      echo "dev-pki: re-issuing $name.pem: it expires within 30 days" >&2
    else
      continue
    fi
  fi
  # Key and certificate are made beside the old ones and replace them together.
  ossl ecparam -name prime256v1 -genkey -noout -out "$name-key.pem.new"
  ossl req -new -key "$name-key.pem.new" -subj "/O=Breakwater dev/CN=breakwater-$name" -out "$name.csr"
  cat > "$name.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,DNS:breakwater-$name,IP:127.0.0.1,IP:::1
EXT
  ossl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 397 -sha256 \
    -extfile "$name.ext" -out "$name.pem.new"
  rm -f "$name.csr" "$name.ext"
  chmod 600 "$name-key.pem.new"
  chmod 644 "$name.pem.new"
  mv -f "$name-key.pem.new" "$name-key.pem"
  mv -f "$name.pem.new" "$name.pem"
done
