#!/bin/sh
# Installs what is missing, builds everything (Release, ccache) and runs every test through CTest.
set -eu
cd "$(dirname "$0")/.."
tools/setup-debian.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
cmake --preset release
cmake --build --preset release -j2
ctest --preset release
