#!/usr/bin/env bash
# Installs what gilcheck needs to build and test on a fresh Debian machine: the compiler and
# libraries from Debian's packages (apt-get), CPython 3.14 (pyodide) from npm for the oracles.
# Does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake make gcc clang pkg-config libpython3-dev libyaml-dev libjansson-dev libcmocka-dev
      nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d tools/node/node_modules/pyodide ]; then
  echo "deps: installing pyodide (CPython 3.14) under tools/node"
  npm install --prefix tools/node --no-audit --no-fund --loglevel=error >/dev/null \
    || echo "deps: warning: npm install failed; 3.14 oracle tests will be skipped"
fi
