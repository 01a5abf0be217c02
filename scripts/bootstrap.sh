#!/usr/bin/env bash
# Installs every Debian package that building, testing and running Breakwater locally needs,
# then the pinned Claude Code CLI (scripts/claude-code.sh, into the user's cache; npm).
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
  redis-server redis-tools postgresql openssl curl python3 procps unzip tmux
)
# npm fetches test tooling Debian lacks (scripts/tools.sh); keep a Node.js already installed.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

# One dpkg-query for every package (it prints only the ones it knows; missing ones make it fail).
installed=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)$'\n'
missing=()
for p in "${PACKAGES[@]}"; do
  [[ $installed == *$'\n'"$p install ok installed"$'\n'* ]] || missing+=("$p")
done

# The real Claude Code CLI that breakwater-agent's sessions run and the e2e tests drive. Not
# fatal here (the local cluster runs without it); the tests that need it fail and say why.
claude_code() {
  bash "$(dirname "$0")/claude-code.sh" >/dev/null ||
    echo "bootstrap: could not install Claude Code (scripts/claude-code.sh); the tests that run it will fail" >&2
}

if [ ${#missing[@]} -eq 0 ]; then
  claude_code
  exit 0
fi

echo "bootstrap: installing ${#missing[@]} package(s): ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi
# sudo's env_reset drops DEBIAN_FRONTEND from the environment, so pass it through env.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql and redis-server packages start system-wide servers; Breakwater's
# tests and local cluster run their own on free loopback ports, so leave those alone.
claude_code
echo "bootstrap: done" >&2
