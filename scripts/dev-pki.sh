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
# kept, so running it twice is safe.
set -euo pipefail
dir=${1:?usage: dev-pki.sh DIR [NAME ...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(auth relay ratelimit audit operator)

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

if [ ! -f ca.pem ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem 2>/dev/null
  openssl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/O=Breakwater dev/CN=Breakwater dev cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem 2>/dev/null
  chmod 644 ca.pem
fi

for name in "${names[@]}"; do
  [ -f "$name.pem" ] && continue
  openssl ecparam -name prime256v1 -genkey -noout -out "$name-key.pem" 2>/dev/null
  openssl req -new -key "$name-key.pem" -subj "/O=Breakwater dev/CN=breakwater-$name" -out "$name.csr" 2>/dev/null
  cat > "$name.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,DNS:breakwater-$name,IP:127.0.0.1,IP:::1
EXT
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 397 -sha256 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
  chmod 600 "$name-key.pem"
  chmod 644 "$name.pem"
done
