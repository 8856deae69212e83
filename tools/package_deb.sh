#!/usr/bin/env bash
# Builds gilcheck's Debian package from this source tree: installs the build dependencies from
# Debian's packages when some are missing (needs root then), builds a Release gilcheck without
# tests in a temporary directory, and runs `cpack -G DEB` (Depends: computed by dpkg-shlibdeps).
# Prints the path of gilcheck_VERSION_ARCH.deb, written into OUTDIR (default: the current
# directory).  Install it with `apt-get install ./gilcheck_*.deb`, which brings the runtime
# libraries.  docs/ci.md and action.yml use this script.
#
# usage: tools/package_deb.sh [OUTDIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${1:-.}"
out=$(cd "${1:-.}" && pwd)

# Everything the build needs (docs/ci.md lists the same packages; tests/install checks both).
build_deps=(cmake make gcc pkg-config python3 dpkg-dev file
            libpython3-dev libyaml-dev libjansson-dev libgit2-dev libxxhash-dev)
missing=()
for p in "${build_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "package_deb: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=$(mktemp -d "${TMPDIR:-/tmp}/gilcheck-deb.XXXXXX")
trap 'rm -rf "$build"' EXIT
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB -B "$build/pkg" >/dev/null)
deb=$(ls "$build"/pkg/gilcheck_*.deb)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
