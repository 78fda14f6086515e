#!/bin/bash
# qlipx download / models / encode -m ORG/NAME end to end against the local mock hub
# (tests/tools/mock_hub.py): the Done-when of issue 16 with the golden tiny model standing in
# for nvidia/QLIP-B-16-256. Usage: cli_download.sh QLIPX SOURCE_DIR WORK_DIR
set -eu
QLIPX=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
R=nvidia/QLIP-B-16-256
M=$SRC/resources/models/qlip-emoji-64
/usr/bin/python3 "$SRC/tests/tools/mock_hub.py" --repo "$R=$SRC/tests/data/golden/tiny-b16" \
  --add "$R:vocab.json=$M/vocab.json" --add "$R:merges.txt=$M/merges.txt" \
  --add "$R:preprocessor_config.json=$SRC/tests/data/hub/preprocessor_config.json" > "$WORK/mock.out" &
MOCK=$!
trap 'kill $MOCK 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q PORT "$WORK/mock.out" 2>/dev/null && break; sleep 0.2; done
export HF_ENDPOINT="http://127.0.0.1:$(awk '/PORT/{print $2}' "$WORK/mock.out")"
export HF_HUB_CACHE="$WORK/hub" HF_HOME="$WORK/hf-home" XDG_CONFIG_HOME="$WORK/config" OMP_NUM_THREADS=2
unset HF_TOKEN QLIPX_MODEL_PATH || true
fail() { echo "FAIL: $*"; exit 1; }

"$QLIPX" models > "$WORK/models-before.txt"
grep -q "$R .*not downloaded" "$WORK/models-before.txt" || fail "models does not list $R as not downloaded"
"$QLIPX" encode "$SRC/resources/samples/chelsea.png" -m $R -o "$WORK/none.npy" 2> "$WORK/encode-missing.txt" && fail "encode -m of a missing model succeeded"
grep -q "qlipx download $R" "$WORK/encode-missing.txt" || fail "no hint to download: $(cat "$WORK/encode-missing.txt")"

"$QLIPX" download $R > "$WORK/download.txt" 2> "$WORK/download.err"
cat "$WORK/download.txt"
grep -q "5 files downloaded" "$WORK/download.txt" || fail "first download: $(cat "$WORK/download.txt")"
"$QLIPX" download $R > "$WORK/again.txt"
grep -q "already in the cache" "$WORK/again.txt" || fail "second download was not a no-op: $(cat "$WORK/again.txt")"
"$QLIPX" models > "$WORK/models.txt"
cat "$WORK/models.txt"
grep -Eq "^$R +hub cache +[0-9a-f]{10} \(main\) .*complete" "$WORK/models.txt" || fail "models does not list the download as complete"

# The cache is what the loader reads: tokens by repo id equal tokens from the original folder.
"$QLIPX" encode "$SRC/resources/samples/chelsea.png" -m $R -o "$WORK/hub.npy" --threads 2
"$QLIPX" encode "$SRC/resources/samples/chelsea.png" -m "$SRC/tests/data/golden/tiny-b16" -o "$WORK/folder.npy" --threads 2
cmp "$WORK/hub.npy" "$WORK/folder.npy" || fail "tokens differ between -m $R and the golden folder"
grep -q "\"$R\"" "$WORK/hub.json" || fail "the sidecar does not name the model $R"
"$QLIPX" info $R | grep -q "model        $R" || fail "info does not name the model"
echo "cli_download: all checks passed"
