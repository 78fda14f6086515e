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
# Issue 15: a short smoke run of every libFuzzer harness (FUZZ_SMOKE_SECONDS each, 0 = skip) when
# clang-14 is there. The 10-minute campaigns are run by hand: tools/fuzz.sh all 600.
if command -v clang++-14 >/dev/null && [ "${FUZZ_SMOKE_SECONDS:-20}" -gt 0 ]; then
  smoke_corpus=$(mktemp -d)
  FUZZ_CORPUS_ROOT=$smoke_corpus tools/fuzz.sh all "${FUZZ_SMOKE_SECONDS:-20}"
  rm -rf "$smoke_corpus"
fi
