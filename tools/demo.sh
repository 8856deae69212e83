#!/usr/bin/env bash
# One command on a fresh machine: install dependencies, build gilcheck, and run it on the bundled
# example (a racy counter): the finding, then the bytecode that explains it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== gilcheck check examples/counter.pyc"
./build/gilcheck check examples/counter.pyc || true
echo
echo "== gilcheck dis examples/counter.pyc (work: count += 1 is a load, an add and a store)"
./build/gilcheck dis examples/counter.pyc | sed -n '/Disassembly of work/,/^$/p'
echo
echo "== gilcheck explain -c 'count += 1' --python-version 3.9 (why, where a switch falls, a lost update)"
./build/gilcheck explain -c 'count += 1' --global count --python-version 3.9 || true
