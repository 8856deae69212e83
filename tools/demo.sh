#!/usr/bin/env bash
# One command on a fresh machine: install dependencies, build gilcheck, and run it on the bundled
# example (a racy counter), showing the bytecode of the lost update.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== gilcheck dis examples/counter.pyc (function work: count += 1 is LOAD_GLOBAL, add, STORE_GLOBAL)"
./build/gilcheck dis examples/counter.pyc
