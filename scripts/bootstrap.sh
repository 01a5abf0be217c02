#!/usr/bin/env bash
# Installs every Debian package that building, testing and running Breakwater locally needs.
# Idempotent and non-interactive; runs as root or through sudo; returns in well under a
# second when everything is already installed (it asks dpkg first, apt only if needed).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang
  libclang-rt-14-dev
  # libraries
  libcaf-dev libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libhiredis-dev libssl-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libsodium-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev
  libsqlite3-dev libpq-dev libqrencode-dev
  # servers and tools used by the local cluster and the tests
  redis-server redis-tools postgresql openssl curl python3 python3-grpcio procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${#missing[@]} package(s): ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql and redis-server packages start system-wide servers; Breakwater's
# tests and local cluster run their own on free loopback ports, so leave those alone.
echo "bootstrap: done" >&2
