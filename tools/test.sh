#!/usr/bin/env bash
# Builds gilcheck and runs every test: the normal build (all tests, including the conformance run
# over every installed standard library), then an AddressSanitizer + UndefinedBehaviorSanitizer
# build with one malloc per arena block (everything but the standard-library run and the
# installation tests, which build their own Release binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest -j"$jobs" --output-on-failure)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGILCHECK_SANITIZE=ON \
      -DGILCHECK_DEBUG_POOL=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j"$jobs" --output-on-failure -LE 'stdlib|python|install')
