#!/bin/sh
# Checks a Hugging Face hub cache with an independent reader: the scanCacheDir() of the npm
# package @huggingface/hub (the hub's own JavaScript client), installed into a temporary folder.
# Not part of CI (it needs the npm registry). Usage:
#   tools/check-hub-layout.sh [CACHE_DIR]        (default: $HF_HUB_CACHE or ~/.cache/huggingface/hub)
# Example against the mock hub: run the qlipx_download test, then
#   tools/check-hub-layout.sh build/tests/cli-download/hub
set -eu
CACHE=${1:-${HF_HUB_CACHE:-$HOME/.cache/huggingface/hub}}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${QLIPX_NPM_DIR:-${TMPDIR:-/tmp}/qlipx-hub-check}
mkdir -p "$WORK"
if [ ! -d "$WORK/node_modules/@huggingface/hub" ]; then
  (cd "$WORK" && npm install --silent --no-audit --no-fund @huggingface/hub@2.17.5 >/dev/null)
fi
NODE_PATH="$WORK/node_modules" node "$HERE/check-hub-layout.cjs" "$CACHE"
