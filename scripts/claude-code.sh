#!/usr/bin/env bash
# The real Claude Code CLI for the tests (issue 6): the npm package @anthropic-ai/claude-code
# at the version pinned below, installed once under
# ${XDG_CACHE_HOME:-~/.cache}/breakwater/claude-code-<version>/, never into the source tree.
# Prints the path of the `claude` executable (a native binary from the platform package
# @anthropic-ai/claude-code-linux-x64; Node.js is needed only to install it, not to run it).
# Idempotent: a second run only prints the path. Tests find it as $BW_CLAUDE, which
# scripts/test.sh exports and CMake hands to CTest (cmake/Testing.cmake).
#
#   scripts/claude-code.sh           install if needed, print the executable's path
#   scripts/claude-code.sh --path    print where the executable is (or would be), install nothing
#
# CMake reads the pinned version from the `version=` line below: keep it a plain assignment.
set -euo pipefail
package=@anthropic-ai/claude-code
version=2.1.330
dir=${XDG_CACHE_HOME:-$HOME/.cache}/breakwater/claude-code-$version
exe=$dir/node_modules/@anthropic-ai/claude-code-linux-x64/claude

if [ "${1:-}" = --path ]; then echo "$exe"; exit 0; fi
if [ -x "$exe" ]; then echo "$exe"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "claude-code.sh: only linux-x64 is set up (the tests run the linux-x64 binary)" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "claude-code.sh: npm is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }

# Install into a sibling folder and rename it into place, so an interrupted download never
# leaves a half-installed CLI that a later run would take as done.
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$dir.partial.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "claude-code.sh: installing $package@$version (~360 MB) into $dir" >&2
# --ignore-scripts: the package's install script only links the platform binary into place,
# which we do not need (we run the platform package's binary directly).
if ! (cd "$tmp" && npm init -y >/dev/null 2>&1 &&
      npm install --ignore-scripts --no-audit --no-fund --save-exact "$package@$version" >"$tmp/npm.log" 2>&1); then
  echo "claude-code.sh: npm could not fetch $package@$version:" >&2
  grep -E 'ERR|error' "$tmp/npm.log" | head -n 5 >&2 || tail -n 5 "$tmp/npm.log" >&2
  exit 1
fi
if [ ! -x "$tmp/node_modules/@anthropic-ai/claude-code-linux-x64/claude" ]; then
  echo "claude-code.sh: $package@$version installed but its linux-x64 binary is missing" >&2
  exit 1
fi
rm -f "$tmp/npm.log"
# Another run may have finished first: keep its copy (it may be in use) and drop ours.
if [ -x "$exe" ]; then echo "$exe"; exit 0; fi
rm -rf "$dir" && mv "$tmp" "$dir"
trap - EXIT
echo "$exe"
