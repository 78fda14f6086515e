#!/bin/bash
# Load time and peak memory of the released configurations, each in a fresh process:
#   tools/bench-load.sh QLIPX CHECKPOINTS [IMAGE]
# CHECKPOINTS holds random-weight folders in the real checkpoint format, written once with
#   QLIPX bench --write-checkpoints CHECKPOINTS     (QLIP-*-F32: as released, QLIP-*-BF16: halved)
# For each folder and precision: `qlipx info` (load only) and `qlipx query` (load, encode the
# image, 2 labels through the text tower), timed by /usr/bin/time (wall s, peak RSS). The files are
# read once before, so every run starts with them in the page cache. Markdown rows on stdout.
set -eu
QLIPX=$1 DIR=$2
IMAGE=${3:-$(dirname "$0")/../resources/samples/chelsea.png}
TOK=$(dirname "$0")/../resources/models/qlip-emoji-64
echo "| checkpoint | precision | load s | peak RSS, load only | peak RSS, load + query | mapped |"
echo "|---|---|---|---|---|---|"
for m in "$DIR"/QLIP-*; do
  [ -f "$m/vocab.json" ] || cp "$TOK/vocab.json" "$TOK/merges.txt" "$m/"
  cat "$m/model.safetensors" > /dev/null
  for p in fp32 bf16; do
    best=""
    for _ in 1 2; do # best of two loads
      out=$(/usr/bin/time -f "RSS %M" "$QLIPX" info "$m" --precision $p --threads 2 2>&1)
      s=$(echo "$out" | awk '/loaded in/{print $3}')
      if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
      rss=$(echo "$out" | awk '/^RSS/{printf "%.2f", $2/1048576}')
      mapped=$(echo "$out" | awk '/used in place/{print $2" MB"}')
    done
    q=$(/usr/bin/time -f "RSS %M" "$QLIPX" query "$IMAGE" -m "$m" --labels "a cat, a dog" --precision $p --threads 2 2>&1 | awk '/^RSS/{printf "%.2f", $2/1048576}')
    echo "| $(basename "$m") | $p | $best | $rss GB | $q GB | ${mapped:-0} |"
  done
done
