#!/bin/bash
# Load time and peak memory of the released configurations, each in a fresh process:
#   tools/bench-load.sh CHECKPOINTS QLIPX [QLIPX_TO_COMPARE...]
# CHECKPOINTS holds random-weight folders in the real checkpoint format, written once with
#   qlipx bench --write-checkpoints CHECKPOINTS    (QLIP-*-F32: as released, QLIP-*-BF16: halved)
# For each folder, precision and binary (binaries interleaved, so they see the same machine load):
# `qlipx info` (load only: best of 2 load times, its peak RSS) and `qlipx query` (load, encode the
# image, 2 labels through the text tower: peak RSS), measured by /usr/bin/time. The file is read
# once before, so every run starts with it in the page cache. Markdown rows on stdout.
set -eu
DIR=$1
shift
IMAGE=${QLIPX_BENCH_IMAGE:-$(dirname "$0")/../resources/samples/chelsea.png}
TOK=$(dirname "$0")/../resources/models/qlip-emoji-64
echo "| checkpoint | precision | binary | load s (best of 2) | peak RSS, load | peak RSS, load + query | used in place |"
echo "|---|---|---|---|---|---|---|"
for m in "$DIR"/QLIP-*; do
  [ -f "$m/vocab.json" ] || cp "$TOK/vocab.json" "$TOK/merges.txt" "$m/"
  cat "$m/model.safetensors" > /dev/null
  for p in fp32 bf16; do
    for q in "$@"; do
      best=""
      for _ in 1 2; do
        out=$(/usr/bin/time -f "RSS %M" "$q" info "$m" --precision $p --threads 2 2>&1)
        s=$(echo "$out" | awk '/loaded in/{print $3}')
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
        rss=$(echo "$out" | awk '/^RSS/{printf "%.2f", $2/1048576}')
        mapped=$(echo "$out" | awk '/used in place/{print $2" MB"}')
      done
      rq=$(/usr/bin/time -f "RSS %M" "$q" query "$IMAGE" -m "$m" --labels "a cat, a dog" --precision $p --threads 2 2>&1 | awk '/^RSS/{printf "%.2f", $2/1048576}')
      echo "| $(basename "$m") | $p | $(basename "$q") | $best | $rss GB | $rq GB | ${mapped:-0} |"
    done
  done
done
