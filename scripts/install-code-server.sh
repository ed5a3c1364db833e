#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3, the version that runs on Node 20) offline into
# .vscode-test/code-server, as described in shared/REAL_VSCODE.md. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DIR=.vscode-test/code-server
BIN="$DIR/node_modules/.bin/code-server"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "code-server $VERSION already installed"; exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is missing: apt-get install -y ripgrep" >&2; exit 1; }
# @vscode/ripgrep downloads rg from GitHub unless its cache holds the archive.
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
mkdir -p "$DIR"
npm_config_yes=true npm_config_unsafe_perm=true npm_config_dangerously_allow_all_scripts=true \
  npm install --no-audit --no-fund --prefix "$DIR" "code-server@$VERSION"
"$BIN" --version
